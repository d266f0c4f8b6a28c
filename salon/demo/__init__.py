"""`salon demo`: start the embedded stack and play a season of the salon through the real paths.

Designers upload drawn designs (plus off-topic scenes and one rude gesture); customers comment in ten languages
over several weeks, with a dip in satisfaction and, at the end, a burst of complaints. Everything goes through
the API, presigned POSTs, EventBridge, SQS and the two workflows; the summary reports what the offline models
actually decided. Ends with the mailbox and the owner's insights report as HTML.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from functions import names
from salon.client import StackClient
from salon.demo.images import off_topic, rude_gesture
from salon.demo.texts import FURIOUS
from salon.local.config import StackConfig
from salon.local.stack import EmbeddedStack
from salon.scenario import generate, seed_stack

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}


def _user_photos(folder: Path) -> list[Path]:
    photos = sorted(p for p in folder.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES)
    if not photos:
        raise SystemExit(f"no JPEG or PNG files in {folder}")
    return photos


class _Bars:
    """One progress bar per stage, created on first report."""

    def __init__(self, progress: Progress) -> None:
        self.progress, self.lock = progress, threading.Lock()
        self.tasks: dict[str, TaskID] = {}
        self.labels = {
            "designs": "designers upload the season's designs",
            "comments": "customers comment, week after week",
        }

    def __call__(self, stage: str, done: int, total: int) -> None:
        with self.lock:
            if stage not in self.tasks:
                self.tasks[stage] = self.progress.add_task(self.labels.get(stage, stage), total=total)
            self.progress.update(self.tasks[stage], completed=done, total=total)

    def task(self, label: str, total: int) -> TaskID:
        return self.progress.add_task(label, total=total)


def run(
    console: Console,
    weeks: int = 6,
    images: Path | None = None,
    report_path: Path | None = None,
    home: Path | None = None,
    serve: bool = False,
    search: str = "duckdb",
) -> int:
    started = time.perf_counter()
    config = StackConfig.from_env()
    config.home = home or config.home / "demo"
    config.search = search
    config.moto_port = config.lambda_port = config.ai_port = config.api_port = 0
    config.events_port = config.realtime_port = 0
    stack = EmbeddedStack(config)
    with console.status(f"starting the embedded stack (moto, Lambda, AI and API endpoints, {search} index)"):
        endpoints = stack.start()
        stack.reset_mailbox()  # the demo's own home: this run's mail only
        stack.ai.vision, stack.ai.text  # load the models now, not in the first workflow  # noqa: B018
    client = StackClient(endpoints, timeout=180)
    report_path = report_path or Path.cwd() / "demo-report.html"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            uploads, burst = _play(console, client, Path(tmp), weeks, images)
        _summary(console, client, uploads, burst)
        _report(console, client, report_path, search)
        console.print(f"\nState of this run (mailbox, index): {config.home}")
        console.print(
            f"Watch any execution: `salon execution NAME` needs a running stack; the report and "
            f"mailbox stay. Demo finished in {time.perf_counter() - started:.0f} s."
        )
        gallery = f"{endpoints.api}/gallery/"
        if serve:
            console.print(f"[bold]Gallery:[/] {gallery}  (the stack stays up until Ctrl-C)")
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
        else:
            console.print(f"[bold]Gallery:[/] {gallery} was served during the demo and is gone now that it ended.")
            console.print("`salon demo --serve` keeps the stack and the gallery up until Ctrl-C.")
    finally:
        stack.stop()
    return 0


def _play(
    console: Console, client: StackClient, tmp: Path, weeks: int, images: Path | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    scenario = generate(weeks=weeks, seed=11, scale=0.6, multilingual=True)
    photos = _user_photos(images) if images else []
    cycle = itertools.cycle(photos)
    draw: Callable[[int], bytes] | None = (lambda _seed: next(cycle).read_bytes()) if photos else None
    columns = (TextColumn("{task.description:<44}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bars = _Bars(progress)
        seeded = seed_stack(client, scenario, progress=bars, draw=draw)
        designers = sorted({d.designer for d in scenario.designs})
        extra = _extra_uploads(tmp, designers, photos[len(scenario.designs) :] if photos else None)
        task = bars.task("off-topic photos and an inappropriate attempt", len(extra))
        uploads = []
        with ThreadPoolExecutor(4) as pool:
            for result in pool.map(lambda item: client.upload(item[1], item[0], wait=True), extra):
                uploads.append(result)
                progress.advance(task)
        approved = [d.design_id for d in (seeded.recorded.designs if seeded.recorded else [])]
        burst = _burst(client, approved, bars, progress)
    console.print(
        f"seeded {seeded.designs_approved} designs from {seeded.uploads} uploads, "
        f"{seeded.comments_succeeded} comments ({seeded.comments_via_events} from past weeks as events, "
        f"{seeded.comments_via_api} this week through the API) in {seeded.seconds:.0f} s"
    )
    return uploads, burst


def _extra_uploads(tmp: Path, designers: list[str], leftovers: list[Path] | None) -> list[tuple[str, Path]]:
    """Off-topic scenes and one rude gesture (drawn), or the rest of the user's photos."""
    rnd = random.Random(5)
    if leftovers is not None:
        return [(rnd.choice(designers), p) for p in leftovers]
    items = []
    for i, data in enumerate([off_topic(i) for i in range(4)] + [rude_gesture(3)]):
        path = tmp / f"upload-{i:02d}.jpg"  # neutral names: nothing hints the AI
        path.write_bytes(data)
        items.append((rnd.choice(designers), path))
    return items


