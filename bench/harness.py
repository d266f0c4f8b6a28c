"""Shared by bench/chaos.py and bench/soak.py: a stack on free ports, traffic helpers and the outcome census.

Not a test module: the benchmarks print numbers; nothing here asserts.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import requests

from functions import names
from functions.domain.comments import submitted_detail
from functions.domain.identity import Caller
from salon.client import StackClient
from salon.demo.images import manicure, off_topic
from salon.local.config import StackConfig
from salon.local.retention import KEEP_IN_MEMORY
from salon.local.stack import EmbeddedStack

TEXTS = [
    "I love this colour, the finish is gorgeous!",
    "Beautiful work, so neat and shiny.",
    "Not my style, but well done.",
    "Terrible, the polish chipped after one day.",
    "The glitter is amazing, booking again!",
    "Meh. It looks rushed and uneven.",
    "Me encanta este diseño, precioso.",
    "C'est magnifique, bravo !",
]
UPLOAD_TERMINAL = {"approved", "rejected", "quarantined", "failed"}
COMMENT_TERMINAL = {"analyzed", "held", "failed"}


def start_stack(home: Path) -> tuple[EmbeddedStack, StackClient]:
    stack = EmbeddedStack(
        StackConfig(
            home=home,
            moto_port=0,
            lambda_port=0,
            ai_port=0,
            api_port=0,
            events_port=0,
            realtime_port=0,
            keep_executions=int(os.environ.get("SALON_KEEP_EXECUTIONS", KEEP_IN_MEMORY)),
        )
    )
    stack.start()
    return stack, StackClient(_endpoints(stack), timeout=600)


def image(i: int) -> bytes:
    """The demo's drawn photos: four manicures to one off-topic scene, so both branches run."""
    return off_topic(i) if i % 5 == 4 else manicure(i)


def upload_photo(client: StackClient, folder: Path, i: int, user: str) -> dict[str, Any]:
    path = folder / f"chaos-{i:04d}.jpg"
    path.write_bytes(image(i))
    return client.upload(path, user, wait=False)


def replay_object_created(stack: EmbeddedStack, key: str) -> None:
    """Delivers the upload's Object Created event once more (EventBridge delivers at least once)."""
    s3 = boto3.client("s3")
    head = s3.head_object(Bucket=names.UPLOADS_BUCKET, Key=key)
    detail = {
        "version": "0",
        "bucket": {"name": names.UPLOADS_BUCKET},
        "object": {
            "key": key,
            "size": head["ContentLength"],
            "eTag": head["ETag"].strip('"'),
            **({"version-id": head["VersionId"]} if head.get("VersionId") else {}),
        },
        "reason": "PostObject",
    }
    put_event("aws.s3", "Object Created", detail)


def put_event(source: str, detail_type: str, detail: dict[str, Any]) -> None:
    response = boto3.client("events").put_events(
        Entries=[
            {
                "EventBusName": names.EVENT_BUS,
                "Source": source,
                "DetailType": detail_type,
                "Detail": json.dumps(detail, ensure_ascii=False),
            }
        ]
    )
    if response.get("FailedEntryCount"):
        raise RuntimeError(f"event refused: {response['Entries']}")


def direct_comment(design: dict[str, str], username: str, text: str, submitted: datetime) -> dict[str, Any]:
    """A CommentSubmitted detail as the API would emit it, with a chosen submission time."""
    sub = str(uuid.uuid5(uuid.NAMESPACE_DNS, username))
    who = Caller(sub=sub, username=username, email=f"{username}@x.example", groups=(names.GROUP_CUSTOMER,))
    return submitted_detail(design, who, text, now=submitted)


def published_designs() -> list[dict[str, str]]:
    ddb = boto3.client("dynamodb")
    return [
        {"photoId": i["photoId"]["S"], "designer": i["designer"]["S"]}
        for page in ddb.get_paginator("scan").paginate(TableName=names.PHOTOS_TABLE)
        for i in page["Items"]
        if i.get("status", {}).get("S") == "published"
    ]


def scan(table: str) -> list[dict[str, Any]]:
    ddb = boto3.client("dynamodb")
    return [
        {k: next(iter(v.values())) for k, v in item.items()}
        for page in ddb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
        for item in page["Items"]
    ]


