"""TextModels: the Comprehend DetectDominantLanguage / DetectSentiment stand-in."""

from __future__ import annotations

from typing import Any

from salon.ai import sentiment_transformer
from salon.ai.errors import UnsupportedLanguageError
from salon.ai.language import LanguageIdentifier
from salon.ai.sentiment_lexicon import LexiconSentiment
from salon.ai.tiers import choose

# Languages Comprehend DetectSentiment supports.
SENTIMENT_LANGUAGES = frozenset({"ar", "hi", "ko", "zh", "zh-TW", "de", "en", "es", "it", "ja", "fr", "pt"})


class TextModels:
    def __init__(self, language: LanguageIdentifier, sentiment: Any) -> None:
        self._language = language
        self._sentiment = sentiment

    @classmethod
    def load(cls) -> TextModels:
        """Sentiment from a transformer when ``SALON_SENTIMENT_MODEL_DIR`` holds usable weights, else lexicons."""
        sentiment = choose(sentiment_transformer.ENV_VAR, sentiment_transformer.load, LexiconSentiment)
        return cls(LanguageIdentifier(), sentiment)

    def detect_dominant_language(self, text: str) -> list[dict[str, Any]]:
        return self._language.detect(text)

    def detect_sentiment(self, text: str, language_code: str) -> dict[str, Any]:
        if language_code not in SENTIMENT_LANGUAGES:
            raise UnsupportedLanguageError(f"DetectSentiment does not support language {language_code!r}")
        return self._sentiment.detect(text, language_code)

    def tiers(self) -> dict[str, str]:
        return {"language": self._language.tier, "sentiment": self._sentiment.tier}
