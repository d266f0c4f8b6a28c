"""Lukewarm expressions ("so-so", "무난", "まあまあ") count towards Neutral; negation and strong words still win."""

from __future__ import annotations

from pathlib import Path

import pytest

from salon.ai import TextModels
from salon.ai.sentiment_lexicon import LexiconSentiment
from salon.ai.sentiment_lukewarm import LukewarmLexicon, load
from salon.ai.sentiment_scores import combine

LUKEWARM = [
    ("en", "The manicure was so-so, nothing special."),
    ("es", "Ni fu ni fa, la verdad un servicio regular."),
    ("fr", "Bof, un résultat moyen, sans plus."),
    ("de", "Naja, geht so. Die Maniküre war mittelmäßig."),
    ("it", "Così così, niente di speciale."),
    ("pt", "Mais ou menos, um atendimento razoável."),
    ("ko", "그냥 그럭저럭 무난했어요"),
    ("ja", "仕上がりはまあまあでした"),
    ("ar", "الخدمة عادية والسعر مقبول"),
    ("hi", "सर्विस ठीक-ठाक थी, कुछ खास नहीं"),
]


# --- matching ------------------------------------------------------------------------------------------


def test_whole_words_phrases_and_hyphens() -> None:
    lex = LukewarmLexicon(entries=("so-so", "nothing special", "average"))
    assert lex.count("It was so-so, nothing   special.") == 2
    assert lex.count("I'm so so happy") == 0  # "so-so" needs its hyphen
    assert lex.count("averages and averaged") == 0  # whole words only
    assert lex.count("AVERAGE!!!") == 1


def test_negated_or_blocked_expressions_do_not_count() -> None:
    lex = LukewarmLexicon(entries=("average",), negators=frozenset({"not"}), block=frozenset({"above"}))
    assert lex.count("not really average") == 0
    assert lex.count("above average") == 0
    assert lex.count("above the rest, just average") == 1  # "above" blocks only the next word


def test_substring_languages_and_negative_suffixes() -> None:
    lex = LukewarmLexicon(entries=("무난",), substring=True, neg_suffixes=("지 않",))
    assert lex.count("무난했어요") == 1
    assert lex.count("무난하지 않았어요") == 0


def test_shipped_file_covers_the_core_languages() -> None:
    lexicons = load()
    assert {"en", "es", "pt", "fr", "de", "it", "ar", "hi", "ja", "ko", "zh"} <= set(lexicons)
    for lang, text in LUKEWARM:
        assert lexicons[lang].count(text) >= 1, lang


def test_format_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "luke.txt"
    path.write_text("# comment\nen: meh\nno language here\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"luke.txt:3"):
        load(path)
    path.write_text("en: meh\n@negators xx: not\n", encoding="utf-8")
    with pytest.raises(ValueError, match="xx"):
        load(path)


# --- scores --------------------------------------------------------------------------------------------


def test_lukewarm_evidence_raises_neutral_but_strong_words_still_win() -> None:
    assert combine(0.0, 0.0, lukewarm=1.0)["Neutral"] > combine(0.0, 0.0)["Neutral"]
    assert combine(0.0, 0.0, lukewarm=2.0)["Neutral"] > combine(0.0, 0.0, lukewarm=1.0)["Neutral"]
    strong = combine(0.0, 8.0, lukewarm=1.0)  # "terrible, awful" next to a "so-so"
    assert max(strong, key=strong.get) == "Negative"


def test_lukewarm_words_leave_the_polarity_lexicons() -> None:
    before, after = LexiconSentiment(use_head=False, lukewarm=False), LexiconSentiment(use_head=False)
    assert before.polarity("bof", "fr")[1] > 0 and after.polarity("bof", "fr") == (0.0, 0.0)
    assert before.polarity("그저 그래요", "ko")[1] > 0 and after.polarity("그저 그래요", "ko") == (0.0, 0.0)
    assert after.evidence("bof", "fr") == (0.0, 0.0, 1.0)
    assert after.lukewarm("service average thi", "hi") == 0.5  # English half-weighted, like its polarity


@pytest.fixture(scope="module")
def without_lukewarm() -> LexiconSentiment:
    return LexiconSentiment(lukewarm=False)


@pytest.mark.parametrize(("lang", "sentence"), LUKEWARM, ids=[lang for lang, _ in LUKEWARM])
def test_lukewarm_comments_score_more_neutral_than_before(
    text: TextModels, without_lukewarm: LexiconSentiment, lang: str, sentence: str
) -> None:
    after = text.detect_sentiment(sentence, lang)["SentimentScore"]
    before = without_lukewarm.detect(sentence, lang)["SentimentScore"]
    assert after["Neutral"] > before["Neutral"] + 0.05


@pytest.mark.parametrize(
    ("lang", "sentence", "label"),
    [
        ("en", "Not average at all, it was awful and rude", "NEGATIVE"),
        ("en", "Nothing special? No way, absolutely amazing, I love it! 😍", "POSITIVE"),
        ("es", "Nada especial no, ¡fue horrible, el peor servicio, un desastre!", "NEGATIVE"),
        ("ko", "무난하지 않았어요 최악이에요 다시는 안 가요", "NEGATIVE"),
        ("ja", "まあまあどころか最高でした！大満足です", "POSITIVE"),
        ("ar", "مش عادي، رائع جدا وشكرا لكم", "POSITIVE"),
    ],
)
def test_negation_and_strong_words_still_win(text: TextModels, lang: str, sentence: str, label: str) -> None:
    assert text.detect_sentiment(sentence, lang)["Sentiment"] == label
