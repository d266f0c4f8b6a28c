"""Chaos benchmark: uploads and comments through the embedded stack while faults are injected.

Not a test: it prints what happened. `make chaos` runs the full size (200 uploads, 1,000 comments, 8 clients,
30% AI throttling, 20% transient function errors, a 60 s index outage); scale it down with flags, e.g.
`bench/chaos.py --uploads 20 --comments 100 --outage 10`.

Traffic: designers upload through the real API and presigned POST; customers comment on published designs
through the API; a share of uploads and comments is delivered twice (the same event again, as EventBridge may),
and a share of comments arrives out of order (submitted earlier than comments already analysed). At the end
the faults are cleared, the stack drains, `reconcile` runs (repairing) and again (check only).
It prints items sent, terminal states reached, lost, duplicated and stuck, before and after reconcile.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import harness

from functions import names
from salon import cli_ops
from salon.client import ClientError

WORKFLOW_FUNCTIONS = (
    names.FN_INSPECT_UPLOAD,
    names.FN_EVALUATE_POLICY,
    names.FN_INDEX_DOCUMENT,
    names.FN_RENDER_ALERT,
    names.FN_ASSESS_COMMENT,
)
AI_OPERATIONS = ("DetectModerationLabels", "DetectLabels", "DetectDominantLanguage", "DetectSentiment")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--ai-throttle", type=float, default=0.3, help="share of AI calls throttled")
    parser.add_argument("--function-errors", type=float, default=0.2, help="share of function calls failing")
    parser.add_argument(
        "--function-error",
        default="TransientError",
        help="errorType of the injected transient function errors (default TransientError, the name the "
        "workflows retry)",
    )
    parser.add_argument("--outage", type=float, default=60.0, help="seconds the search index is unreachable")
    parser.add_argument("--outage-after", type=float, default=5.0, help="seconds into the traffic it starts")
    parser.add_argument("--duplicates", type=float, default=0.1, help="share of items delivered twice")
    parser.add_argument("--out-of-order", type=float, default=0.1, help="share of comments submitted in the past")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the stack to drain")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--progress-every", type=float, default=60.0, help="seconds between progress lines (0: phases only)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    return parser.parse_args(argv)


class Traffic:
    def __init__(self, stack: Any, client: Any, folder: Path, args: argparse.Namespace) -> None:
        self.stack, self.client, self.folder, self.args = stack, client, folder, args
        self.census = harness.Census()
        self.rnd = random.Random(args.seed)
        self.lock = threading.Lock()
        self.problems: list[str] = []

    def _chance(self, share: float) -> bool:
        with self.lock:
            return self.rnd.random() < share

    def upload(self, i: int) -> None:
        try:
            result = harness.upload_photo(self.client, self.folder, i, f"designer{i % self.args.clients}")
        except ClientError as exc:
            with self.lock:
                self.census.refused["upload"] += 1
                self.problems.append(str(exc)[:200])
            return
        with self.lock:
            self.census.uploads_sent.add(result["key"])
        if self._chance(self.args.duplicates):
            time.sleep(0.5)
            harness.replay_object_created(self.stack, result["key"])
            with self.lock:
                self.census.duplicates_sent += 1

    def comment(self, i: int, designs: list[dict[str, str]]) -> None:
        with self.lock:
            design = self.rnd.choice(designs)
            text = self.rnd.choice(harness.TEXTS)
            out_of_order = self.rnd.random() < self.args.out_of_order
            when = harness.past(self.rnd)
        user = f"customer{i % 40}"
        if out_of_order:  # an event from a client that queued it a while ago
            detail = harness.direct_comment(design, user, text, when)
            harness.put_event(names.EVENT_SOURCE, names.EVENT_COMMENT_SUBMITTED, detail)
            comment_id = detail["commentId"]
        else:
            try:
                comment_id = self.client.comment(design["photoId"], user, text, wait=False)["commentId"]
            except ClientError as exc:
                with self.lock:
                    self.census.refused["comment"] += 1
                    self.problems.append(str(exc)[:200])
                return
            detail = None
        with self.lock:
            self.census.comments_sent.add(comment_id)
        if detail is not None and self._chance(self.args.duplicates * 5):  # duplicates come from direct events
            harness.put_event(names.EVENT_SOURCE, names.EVENT_COMMENT_SUBMITTED, detail)
            with self.lock:
                self.census.duplicates_sent += 1


class Progress:
    """A flushed line at every phase change and every `--progress-every` seconds, so a killed run shows where it was:
    items sent, how many reached a terminal state, work pending in the stack, faults injected so far."""

    def __init__(self, traffic: Traffic, every: float, out: Any = None) -> None:
        self.traffic, self.every, self.out = traffic, every, out or sys.stdout
        self.phase, self.t0 = "start", time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="chaos-progress", daemon=True)

    def start(self) -> Progress:
        if self.every > 0:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def enter(self, phase: str) -> None:
        self.phase = phase
        self.line()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.line()

    def line(self) -> None:
        try:
            text = self.describe()
        except Exception as exc:  # a report line must never stop the run (the stack may be busy or stopping)
            text = f"progress unavailable: {type(exc).__name__}: {exc}"[:300]
        print(f"[{time.monotonic() - self.t0:7.1f} s] {self.phase}: {text}", file=self.out, flush=True)

    def describe(self) -> str:
        traffic, stack = self.traffic, self.traffic.stack
        with traffic.lock:
            uploads, comments = set(traffic.census.uploads_sent), set(traffic.census.comments_sent)
            duplicates = traffic.census.duplicates_sent
        decided = {
            d["objectKey"] for d in harness.scan(names.DECISIONS_TABLE) if d.get("verdict") in harness.UPLOAD_TERMINAL
        }
        done = {c["commentId"] for c in harness.scan(names.COMMENTS_TABLE) if c["status"] in harness.COMMENT_TERMINAL}
        terminal = len(uploads & decided) + len(comments & done)
        running = harness.executions().get("RUNNING", 0)
        queued = harness.queues_pending(stack)
        faults = sum(f["injected"] for f in stack.faults.describe()) + sum(stack.ai.injected.values())
        return (
            f"sent {len(uploads)} uploads + {len(comments)} comments (+{duplicates} duplicates); "
            f"terminal {terminal}/{len(uploads) + len(comments)}; pending {running} running + {queued} queued; "
            f"faults injected {faults} ({harness.fault_summary(stack)})"
        )


def start_faults(stack: Any, args: argparse.Namespace) -> threading.Timer:
    for operation in AI_OPERATIONS:
        if args.ai_throttle:
            harness.ai_rate(stack, operation, args.ai_throttle)
    for function in WORKFLOW_FUNCTIONS:
        if args.function_errors:
            harness.inject(
                stack,
                {"kind": "function", "function": function, "error": args.function_error, "rate": args.function_errors},
            )
    outage = {"kind": "index-outage", "seconds": args.outage}
    timer = threading.Timer(args.outage_after, harness.inject, (stack, outage))
    if args.outage:
        timer.start()
    return timer


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stack, client = harness.start_stack(folder / "salon")
        try:
            _ = stack.ai.vision, stack.ai.text  # models loaded before the clock starts
            traffic = Traffic(stack, client, folder, args)
            progress = Progress(traffic, args.progress_every, sys.stderr if args.json else sys.stdout).start()
            t0 = time.monotonic()
            timer = start_faults(stack, args)
            progress.enter("uploading")
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(traffic.upload, range(args.uploads)))
                progress.enter("waiting for a published design")
                designs: list[dict[str, str]] = []
                deadline = time.monotonic() + args.timeout
                while not designs and time.monotonic() < deadline:
                    designs = harness.published_designs()
                    time.sleep(1.0)
                if designs:
                    progress.enter("commenting")
                    batches = [range(i, min(i + 50, args.comments)) for i in range(0, args.comments, 50)]
                    for batch in batches:  # designs published meanwhile join the choice
                        designs = harness.published_designs() or designs
                        list(pool.map(traffic.comment, batch, [designs] * len(batch)))
            sent_s = time.monotonic() - t0
            progress.enter("draining")
            drained, reviews = harness.wait_decided(stack, client, args.timeout)  # the run decides its reviews
            timer.cancel()
            progress.enter(f"drained ({reviews} reviews decided)" if drained else "drain timed out")
            before = traffic.census.measure(stack)
            harness.clear_faults(stack)
            progress.enter("faults cleared; reconciling")
            passes = []
            for _ in range(3):  # a re-run may leave its design's meter for the next pass (it was in flight)
                passes.append(cli_ops.reconcile(client, repair=True, deadline_seconds=0, grace_seconds=0))
                harness.wait_decided(stack, client, args.timeout)
                if passes[-1]["clean"]:
                    break
            repaired = _merge(passes)
            after = traffic.census.measure(stack)
            final = cli_ops.reconcile(client, repair=False, deadline_seconds=0, grace_seconds=0)
            progress.enter("done")
            progress.stop()
            return {
                "config": {k: v for k, v in vars(args).items() if k != "json"},
                "secondsSending": round(sent_s, 1),
                "secondsTotal": round(time.monotonic() - t0, 1),
                "drainedBeforeTimeout": drained,
                "reviewsDecided": reviews,
                "designsPublished": len(designs),
                "beforeReconcile": before,
                "reconcileRepair": _short(repaired),
                "afterReconcile": after,
                "reconcileFinal": _short(final),
                "apiProblems": traffic.problems[:5],
            }
        finally:
            stack.stop()


def _merge(passes: list[dict[str, Any]]) -> dict[str, Any]:
    """Repair passes as one report: every finding, repaired counts summed, the last pass's pending."""
    findings: dict[tuple[str, str], dict[str, Any]] = {}
    for report in passes:  # an unrepaired finding reappears in every pass: count it once
        for finding in report["findings"]:
            findings.setdefault((finding["check"], finding["subject"]), finding)
    return {
        "clean": passes[0]["clean"],
        "findings": list(findings.values()),
        "repaired": sum(p["repaired"] for p in passes),
        "pending": passes[-1]["pending"],
        "passes": len(passes),
    }


