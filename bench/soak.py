"""Soak: steady uploads and comments through the embedded stack for a bounded time (10 minutes by default).

Not a test: it prints, once a minute, the RSS, open files and threads of the stack's processes (this
process and its children: the stack runs in-process) and the executions per status; at the end it waits for
the stack to drain and says whether anything is stuck (running executions, comments left `received`) and
what reconcile finds. `make soak` runs it; `--minutes 2` for a short one.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import random
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import harness
import memcensus

from salon import cli_ops
from salon.client import ClientError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to send traffic (default 10)")
    parser.add_argument("--uploads-per-minute", type=float, default=15.0)
    parser.add_argument("--comments-per-minute", type=float, default=60.0)
    parser.add_argument("--drain-timeout", type=float, default=600.0, help="seconds to wait for the stack to drain")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--warmup-minutes", type=float, default=2.0, help="samples before this are not in the slope")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.add_argument(
        "--trace-memory",
        type=int,
        default=0,
        metavar="N",
        help="trace Python allocations (tracemalloc) and print the N lines that grew most each minute",
    )
    parser.add_argument(
        "--census",
        type=int,
        default=0,
        metavar="N",
        help="print the N containers of moto's backends and the N object types that grew most each minute",
    )
    return parser.parse_args(argv)


def trimmed_rss_mb() -> float | None:
    """RSS after a full collection and glibc's malloc_trim: live memory, without freed heap not yet returned to the
    OS (raw RSS swings by 100+ MB with the images in flight). None where glibc is absent."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return None
    return harness.resources()["rssMb"]


def sample(started: float, sent: dict[str, int], stack: Any = None) -> dict[str, Any]:
    row = {
        "minute": round((time.monotonic() - started) / 60, 1),
        **harness.resources(),
        "rssTrimmedMb": trimmed_rss_mb(),
        "sent": dict(sent),
        "executions": dict(harness.executions()),
    }
    retention = getattr(stack, "retention", None)
    row["historiesOnDisk"] = retention.retired if retention is not None else 0
    return row


def slope(rows: list[dict[str, Any]], field: str, after_minute: float) -> float | None:
    """MB per minute, least squares over the samples after warm-up."""
    points = [(r["minute"], r[field]) for r in rows if r["minute"] >= after_minute and r.get(field) is not None]
    if len(points) < 2:
        return None
    mx, my = sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points)
    var = sum((x - mx) ** 2 for x, _ in points)
    return round(sum((x - mx) * (y - my) for x, y in points) / var, 2) if var else None


def show(row: dict[str, Any]) -> None:
    print(
        f"[{row['minute']:5.1f} min] rss {row['rssMb']:8.1f} MB (trimmed {row['rssTrimmedMb'] or 0:8.1f})  "
        f"files {row['openFiles']:4d}  "
        f"threads {row['threads']:4d}  processes {row['processes']}  sent {row['sent']}  "
        f"executions {row['executions']} (histories on disk {row['historiesOnDisk']})",
        flush=True,
    )


class MemoryTrace:
    """With --trace-memory N: the N source lines whose live Python allocations grew most since the last sample.

    Native memory (model runtimes, numpy buffers) is not traced; compare the traced total with the RSS."""

    def __init__(self, top: int) -> None:
        self.top, self.last = top, None
        if top:
            tracemalloc.start(1)
            self.last = tracemalloc.take_snapshot()

    def show(self) -> None:
        if not self.top or self.last is None:
            return
        gc.collect()
        now = tracemalloc.take_snapshot()
        ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
        diff = now.filter_traces(ignore).compare_to(self.last.filter_traces(ignore), "lineno")
        current, _ = tracemalloc.get_traced_memory()
        print(f"    traced {current / 2**20:.1f} MB; grew most since the last sample:", flush=True)
        for stat in diff[: self.top]:
            frames = " <- ".join(f"{'/'.join(Path(f.filename).parts[-3:])}:{f.lineno}" for f in stat.traceback)
            print(f"    {stat.size_diff / 2**20:+8.2f} MB {stat.count_diff:+7d} blocks  {frames}", flush=True)
        self.last = now


