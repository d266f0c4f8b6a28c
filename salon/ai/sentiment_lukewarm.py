"""Lukewarm evidence: "so-so", "nothing special", "무난", "まあまあ", "ni fu ni fa" count towards Neutral.

In reviews a middling rating is the neutral class, and the words people use for it ("average", "bof",
"geht so") are neither praise nor complaint. The polarity lexicons used to score some of them as negative
(or positive, or not at all); here they are a separate channel: ``count`` returns how many lukewarm
expressions a text holds, and ``sentiment_scores.lexicon_logits`` turns that into Neutral evidence of the
size a moderate polar word gives its own class (``LUKEWARM_VALENCE``: a rule set before any measurement).

The expressions are in ``lexicons/lukewarm.txt`` (format described there), written from general language
knowledge. ja, ko and zh match as substrings; the other languages as whole words after accent folding.
A negated expression ("not average", "ليس عادي") does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from salon.ai.lexicon_engine import fold

PATH = Path(__file__).parent / "lexicons" / "lukewarm.txt"
SUBSTRING = frozenset({"ja", "ko", "zh"})
NEGATION_WINDOW = 3  # words before an expression that can negate it (as in lexicon_engine)
_REPEAT = re.compile(r"([^\W\d_])\1{2,}")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_EDGE = re.compile(r"^[^\w']+|[^\w']+$")


def _norm(text: str, substring: bool) -> str:
    if substring:
        return text.lower()
    return _REPEAT.sub(r"\1", fold(text).translate(_APOSTROPHES))


@dataclass
class LukewarmLexicon:
    """The lukewarm expressions of one language."""

    entries: tuple[str, ...]
    substring: bool = False
    negators: frozenset[str] = frozenset()
    block: frozenset[str] = frozenset()
    neg_suffixes: tuple[str, ...] = ()
    _pattern: re.Pattern[str] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        norm = sorted({_norm(e, self.substring) for e in self.entries if e.strip()}, key=len, reverse=True)
        self.entries = tuple(norm)
        self.negators = frozenset(_norm(w, self.substring) for w in self.negators)
        self.block = frozenset(_norm(w, self.substring) for w in self.block)
        if not norm:
            return
        if self.substring:
            self._pattern = re.compile("|".join(re.escape(e) for e in norm))
        else:
            # any run of whitespace between words; whole words only ("so-so" needs its hyphen: "so so happy")
            alts = [r"\s+".join(re.escape(w) for w in e.split()) for e in norm]
            self._pattern = re.compile(r"(?<![\w'])(?:" + "|".join(alts) + r")(?![\w'])")

    def count(self, text: str) -> int:
        """The number of lukewarm expressions in ``text`` that are not negated."""
        if self._pattern is None or not text:
            return 0
        norm = _norm(text, self.substring)
        hits = 0
        for m in self._pattern.finditer(norm):
            if self.substring:
                after = norm[m.end() : m.end() + 6]
                if any(s in after[: len(s) + 2] for s in self.neg_suffixes):
                    continue
            else:
                before = [_EDGE.sub("", w) for w in norm[: m.start()].split()][-NEGATION_WINDOW:]
                if before and before[-1] in self.block:
                    continue
                if any(w in self.negators for w in before):
                    continue
            hits += 1
        return hits


def load(path: Path = PATH) -> dict[str, LukewarmLexicon]:
    """Language -> its lukewarm expressions, from a file in the ``lexicons/lukewarm.txt`` format."""
    entries: dict[str, list[str]] = {}
    options: dict[str, dict[str, list[str]]] = {}
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        head, sep, body = raw.partition(":")
        words = head.split()
        if not sep or not words or len(words) > 2 or (len(words) == 2) != words[0].startswith("@"):
            raise ValueError(f"{path.name}:{n}: expected 'LANG: ...' or '@option LANG: ...'")
        items = [x.strip() for x in body.split(",") if x.strip()]
        if len(words) == 1:
            entries.setdefault(words[0], []).extend(items)
        else:
            options.setdefault(words[1], {}).setdefault(words[0][1:], []).extend(items)
    out = {}
    for lang, items in entries.items():
        opts = options.get(lang, {})
        out[lang] = LukewarmLexicon(
            entries=tuple(items),
            substring=lang in SUBSTRING,
            negators=frozenset(opts.get("negators", ())),
            block=frozenset(opts.get("block", ())),
            neg_suffixes=tuple(opts.get("neg_suffix", ())),
        )
    unknown = set(options) - set(entries)
    if unknown:
        raise ValueError(f"{path.name}: options for languages without entries: {sorted(unknown)}")
    return out
