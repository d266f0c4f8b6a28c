from __future__ import annotations

import math

import pytest

from salon.ai import TextModels, UnsupportedLanguageError

SAMPLES = {
    "en": "I absolutely love the colour of my nails, the salon did a wonderful job.",
    "es": "Me encanta el color de mis uñas, el salón hizo un trabajo maravilloso.",
    "fr": "J'adore la couleur de mes ongles, le salon a fait un travail merveilleux.",
    "de": "Ich liebe die Farbe meiner Nägel, das Studio hat wunderbare Arbeit geleistet.",
    "it": "Adoro il colore delle mie unghie, il salone ha fatto un lavoro meraviglioso.",
    "pt": "Eu adoro a cor das minhas unhas, o salão fez um trabalho maravilhoso.",
    "ja": "ネイルの色がとても気に入りました。素晴らしい仕上がりです。",
    "ko": "네일 색깔이 정말 마음에 들어요. 훌륭한 작업이었어요.",
    "zh": "我非常喜欢我的指甲颜色，这家沙龙做得很棒。",
    "ar": "أحب لون أظافري كثيرا، لقد قام الصالون بعمل رائع.",
}


@pytest.mark.parametrize(("lang", "sentence"), sorted(SAMPLES.items()))
def test_dominant_language(text: TextModels, lang: str, sentence: str) -> None:
    langs = text.detect_dominant_language(sentence)
    assert langs[0]["LanguageCode"] == lang
    assert all(set(x) == {"LanguageCode", "Score"} and 0 <= x["Score"] <= 1 for x in langs)
    assert [x["Score"] for x in langs] == sorted((x["Score"] for x in langs), reverse=True)


def test_traditional_chinese_is_zh_tw(text: TextModels) -> None:
    langs = text.detect_dominant_language("這個顏色真的很漂亮，我們會再來。")
    assert langs[0]["LanguageCode"] == "zh-TW"


def test_empty_text_has_no_language(text: TextModels) -> None:
    assert text.detect_dominant_language("   ") == []


def _check_shape(res: dict) -> None:
    assert res["Sentiment"] in {"POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"}
    scores = res["SentimentScore"]
    assert set(scores) == {"Positive", "Negative", "Neutral", "Mixed"}
    assert all(0 <= v <= 1 for v in scores.values())
    assert math.isclose(sum(scores.values()), 1.0, abs_tol=1e-6)
    assert res["Sentiment"] == max(scores, key=scores.get).upper()


def test_english_sentiment(text: TextModels) -> None:
    pos = text.detect_sentiment("I love these nails, they look amazing!", "en")
    neg = text.detect_sentiment("Terrible service, my polish chipped the next day. Awful.", "en")
    neu = text.detect_sentiment("The salon opens at nine on Tuesdays.", "en")
    for res in (pos, neg, neu):
        _check_shape(res)
    assert (pos["Sentiment"], neg["Sentiment"], neu["Sentiment"]) == ("POSITIVE", "NEGATIVE", "NEUTRAL")


@pytest.mark.parametrize("lang", ["xx", "ru", "nl", "sv", "", "EN"])
def test_unsupported_sentiment_language(text: TextModels, lang: str) -> None:
    with pytest.raises(UnsupportedLanguageError):
        text.detect_sentiment("hello", lang)


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_sentiment_shape_every_language(text: TextModels, lang: str) -> None:
    _check_shape(text.detect_sentiment(SAMPLES[lang], lang))


def test_tiers(text: TextModels) -> None:
    assert set(text.tiers()) == {"language", "sentiment"}


def test_french_uses_the_french_vader_lexicon_when_installed(text: TextModels) -> None:
    pytest.importorskip("vaderSentiment_fr", reason="vadersentiment-fr ships the French VADER lexicon")
    assert "VADER-fr" in text.tiers()["sentiment"]
    assert text.detect_sentiment("Service horrible, je suis vraiment déçue.", "fr")["Sentiment"] == "NEGATIVE"
    assert text.detect_sentiment("Un travail magnifique, merci beaucoup !", "fr")["Sentiment"] == "POSITIVE"
    assert text.detect_sentiment("Le salon ouvre à neuf heures.", "fr")["Sentiment"] == "NEUTRAL"


def test_french_and_german_negation(text: TextModels) -> None:
    fr = text.detect_sentiment("Ce n'est pas bon du tout.", "fr")["SentimentScore"]
    de = text.detect_sentiment("Das ist nicht gut.", "de")["SentimentScore"]
    assert fr["Negative"] > fr["Positive"] and de["Negative"] > de["Positive"]


def test_german_tweets_count_english_words(text: TextModels) -> None:
    assert text.detect_sentiment("Die Farbe ist einfach nice, love it", "de")["Sentiment"] == "POSITIVE"