def failed_state(execution_arn: str) -> str:
    """The state whose failure sent an execution to RecordFailure or RecordLateFailure ("?" when the history
    does not say)."""
    sfn, last = boto3.client("stepfunctions"), "?"
    try:
        for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
            for event in page["events"]:
                name = event.get("stateEnteredEventDetails", {}).get("name")
                if name in ("RecordFailure", "RecordLateFailure"):
                    return last
                last = name or last
    except sfn.exceptions.ClientError:
        return "?"
    return last


def executions() -> Counter[str]:
    """Executions per status across both workflows."""
    sfn, counts = boto3.client("stepfunctions"), Counter[str]()
    for machine in sfn.list_state_machines()["stateMachines"]:
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine["stateMachineArn"]):
            counts.update(e["status"] for e in page["executions"])
    return counts


def queues_pending(stack: EmbeddedStack) -> int:
    sqs, res = boto3.client("sqs"), stack.resources
    assert res is not None
    total = 0
    for url in (res.upload_queue_url, res.comment_queue_url):
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        total += int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])
    return total


def dead_letters(stack: EmbeddedStack) -> int:
    sqs, res = boto3.client("sqs"), stack.resources
    assert res is not None
    return sum(
        int(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                "ApproximateNumberOfMessages"
            ]
        )
        for url in (res.upload_dlq_url, res.comment_dlq_url)
    )


def decide_reviews(client: StackClient) -> int:
    """The owner decides every pending review (approve), as a run that causes reviews must; returns how many."""
    decided = 0
    for review in client.reviews():
        try:
            client.review(str(review["photoId"]), "approve", "decided by the benchmark")
            decided += 1
        except Exception as exc:  # decided meanwhile (timeout, reminder): the workflow ends either way
            print(f"  review {review.get('photoId')}: {str(exc)[:120]}", flush=True)
    return decided


def wait_decided(stack: EmbeddedStack, client: StackClient, timeout: float, settle: float = 3.0) -> tuple[bool, int]:
    """Drains the stack, deciding the reviews it waits on as they come; (drained in time, reviews decided)."""
    deadline, decided = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        decided += decide_reviews(client)
        if wait_quiet(stack, min(60.0, max(1.0, deadline - time.monotonic())), settle):
            return True, decided
    return False, decided


def wait_quiet(stack: EmbeddedStack, timeout: float, settle: float = 3.0) -> bool:
    """Waits (with a deadline) until no execution runs and the event queues are empty for `settle` seconds."""
    deadline, quiet_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        busy = executions().get("RUNNING", 0) + queues_pending(stack)
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= settle:
            return True
        time.sleep(1.0)
    return False


