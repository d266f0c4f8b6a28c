import json

import pytest

from functions.domain.identity import caller_from_claims
from functions.domain.messages import one_line, quarantine_alert
from salon.client import ClientError, content_type_for, summarise_history
from salon.embedded_index import EmbeddedIndex
from salon.local.lambda_endpoint import function_name_from
from salon.local.moto_quirks import AWS_SDK_ERROR_PREFIXES
from workflows import asl


def test_groups_from_token_list_and_from_api_gateway_string():
    assert caller_from_claims({"cognito:groups": ["designer", "owner"]}).groups == ("designer", "owner")
    assert caller_from_claims({"cognito:groups": "[designer owner]"}).groups == ("designer", "owner")
    assert caller_from_claims({}).groups == ()


def test_subject_is_one_safe_line():
    assert one_line("Hi\r\nBcc: evil@example.com") == "Hi Bcc: evil@example.com"
    assert len(one_line("x" * 300)) == 99


def test_quarantine_alert_names_the_uploader():
    alert = quarantine_alert(
        {"objectKey": "k", "designer": "eve", "uploader": {"username": "eve", "email": "eve@x.com", "sub": "s"}},
        {"reasons": ["r"], "moderation": [{"name": "Violence", "confidence": 91.0}]},
        "link",
    )
    assert alert.subject == "Quarantined upload from eve"
    assert "eve@x.com" in alert.text and "Violence: 91.0%" in alert.text and "link" in alert.text
    structure = json.loads(alert.sns()["message"])
    assert structure["email"] == alert.text and json.loads(structure["sqs"])["html"] == alert.html


def test_embedded_index_upserts_by_id(tmp_path):
    index = EmbeddedIndex(tmp_path / "i.db")
    index.index("photos", "a", {"v": 1})
    index.index("photos", "a", {"v": 2})
    result = index.bulk("photos", [("b", {"v": 3}), ("c", {"bad": object()})])
    assert index.count("photos") == 2 and index.get("photos", "a") == {"v": 2}
    assert result.indexed == 1 and result.failed[0]["id"] == "c"


def test_substitution_refuses_missing_values():
    with pytest.raises(KeyError, match="Missing"):
        asl.substitute("${Present} ${Missing}", {"Present": "x"})
    assert asl.substitute("arn:${Partition}:x", {"Partition": "aws-cn"}) == "arn:aws-cn:x"


def test_function_names_from_arns():
    assert function_name_from("arn:aws:lambda:us-east-1:1:function:f:$LATEST") == "f"
    assert function_name_from("f") == "f"


def test_error_prefix_table_covers_the_services_the_asl_calls():
    text = asl.definition_path("image_moderation").read_text()
    for service in ("rekognition", "s3"):
        assert f"aws-sdk:{service}:" in text and service in AWS_SDK_ERROR_PREFIXES


def test_content_type_by_magic_then_name(tmp_path):
    assert content_type_for(tmp_path / "x.bin", b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert content_type_for(tmp_path / "x.jpg", b"text") == "image/jpeg"
    with pytest.raises(ClientError):
        content_type_for(tmp_path / "x.txt", b"text")


def test_history_summary_counts_retries():
    events = [
        {"stateEnteredEventDetails": {"name": "A"}},
        {"taskFailedEventDetails": {}},
        {"taskFailedEventDetails": {}},
        {"stateEnteredEventDetails": {"name": "B"}},
        {"executionFailedEventDetails": {"error": "E"}},
    ]
    assert summarise_history(events) == {"states": ["A", "B"], "failedAttempts": {"A": 2}, "error": {"error": "E"}}
    assert json.dumps(summarise_history([]))


@pytest.mark.ai  # loads the offline models (about 20 s): not in the fast tiers
def test_salon_models_reports_a_tier_per_capability(capsys):
    from salon import cli

    assert cli.main(["models", "--json"]) == 0
    tiers = json.loads(capsys.readouterr().out)
    assert set(tiers) >= {"labels", "moderation", "language", "sentiment"} and all(tiers.values())


def test_cli_tables_show_the_ids_the_next_command_takes_whole() -> None:
    from rich.console import Console

    from salon.cli import _add_columns, _table

    photo = "583d78ab-8f4d-47e5-a4ea-5c716f758005"
    table = _table(title="Pending reviews")
    _add_columns(table, "photo", "designer", "kind", "asked", "decide by", "why")
    table.add_row(photo, "alice", "upload", "2026-12-01T21:42:04", "2026-12-08T21:42:04", "Finger seen at 98.8% " * 4)
    console = Console(width=80, record=True)
    console.print(table)
    assert photo in console.export_text()  # not cut to "583d78ab-8f…" in an 80-column terminal
