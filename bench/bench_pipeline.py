"""Benchmark: the models' own speed next to the stack's, from the same run, three times.

Not a test: it prints numbers (`make bench`). Per run, on one embedded stack:
- the models alone: the AI endpoint over HTTP, one sequential boto3 client (moderation + labels per image;
  language + sentiment per text, the calls the workflows make);
- the stack end to end at 1, 4 and 8 clients: uploads (grant, presigned POST, S3 event, workflow, verdict) and
  comments (API, event, workflow, analysis), per second and p50/p95 latency as the client sees it;
- the glue: the client's wait minus the execution's own duration (Step Functions start to stop);
- CPU per item: this process's CPU time (user + system, every thread: stack, models, clients) over the batch;
- with --profile (py-spy --gil, sampling this process), where the CPU of the 4-client uploads and comments went, by
  cause: the samples of the thread holding the GIL, and the rest of the process's CPU (outside the GIL).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from salon.client import StackClient
from salon.demo.images import manicure, off_topic
from salon.local.config import StackConfig
from salon.local.stack import EmbeddedStack

RATE = 200  # py-spy samples per second
TEXTS = [
    "I love this colour, the finish is gorgeous!",
    "Terrible, the polish chipped after one day.",
    "Not my style, but well done.",
    "C'est magnifique, bravo !",
    "Me encanta este diseño, precioso.",
    "Meh. It looks rushed and uneven.",
]
# Where a sampled stack frame's time goes: the first rule with a fragment in the frame's file (py-spy
# --full-filenames) wins, scanning from the innermost frame outwards (a stdlib frame such as copy.py counts for
# its caller).
CAUSES = (
    ("models", ("/onnxruntime/", "/salon/ai/", "/numpy/", "/cv2/", "/PIL/", "/ai_edge_litert/")),
    ("engine (moto Step Functions)", ("/moto/stepfunctions/",)),
    ("moto services (S3, DynamoDB, SQS, ...)", ("/moto/",)),
    ("handlers", ("/functions/", "/aws_lambda_powertools/", "/fastjsonschema/", "/salon/embedded_index")),
    ("AWS SDK (botocore, boto3)", ("/botocore/", "/boto3/", "/s3transfer/")),
    (
        "HTTP serving and requests",
        ("/werkzeug/", "/flask/", "/socketserver.py", "/http/", "/urllib3/", "/requests/", "/socket.py", "/ssl.py"),
    ),
    ("JSON", ("/json/",)),
    ("local glue (salon/local, the client)", ("/salon/",)),
)


def frame_file(frame: str) -> str:
    """The file of a py-spy frame, "function (path:line)"."""
    return frame[frame.rfind(" (") + 2 : frame.rfind(":")]


def embedded_stack(folder: Path) -> EmbeddedStack:
    """A stack of its own under `folder`, every port chosen by the system (not started yet)."""
    ports = dict(moto_port=0, lambda_port=0, ai_port=0, api_port=0, events_port=0, realtime_port=0)
    return EmbeddedStack(StackConfig(home=folder / "salon", **ports))


def client_of(stack: EmbeddedStack, timeout: float = 60.0) -> StackClient:
    if stack.endpoints is None:
        raise RuntimeError("the stack is not started")
    return StackClient(stack.endpoints, timeout=timeout)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def models_alone(stack: EmbeddedStack, images: list[bytes], texts: list[str]) -> dict[str, float]:
    client = client_of(stack)
    rekognition, comprehend = client.aws("rekognition"), client.aws("comprehend")
    rekognition.detect_labels(Image={"Bytes": images[0]})  # first call outside the timing
    comprehend.detect_sentiment(Text=texts[0], LanguageCode="en")
    t = time.perf_counter()
    for data in images:
        rekognition.detect_moderation_labels(Image={"Bytes": data})
        rekognition.detect_labels(Image={"Bytes": data}, MaxLabels=50, MinConfidence=50)
    image_rate = len(images) / (time.perf_counter() - t)
    t = time.perf_counter()
    for text in texts:
        language = comprehend.detect_dominant_language(Text=text)["Languages"][0]["LanguageCode"]
        comprehend.detect_sentiment(Text=text, LanguageCode=language if language in ("en", "fr", "es") else "en")
    return {"images/s": image_rate, "texts/s": len(texts) / (time.perf_counter() - t)}


def execution_seconds(client: StackClient, arn: str) -> float | None:
    """The execution's own duration; None while it runs (an upload waiting for the owner's review)."""
    described = client.aws("stepfunctions").describe_execution(executionArn=arn)
    if "stopDate" not in described:
        return None
    return float((described["stopDate"] - described["startDate"]).total_seconds())


def batch(client: StackClient, jobs: Sequence[Callable[[], dict[str, Any]]], clients: int) -> dict[str, Any]:
    t, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda job: job(), jobs))
    elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
    waits = [r["seconds"] for r in results]
    ran = [(r["seconds"], execution_seconds(client, r["executionArn"])) for r in results]
    glue = [wait - own for wait, own in ran if own is not None] or [float("nan")]
    return {
        "rate": len(results) / elapsed,
        "cpu_ms": cpu / len(results) * 1000,  # the whole process (stack, models, clients): user + system
        "p50": percentile(waits, 0.5),
        "p95": percentile(waits, 0.95),
        "glue": statistics.median(glue),
        "outcomes": Counter(str(r.get("verdict") or r.get("sentiment") or r.get("status")) for r in results),
    }


def profile(out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy sampling this process (every thread) until stopped, or None when py-spy is not installed."""
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        return None
    # --gil: only the thread holding the GIL is sampled, so a sample is Python CPU. Without it, py-spy also counts
    # threads blocked in a socket read (an idle keep-alive connection, a client awaiting its answer) as active
    # whenever the loaded machine leaves them runnable; those waits read as "HTTP" CPU that no core spent.
    command = [spy, "record", "--pid", str(os.getpid()), "--rate", str(RATE), "--format", "raw", "--nonblocking"]
    command += ["--gil", "--full-filenames"]
    started = subprocess.Popen([*command, "--output", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # attached before the batch starts
    return started


def stop_profile(spy: subprocess.Popen[bytes]) -> None:
    spy.send_signal(signal.SIGINT)  # py-spy writes what it sampled and exits
    spy.wait(timeout=60)


def causes(raw: Path) -> tuple[Counter[str], Counter[str]]:
    """Samples by cause, and by innermost function, from py-spy's collapsed stacks ("a;b;... count")."""
    by_cause: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        cause = next(
            (
                name
                for file in map(frame_file, reversed(frames))
                for name, parts in CAUSES
                if any(p in file for p in parts)
            ),
            "other (interpreter, threads, locks)",
        )
        by_cause[cause] += int(count)
        innermost = frames[-1]
        where = "/".join(frame_file(innermost).split("/")[-2:]) + innermost[innermost.rfind(":") :]
        by_function[f"{innermost.split(' (')[0]} ({where}"] += int(count)
    return by_cause, by_function


def published_design(client: StackClient, folder: Path, run: int) -> dict[str, Any]:
    """A design the comments go to: drawn manicures are uploaded until one is approved (some go to review)."""
    for seed in range(run * 1000 + 900, run * 1000 + 920):
        path = folder / f"design-{seed}.jpg"
        path.write_bytes(manicure(seed))
        design = client.upload(path, f"bench-designer-{run}", wait=True)
        if design["verdict"] == "approved":
            return design
    raise RuntimeError("no drawn manicure was approved in 20 tries")


def one_run(stack: EmbeddedStack, run: int, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    client = client_of(stack, timeout=600)
    images = [off_topic(i) if i % 5 == 4 else manicure(i) for i in range(run * 1000, run * 1000 + args.uploads)]
    figures: dict[str, Any] = models_alone(stack, images[: min(len(images), 20)], TEXTS * 4)
    design = published_design(client, folder, run)
    for clients in args.clients:
        paths = []
        for i, data in enumerate(images):
            path = folder / f"r{run}-c{clients}-{i:03d}.jpg"
            path.write_bytes(data)
            paths.append(path)
        profiled = args.profile and clients == 4 and run == 0
        users = [f"bench-{run}-{k}" for k in range(clients)]
        uploads = [functools.partial(client.upload, p, users[i % clients], wait=True) for i, p in enumerate(paths)]
        fans = [f"bench-fan-{run}-{k}" for k in range(clients)]
        comments = [
            functools.partial(client.comment, design["photoId"], fans[i % clients], TEXTS[i % len(TEXTS)], True)
            for i in range(args.comments)
        ]
        for kind, jobs in (("uploads", uploads), ("comments", comments)):
            raw = (args.profile_dir or folder) / f"profile-{kind}.txt"
            spy = profile(raw) if profiled else None
            figures[f"{kind}@{clients}"] = batch(client, jobs, clients)
            if spy is not None:
                stop_profile(spy)
                if raw.exists():
                    by_cause, hot = causes(raw)
                    cpu_ms = figures[f"{kind}@{clients}"]["cpu_ms"]
                    figures[f"profile-{kind}"] = {"causes": by_cause, "hot": hot, "items": len(jobs), "cpu_ms": cpu_ms}
    return figures


def spread(values: list[float], fmt: str) -> str:
    middle = statistics.median(values)
    return f"{fmt.format(middle)} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def report(runs: list[dict[str, Any]], clients: list[int]) -> None:
    print(f"\n{len(runs)} runs; each figure: median (min–max over the runs)")
    images, texts = [r["images/s"] for r in runs], [r["texts/s"] for r in runs]
    print(f"  models alone (AI endpoint over HTTP, 1 client): {spread(images, '{:.1f}')} images/s, ", end="")
    print(f"{spread(texts, '{:.1f}')} texts/s")
    for kind, unit, models in (("uploads", "uploads/s", "images/s"), ("comments", "comments/s", "texts/s")):
        for n in clients:
            rows = [r[f"{kind}@{n}"] for r in runs]
            ratio = [row["rate"] / r[models] for row, r in zip(rows, runs, strict=True)]
            print(
                f"  {kind:8} @{n}: {spread([x['rate'] for x in rows], '{:.2f}')} {unit}; ratio to the models "
                f"{spread(ratio, '{:.2f}')}; p50 {spread([x['p50'] for x in rows], '{:.2f}')} s, "
                f"p95 {spread([x['p95'] for x in rows], '{:.2f}')} s; glue (wait − execution) median "
                f"{spread([x['glue'] for x in rows], '{:.3f}')} s; CPU {spread([x['cpu_ms'] for x in rows], '{:.0f}')} "
                f"ms each; {dict(rows[0]['outcomes'])}"
            )
    for kind in ("uploads", "comments"):
        profiled = next((r[f"profile-{kind}"] for r in runs if r.get(f"profile-{kind}")), None)
        if profiled:
            print_profile(kind, profiled)


def print_profile(kind: str, profiled: dict[str, Any]) -> None:
    samples, items = profiled["causes"], profiled["items"]
    total = sum(samples.values())
    one = kind.removesuffix("s")
    held = total / RATE / items * 1000
    print(
        f"  CPU of the 4-client {kind}: {profiled['cpu_ms']:.0f} ms per {one} (the process); the GIL held "
        f"{held:.0f} ms per {one} (py-spy --gil, {total} samples; an OS-preempted holder still holds it), by cause:"
    )
    for cause, count in samples.most_common():
        print(f"    {cause:40} {count / total:6.1%}  {count / RATE / items * 1000:6.0f} ms/{one}")
    print("  hottest functions with the GIL held (innermost frame):")
    for function, count in profiled["hot"].most_common(12):
        print(f"    {count / total:6.1%}  {function}")


def stopped(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--uploads", type=int, default=24, help="uploads per client level and run")
    parser.add_argument("--comments", type=int, default=48, help="comments per client level and run")
    parser.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[1, 4, 8])
    parser.add_argument("--profile", action="store_true", help="sample the 4-client uploads and comments with py-spy")
    parser.add_argument("--profile-dir", type=Path, help="keep py-spy's collapsed stacks in this folder")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args()
    if args.profile_dir:
        args.profile_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stack = embedded_stack(folder)
        t = time.perf_counter()
        stack.start()
        print(f"stack start-up: {time.perf_counter() - t:.2f} s", flush=True)
        runs: list[dict[str, Any]] = []
        signal.signal(signal.SIGTERM, stopped)  # a `timeout` around `make bench` still gets the finished runs
        try:
            for run in range(args.runs):
                runs.append(one_run(stack, run, args, folder))
                print(f"run {run + 1}/{args.runs} done", flush=True)
        except KeyboardInterrupt:
            print(f"stopped: {len(runs)} of {args.runs} runs finished", flush=True)
        finally:
            stack.stop()
    if runs:
        report(runs, args.clients)
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
