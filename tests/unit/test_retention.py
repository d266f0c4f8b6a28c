"""The embedded stack's memory bound on finished executions (salon/local/retention.py), on moto's own engine
in-process (no sockets): older executions leave memory, their history answers the same from disk.

moto's backends are process-wide: when the session stack runs in this process, these tests share its backend
(mock_aws nests without a reset), so they count only their own machine's executions, delete it afterwards and
give the stack its bound back."""

from __future__ import annotations

import datetime
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from salon.local import retention
from tests.dynamodb_tables import create_hash_table
from tests.fakes import fake_credentials

PASS_MACHINE = {
    "StartAt": "Shape",
    "States": {
        "Shape": {"Type": "Pass", "Parameters": {"echo.$": "$.n", "pad": "x" * 2000}, "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


@pytest.fixture
def sfn(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    fake_credentials(monkeypatch)
    previous = retention.install(None)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions")
        yield client
        for machine in client.list_state_machines()["stateMachines"]:
            if machine["name"].startswith("retention-test-"):
                client.delete_state_machine(stateMachineArn=machine["stateMachineArn"])
    retention.install(previous)


def run(sfn: Any, count: int) -> tuple[str, list[str]]:
    machine = sfn.create_state_machine(
        name=f"retention-test-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(PASS_MACHINE),
        roleArn="arn:aws:iam::123456789012:role/r",
    )["stateMachineArn"]
    return run_on(sfn, machine, 0, count)


def run_on(sfn: Any, machine: str, first: int, count: int) -> tuple[str, list[str]]:
    arns = []
    for n in range(first, first + count):  # one at a time: "finished" order is start order
        arn = sfn.start_execution(stateMachineArn=machine, name=f"e{n}", input=json.dumps({"n": n}))["executionArn"]
        deadline = time.monotonic() + 30
        while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            assert time.monotonic() < deadline, "the Pass machine did not finish"
            time.sleep(0.02)
        arns.append(arn)
    return machine, arns


def environments_in_memory(machine_arn: str) -> int:
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    backend = stepfunctions_parser_backends["123456789012"]["us-east-1"]
    count = 0
    for machine in backend.state_machines:
        for execution in machine.executions if machine.arn == machine_arn else []:
            worker: Any = getattr(execution, "exec_worker", None)
            if worker is not None and not isinstance(worker.env, retention.RetiredEnvironment):
                count += 1
    return count


def test_only_the_most_recent_finished_executions_stay_in_memory(sfn: Any, tmp_path: Path) -> None:
    bound = retention.HistoryRetention(tmp_path / "history", keep=2)
    retention.install(bound)
    machine, _ = run(sfn, 6)
    deadline = time.monotonic() + 30  # the status reads SUCCEEDED a moment before the engine's end hook retires
    while bound.retired < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bound.retired == 4  # this bound alone: the session stack's executions have their own
    assert environments_in_memory(machine) == 2  # without the bound: all 6
    assert len(list((tmp_path / "history").glob("*.json"))) == 4


def test_a_retired_execution_answers_as_before(sfn: Any, tmp_path: Path) -> None:
    retention.install(retention.HistoryRetention(tmp_path / "history", keep=1))
    _, arns = run(sfn, 3)
    oldest, newest = arns[0], arns[-1]
    history = sfn.get_execution_history(executionArn=oldest)["events"]
    types = [e["type"] for e in history]
    assert types == [e["type"] for e in sfn.get_execution_history(executionArn=newest)["events"]]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    exited = next(e for e in history if e["type"] == "PassStateExited")
    assert json.loads(exited["stateExitedEventDetails"]["output"])["echo"] == 0
    described = sfn.describe_execution(executionArn=oldest)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"])["echo"] == 0
    with pytest.raises(sfn.exceptions.ClientError):  # a finished execution takes no token, as before
        sfn.send_task_failure(taskToken="no-such-token", error="E")


def backend_executions(machine_arn: str) -> list[Any]:
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    backend = stepfunctions_parser_backends["123456789012"]["us-east-1"]
    return [e for m in backend.state_machines if m.arn == machine_arn for e in m.executions]


def wait_retired(bound: retention.HistoryRetention, count: int) -> None:
    deadline = time.monotonic() + 30  # the status reads SUCCEEDED a moment before the engine's end hook retires
    while bound.retired < count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bound.retired == count


def test_a_retired_execution_keeps_nothing_of_its_run_in_memory(sfn: Any, tmp_path: Path) -> None:
    import gc
    import weakref

    bound = retention.HistoryRetention(tmp_path / "history", keep=1)
    retention.install(bound)
    machine, arns = run(sfn, 1)
    first = backend_executions(machine)[0]
    worker = weakref.ref(first.exec_worker)
    assert sfn.describe_execution(executionArn=arns[0])["status"] == "SUCCEEDED"
    _, more = run_on(sfn, machine, 1, 3)
    wait_retired(bound, 3)
    gc.collect()
    assert worker() is None  # the engine's worker (its copy of the input, its pools) is freed
    assert not {"input_data", "execution_input", "output"} & set(vars(first))  # and the execution's own copies
    oldest, second = backend_executions(machine)[:2]
    assert oldest.state_machine is second.state_machine  # one snapshot of the unchanged definition
    described = sfn.describe_execution(executionArn=arns[0])  # read back from the file, as before
    assert json.loads(described["input"]) == {"n": 0} and json.loads(described["output"])["echo"] == 0
    assert [e["executionArn"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]][-1] == arns[0]
    sfn.stop_execution(executionArn=more[0])  # a retired execution stays as it ended
    assert sfn.describe_execution(executionArn=more[0])["status"] == "SUCCEEDED"


def test_a_changed_definition_gets_its_own_snapshot(sfn: Any, tmp_path: Path) -> None:
    bound = retention.HistoryRetention(tmp_path / "history", keep=0)
    retention.install(bound)
    machine, _ = run(sfn, 1)
    changed = dict(PASS_MACHINE, Comment="changed")
    sfn.update_state_machine(stateMachineArn=machine, definition=json.dumps(changed))
    run_on(sfn, machine, 1, 1)
    wait_retired(bound, 2)
    before_change, after_change = backend_executions(machine)
    assert before_change.state_machine is not after_change.state_machine
    old, new = (json.loads(e.state_machine.definition) for e in (before_change, after_change))
    assert "Comment" not in old and new["Comment"] == "changed"  # each keeps the definition it ran


def test_finished_worker_threads_are_not_kept(sfn: Any, tmp_path: Path) -> None:
    from moto.stepfunctions.parser import utils

    def dead() -> int:
        return sum(1 for t in utils.TMP_THREADS if not t.is_alive())

    run(sfn, 3)  # no bound: moto keeps every finished worker thread
    time.sleep(0.2)
    assert dead() >= 3
    retention.install(retention.HistoryRetention(tmp_path / "history", keep=0))
    run(sfn, 3)  # each retirement prunes; only the threads still ending at that moment remain
    assert dead() <= 4
    retention.prune_threads()
    assert dead() == 0


def test_without_a_bound_moto_keeps_everything(sfn: Any, tmp_path: Path) -> None:
    machine, _ = run(sfn, 3)
    assert environments_in_memory(machine) == 3


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    fake_credentials(monkeypatch)
    retention.track_models_weakly()
    with mock_aws():
        yield


def test_moto_item_copies_are_freed_once_a_read_is_answered(aws: None) -> None:
    from moto.dynamodb.models.dynamo_type import Item

    ddb = boto3.client("dynamodb")
    table = f"retention-test-{uuid.uuid4().hex[:8]}"
    create_hash_table(ddb, table)
    ddb.put_item(TableName=table, Item={"k": {"S": "a"}, "n": {"N": "0"}})
    tracked = Item.instances_tracked  # type: ignore[attr-defined]
    assert isinstance(tracked, retention.WeakInstances)
    tracked.sweep()  # what earlier tests in this process left behind is not this test's to count
    for _ in range(150):  # each update and each scan copies the item (moto's way): 300 copies without the bound
        ddb.update_item(
            TableName=table,
            Key={"k": {"S": "a"}},
            UpdateExpression="ADD n :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
        assert ddb.scan(TableName=table)["Items"][0]["k"] == {"S": "a"}
    mine = [item for item in tracked if item.hash_key.value == "a" and "n" in item.attrs]
    assert len(mine) <= 2  # the stored item (and a copy a collection may not have reached yet)
    assert tracked.held() <= 2 * len(tracked) + retention.WeakInstances.SWEEP_AT_LEAST
    assert ddb.get_item(TableName=table, Key={"k": {"S": "a"}})["Item"]["n"] == {"N": "150"}
    ddb.delete_table(TableName=table)


def test_moto_object_version_copies_are_freed_and_the_stored_ones_stay(aws: None) -> None:
    from moto.s3.models import FakeKey

    s3 = boto3.client("s3")
    bucket = f"retention-test-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for n in range(5):
        s3.put_object(Bucket=bucket, Key=f"k{n}", Body=bytes([n]) * 50_000)
    for n in range(20):  # ListObjectVersions deep-copies every version in the bucket, bytes included
        assert len(s3.list_object_versions(Bucket=bucket, Prefix=f"k{n % 5}")["Versions"]) == 1
    mine = [key for key in FakeKey.instances_tracked if key.bucket_name == bucket]  # type: ignore[attr-defined]
    assert len(mine) == 5  # the stored versions; without the bound also the 100 copies
    assert [s3.get_object(Bucket=bucket, Key=f"k{n}")["Body"].read()[:1] for n in range(5)] == [
        bytes([n]) for n in range(5)
    ]
    for n in range(5):
        for version in s3.list_object_versions(Bucket=bucket, Prefix=f"k{n}")["Versions"]:
            s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    s3.delete_bucket(Bucket=bucket)


def test_weak_instances_hold_live_objects_and_sweep_dead_ones() -> None:
    class Model:
        pass

    class Slotted:
        __slots__ = ("n",)

    tracked = retention.WeakInstances()
    kept = [Model() for _ in range(10)]
    for instance in kept:
        tracked.append(instance)
    for _ in range(1000):
        tracked.append(Model())  # dropped at once: only a weak reference held
    pinned = Slotted()  # no weak reference possible: held as moto holds it
    tracked.append(pinned)
    del pinned
    assert list(tracked)[:10] == kept  # in creation order, as moto's list
    assert len(tracked) == 11 and any(isinstance(i, Slotted) for i in tracked)
    assert tracked.held() <= 2 * 11 + retention.WeakInstances.SWEEP_AT_LEAST


def test_packed_events_read_back_as_they_were_appended() -> None:
    import copy

    events: list[dict[str, Any]] = [
        {"id": 1, "type": "ExecutionStarted", "executionStartedEventDetails": {"input": json.dumps({"k": "v" * 900})}},
        {"id": 2, "type": "PassStateEntered", "stateEnteredEventDetails": {"name": "Shape", "input": "{}"}},
        {"id": 3, "type": "Odd", "details": {"when": datetime.datetime.now(datetime.UTC)}},  # not plain JSON
    ]
    packed = retention.PackedEvents()
    for event in events:
        packed.append(event)
    assert isinstance(packed._events[0], bytes) and len(packed._events[0]) < 200  # 900 repeats compress
    assert packed._events[1] is events[1] and packed._events[2] is events[2]  # short, or not JSON: as they came
    copied = copy.deepcopy(packed)
    assert copied == events and copied[1] is not events[1] and len(packed) == 3


def test_a_running_executions_history_is_held_packed(sfn: Any, tmp_path: Path) -> None:
    retention.pack_histories()  # the stack's setting (idempotent)
    retention.install(retention.HistoryRetention(tmp_path / "history", keep=5))
    machine, arns = run(sfn, 1)
    env = backend_executions(machine)[0].exec_worker.env
    held = env.event_manager._history_event_list
    assert isinstance(held, retention.PackedEvents) and any(isinstance(e, bytes) for e in held._events)
    history = sfn.get_execution_history(executionArn=arns[0])["events"]
    assert history[0]["type"] == "ExecutionStarted" and history[-1]["type"] == "ExecutionSucceeded"
    exited = next(e for e in history if e["type"] == "PassStateExited")
    assert json.loads(exited["stateExitedEventDetails"]["output"]) == {"echo": 0, "pad": "x" * 2000}