@dataclass
class Census:
    """What happened to every item sent: terminal states, lost, duplicated, stuck."""

    uploads_sent: set[str] = field(default_factory=set)  # object keys
    comments_sent: set[str] = field(default_factory=set)  # comment ids
    duplicates_sent: int = 0
    refused: Counter[str] = field(default_factory=Counter)  # items the API refused (not sent onwards)

    def measure(self, stack: EmbeddedStack) -> dict[str, Any]:
        decisions = {d["objectKey"]: d for d in scan(names.DECISIONS_TABLE)}
        comments = {c["commentId"]: c for c in scan(names.COMMENTS_TABLE)}
        meters = {m["designId"]: m for m in scan(names.METERS_TABLE)}
        counts = executions()
        upload_states = Counter(decisions[k]["verdict"] if k in decisions else "none" for k in self.uploads_sent)
        comment_states = Counter(comments[c]["status"] if c in comments else "none" for c in self.comments_sent)
        failed = [d for k, d in decisions.items() if k in self.uploads_sent and d["verdict"] == "failed"] + [
            c for i, c in comments.items() if i in self.comments_sent and c["status"] == "failed"
        ]
        errors = Counter(str(item.get("error", "?")) for item in failed)
        where = Counter(
            f"{failed_state(str(item['execution'])) if item.get('execution') else '?'}: {item.get('error', '?')}"
            for item in failed
        )
        analysed: Counter[str] = Counter(c["designId"] for c in comments.values() if c["status"] == "analyzed")
        counted = {d: int(float(m.get("comments", 0))) for d, m in meters.items()}
        doubled = sum(max(0, n - analysed.get(d, 0)) for d, n in counted.items())
        stuck_uploads = sum(n for s, n in upload_states.items() if s not in UPLOAD_TERMINAL | {"none"})
        stuck_comments = comment_states.get("received", 0) + sum(
            n for s, n in comment_states.items() if s not in COMMENT_TERMINAL | {"none", "received"}
        )
        terminal = sum(upload_states[s] for s in UPLOAD_TERMINAL) + sum(comment_states[s] for s in COMMENT_TERMINAL)
        sent = len(self.uploads_sent) + len(self.comments_sent)
        return {
            "sent": {"uploads": len(self.uploads_sent), "comments": len(self.comments_sent)},
            "duplicatesSent": self.duplicates_sent,
            "refusedByApi": dict(self.refused),
            "terminal": terminal,
            "terminalShare": round(terminal / sent, 4) if sent else 1.0,
            "uploadStates": dict(upload_states),
            "commentStates": dict(comment_states),
            "lost": upload_states.get("none", 0) + comment_states.get("none", 0),
            "duplicated": doubled,
            "stuck": stuck_uploads + stuck_comments + counts.get("RUNNING", 0),
            "runningExecutions": counts.get("RUNNING", 0),
            "executions": dict(counts),
            "deadLetters": dead_letters(stack),
            "failureErrors": dict(errors.most_common(12)),
            "failureStates": dict(where.most_common(12)),  # "<state that failed>: <error>"
        }


def _endpoints(stack: EmbeddedStack) -> Any:
    assert stack.endpoints is not None, "the stack is not started"
    return stack.endpoints


def inject(stack: EmbeddedStack, spec: dict[str, Any]) -> None:
    requests.post(f"{_endpoints(stack).lambda_}/_salon/faults", data=json.dumps(spec), timeout=10).raise_for_status()


def ai_rate(stack: EmbeddedStack, operation: str, rate: float, error: str = "ThrottlingException") -> None:
    spec = {"operation": operation, "rate": rate, "error": error}
    requests.post(f"{_endpoints(stack).ai}/_salon/script", data=json.dumps(spec), timeout=10).raise_for_status()


def clear_faults(stack: EmbeddedStack) -> None:
    requests.delete(f"{_endpoints(stack).lambda_}/_salon/faults", timeout=10).raise_for_status()
    requests.delete(f"{_endpoints(stack).ai}/_salon/script", timeout=10).raise_for_status()


def fault_summary(stack: EmbeddedStack) -> str:
    """Faults injected so far, by kind and target: `function salon-x 12, ai DetectLabels 30, index-outage 4`."""
    parts = [
        f"{f['kind']}{' ' + f['target'] if f['target'] else ''} {f['injected']}"
        for f in stack.faults.describe()
        if f["injected"]
    ]
    parts += [f"ai {operation} {n}" for operation, n in sorted(stack.ai.injected.items())]
    return ", ".join(parts) or "none"


def past(rnd: random.Random, minutes: int = 120) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=rnd.randint(1, minutes))


# -- process resources (Linux /proc), for the soak ------------------------------------------------------
def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def process_tree(pid: int | None = None) -> list[int]:
    """The stack's process and every descendant (model helpers, node, ...)."""
    todo, seen = [pid or os.getpid()], []
    while todo:
        current = todo.pop()
        seen.append(current)
        todo += _children(current)
    return seen


def resources(pid: int | None = None) -> dict[str, float]:
    """RSS (MB), open files and threads summed over the process tree."""
    rss_kb, files, threads = 0, 0, 0
    pids = process_tree(pid)
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            rss_kb += int(fields.get("VmRSS", "0 kB").split()[0])
            threads += int(fields.get("Threads", "0"))
            files += len(os.listdir(f"/proc/{p}/fd"))
        except (OSError, ValueError):
            continue
    return {"processes": len(pids), "rssMb": round(rss_kb / 1024, 1), "openFiles": files, "threads": threads}
