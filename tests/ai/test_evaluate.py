from __future__ import annotations

from pathlib import Path

import pytest

from salon.ai import TextModels, VisionModels
from salon.ai.evaluate import default_data_dir, evaluate, format_table
from salon.ai.lexicon_engine import Lexicon, load_lexicon
from salon.ai.lexicon_sources import LEXICON_DIR
from salon.ai.metrics import balanced_accuracy, macro_f1

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def test_metrics() -> None:
    assert macro_f1(["a", "b", "a"], ["a", "b", "b"]) == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert balanced_accuracy([True, True, False, False], [True, False, False, False]) == 0.75


def test_lexicon_negation_and_stems() -> None:
    lex = Lexicon(entries={"buen*": 2.0, "malo": -2.0}, negators=frozenset({"no"}))
    assert lex.score("muy buenooo") == (2.0, 0.0)
    pos, neg = lex.score("no es bueno")
    assert pos == 0.0 and neg > 0


@pytest.mark.parametrize("path", sorted(LEXICON_DIR.glob("*.txt")), ids=lambda p: p.stem)
def test_lexicon_files_parse(path: Path) -> None:
    if path.stem != "README":
        assert load_lexicon(path).entries


def test_default_data_dir_is_relative_to_repo() -> None:
    assert default_data_dir().resolve() == DATA.resolve()


@pytest.mark.eval
def test_evaluate_on_shared_data(vision: VisionModels, text: TextModels) -> None:
    if not (DATA / "images" / "manifest.jsonl").exists():
        pytest.skip(f"evaluation data not found at {DATA} (../shared/data next to the repo)")
    r = evaluate(DATA, vision, text, per_language=60)
    assert r["moderation_false_positive_rate"] <= 0.02
    assert r["language_accuracy"] >= 0.93
    assert r["manicure_balanced_accuracy"] > 0.5
    assert all(r["sentiment_macro_f1"][k] > r["vader_macro_f1"][k] for k in ("ja", "ko", "zh"))
    assert "DetectLabels" in format_table(r)
