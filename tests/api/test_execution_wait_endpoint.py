"""The embedded stack's execution wait over HTTP (salon/local/execution_waits.py's WaitEndpoint on a local server):
it answers its own path, hands every other request to the app beneath (moto's server), refuses bad requests with the
reason, answers with what DescribeExecution returns for the execution, and a client blocked in it is answered at
once when the stack stops (its signals closed)."""

from __future__ import annotations

import threading
from typing import Any

import requests

from salon.client import described_as_sdk
from salon.local import execution_waits
from salon.local.execution_waits import MAX_WAIT_SECONDS, ExecutionSignals, WaitEndpoint
from salon.local.httpserver import BackgroundServer
from tests.engine_waits import (
    ACCOUNT,
    HOLD,
    JOIN_SECONDS,
    QUICK,
    REGION,
    blocked,
    machine,
    start,
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
        assert answered.json()["outcome"] == "ended"
        assert described_as_sdk(sfn, answered.json()["execution"]) == same_as_the_call(sfn, done)

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


FAILS = {"StartAt": "Refuse", "States": {"Refuse": {"Type": "Fail", "Error": "Custom.Refused", "Cause": "a reason"}}}
OUTPUT = {
    "StartAt": "Shape",
    "States": {"Shape": {"Type": "Pass", "Result": {"verdict": "ok", "n": [1, 2]}, "End": True}},
}


def same_as_the_call(sfn: Any, arn: str) -> dict[str, Any]:
    described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
    described.pop("ResponseMetadata", None)
    return described


def test_the_answer_holds_what_describe_execution_returns(sfn: Any, signals: ExecutionSignals) -> None:
    server = BackgroundServer(WaitEndpoint(inner_app, signals, REGION, ACCOUNT), "127.0.0.1", 0).start()
    url = server.url + execution_waits.PATH
    try:
        held = start(sfn, machine(sfn, HOLD))
        cases = [(start(sfn, machine(sfn, d)), None) for d in (QUICK, FAILS, OUTPUT)] + [(held, "Hold")]
        for arn, state in cases:
            body: dict[str, Any] = {
                "executionArn": arn,
                "timeoutSeconds": MAX_WAIT_SECONDS,
                **({"untilState": state} if state else {}),
            }
            answer = requests.post(url, json=body, timeout=60).json()
            assert answer["outcome"] == ("entered" if state else "ended")
            assert described_as_sdk(sfn, answer["execution"]) == same_as_the_call(sfn, arn)
        sfn.stop_execution(executionArn=held)
        answer = requests.post(url, json={"executionArn": held, "timeoutSeconds": MAX_WAIT_SECONDS}, timeout=60).json()
        assert answer["outcome"] == "ended"
        assert described_as_sdk(sfn, answer["execution"]) == same_as_the_call(sfn, held)
        assert same_as_the_call(sfn, held)["status"] == "ABORTED"
    finally:
        server.stop()


def test_an_answer_that_is_no_description_is_not_taken_for_one(sfn: Any) -> None:
    assert described_as_sdk(sfn, None) is None
    assert described_as_sdk(sfn, {"unrelated": 1}) is None
    assert described_as_sdk(sfn, {"executionArn": "a", "status": "SUCCEEDED", "startDate": "not a date"}) is None