def _burst(client: StackClient, designs: list[str], bars: _Bars, progress: Progress) -> list[dict[str, Any]]:
    """Furious customers, one after another, within minutes: one burst alert, escalations for each."""
    if not designs:
        return []
    task = bars.task("a burst of complaints", len(FURIOUS))
    results = []
    for i, text in enumerate(FURIOUS):
        results.append(client.comment(designs[i % len(designs)], f"upset{i + 1:02d}", text, wait=True))
        progress.advance(task)
    return results


def _counter_line(counts: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.most_common()) or "none"


def _summary(console: Console, client: StackClient, uploads: list[dict[str, Any]], burst: list[dict[str, Any]]) -> None:
    ddb = client.aws("dynamodb")
    decisions = [
        i for page in ddb.get_paginator("scan").paginate(TableName=names.DECISIONS_TABLE) for i in page["Items"]
    ]
    comments = [i for page in ddb.get_paginator("scan").paginate(TableName=names.COMMENTS_TABLE) for i in page["Items"]]
    verdicts = Counter(i["verdict"]["S"] for i in decisions)
    analysed = [i for i in comments if i.get("status", {}).get("S") == "analyzed"]
    mail = client.mail()
    table = Table(title="What happened", show_header=False)
    table.add_row("uploads", f"{len(decisions)}: {_counter_line(verdicts)}")
    table.add_row(
        "comments analysed",
        str(len(analysed)) + (f" ({len(comments) - len(analysed)} failed)" if len(comments) > len(analysed) else ""),
    )
    table.add_row("  by sentiment", _counter_line(Counter(i["sentiment"]["S"] for i in analysed)))
    table.add_row("  by language", _counter_line(Counter(i["language"]["S"] for i in analysed)))
    table.add_row("escalations emailed", str(sum(m["subject"].startswith("Escalation") for m in mail)))
    table.add_row("burst alerts emailed", str(sum(m["subject"].startswith("Burst alert") for m in mail)))
    table.add_row("quarantine alerts", str(sum(m["subject"].startswith("Quarantined") for m in mail)))
    console.print(table)
    extra = Table(title="Off-topic photos and the inappropriate attempt (as the offline models decided)")
    for column in ("upload", "verdict", "why"):
        extra.add_column(column)
    for r in uploads:
        extra.add_row(r["key"].removeprefix("uploads/"), r["verdict"], "; ".join(r.get("reasons") or []))
    console.print(extra)
    burst_line = [
        f"{r.get('sentiment')}{' (escalated)' if r.get('escalated') else ''}"
        f"{' → burst alert' if r.get('burstAlert') else ''}"
        for r in burst
    ]
    console.print("burst of complaints: " + "; ".join(burst_line))
    inbox = Table(title=f"Owner's mailbox ({len(mail)} messages; newest first)")
    for column in ("subject", "file"):
        inbox.add_column(column)
    for m in mail[:12]:
        inbox.add_row(m["subject"], Path(m["file"]).name)
    if len(mail) > 12:
        inbox.add_row(f"… and {len(mail) - 12} more", "")
    console.print(inbox)


def _report(console: Console, client: StackClient, path: Path, search: str) -> None:
    from salon import report
    from salon.cli_insights import designs_named, fetch_from_stack, print_tables

    data = fetch_from_stack(client, "owner", {})
    print_tables(data)
    report.write(
        path,
        data,
        title="Salon Insights — demo season",
        source=f"the embedded stack ({search} index), after `salon demo`",
        designs=client.design_cards(designs_named(data)),
    )
    console.print(f"[bold]Insights report:[/] {path}")
