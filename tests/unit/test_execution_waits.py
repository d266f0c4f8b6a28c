"""The embedded stack's blocking wait for an execution (salon/local/execution_waits.py), on moto's own engine
in-process: a waiter wakes because the engine said so (the end, or the state entered), never because a poll
interval or its timeout passed; closing wakes every waiter at once.

Each wait here is given the longest timeout (MAX_WAIT_SECONDS) and the executions hold in a Wait state of an hour,
so an outcome other than "timeout" can only come from a signal. moto's backends are process-wide (the session stack
may share them): the tests use their own machines and give the stack its signals back."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws

from salon.local import execution_waits
from salon.local.execution_waits import MAX_WAIT_SECONDS, ExecutionSignals, WaitEndpoint, parse_wait
from salon.local.httpserver import BackgroundServer
from tests.fakes import fake_credentials

ACCOUNT, REGION = "123456789012", "us-east-1"
PREFIX = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:"
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


@pytest.fixture
def sfn(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
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


@pytest.fixture
def signals(sfn: Any) -> Iterator[ExecutionSignals]:
    mine = ExecutionSignals(execution_waits.moto_lookup(REGION, ACCOUNT))
    previous = execution_waits.install(mine)
    yield mine
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


def test_a_waiter_wakes_when_the_execution_ends(sfn: Any, signals: ExecutionSignals) -> None:
    arn = start(sfn, machine(sfn, HOLD))
    assert signals.wait(arn, "Hold", MAX_WAIT_SECONDS) == "entered"  # running (moto cannot stop one still starting)
    waiter = Waiting(signals, arn)
    waiter.start()
    blocked(signals)
    sfn.stop_execution(executionArn=arn)  # the end: ABORTED an hour before the Wait state would have let it go
    assert waiter.result() == "ended"
    assert sfn.describe_execution(executionArn=arn)["status"] == "ABORTED"
    assert signals.waiting() == 0


def test_a_waiter_wakes_when_its_state_is_entered_and_not_for_another(sfn: Any, signals: ExecutionSignals) -> None:
    machine_arn = machine(sfn, HOLD)
    arn = f"{machine_arn.replace(':stateMachine:', ':execution:')}:later"
    for_hold, for_other = Waiting(signals, arn, "Hold"), Waiting(signals, arn, "Done")
    for_hold.start()
    for_other.start()
    blocked(signals, 2)  # both wait on an execution that does not exist yet, as a client after its upload does
    start(sfn, machine_arn, "later")
    assert for_hold.result() == "entered"
    assert for_other.is_alive(), "a waiter for another state woke"
    sfn.stop_execution(executionArn=arn)
    assert for_other.result() == "ended"


def test_a_wait_that_begins_after_the_fact_answers_at_once(sfn: Any, signals: ExecutionSignals) -> None:
    held = start(sfn, machine(sfn, HOLD))
    blocked_in_hold = Waiting(signals, held, "Hold")
    blocked_in_hold.start()
    assert blocked_in_hold.result() == "entered"
    assert signals.wait(held, "Hold", MAX_WAIT_SECONDS) == "entered"  # already there: no wait
    done = start(sfn, machine(sfn, QUICK))
    ending = Waiting(signals, done)
    ending.start()
    assert ending.result() == "ended"
    assert signals.wait(done, None, MAX_WAIT_SECONDS) == "ended"
    assert signals.wait(done, "Hold", MAX_WAIT_SECONDS) == "ended"  # ended without entering it: no wait either


def test_close_wakes_every_waiter_and_answers_later_waits_at_once(sfn: Any, signals: ExecutionSignals) -> None:
    arn = start(sfn, machine(sfn, HOLD))
    assert signals.wait(arn, "Hold", MAX_WAIT_SECONDS) == "entered"
    waiters = [Waiting(signals, arn), Waiting(signals, arn, "Done")]
    for waiter in waiters:
        waiter.start()
    blocked(signals, 2)
    signals.close()
    assert [w.result() for w in waiters] == ["stopping", "stopping"]
    assert signals.wait(arn, None, MAX_WAIT_SECONDS) == "stopping"


def test_a_wait_with_no_event_times_out_as_asked(sfn: Any, signals: ExecutionSignals) -> None:
    arn = start(sfn, machine(sfn, HOLD))
    assert signals.wait(arn, "Hold", MAX_WAIT_SECONDS) == "entered"
    assert signals.wait(arn, "Done", 0) == "timeout"
    assert signals.waiting() == 0  # a waiter that gave up is forgotten


@pytest.mark.parametrize(
    ("body", "fault"),
    [
        ([], "JSON object"),
        ({}, "executionArn"),
        ({"executionArn": "arn:aws:states:eu-west-1:123456789012:execution:m:e"}, "this stack"),
        ({"executionArn": PREFIX + "m:e\n"}, "executionArn"),
        ({"executionArn": PREFIX + "m:" + "e" * 81}, "executionArn"),
        ({"executionArn": PREFIX + "m:e", "untilState": 3}, "untilState"),
        ({"executionArn": PREFIX + "m:e", "untilState": ""}, "untilState"),
        ({"executionArn": PREFIX + "m:e", "timeoutSeconds": MAX_WAIT_SECONDS + 1}, "timeoutSeconds"),
        ({"executionArn": PREFIX + "m:e", "timeoutSeconds": -1}, "timeoutSeconds"),
        ({"executionArn": PREFIX + "m:e", "timeoutSeconds": True}, "timeoutSeconds"),
        ({"executionArn": PREFIX + "m:e", "timeoutSeconds": "5"}, "timeoutSeconds"),
    ],
)
def test_a_bad_wait_request_is_refused_with_the_reason(body: Any, fault: str) -> None:
    with pytest.raises(ValueError, match=fault):
        parse_wait(body, PREFIX)


def test_a_good_wait_request_is_read() -> None:
    assert parse_wait({"executionArn": PREFIX + "m:e", "untilState": "AskOwner", "timeoutSeconds": 2}, PREFIX) == (
        PREFIX + "m:e",
        "AskOwner",
        2.0,
    )


def inner_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Length", "5")])
    return [b"moto!"]


def test_the_endpoint_answers_its_path_passes_the_rest_and_stopping_frees_a_blocked_client(
    sfn: Any, signals: ExecutionSignals
) -> None:
    server = BackgroundServer(WaitEndpoint(inner_app, signals, REGION, ACCOUNT), "127.0.0.1", 0).start()
    url = server.url + execution_waits.PATH
    try:
        assert requests.get(server.url + "/other", timeout=10).text == "moto!"
        assert requests.get(url, timeout=10).status_code == 405
        refused = requests.post(url, json={"executionArn": "arn:x"}, timeout=10)
        assert refused.status_code == 400 and "executionArn" in refused.json()["message"]
        assert requests.post(url, data=b"{", timeout=10).status_code == 400
        done = start(sfn, machine(sfn, QUICK))
        answered = requests.post(url, json={"executionArn": done, "timeoutSeconds": MAX_WAIT_SECONDS}, timeout=60)
        assert answered.json() == {"outcome": "ended"}

        held = start(sfn, machine(sfn, HOLD))
        assert signals.wait(held, "Hold", MAX_WAIT_SECONDS) == "entered"
        outcome: list[Any] = []
        body: dict[str, Any] = {"executionArn": held, "untilState": "Done", "timeoutSeconds": MAX_WAIT_SECONDS}
        client = threading.Thread(target=lambda: outcome.append(requests.post(url, json=body, timeout=60).json()))
        client.start()
        blocked(signals)
        signals.close()  # what the stack's stop() does first
    finally:
        server.stop()
    client.join(JOIN_SECONDS)
    assert not client.is_alive() and outcome == [{"outcome": "stopping"}]
