"""Each transient error the AI services raise is retried under the name the engine gives it (as AWS names it)."""

from __future__ import annotations

import pytest

from tests.conftest import history, jpeg

pytestmark = pytest.mark.workflow
MANICURE = [{"Name": "Manicure", "Confidence": 97.0, "Parents": [{"Name": "Hand"}]}]


def failures(arn: str) -> list[str]:
    return [e["taskFailedEventDetails"]["error"] for e in history(arn) if "taskFailedEventDetails" in e]


@pytest.mark.parametrize(
    ("operation", "code", "error"),
    [
        ("DetectModerationLabels", "ThrottlingException", "Rekognition.ThrottlingException"),
        ("DetectModerationLabels", "InternalServerError", "Rekognition.InternalServerErrorException"),
        (
            "DetectLabels",
            "ProvisionedThroughputExceededException",
            "Rekognition." + "ProvisionedThroughputExceededException",
        ),
        ("DetectLabels", "ServiceUnavailableException", "Rekognition.RekognitionException"),
    ],
)
def test_transient_rekognition_errors_are_retried(client, ai_script, tmp_path, operation, code, error):
    user = f"retry-{code.lower()[:20]}-{operation[-6:].lower()}"
    ai_script(operation, [{"error": code}], match=f"/{user}/")
    ai_script("DetectLabels", [{"result": {"Labels": MANICURE}}], match=f"/{user}/")
    path = tmp_path / "p.jpg"
    path.write_bytes(jpeg())
    result = client.upload(path, user, wait=True)
    assert result["verdict"] == "approved", result
    assert failures(result["executionArn"]) == [error]


@pytest.mark.parametrize(
    ("operation", "code", "error"),
    [
        ("DetectDominantLanguage", "TooManyRequestsException", "Comprehend.TooManyRequestsException"),
        ("DetectDominantLanguage", "ThrottlingException", "Comprehend.ComprehendException"),
        ("DetectSentiment", "ServiceUnavailableException", "Comprehend.ComprehendException"),
        ("DetectSentiment", "InternalServerException", "Comprehend.InternalServerException"),
    ],
)
def test_transient_comprehend_errors_are_retried(client, stack, ai_script, tmp_path, operation, code, error):
    stack.ai.script("DetectLabels", [{"result": {"Labels": MANICURE}}], match="/retry-design/")
    path = tmp_path / "d.jpg"
    path.write_bytes(jpeg(200, 200))
    design = client.upload(path, "retry-design", wait=True)
    assert design["verdict"] == "approved"
    ai_script(operation, [{"error": code}])
    result = client.comment(design["photoId"], "retry-rita", "What a lovely finish", wait=True)
    assert result["status"] == "SUCCEEDED", result.get("error")
    assert failures(result["executionArn"]) == [error]
