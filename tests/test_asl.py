"""Every workflow file is valid ASL (npm asl-validator) once substituted, and every Task has Retry and Catch."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from workflows import asl

WORKFLOWS = sorted(p.name.removesuffix(".asl.json") for p in asl.WORKFLOWS_DIR.glob("*.asl.json"))
EXAMPLE = {"Partition": "aws", "EventBusName": "default", "QuarantinePrefix": "quarantine/"}


def rendered(name: str) -> str:
    text = asl.definition_path(name).read_text()
    values = {
        p: f"arn:aws:lambda:us-east-1:123456789012:function:{p}"
        if p.endswith("FunctionArn")
        else f"arn:aws:sns:us-east-1:123456789012:{p}"
        if p.endswith("TopicArn")
        else p
        for p in asl.placeholders(text)
    }
    return asl.substitute(text, {**values, **EXAMPLE})


@pytest.mark.parametrize("name", WORKFLOWS)
def test_asl_validator_accepts_the_definition(name, tmp_path):
    npx = shutil.which("npx")
    if npx is None:
        pytest.fail("npx is required (Node.js 20): the README's test command installs asl-validator")
    path = tmp_path / f"{name}.json"
    path.write_text(rendered(name))
    result = subprocess.run(
        [npx, "--no-install", "asl-validator", "--json-path", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", WORKFLOWS)
def test_every_task_retries_and_catches(name):
    states = json.loads(rendered(name))["States"]
    for state_name, state in states.items():
        if state["Type"] == "Task":
            assert state.get("Retry"), f"{state_name} has no Retry"
            assert state.get("Catch"), f"{state_name} has no Catch"
            for retry in state["Retry"]:
                assert retry.get("JitterStrategy") == "FULL" and retry.get("MaxDelaySeconds"), state_name


def _transient_retriers(states: dict) -> list[tuple[str, dict]]:
    found = []
    for state_name, state in states.items():
        found += [(state_name, r) for r in state.get("Retry", []) if r["ErrorEquals"] == ["TransientError"]]
        for branch in state.get("Branches", []):
            found += _transient_retriers(branch["States"])
    return found


@pytest.mark.parametrize("name", WORKFLOWS)
def test_a_functions_transient_retries_ride_out_a_one_minute_outage(name):
    """A function's TransientError (the index unreachable, a throttled read) is retried long enough to outlast a
    one-minute outage that starts just as the task first fails, in at least 99% of the jittered schedules Step
    Functions may draw (full jitter: each wait is uniform between 0 and the capped exponential interval)."""
    import random

    retriers = _transient_retriers(json.loads(rendered(name))["States"])
    assert retriers, "no TransientError retrier"
    draws = random.Random(11)
    for state_name, retry in retriers:
        intervals = [
            min(retry["MaxDelaySeconds"], retry["IntervalSeconds"] * retry["BackoffRate"] ** k)
            for k in range(retry["MaxAttempts"])
        ]
        outlasted = sum(sum(draws.uniform(0, i) for i in intervals) > 60 for _ in range(20_000))
        assert outlasted / 20_000 >= 0.99, f"{state_name}: {outlasted / 20_000:.3f} of schedules outlast 60 s"
