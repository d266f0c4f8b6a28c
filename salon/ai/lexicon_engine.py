"""A small multilingual lexicon scorer: word or substring matches, stems, negation, intensifiers, emoji.

Valences are on VADER's scale (about -4..+4). ``score`` returns (positive, negative) evidence sums.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_REPEAT = re.compile(r"(.)\1{2,}")


# Arabic orthographic variants (ta marbuta, alif maqsura, tatweel); hamza seats fold away with accents.
_ARABIC = str.maketrans({"ة": "ه", "ى": "ي", "ـ": None})


def fold(text: str) -> str:
    """Lowercase, strip accents and diacritics (tweets often drop them), unify Arabic variants."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_ARABIC)


def _variants(token: str) -> list[str]:
    """The token, and with letter runs of 3+ collapsed to 2 and to 1 ("buenooo" -> "buenoo", "bueno")."""
    if not _REPEAT.search(token):
        return [token]
    return [token, _REPEAT.sub(r"\1\1", token), _REPEAT.sub(r"\1", token)]


@dataclass
class Lexicon:
    """Entries ending in ``*`` are stems (prefix match). ``substring`` mode is for unsegmented scripts."""

    entries: dict[str, float] = field(default_factory=dict)
    negators: frozenset[str] = frozenset()
    intensifiers: dict[str, float] = field(default_factory=dict)
    substring: bool = False
    fold_accents: bool = True
    negation_window: int = 3
    # substring mode: negation marks right before / after a match
    neg_prefixes: tuple[str, ...] = ()
    neg_suffixes: tuple[str, ...] = ()
    collapse_repeats: bool = False  # substring mode: letter runs of 3+ become one letter
    _stems: list[tuple[str, float]] = field(default_factory=list, init=False)
    # word mode: multi-word entries ("de lujo", "no me gusta"), keyed by their first token
    _phrases: dict[str, list[tuple[tuple[str, ...], float]]] = field(default_factory=dict, init=False)
    _pattern: re.Pattern[str] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.update(dict(self.entries))

    def _norm(self, s: str) -> str:
        return fold(s) if self.fold_accents else s.lower()

    def update(self, items: dict[str, float] | Iterable[tuple[str, float]]) -> None:
        pairs = items.items() if isinstance(items, dict) else items
        exact = {k: v for k, v in self.entries.items() if not k.endswith("*")}
        stems = dict(self._stems)
        for key, val in pairs:
            norm = self._norm(key.strip())
            if not norm:
                continue
            if norm.endswith("*") and not self.substring:
                stems[norm[:-1]] = val
            else:
                exact[norm.rstrip("*")] = val
        self.entries = exact
        self._stems = sorted(stems.items(), key=lambda kv: -len(kv[0]))
        self._phrases = {}
        if not self.substring:
            for key, val in exact.items():
                words = tuple(_WORD.findall(key))
                if len(words) > 1:
                    self._phrases.setdefault(words[0], []).append((words, val))
            for options in self._phrases.values():
                options.sort(key=lambda wv: -len(wv[0]))
        if self.substring and exact:
            alts = sorted(exact, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(a) for a in alts))
        self.negators = frozenset(self._norm(n) for n in self.negators)
        self.intensifiers = {self._norm(k): v for k, v in self.intensifiers.items()}

    def lookup(self, token: str) -> float | None:
        for t in _variants(token):
            if t in self.entries:
                return self.entries[t]
        for t in _variants(token):
            for stem, val in self._stems:
                if t.startswith(stem):
                    return val
        return None

    def score(self, text: str) -> tuple[float, float]:
        return self._score_substring(text) if self.substring else self._score_words(text)

    def _phrase_at(self, tokens: list[str], i: int) -> tuple[int, float] | None:
        """(length, valence) of the longest multi-word entry starting at token ``i``."""
        for words, val in self._phrases.get(tokens[i], ()):
            n = len(words)
            if tuple(tokens[i : i + n]) == words:
                return n, val
        return None

    def _score_words(self, text: str) -> tuple[float, float]:
        tokens = _WORD.findall(self._norm(text))
        pos = neg = 0.0
        skip_until = 0
        for i, tok in enumerate(tokens):
            if i < skip_until:
                continue
            phrase = self._phrase_at(tokens, i) if self._phrases else None
            if phrase is not None:
                skip_until = i + phrase[0]
                val: float | None = phrase[1]
            else:
                val = self.lookup(tok)
            if val is None:
                continue
            window = tokens[max(0, i - self.negation_window) : i]
            if i and tokens[i - 1] in self.intensifiers:
                val *= self.intensifiers[tokens[i - 1]]
            if any(w in self.negators for w in window):
                val *= -0.6
            pos, neg = (pos + val, neg) if val > 0 else (pos, neg - val)
        return pos, neg

    def _score_substring(self, text: str) -> tuple[float, float]:
        if self._pattern is None:
            return 0.0, 0.0
        norm = self._norm(text)
        if self.collapse_repeats:
            norm = _REPEAT.sub(r"\1", norm)
        pos = neg = 0.0
        for m in self._pattern.finditer(norm):
            val = self.entries[m.group(0)]
            before = norm[max(0, m.start() - 6) : m.start()]
            after = norm[m.end() : m.end() + 5]
            negated = any(before.endswith(p) for p in self.neg_prefixes) or any(
                after.startswith(s) for s in self.neg_suffixes
            )
            if negated:
                val *= -0.6
            pos, neg = (pos + val, neg) if val > 0 else (pos, neg - val)
        return pos, neg


def load_lexicon(path: str | Path) -> Lexicon:
    """Parse a lexicon file in the format described in ``lexicons/README.txt``."""
    entries: dict[str, float] = {}
    opts: dict[str, Any] = {}
    boost: dict[str, float] = {}
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#") or ":" not in raw:
            continue
        head, body = raw.split(":", 1)
        items = [x.strip() for x in body.split(",") if x.strip()]
        head = head.strip()
        if head == "@mode":
            opts["substring"] = body.strip() == "substring"
        elif head == "@fold":
            opts["fold_accents"] = body.strip() != "no"
        elif head == "@collapse":
            opts["collapse_repeats"] = True
        elif head == "@negators":
            opts["negators"] = frozenset(items)
        elif head.startswith("@intensify"):
            factor = float(head.split()[1])
            boost.update(dict.fromkeys(items, factor))
            opts["intensifiers"] = boost
        elif head == "@neg_prefix":
            opts["neg_prefixes"] = tuple(x.lstrip() for x in body.split(",") if x.strip())
        elif head == "@neg_suffix":
            opts["neg_suffixes"] = tuple(items)
        else:
            entries.update(dict.fromkeys(items, float(head)))
    return Lexicon(entries=entries, **opts)
