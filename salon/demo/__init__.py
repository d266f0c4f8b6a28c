"""`salon demo`: start the embedded stack and play a scenario through the real paths, then summarise."""

from __future__ import annotations

import random
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from salon.client import StackClient
from salon.demo.images import manicure, off_topic
from salon.local.config import StackConfig
from salon.local.stack import EmbeddedStack

DESIGNERS = ["amara", "bea", "chen", "dario"]


def _photos(folder: Path, count: int, user_images: Path | None) -> list[tuple[str, Path]]:
    """(designer, path) pairs: the user's photos, or drawn manicures with some off-topic scenes mixed in."""
    rnd = random.Random(7)
    if user_images:
        paths = sorted(p for p in user_images.rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
        if not paths:
            raise SystemExit(f"no JPEG or PNG files in {user_images}")
    else:
        paths = []
        for i in range(count):
            path = folder / f"photo-{i:03d}.jpg"  # neutral names: nothing hints the AI
            path.write_bytes(off_topic(i) if i % 5 == 4 else manicure(i))
            paths.append(path)
    return [(rnd.choice(DESIGNERS), p) for p in paths]


def run(console: Console, count: int = 20, images: Path | None = None, home: Path | None = None) -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        config = StackConfig.from_env()
        config.home = home or Path(tmp) / "salon"
        config.moto_port = config.lambda_port = config.ai_port = config.api_port = 0
        stack = EmbeddedStack(config)
        with console.status("starting the embedded stack (moto, Lambda, AI and API endpoints)"):
            endpoints = stack.start()
        client = StackClient(endpoints, timeout=180)
        try:
            photos = _photos(Path(tmp), count, images)
            results = _upload_all(console, client, photos)
            _summary(console, results, client)
        finally:
            stack.stop()
    console.print(f"\ndemo finished in {time.perf_counter() - started:.1f} s")
    return 0


def _upload_all(console: Console, client: StackClient, photos: list[tuple[str, Path]]) -> list[dict[str, Any]]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    results: list[dict[str, Any]] = []
    with Progress(*columns, console=console) as progress, ThreadPoolExecutor(4) as pool:
        task = progress.add_task("designers upload photos", total=len(photos))

        def one(item: tuple[str, Path]) -> dict[str, Any]:
            designer, path = item
            result = client.upload(path, designer, wait=True)
            progress.advance(task)
            return {**result, "designer": designer, "file": path.name}

        results = list(pool.map(one, photos))
    return results


def _summary(console: Console, results: list[dict[str, Any]], client: StackClient) -> None:
    verdicts = Counter(r["verdict"] for r in results)
    table = Table(title="Uploads")
    for column in ("file", "designer", "verdict", "why"):
        table.add_column(column)
    for r in results:
        table.add_row(r["file"], r["designer"], r["verdict"], (r.get("reasons") or [""])[0][:90])
    console.print(table)
    console.print("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))
    mail = client.mail()
    console.print(f"mailbox: {len(mail)} message(s)")
    for m in mail:
        console.print(f"  {m['subject']}  ->  {m['file']}")
