"""Shared by the tests of the embedded stack's execution wait: moto's engine in-process, machines that hold in a
Wait state for an hour (so only a signal can end a wait early), and waits on their own threads."""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from salon.local import execution_waits
from salon.local.execution_waits import MAX_WAIT_SECONDS, ExecutionSignals
from tests.fakes import fake_credentials

ACCOUNT, REGION = "123456789012", "us-east-1"
HOLD = {
    "StartAt": "First",
    "States": {
        "First": {"Type": "Pass", "Next": "Hold"},
        "Hold": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}
QUICK = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
JOIN_SECONDS = 30  # a hung test fails instead of hanging; never reached when the signal works


@contextlib.contextmanager
def moto_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's Step Functions engine in-process; the machines made here are removed afterwards."""
    fake_credentials(monkeypatch)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions")
        yield client
        for machine in client.list_state_machines()["stateMachines"]:
            if machine["name"].startswith("waits-test-"):
                for execution in client.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]:
                    if execution["status"] == "RUNNING":
                        client.stop_execution(executionArn=execution["executionArn"])
                client.delete_state_machine(stateMachineArn=machine["stateMachineArn"])


@contextlib.contextmanager
def installed_signals() -> Iterator[ExecutionSignals]:
    """Signals the engine reports to, for the test's duration (the session stack's are given back)."""
    mine = ExecutionSignals(execution_waits.moto_lookup(REGION, ACCOUNT))
    previous = execution_waits.install(mine)
    try:
        yield mine
    finally:
        mine.close()
        execution_waits.install(previous)


def machine(sfn: Any, definition: dict[str, Any]) -> str:
    arn: str = sfn.create_state_machine(
        name=f"waits-test-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/r",
    )["stateMachineArn"]
    return arn


def start(sfn: Any, machine_arn: str, name: str = "e") -> str:
    arn: str = sfn.start_execution(stateMachineArn=machine_arn, name=name, input="{}")["executionArn"]
    return arn


class Waiting(threading.Thread):
    """One wait on its own thread, as a client's request is served."""

    def __init__(self, signals: ExecutionSignals, arn: str, until_state: str | None = None) -> None:
        super().__init__(daemon=True)
        self.signals, self.arn, self.until_state, self.outcome = signals, arn, until_state, ""

    def run(self) -> None:
        self.outcome = self.signals.wait(self.arn, self.until_state, MAX_WAIT_SECONDS)

    def result(self) -> str:
        self.join(JOIN_SECONDS)
        assert not self.is_alive(), "the waiter was never woken"
        return self.outcome


def blocked(signals: ExecutionSignals, count: int = 1) -> None:
    """Until `count` waiters are registered (their wait has begun)."""
    registered = threading.Event()
    for _ in range(JOIN_SECONDS * 100):
        if signals.waiting() >= count:
            return
        registered.wait(0.01)
    raise AssertionError("the waiter never registered")


# The fixtures of both test files (tests/conftest.py imports them, so pytest finds them there).
@pytest.fixture
def sfn(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's Step Functions engine in-process, as a client."""
    with moto_engine(monkeypatch) as client:
        yield client


@pytest.fixture
def signals(sfn: Any) -> Iterator[ExecutionSignals]:
    """The engine's signals, installed for the test and given back afterwards."""
    with installed_signals() as mine:
        yield mine
