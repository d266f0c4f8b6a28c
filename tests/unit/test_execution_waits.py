"""The embedded stack's blocking wait for an execution (salon/local/execution_waits.py), on moto's own engine
in-process: a waiter wakes because the engine said so (the end, or the state entered), never because a poll
interval or its timeout passed; closing wakes every waiter at once.

Each wait here is given the longest timeout (MAX_WAIT_SECONDS) and the executions hold in a Wait state of an hour,
so an outcome other than "timeout" can only come from a signal. moto's backends are process-wide (the session stack
may share them): the tests use their own machines and give the stack its signals back."""

from __future__ import annotations

from typing import Any

import pytest

from salon.local.execution_waits import MAX_WAIT_SECONDS, ExecutionSignals, parse_wait
from tests.engine_waits import (
    ACCOUNT,
    HOLD,
    QUICK,
    REGION,
    Waiting,
    blocked,
    machine,
    start,
)

PREFIX = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:"


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
