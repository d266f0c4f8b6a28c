from __future__ import annotations

import json
from pathlib import Path

import pytest

from salon.ai import TextModels, VisionModels
from salon.ai.evaluate import default_data_dir, evaluate, evaluate_via_endpoint, format_table, group_of, main
from salon.ai.lexicon_engine import Lexicon, load_lexicon
from salon.ai.lexicon_sources import LEXICON_DIR
from salon.ai.metrics import balanced_accuracy, macro_f1, reliability_bins, wilson
from tests.ai.conftest import draw_hand, draw_landscape, to_bytes

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


def _tiny_data_dir(root: Path) -> Path:
    """Evaluation data in the shared layout, made here: three drawn images and a few sentences."""
    images = root / "images"
    images.mkdir(parents=True)
    rows = []
    for name, img, label in (
        ("painted", draw_hand((200, 20, 60)), "manicure"),
        ("bare", draw_hand(None), "not_manicure"),
        ("landscape", draw_landscape(), "not_manicure"),
    ):
        (images / f"{name}.jpg").write_bytes(to_bytes(img))
        rows.append({"file": f"images/{name}.jpg", "label": label, "subcategory": name})
    (images / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    comments = root / "comments"
    comments.mkdir()
    sentences = {
        "en": [("I love these nails, they look amazing!", "positive"), ("Terrible service, awful.", "negative")],
        "fr": [("Un travail magnifique, merci !", "positive"), ("Service horrible, très déçue.", "negative")],
    }
    for lang, items in sentences.items():
        lines = [json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n" for t, lab in items]
        (comments / f"{lang}.jsonl").write_text("".join(lines), encoding="utf-8")
    return root


def test_evaluate_goes_through_the_endpoint_with_boto3(tmp_path: Path) -> None:
    r = evaluate_via_endpoint(_tiny_data_dir(tmp_path / "data"), model_sample=4)
    assert r["endpoint"].startswith("http://127.0.0.1:")
    assert r["n_images"] == 3 and r["manicure_balanced_accuracy"] == 1.0
    assert r["moderation_false_positive_rate"] == 0.0
    assert r["language_accuracy"] == 1.0
    assert r["sentiment_macro_f1"] == {"en": 1.0, "fr": 1.0}
    calls = {"detect_labels", "detect_moderation_labels", "detect_dominant_language", "detect_sentiment", "per_image"}
    assert set(r["latency"]) == calls and set(r["model_latency"]) == calls
    assert r["latency"]["detect_sentiment"]["n"] == 4 and r["latency"]["per_image"]["n"] == 3
    assert r["manicure_counts"] == {"hits": 1, "positives": 1, "rejections": 2, "negatives": 2}
    assert r["language_counts"] == {"correct": 4, "n": 4}
    assert {k: g["n"] for k, g in r["misses_by_group"].items()} == {"painted nails": 1, "bare hands": 1, "other": 1}
    assert all(g["misses"] == [] for g in r["misses_by_group"].values())
    assert sum(b["n"] for b in r["manicure_reliability"]["bins"]) == 3
    table = format_table(r)
    assert "through the endpoint" in table and "model-only" in table and "| fr | 1.000 |" in table
    assert "| DetectLabels | balanced accuracy" in table and "1/1 = 100.0% [" in table
    assert "| painted nails | 1 | 0 |" in table and "Manicure confidence reliability" in table


def test_wilson_interval_and_reliability_bins() -> None:
    lo, hi = wilson(35, 54)
    assert 0.51 < lo < 0.52 and 0.76 < hi < 0.77  # checked against the closed form by hand
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0 and wilson(0, 0) == (0.0, 1.0)
    rel = reliability_bins([0.05, 0.95, 0.95, 0.6], [False, True, False, True])
    by_range = {tuple(b["range"]): b for b in rel["bins"]}
    assert by_range[(0.9, 1.0)]["n"] == 2 and by_range[(0.9, 1.0)]["observed"] == 1
    assert rel["ece"] == pytest.approx((0.05 + 2 * 0.45 + 0.4) / 4)


@pytest.mark.parametrize(
    ("row", "group"),
    [
        ({"subcategory": "painted_nails_hand_lowres", "file": "images/manicure/x.jpg"}, "painted nails"),
        ({"subcategory": "nail_art_closeup", "file": "images/manicure/nailart_1.jpg"}, "nail art"),
        ({"subcategory": "bare_hands_lowres", "file": "images/not_manicure/h.jpg"}, "bare hands"),
        ({"subcategory": "food", "file": "images/not_manicure/f.jpg"}, "food"),
        ({"subcategory": "text_or_screenshot", "file": "t.png"}, "text"),
        ({"subcategory": "animals_pets", "file": "images/not_manicure/coco_animals.jpg"}, "other"),
        ({"file": "images/manicure/press_on_tray.jpg"}, "nail art"),  # no subcategory: from the file name
    ],
)
def test_groups_come_from_subcategories_or_file_names(row: dict[str, str], group: str) -> None:
    assert group_of(row) == group


def test_main_refuses_a_missing_data_dir(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--data-dir", str(tmp_path / "nowhere")])


@pytest.mark.eval
def test_evaluate_on_shared_data(vision: VisionModels, text: TextModels) -> None:
    if not (DATA / "images" / "manifest.jsonl").exists():
        pytest.skip(f"evaluation data not found at {DATA} (../shared/data next to the repo)")
    r = evaluate(DATA, vision, text, per_language=60)
    assert r["moderation_false_positive_rate"] <= 0.02
    assert r["language_accuracy"] >= 0.93
    assert r["manicure_balanced_accuracy"] > 0.6
    assert all(r["sentiment_macro_f1"][k] > r["vader_macro_f1"][k] for k in ("fr", "ja", "ko", "zh"))
    assert "DetectLabels" in format_table(r)
