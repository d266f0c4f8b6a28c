"""The embedded stack's memory bound on finished executions (salon/local/retention.py), on moto's own engine
in-process (no sockets): older executions leave memory, their history answers the same from disk.

moto's backends are process-wide: when the session stack runs in this process, these tests share its backend
(mock_aws nests without a reset), so they count only their own machine's executions, delete it afterwards and
give the stack its bound back."""

from __future__ import annotations

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

PASS_MACHINE = {
    "StartAt": "Shape",
    "States": {
        "Shape": {"Type": "Pass", "Parameters": {"echo.$": "$.n", "pad": "x" * 2000}, "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


@pytest.fixture
def sfn(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
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
    arns = []
    for n in range(count):  # one at a time: "finished" order is start order
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
    return sum(
        1
        for machine in backend.state_machines
        if machine.arn == machine_arn
        for execution in machine.executions
        if execution.exec_worker is not None and not isinstance(execution.exec_worker.env, retention.RetiredEnvironment)
    )


def test_only_the_most_recent_finished_executions_stay_in_memory(sfn: Any, tmp_path: Path) -> None:
    bound = retention.HistoryRetention(tmp_path / "history", keep=2)
    retention.install(bound)
    machine, _ = run(sfn, 6)
    assert environments_in_memory(machine) == 2  # without the bound: all 6
    assert bound.retired == 4  # this bound alone: the session stack's executions have their own
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