def run(args: argparse.Namespace) -> dict[str, Any]:
    rnd = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stack, client = harness.start_stack(folder / "salon")
        census, sent = harness.Census(), {"uploads": 0, "comments": 0, "refused": 0}
        rows: list[dict[str, Any]] = []
        try:
            _ = stack.ai.vision, stack.ai.text
            trace = MemoryTrace(args.trace_memory)
            memory_census = memcensus.Census(args.census)
            started = time.monotonic()
            stop_at = started + args.minutes * 60
            rows.append(sample(started, sent, stack))
            show(rows[-1])
            next_sample = started + 60

            def uploader() -> None:
                i = 0
                while time.monotonic() < stop_at:
                    try:
                        census.uploads_sent.add(harness.upload_photo(client, folder, i, f"soak{i % 4}")["key"])
                        sent["uploads"] += 1
                    except ClientError:
                        sent["refused"] += 1
                    i += 1
                    time.sleep(60.0 / args.uploads_per_minute)

            def commenter() -> None:
                i = 0
                while time.monotonic() < stop_at:
                    designs = harness.published_designs()
                    if designs:
                        design = rnd.choice(designs)
                        try:
                            result = client.comment(design["photoId"], f"fan{i % 30}", rnd.choice(harness.TEXTS))
                            census.comments_sent.add(result["commentId"])
                            sent["comments"] += 1
                        except ClientError:
                            sent["refused"] += 1
                        i += 1
                    time.sleep(60.0 / args.comments_per_minute)

            workers = [threading.Thread(target=f, daemon=True) for f in (uploader, commenter)]
            for worker in workers:
                worker.start()
            while time.monotonic() < stop_at:
                time.sleep(min(1.0, max(0.0, next_sample - time.monotonic())))
                if time.monotonic() >= next_sample:
                    rows.append(sample(started, sent, stack))
                    show(rows[-1])
                    trace.show()
                    memory_census.show()
                    next_sample += 60
            for worker in workers:
                worker.join(timeout=120)
            drained, reviews = harness.wait_decided(stack, client, args.drain_timeout)
            rows.append(sample(started, sent, stack))
            show(rows[-1])
            outcome = census.measure(stack)
            report = cli_ops.reconcile(client, repair=False, deadline_seconds=0, grace_seconds=0)
        finally:
            stack.stop()
    first, last = rows[0], rows[-1]
    return {
        "config": {k: v for k, v in vars(args).items() if k != "json"},
        "samples": rows,
        "drained": drained,
        "reviewsDecided": reviews,
        "rssGrowthMb": round(last["rssMb"] - first["rssMb"], 1),
        # Live memory once drained against the first minute's (models loaded, first items through): what stays.
        "rssTrimmedAfterDrainVsFirstMinute": [rows[1]["rssTrimmedMb"], last["rssTrimmedMb"]] if len(rows) > 2 else None,
        "slopeMbPerMinute": {
            "rss": slope(rows[:-1], "rssMb", args.warmup_minutes),
            "rssTrimmed": slope(rows[:-1], "rssTrimmedMb", args.warmup_minutes),
        },
        "outcome": outcome,
        "reconcile": {"clean": report["clean"], "findings": [f["check"] for f in report["findings"]][:20]},
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(args)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    outcome = result["outcome"]
    print(
        f"drained: {result['drained']} ({result['reviewsDecided']} reviews decided); "
        f"RSS growth {result['rssGrowthMb']} MB; trimmed RSS after the first minute and after draining "
        f"{result['rssTrimmedAfterDrainVsFirstMinute']} MB; slope after warm-up "
        f"{result['slopeMbPerMinute']} MB/min; sent {outcome['sent']}; "
        f"terminal {outcome['terminalShare']:.1%}; lost {outcome['lost']}; stuck {outcome['stuck']}; "
        f"uploads {outcome['uploadStates']}; comments {outcome['commentStates']}"
    )
    rec = result["reconcile"]
    print("reconcile: clean" if rec["clean"] else f"reconcile findings: {rec['findings']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
