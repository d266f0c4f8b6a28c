"""DetectToxicContent stand-in: an English lexicon with phrase matching, targeting and benign idioms.

Per segment, each label's score is 1 - prod(1 - w) over the label's hits (a floor of 0.01 when nothing
matched), an insult aimed at "you" weighs more, a hit right after "not"/"never" weighs less, and
benign idioms ("to die for", "killed it", "blood red") are removed before matching. Toxicity is
1 - prod(1 - s) over the labels: one strong label makes a toxic segment.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LABELS = (
    "PROFANITY",
    "HATE_SPEECH",
    "INSULT",
    "GRAPHIC",
    "HARASSMENT_OR_ABUSE",
    "SEXUAL",
    "VIOLENCE_OR_THREAT",
)
TIER = "English lexicon and phrase rules (salon/ai/toxicity/lexicon.tsv)"
LEXICON = Path(__file__).with_name("lexicon.tsv")
FLOOR = 0.01
BENIGN = (
    "to die for",
    "drop dead gorgeous",
    "killed it",
    "killing it",
    "kill it",
    "killer",
    "blood red",
    "oxblood",
    "nailed it",
    "slay",
    "slaying",
)
SECOND_PERSON = frozenset({"you", "your", "youre", "u", "ur", "yourself", "ya"})
NEGATORS = frozenset({"not", "never", "no", "isnt", "arent", "wasnt", "dont", "didnt"})
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "@": "a", "$": "s", "5": "s", "7": "t", "*": "u"})
_WORD = re.compile(r"[a-z0-9@$*]+(?:'[a-z]+)?")
_REPEAT = re.compile(r"(.)\1{2,}")
# Threat constructions: "I will / I'm going to / gonna ... <harm verb>", "make you pay", "smash your ...".
_THREAT = re.compile(
    r"\b(?:i|we)(?: will|ll| am going to| m going to| are going to| re going to| gonna)\b(?: \w+){0,3}? "
    r"(?:kill|hurt|beat|stab|shoot|burn|smash|break|destroy|punch|find|get)\b"
    r"|\bmake you pay\b|\bsmash your\b|\bdeserve to (?:die|get hurt|get punched|be hurt)\b"
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Lowercase words without accents, apostrophes dropped, leetspeak undone, letter runs collapsed."""
    words = []
    for raw in _WORD.findall(_fold(text)):
        word = raw.replace("'", "")
        if any(ch.isalpha() for ch in word):
            word = word.translate(_LEET)
        words.append(_REPEAT.sub(r"\1", word) if _REPEAT.search(word) else word)
    return words


@dataclass
class ToxicityLexicon:
    words: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    stems: list[tuple[str, str, float]] = field(default_factory=list)
    phrases: list[tuple[tuple[str, ...], str, float]] = field(default_factory=list)
    tier: str = TIER

    @classmethod
    def load(cls, path: Path = LEXICON) -> ToxicityLexicon:
        lexicon = cls()
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            label, weight, term = line.split("\t")
            if label not in LABELS:
                raise ValueError(f"{path.name}: unknown label {label!r}")
            lexicon.add(label, float(weight), term)
        return lexicon

    def add(self, label: str, weight: float, term: str) -> None:
        words = tuple(tokens(term.rstrip("*")))
        if len(words) > 1:
            self.phrases.append((words, label, weight))
        elif term.endswith("*"):
            self.stems.append((words[0], label, weight))
        else:
            self.words.setdefault(words[0], []).append((label, weight))

    def _hits(self, words: list[str]) -> list[tuple[int, str, float]]:
        hits: list[tuple[int, str, float]] = []
        for index, word in enumerate(words):
            hits += [(index, label, weight) for label, weight in self.words.get(word, [])]
            hits += [(index, label, weight) for stem, label, weight in self.stems if word.startswith(stem)]
        for phrase, label, weight in self.phrases:
            size = len(phrase)
            hits += [(i, label, weight) for i in range(len(words) - size + 1) if tuple(words[i : i + size]) == phrase]
        return hits

    def score(self, text: str) -> dict[str, Any]:
        """One DetectToxicContent result: {"Labels": [{"Name", "Score"} for every label], "Toxicity"}."""
        cleaned = " ".join(tokens(text))
        for idiom in BENIGN:
            cleaned = re.sub(rf"\b{re.escape(idiom)}\b", " ", cleaned)
        words = cleaned.split()
        keep = {label: 1.0 for label in LABELS}
        for index, label, weight in self._hits(words):
            before = words[max(0, index - 3) : index]
            if label in ("INSULT", "HARASSMENT_OR_ABUSE") and SECOND_PERSON & set(before):
                weight = min(0.97, weight * 1.3)
            if NEGATORS & set(words[max(0, index - 2) : index]):
                weight *= 0.3
            keep[label] *= 1.0 - weight
        if _THREAT.search(cleaned):
            keep["VIOLENCE_OR_THREAT"] *= 1.0 - 0.85
        scores = {label: max(FLOOR, 1.0 - keep[label]) for label in LABELS}
        overall = 1.0
        for value in scores.values():
            overall *= 1.0 - value
        labels = [{"Name": label, "Score": round(scores[label], 4)} for label in LABELS]
        return {"Labels": labels, "Toxicity": round(min(0.99, 1.0 - overall), 4)}
