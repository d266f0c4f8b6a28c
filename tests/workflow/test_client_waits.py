"""How the client learns that an execution ended, on the embedded stack: it blocks in the stack's wait, whose answer
holds the description (no DescribeExecution polling, no history read); without that wait it polls, as against AWS."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections import Counter
from typing import Any

import pytest

from salon.client import StackClient
from salon.local.httpserver import BackgroundServer
from salon.stack_state import ClientError

ROLE = "arn:aws:iam::123456789012:role/waits-test"


def hold(seconds: int) -> dict[str, Any]:
    return {
        "StartAt": "First",
        "States": {
            "First": {"Type": "Pass", "Next": "Hold"},
            "Hold": {"Type": "Wait", "Seconds": seconds, "Next": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }


def counted(client: StackClient) -> Counter[str]:
    """The Step Functions calls this client makes from now on, by operation."""
    calls: Counter[str] = Counter()
    client.aws("stepfunctions").meta.events.register("before-call.sfn.*", lambda model, **_: calls.update([model.name]))
    return calls


def started(client: StackClient, definition: dict[str, Any]) -> str:
    sfn = client.aws("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"waits-test-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=ROLE
    )["stateMachineArn"]
    arn: str = sfn.start_execution(stateMachineArn=machine, name="e", input="{}")["executionArn"]
    return arn


def test_the_client_is_told_of_the_end_with_its_description(stack: Any) -> None:
    client = StackClient(stack.endpoints, timeout=60)
    arn = started(client, hold(1))
    calls = counted(client)
    described = client.wait_for_execution(arn)
    assert described["status"] == "SUCCEEDED"
    assert calls == Counter()  # the wait's answer holds the description; polling would have asked several times


def test_the_client_is_told_of_the_state_entered_without_reading_the_history(stack: Any) -> None:
    client = StackClient(stack.endpoints, timeout=60)
    arn = started(client, hold(3600))
    calls = counted(client)
    try:
        assert client.wait_for_execution(arn, until_state="Hold")["status"] == "RUNNING"
        assert calls == Counter()  # no DescribeExecution, no GetExecutionHistory
    finally:
        client.aws("stepfunctions").stop_execution(executionArn=arn)


@pytest.mark.parametrize("wait_url", ["", "/salon-local/no-such-wait"], ids=["no-wait-named", "not-a-wait"])
def test_without_the_stacks_wait_the_client_polls(stack: Any, wait_url: str) -> None:
    endpoints = dataclasses.replace(stack.endpoints, execution_waits=wait_url and stack.endpoints.moto + wait_url)
    client = StackClient(endpoints, timeout=60)
    arn = started(client, hold(1))
    calls = counted(client)
    assert client.wait_for_execution(arn)["status"] == "SUCCEEDED"
    assert calls["DescribeExecution"] > 1


def stopping(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A stack's wait as it answers while the stack stops."""
    body = json.dumps({"outcome": "stopping"}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def test_a_wait_the_stack_ends_by_stopping_is_a_clear_error(stack: Any) -> None:
    server = BackgroundServer(stopping, "127.0.0.1", 0).start()
    try:
        client = StackClient(dataclasses.replace(stack.endpoints, execution_waits=server.url + "/wait"), timeout=60)
        arn = started(client, hold(3600))
        StackClient(stack.endpoints).wait_for_execution(arn, until_state="Hold")  # running: it can be stopped
        with pytest.raises(ClientError, match="stack stopped"):
            client.wait_for_execution(arn)
        client.aws("stepfunctions").stop_execution(executionArn=arn)
    finally:
        server.stop()
