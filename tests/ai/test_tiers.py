"""The better tiers load local weights from the environment; tiny generated models stand in for real ones."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from PIL import Image

from salon.ai import TextModels, VisionModels
from salon.ai.labels_clip import ENV_VAR as CLIP_ENV
from salon.ai.sentiment_transformer import ENV_VAR as SENTIMENT_ENV
from tests.ai.conftest import to_bytes
from tests.ai.tiny_models import clip_dir, sentiment_dir


def _names(labels: list[dict]) -> list[str]:
    return [lab["Name"] for lab in labels]


@pytest.mark.parametrize("with_textual", [False, True])
def test_clip_tier_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_textual: bool) -> None:
    monkeypatch.setenv(CLIP_ENV, str(clip_dir(tmp_path / "clip", with_textual)))
    vision = VisionModels.load()
    assert "CLIP" in vision.tiers()["labels"]
    red = vision.detect_labels(to_bytes(Image.new("RGB", (40, 30), (230, 10, 20)), "PNG"))
    blue = vision.detect_labels(to_bytes(Image.new("RGB", (40, 30), (10, 20, 230)), "PNG"))
    manicure = next(lab for lab in red if lab["Name"] == "Manicure")
    assert manicure["Confidence"] > 90 and {"Hand", "Nail Polish", "Body Part"} <= set(_names(red))
    assert "Food" in _names(blue) and "Manicure" not in _names(blue)


def test_transformer_sentiment_tier_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SENTIMENT_ENV, str(sentiment_dir(tmp_path / "sent")))
    text = TextModels.load()
    assert "transformer" in text.tiers()["sentiment"]
    assert text.detect_sentiment("good good", "de")["Sentiment"] == "POSITIVE"
    assert text.detect_sentiment("the bad", "ja")["Sentiment"] == "NEGATIVE"
    res = text.detect_sentiment("the the", "en")
    assert res["Sentiment"] == "NEUTRAL"
    assert math.isclose(sum(res["SentimentScore"].values()), 1.0, abs_tol=1e-6)
    assert res["SentimentScore"]["Mixed"] == 0.0


@pytest.mark.parametrize("env", [CLIP_ENV, SENTIMENT_ENV])
def test_unusable_model_dir_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: str) -> None:
    monkeypatch.setenv(env, str(tmp_path / "missing"))
    tiers = (
        {**VisionModels.load().tiers(), **TextModels.load().tiers()} if env == CLIP_ENV else TextModels.load().tiers()
    )
    note = next(v for v in tiers.values() if "unusable" in v)
    assert env in note
