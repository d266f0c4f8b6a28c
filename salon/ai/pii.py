"""DetectPiiEntities stand-in (English and Spanish, as Comprehend): rules for the common entity types.

Offsets are code points, EndOffset exclusive (text[BeginOffset:EndOffset] is the entity), as Comprehend
answers. Its own rules, apart from the workflow's patterns (functions/domain/screening.py), so a test can
tell which of the two found what.
"""

from __future__ import annotations

import re
from typing import Any

TIER = "rules: email, URL, phone, card (Luhn), IP, SSN, street address, self-introduced name"
LANGUAGES = frozenset({"en", "es"})
_RULES: tuple[tuple[str, float, re.Pattern[str]], ...] = (
    ("EMAIL", 0.9995, re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")),
    ("URL", 0.999, re.compile(r"(?<![\w@])(?:https?://|www\.)[^\s<>\"']*[^\s<>\"'.,;:!?)\]]")),
    (
        "IP_ADDRESS",
        0.998,
        re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?!\d|\.\d)"),
    ),
    ("SSN", 0.99, re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")),
    ("CREDIT_DEBIT_NUMBER", 0.999, re.compile(r"(?<!\d)\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}(?!\d)")),
    (
        "PHONE",
        0.998,
        re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4}(?![\w])"),
    ),
    (
        "ADDRESS",
        0.95,
        re.compile(
            r"\b\d{1,5} (?:[A-Z][a-z]+ ){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr)\b"
            r"|\b(?:Calle|Avenida|Av\.) (?:[A-ZÁÉÍÓÚ][\wáéíóúñ]+ ){0,3}[A-ZÁÉÍÓÚ]?[\wáéíóúñ]*,? \d{1,5}\b"
        ),
    ),
)
_NAME = re.compile(r"\b(?i:my name is|I am|I'm|me llamo|soy) ([A-Z][a-zá-úñ]+(?: [A-Z][a-zá-úñ]+)?)")


def _luhn(digits: str) -> bool:
    total = 0
    for index, ch in enumerate(reversed(digits)):
        value = int(ch) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


class PiiRules:
    tier = TIER

    def detect(self, text: str) -> list[dict[str, Any]]:
        taken: list[tuple[int, int]] = []
        entities: list[dict[str, Any]] = []

        def add(kind: str, score: float, begin: int, end: int) -> None:
            if any(begin < e and b < end for b, e in taken):
                return
            taken.append((begin, end))
            entities.append({"Score": score, "Type": kind, "BeginOffset": begin, "EndOffset": end})

        for kind, score, pattern in _RULES:
            for match in pattern.finditer(text):
                digits = re.sub(r"\D", "", match.group())
                if kind == "CREDIT_DEBIT_NUMBER" and not (13 <= len(digits) <= 19 and _luhn(digits)):
                    continue
                if kind == "PHONE" and not 7 <= len(digits) <= 15:
                    continue
                add(kind, score, match.start(), match.end())
        for match in _NAME.finditer(text):
            add("NAME", 0.93, match.start(1), match.end(1))
        return sorted(entities, key=lambda e: e["BeginOffset"])
