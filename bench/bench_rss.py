"""Benchmark: the stack's memory after many items against after the first few (`make bench-rss`).

Not a test: it prints numbers. One embedded stack in this process; uploads and comments are sent together, in
the ratio asked (500 uploads and 2,000 comments by default), by one client (or --clients). The RSS of the
stack's processes (this one and its children) is read after the first `--early` items and after the last, raw
and "trimmed" (after a full collection and glibc's malloc_trim: live memory, without freed heap not yet handed
back; raw RSS swings with the images in flight). The goal: the figure after all items within 10% of the one
after the first 50.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import ctypes
import gc
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench_pipeline import TEXTS, client_of, embedded_stack, published_design

from salon.demo.images import manicure, off_topic
from salon.stack_state import ClientError


def tree_rss_mb(root: int | None = None) -> float:
    """RSS summed over a process and its descendants (/proc)."""
    root = root or os.getpid()
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    todo, kb = [root], 0
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        kb += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return kb / 1024


def trimmed_rss_mb() -> float:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # no glibc: the raw figure
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return tree_rss_mb()


def executions_by_status() -> dict[str, int]:
    """The engine's executions in this process, by status (a running upload waits for the owner's review)."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    statuses: collections.Counter[str] = collections.Counter()
    for regions in list(stepfunctions_parser_backends.values()):
        for backend in list(regions.values()):
            for machine in list(backend.state_machines):
                statuses.update(
                    str(getattr(getattr(e, "exec_status", None), "value", None)) for e in list(machine.executions)
                )
    return dict(statuses)


def reading(sent: int, started: float) -> dict[str, Any]:
    raw = tree_rss_mb()
    trimmed = trimmed_rss_mb()
    return {
        "items": sent,
        "seconds": round(time.monotonic() - started, 1),
        "rssMb": round(raw, 1),
        "trimmedMb": round(trimmed, 1),
        "threads": threading.active_count(),
        "executions": executions_by_status(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=500)
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--early", type=int, default=50, help="items after which the first reading is taken")
    # One client by default, as measured first (2026-12-01); concurrent clients are safe since the local runtime
    # resolves one API request at a time (salon/local/lambda_endpoint.py).
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument(
        "--owner-decides",
        action="store_true",
        help="the owner decides each upload that waits for review at once (else it waits, a running execution)",
    )
    args = parser.parse_args()
    total = args.uploads + args.comments
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stack = embedded_stack(folder)
        stack.start()
        try:
            client = client_of(stack, timeout=600)
            design = published_design(client, folder, 0)
            # the uploads spread evenly among the comments: item i is an upload when it crosses the next share
            kinds = [
                "upload" if (i + 1) * args.uploads // total > i * args.uploads // total else "comment"
                for i in range(total)
            ]

            def decide(photo_id: str, decision: str) -> None:
                # `upload --wait` answers "review" once AskOwner is entered; its task stores the token a moment later
                for _ in range(100):
                    try:
                        client.review(photo_id, decision, "decided by the benchmark's owner")
                        return
                    except ClientError as exc:
                        if "(404)" not in str(exc):
                            raise
                        time.sleep(0.05)
                raise RuntimeError(f"the review of {photo_id} never became pending")

            def one(i: int) -> None:
                user = f"rss-{i % args.clients}"
                if kinds[i] == "upload":
                    path = folder / f"rss-{i}.jpg"
                    path.write_bytes(off_topic(i) if i % 5 == 4 else manicure(i))
                    uploaded = client.upload(path, user, wait=True)
                    path.unlink()
                    if args.owner_decides and uploaded["verdict"] == "review":
                        decide(uploaded["photoId"], "reject" if i % 5 == 4 else "approve")  # off-topic rejected
                else:
                    client.comment(design["photoId"], f"fan-{user}", TEXTS[i % len(TEXTS)], True)

            started = time.monotonic()
            readings = []
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(one, range(min(args.early, total))))
                readings.append(reading(min(args.early, total), started))
                print(f"after {readings[-1]['items']} items: {readings[-1]}", flush=True)
                step = max(1, (total - args.early) // 5)
                for begin in range(args.early, total, step):
                    list(pool.map(one, range(begin, min(total, begin + step))))
                    readings.append(reading(min(total, begin + step), started))
                    print(f"after {readings[-1]['items']} items: {readings[-1]}", flush=True)
        finally:
            stack.stop()
    first, last = readings[0], readings[-1]
    owner = ", the owner deciding reviews" if args.owner_decides else ""
    print(
        f"\nstack RSS (all its processes) after {first['items']} items: {first['rssMb']:.0f} MB raw, "
        f"{first['trimmedMb']:.0f} MB trimmed; after {last['items']} ({args.uploads} uploads, "
        f"{args.comments} comments, {args.clients} clients{owner}, "
        f"{last['seconds']:.0f} s): {last['rssMb']:.0f} MB raw "
        f"({last['rssMb'] / first['rssMb'] - 1:+.1%}), {last['trimmedMb']:.0f} MB trimmed "
        f"({last['trimmedMb'] / first['trimmedMb'] - 1:+.1%}); goal: within 10%"
    )


if __name__ == "__main__":
    main()