def _short(report: dict[str, Any]) -> dict[str, Any]:
    checks: dict[str, int] = {}
    for finding in report["findings"]:
        checks[finding["check"]] = checks.get(finding["check"], 0) + 1
    return {
        "clean": report["clean"],
        "findings": checks,
        "repaired": report["repaired"],
        "pending": report["pending"],
        "passes": report.get("passes", 1),
        "examples": [f"{f['check']} {f['subject']}: {f['detail']}"[:200] for f in report["findings"][:5]],
    }


def show(result: dict[str, Any]) -> None:
    cfg = result["config"]
    print(
        f"chaos: {cfg['uploads']} uploads, {cfg['comments']} comments, {cfg['clients']} clients; "
        f"AI throttled {cfg['ai_throttle']:.0%}, function errors {cfg['function_errors']:.0%} "
        f"({cfg['function_error']}), index outage {cfg['outage']:.0f} s"
    )
    print(
        f"sent in {result['secondsSending']} s, all done in {result['secondsTotal']} s; "
        f"drained {result['drainedBeforeTimeout']}, {result['reviewsDecided']} reviews decided by the run"
    )
    for label in ("beforeReconcile", "afterReconcile"):
        m = result[label]
        print(
            f"{label}: sent {m['sent']['uploads']} uploads + {m['sent']['comments']} comments "
            f"(+{m['duplicatesSent']} duplicate deliveries); terminal {m['terminal']} ({m['terminalShare']:.1%}); "
            f"lost {m['lost']}; duplicated {m['duplicated']}; stuck {m['stuck']}; dead letters {m['deadLetters']}"
        )
        print(f"  uploads {m['uploadStates']}  comments {m['commentStates']}  refused by the API {m['refusedByApi']}")
        if m["failureErrors"]:
            print(f"  failures by error: {m['failureErrors']}")
            print(f"  failures by state: {m['failureStates']}")
    for problem in result["apiProblems"]:
        print(f"  API problem: {problem}")
    for label in ("reconcileRepair", "reconcileFinal"):
        r = result[label]
        verdict = "clean" if r["clean"] else "findings " + json.dumps(r["findings"])
        print(f"{label}: {verdict}, repaired {r['repaired']} ({r['passes']} passes)")
        for example in r["examples"]:
            print(f"  {example}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        show(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
