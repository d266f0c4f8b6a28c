"""Where one upload's and one comment's glue goes: a timestamp at each hop, one client, items one after another.

Not a test: it prints the median time of each hop (`make bench-hops`). The hops are timed by wrapping the stack's
own functions in this process only (a measurement, nothing changes what they do):
    client request (grant / comment POST) -> the API function is invoked (routing, JWT check) and returns
    (for an upload, the presigned POST follows) -> the event is put (S3's Object Created, or the API's PutEvents)
    -> the message lands in the trigger's SQS queue -> the local event source mapping receives it
    -> the starter function is invoked -> StartExecution -> the execution ends (its stopDate)
    -> the client sees the verdict.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_pipeline import TEXTS, embedded_stack

from functions import names
from salon.client import StackClient
from salon.demo.images import manicure
from salon.local.stack import EmbeddedStack

TRIGGER_QUEUES = (names.UPLOAD_EVENTS_QUEUE, names.COMMENT_EVENTS_QUEUE)


class Marks:
    """The first time each hop happened since the item began (items run one at a time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.times: dict[str, float] = {}

    def begin(self) -> float:
        with self._lock:
            self.times = {"request": time.time()}
            return self.times["request"]

    def mark(self, hop: str) -> None:
        with self._lock:
            self.times.setdefault(hop, time.time())


def wrap(owner: Any, attribute: str, after: Callable[..., None], before: Callable[[], None] | None = None) -> None:
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        if before is not None:
            before()
        result = original(*args, **kwargs)
        after(result, *args, **kwargs)
        return result

    setattr(owner, attribute, timed)


def instrument(stack: EmbeddedStack, marks: Marks) -> None:
    from moto.events.models import EventsBackend
    from moto.s3 import notifications
    from moto.sqs.models import Queue, SQSBackend

    put = functools.partial(marks.mark, "event put")
    wrap(notifications, "_send_event_bridge_message", lambda *a, **k: None, before=put)
    wrap(EventsBackend, "put_events", lambda *a, **k: None, before=put)

    def landed(result: Any, queue: Any, *args: Any, **kwargs: Any) -> None:
        if queue.name in TRIGGER_QUEUES:
            marks.mark("in SQS")

    wrap(Queue, "add_message", landed)

    def received(result: Any, backend: Any, queue_name: str, *args: Any, **kwargs: Any) -> None:
        if result and queue_name in TRIGGER_QUEUES:
            marks.mark("received by the mapping")

    wrap(SQSBackend, "receive_message", received)
    registry_invoke = stack.registry.invoke

    def invoke(name: str, event: Any) -> Any:
        if name == names.FN_START_WORKFLOW:
            marks.mark("starter invoked")
            return registry_invoke(name, event)
        first = "API function invoked" not in marks.times  # the item's first call: its API request
        marks.mark("API function invoked")
        try:
            return registry_invoke(name, event)
        finally:
            if first:
                marks.mark("API function returned")

    stack.registry.invoke = invoke  # type: ignore[method-assign]
    if stack.signals is not None:  # the stack's blocking wait: when it answers the client
        signals_wait = stack.signals.wait

        def wait(*args: Any, **kwargs: Any) -> str:
            outcome = signals_wait(*args, **kwargs)
            marks.mark("the stack's wait answers")
            return outcome

        stack.signals.wait = wait  # type: ignore[method-assign]


def hops(marks: Marks, described: dict[str, Any], seen: float) -> dict[str, float]:
    times = dict(marks.times)
    times["StartExecution"] = described["startDate"].timestamp()
    times["execution ended"] = described["stopDate"].timestamp()
    times["client sees it"] = seen
    ordered = sorted(times.items(), key=lambda kv: kv[1])
    return {f"{a} -> {b}": (tb - ta) * 1000 for (a, ta), (b, tb) in itertools.pairwise(ordered)}


def report(kind: str, rows: list[dict[str, float]], glue: list[float]) -> None:
    print(f"\n{kind}: {len(rows)} items, one client; median ms per hop (min-max)")
    for hop in dict.fromkeys(h for row in rows for h in row):
        values = [row[hop] for row in rows if hop in row]
        print(f"  {hop:60} {statistics.median(values):7.1f}  ({min(values):.1f}-{max(values):.1f})")
    print(f"  glue (client wait - execution's own duration), median: {statistics.median(glue) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10, help="uploads, and twice as many comments")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stack = embedded_stack(folder)
        stack.start()
        try:
            assert stack.endpoints is not None
            client = StackClient(stack.endpoints, timeout=120)
            marks = Marks()
            instrument(stack, marks)
            sfn = client.aws("stepfunctions")
            design = None
            upload_rows, upload_glue = [], []
            for i in range(args.items + 1):
                path = folder / f"hop-{i}.jpg"
                path.write_bytes(manicure(5000 + i))
                client.token("hops-designer", names.GROUP_DESIGNER)
                begun = marks.begin()
                result = client.upload(path, "hops-designer", wait=True)
                seen = time.time()
                described = sfn.describe_execution(executionArn=result["executionArn"])
                if result["verdict"] == "approved" and design is None:
                    design = result
                if i == 0 or "stopDate" not in described:
                    continue  # the first warms the models; one waiting for review has no end
                upload_rows.append(hops(marks, described, seen))
                upload_glue.append(seen - begun - (described["stopDate"] - described["startDate"]).total_seconds())
            report("uploads", upload_rows, upload_glue)
            if design is None:
                raise SystemExit("no upload was approved: no design to comment on")
            comment_rows, comment_glue = [], []
            for i in range(2 * args.items + 1):
                client.token("hops-fan", names.GROUP_CUSTOMER)
                begun = marks.begin()
                done = client.comment(design["photoId"], "hops-fan", TEXTS[i % len(TEXTS)], wait=True)
                seen = time.time()
                described = sfn.describe_execution(executionArn=done["executionArn"])
                if i == 0:
                    continue
                comment_rows.append(hops(marks, described, seen))
                comment_glue.append(seen - begun - (described["stopDate"] - described["startDate"]).total_seconds())
            report("comments", comment_rows, comment_glue)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
