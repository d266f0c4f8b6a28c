"""Benchmark: a batch of uploads through the embedded stack, end to end, next to the AI time per image.

Not a test: it prints numbers. `make bench` runs it; `--images DIR` uses your own photos (default: the
project's generated images; ../shared/data/images is used when present and --shared is given).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from salon.client import StackClient
from salon.demo.images import manicure, off_topic
from salon.local.config import StackConfig
from salon.local.stack import EmbeddedStack

SHARED_IMAGES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "images"


def generated_images(count: int, folder: Path) -> list[Path]:
    """The demo's drawn photos: four manicures to one off-topic scene, so both branches run."""
    paths = []
    for i in range(count):
        path = folder / f"bench-{i:03d}.jpg"
        path.write_bytes(off_topic(i) if i % 5 == 4 else manicure(i))
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--images", type=Path, help="folder of JPEG/PNG photos to upload")
    parser.add_argument("--shared", action="store_true", help="use ../shared/data/images when present")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        if args.images:
            paths = sorted(p for p in args.images.rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
        elif args.shared and SHARED_IMAGES.is_dir():
            paths = sorted(SHARED_IMAGES.rglob("*.jpg"))
        else:
            paths = generated_images(args.count, home)
        paths = (paths * (args.count // max(len(paths), 1) + 1))[: args.count]

        stack = EmbeddedStack(
            StackConfig(
                home=home / "salon", moto_port=0, lambda_port=0, ai_port=0, api_port=0, events_port=0, realtime_port=0
            )
        )
        t0 = time.perf_counter()
        stack.start()
        startup = time.perf_counter() - t0
        client = StackClient(stack.endpoints, timeout=300)
        try:
            # AI time per image, measured on the models directly (the endpoint's own work).
            vision = stack.ai.vision
            vision.detect_labels(paths[0].read_bytes())  # first call outside the timing
            ai_times = []
            for path in paths[: min(20, len(paths))]:
                data = path.read_bytes()
                t = time.perf_counter()
                vision.detect_moderation_labels(data)
                vision.detect_labels(data)
                ai_times.append(time.perf_counter() - t)
            client.upload(paths[0], "bench-warmup", wait=True)  # cold starts out of the way

            t = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                results = list(
                    pool.map(lambda p: client.upload(p, f"bench{hash(p) % args.concurrency}", wait=True), paths)
                )
            elapsed = time.perf_counter() - t
        finally:
            stack.stop()

    latencies = sorted(r["seconds"] for r in results)
    verdicts: dict[str, int] = {}
    for r in results:
        verdicts[r["verdict"]] = verdicts.get(r["verdict"], 0) + 1
    ai_ms = statistics.mean(ai_times) * 1000
    print(f"stack start-up           : {startup:.2f} s")
    print(f"uploads                  : {len(results)} ({args.concurrency} concurrent clients) -> {verdicts}")
    print(f"throughput end to end    : {len(results) / elapsed:.2f} uploads/s ({elapsed:.1f} s)")
    print(
        f"latency per upload       : p50 {latencies[len(latencies) // 2]:.2f} s, "
        f"p95 {latencies[int(len(latencies) * 0.95) - 1]:.2f} s"
    )
    print(f"AI endpoint per image    : {ai_ms:.1f} ms (moderation + labels, models called directly)")
    print(
        f"orchestration per upload : {latencies[len(latencies) // 2] * 1000 - ai_ms:.0f} ms at p50 "
        "(token, API, presigned POST, S3 event, queue, 12+ states)"
    )


if __name__ == "__main__":
    main()
