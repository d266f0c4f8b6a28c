"""What operators see: execution paths, retries and catches, and redriving a failed execution."""

from __future__ import annotations

import json

import pytest

from salon import cli
from tests.conftest import jpeg

pytestmark = pytest.mark.workflow


def test_execution_view_shows_retry_catch_failure_and_redrive(client, stack, ai_script, tmp_path, capsys):
    ai_script("DetectModerationLabels", [{"error": "ThrottlingException"}], match="/ops-view/")
    ai_script("DetectLabels", [{"error": "AccessDeniedException"}], match="/ops-view/")
    path = tmp_path / "p.jpg"
    path.write_bytes(jpeg())
    failed = client.upload(path, "ops-view", wait=True)
    view = client.execution_view(failed["execution"])
    outcomes = {s["name"]: (s["outcome"], s["attempts"]) for s in view["steps"]}
    assert outcomes["DetectModerationLabels"] == ("retried", 2)
    assert outcomes["DetectLabels"] == ("caught", 1)
    assert [s["name"] for s in view["steps"]][-2:] == ["RecordFailure", "Failed"]
    assert view["status"] == "FAILED" and "redrive-execution" in view["redrive"]

    ai_script(
        "DetectLabels",
        [{"result": {"Labels": [{"Name": "Manicure", "Confidence": 90, "Parents": []}]}}],
        match="/ops-view/",
    )
    rerun = client.redrive(failed["execution"])
    assert client.wait_for_execution(rerun["executionArn"])["status"] == "SUCCEEDED"
    rerun_view = client.execution_view(rerun["name"])
    assert next(s for s in rerun_view["steps"] if s["name"] == "EvaluatePolicy")["note"].startswith("verdict approved")

    assert cli.main(["--home", str(stack.config.home), "execution", failed["execution"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == failed["execution"]


def test_executions_list_newest_first_with_states(client, tmp_path):
    path = tmp_path / "l.jpg"
    path.write_bytes(jpeg())
    client.upload(path, "lister", wait=True)
    rows = client.executions(limit=5)
    assert rows and rows == sorted(rows, key=lambda r: r["started"], reverse=True)
    assert all(r["states"] for r in rows)


def test_redrive_refuses_a_succeeded_execution(client, tmp_path):
    path = tmp_path / "r.jpg"
    path.write_bytes(jpeg())
    succeeded = client.upload(path, "redriver", wait=True)
    assert succeeded["status"] == "SUCCEEDED"
    with pytest.raises(Exception, match="only failed executions"):
        client.redrive(succeeded["execution"])


def test_local_console_draws_the_path_of_an_execution(client, tmp_path):
    import requests

    path = tmp_path / "c.jpg"
    path.write_bytes(jpeg())
    client.upload(path, "console-viewer", wait=True)
    row = client.executions(limit=1)[0]
    arn = client.find_execution(row["name"])["executionArn"]
    page = requests.get(f"{client.endpoints.api}/console/executions/{arn}", timeout=10)
    assert page.status_code == 200 and "<svg" in page.text
    assert row["states"][0] in page.text and "#c8f0c4" in page.text  # visited states are coloured
    assert row["name"] in requests.get(f"{client.endpoints.api}/console", timeout=10).text
