"""Shared by the comment workflow tests: an approved design to comment on, and the stored comment and meter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from functions import names
from tests.conftest import jpeg

NEGATIVE = {
    "Sentiment": "NEGATIVE",
    "SentimentScore": {"Positive": 0.02, "Negative": 0.95, "Neutral": 0.02, "Mixed": 0.01},
}


def approved_design(client: Any, stack: Any, folder: Path, designer: str, colour: tuple[int, int, int]) -> str:
    """Uploads a photo the scripted labels call a manicure, as `designer`; returns its photo id."""
    stack.ai.script(
        "DetectLabels",
        [{"result": {"Labels": [{"Name": "Manicure", "Confidence": 96.0, "Parents": []}]}}],
        match=f"/{designer}/",
    )
    path = folder / "design.jpg"
    path.write_bytes(jpeg(320, 320, colour))
    result = client.upload(path, designer, wait=True)
    assert result["verdict"] == "approved", result
    return str(result["photoId"])


def comment_item(comment_id: str) -> dict[str, Any]:
    found = boto3.client("dynamodb").get_item(TableName=names.COMMENTS_TABLE, Key={"commentId": {"S": comment_id}})
    return {k: next(iter(v.values())) for k, v in found.get("Item", {}).items()}


def meter(design_id: str) -> dict[str, float]:
    found = boto3.client("dynamodb").get_item(TableName=names.METERS_TABLE, Key={"designId": {"S": design_id}})
    return {k: float(v["N"]) for k, v in found.get("Item", {}).items() if "N" in v}
