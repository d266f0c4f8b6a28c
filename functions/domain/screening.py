"""Comment screening: toxicity segments and their combined scores, personal data found and masked, the outcome.

Pure logic, no AWS calls. The workflow calls Comprehend (DetectToxicContent, DetectPiiEntities) itself; this
module prepares the requests (`prepare`) and turns the answers and the policy into one outcome (`decide`):
`shown`, `held` (hidden until the owner decides) or `rejected` (with a reason the author sees).

Offsets everywhere are code points (Python string indices), as Comprehend counts them: an emoji before an
email moves the email by one, not by the two UTF-16 units a browser would count.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# What Comprehend accepts (service facts, not policy): DetectToxicContent screens English only, and takes at
# most 10 segments of at most 1 KB (UTF-8) each; DetectPiiEntities reads English and Spanish.
TOXICITY_LANGUAGES = frozenset({"en"})
PII_LANGUAGES = frozenset({"en", "es"})
MAX_SEGMENTS = 10
MAX_SEGMENT_BYTES = 1024
TOXIC_LABELS = (
    "PROFANITY",
    "HATE_SPEECH",
    "INSULT",
    "GRAPHIC",
    "HARASSMENT_OR_ABUSE",
    "SEXUAL",
    "VIOLENCE_OR_THREAT",
)
TOXICITY = "TOXICITY"  # the overall score, thresholded like a label
COMBINE_RULE = "max-per-label"  # a comment is as toxic as its most toxic segment, label by label
SHOWN, HELD, REJECTED = "shown", "held", "rejected"
# Public placeholders for masked personal data; other types read "[<type in words>]".
MASKS = {"EMAIL": "[email]", "PHONE": "[phone]", "URL": "[url]", "CREDIT_DEBIT_NUMBER": "[card]"}
PLAIN = {
    "PROFANITY": "profanity",
    "HATE_SPEECH": "hate speech",
    "INSULT": "an insult",
    "GRAPHIC": "graphic content",
    "HARASSMENT_OR_ABUSE": "harassment or abuse",
    "SEXUAL": "sexual content",
    "VIOLENCE_OR_THREAT": "a threat or violence",
    TOXICITY: "abusive language",
}
_BOUNDARY = re.compile(r"(?<=[.!?。！？\n])\s+|\n")
_NON_WORD = re.compile(r"[^\w]+")


class ScreeningError(ValueError):
    """The answers handed to `decide` are not what Comprehend returns."""


# -- policy -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    hold: float  # at or above: hidden until the owner decides
    reject: float | None = None  # at or above: rejected outright (None: never automatically)


@dataclass(frozen=True)
class ScreeningPolicy:
    thresholds: Mapping[str, Thresholds]  # per label (TOXIC_LABELS and TOXICITY)
    mask: frozenset[str]  # personal-data types masked in public
    min_pii_score: float = 0.5  # Comprehend entities below this score are not masked
    unscreened: str = "holdOnHit"  # show | hold | holdOnHit: languages DetectToxicContent cannot screen
    blocked_terms: tuple[str, ...] = ()  # the owner's list, read in every language the model cannot screen

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> ScreeningPolicy:
        """From the `screening` part of config/comment_policy.json (already schema-validated)."""
        thresholds = {
            label: Thresholds(float(t["hold"]), None if t.get("reject") is None else float(t["reject"]))
            for label, t in doc["toxicity"].items()
        }
        pii = doc["personalData"]
        rule = doc["unscreenedLanguages"]
        return cls(
            thresholds,
            frozenset(pii["mask"]),
            float(pii.get("minScore", 0.5)),
            str(rule["rule"]),
            tuple(fold(t) for t in rule.get("blockedTerms", [])),
        )

    @classmethod
    def strict(cls) -> ScreeningPolicy:
        """Every label held at 0.5, nothing rejected, the four pattern types masked (direct construction)."""
        return cls({label: Thresholds(0.5) for label in (*TOXIC_LABELS, TOXICITY)}, frozenset(MASKS))


# -- segments and the combine rule ---------------------------------------------------------------------


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def _hard_split(piece: str, limit: int) -> list[str]:
    """Pieces of at most `limit` UTF-8 bytes, cut at spaces when one is in the second half, else at a code point."""
    parts: list[str] = []
    while _utf8(piece) > limit:
        cut, size = 0, 0
        for index, ch in enumerate(piece):
            size += _utf8(ch)
            if size > limit:
                cut = index
                break
        space = piece.rfind(" ", 0, cut)
        if space > cut // 2:
            cut = space
        parts.append(piece[:cut])
        piece = piece[cut:].lstrip()
    parts.append(piece)
    return parts


def segments(text: str, limit: int = MAX_SEGMENT_BYTES) -> list[str]:
    """The comment as DetectToxicContent segments: sentences packed greedily up to `limit` UTF-8 bytes each;
    a sentence longer than that is cut at a space (or, without one, between code points). Blank text: []."""
    pieces: list[str] = []
    for sentence in _BOUNDARY.split(text):
        sentence = sentence.strip()
        if sentence:
            pieces.extend(_hard_split(sentence, limit))
    packed: list[str] = []
    for piece in pieces:
        if packed and _utf8(packed[-1]) + 1 + _utf8(piece) <= limit:
            packed[-1] = f"{packed[-1]} {piece}"
        else:
            packed.append(piece)
    if len(packed) > MAX_SEGMENTS:
        raise ScreeningError(f"{len(packed)} segments of {limit} bytes; DetectToxicContent takes {MAX_SEGMENTS}")
    return packed


def combine(results: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """One score per label (and TOXICITY) for the whole comment: the maximum over its segments."""
    combined = dict.fromkeys((*TOXIC_LABELS, TOXICITY), 0.0)
    for result in results:
        if not isinstance(result, Mapping):
            raise ScreeningError("a DetectToxicContent result is not an object")
        combined[TOXICITY] = max(combined[TOXICITY], _score(result.get("Toxicity", 0.0)))
        for label in result.get("Labels") or []:
            name = label.get("Name") if isinstance(label, Mapping) else None
            if name in combined:
                combined[name] = max(combined[name], _score(label.get("Score", 0.0)))
    return combined


def _score(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise ScreeningError(f"a score must be a number from 0 to 1, not {value!r}")
    return float(value)


# -- personal data -----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Span:
    begin: int  # code points, inclusive
    end: int  # code points, exclusive
    type: str = field(compare=False)
    source: str = field(default="pattern", compare=False)  # pattern | comprehend


_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+(?:@|\s?\[at\]\s?|\s?\(at\)\s?)[\w-]+(?:(?:\.|\s?\[dot\]\s?|\s?\(dot\)\s?)[\w-]+)*"
    r"(?:\.|\s?\[dot\]\s?|\s?\(dot\)\s?)[^\W\d_]{2,}(?![\w-])",
    re.IGNORECASE,
)
_URL = re.compile(
    r"(?<![\w@.])(?:(?:https?|ftp)://|www\.)[^\s<>\"'`]+"
    r"|(?<![\w@.-])(?:[a-z0-9-]+\.)+(?:com|net|org|info|biz|io|co|me|app|shop|uk|de|fr|es|it|nl|pt|eu|ly|gl|be|ru)"
    r"(?:/[^\s<>\"'`]*)?(?![\w-])",
    re.IGNORECASE,
)
_IP = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?!\d|\.\d)")
_NUMBERISH = re.compile(r"(?<![\w+])\+?\(?\d[\d \t().\-–/]*\d(?![\w])")
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_TRAILING = ".,;:!?)]}'\"…"


def _digits(text: str) -> str:
    return "".join(str(unicodedata.digit(ch)) for ch in text if ch.isdigit())


def luhn(digits: str) -> bool:
    """The Luhn checksum of a card number (digits only)."""
    if not digits.isdigit():
        return False
    total = 0
    for index, ch in enumerate(reversed(digits)):
        value = int(ch) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card_or_phone(match: str) -> str | None:
    body = match.strip()
    digits = _digits(body)
    if _DATE.match(body):
        return None
    if 13 <= len(digits) <= 19 and luhn(digits) and re.fullmatch(r"\d+(?:[ \-]\d+)*", body):
        return "CREDIT_DEBIT_NUMBER"
    if 7 <= len(digits) <= 15:
        if not body.startswith(("+", "(")) and _thousands(body):
            return None  # a count or a price written with thousands separators (1 000 000, 12.500.000)
        return "PHONE"
    return None


def _thousands(body: str) -> bool:
    """1 000 000, 12.500.000, 3,000,000, 100 000 000: a number, not a phone (612 345 678 is a phone)."""
    if not re.fullmatch(r"\d{1,3}(?:([ .,])\d{3})(?:\1\d{3})*", body):
        return False
    first = re.split(r"[ .,]", body)[0]
    return body[len(first)] in ".," or len(first) < 3 or body.endswith("000")


def _trim(text: str, begin: int, end: int) -> tuple[int, int]:
    """A number's span without unbalanced brackets or trailing separators around it: (5500-0000-...) -> 5500-..."""
    while end > begin and (text[end - 1] in " \t.-–/(" or (text[end - 1] == ")" and "(" not in text[begin : end - 1])):
        end -= 1
    if text[begin] == "(" and ")" not in text[begin:end]:
        begin += 1
    return begin, end


def find_personal_data(text: str) -> list[Span]:
    """Emails, URLs, IP addresses, phone numbers and card-like numbers (Luhn) in any language, as code-point
    spans."""
    spans: list[Span] = []
    for match in _EMAIL.finditer(text):
        spans.append(Span(match.start(), match.end(), "EMAIL"))
    for match in _URL.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in _TRAILING:
            end -= 1
        spans.append(Span(match.start(), end, "URL"))
    for match in _IP.finditer(text):
        spans.append(Span(match.start(), match.end(), "IP_ADDRESS"))
    for match in _NUMBERISH.finditer(text):
        begin, end = _trim(text, match.start(), match.end())
        if (begin > 0 and text[begin - 1] in "$€£¥₹") or any(s.begin <= begin < s.end for s in spans):
            continue
        kind = _card_or_phone(text[begin:end])
        if kind:
            spans.append(Span(begin, end, kind))
    return _merged(spans)


def comprehend_spans(text: str, entities: Iterable[Mapping[str, Any]], min_score: float) -> list[Span]:
    """DetectPiiEntities entities at or above `min_score`, checked against the text's length."""
    spans = []
    for entity in entities:
        try:
            begin, end = int(entity["BeginOffset"]), int(entity["EndOffset"])
            kind, score = str(entity["Type"]), float(entity["Score"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ScreeningError(f"a DetectPiiEntities entity is malformed: {entity!r}") from exc
        if not 0 <= begin < end <= len(text):
            raise ScreeningError(f"a DetectPiiEntities entity lies outside the text: {begin}..{end}")
        if score >= min_score:
            spans.append(Span(begin, end, kind, "comprehend"))
    return spans


def _merged(spans: Iterable[Span]) -> list[Span]:
    """Overlapping spans become one, typed by the longest of them."""
    result: list[Span] = []
    for span in sorted(spans):
        if result and span.begin < result[-1].end:
            last = result[-1]
            longest = last if last.end - last.begin >= span.end - span.begin else span
            result[-1] = Span(last.begin, max(last.end, span.end), longest.type, longest.source)
        else:
            result.append(span)
    return result


def placeholder(kind: str) -> str:
    return MASKS.get(kind, "[" + kind.lower().replace("_", " ") + "]")


def mask(text: str, spans: Iterable[Span]) -> str:
    """The text with each span replaced by its placeholder."""
    out, position = [], 0
    for span in _merged(spans):
        out.append(text[position : span.begin])
        out.append(placeholder(span.type))
        position = span.end
    out.append(text[position:])
    return "".join(out)


# -- the outcome -------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lowercase without accents, for the owner's blocked terms."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def blocked_hits(text: str, terms: Sequence[str]) -> list[str]:
    """The owner's blocked terms the text contains as whole words (accents and case ignored)."""
    folded = _words(text)
    return [t for t in terms if t and _words(t) in folded]


def _words(text: str) -> str:
    """' word word ': the folded words, space-delimited at both ends, for whole-word containment."""
    return " " + " ".join(_NON_WORD.sub(" ", fold(text)).split()) + " "


def prepare(text: str, language: str) -> dict[str, Any]:
    """What the workflow sends to Comprehend: segments when the language can be screened, and which calls apply."""
    toxicity = language in TOXICITY_LANGUAGES
    return {
        "toxicity": toxicity,
        "personalData": language in PII_LANGUAGES,
        "segments": [{"Text": s} for s in segments(text)] if toxicity else [],
        "rule": COMBINE_RULE,
    }


def decide(
    policy: ScreeningPolicy,
    text: str,
    language: str,
    toxicity: Sequence[Mapping[str, Any]] | None,
    pii: Sequence[Mapping[str, Any]] | None,
) -> dict[str, Any]:
    """The comment's outcome. `toxicity`: DetectToxicContent's ResultList (None: not screened);
    `pii`: DetectPiiEntities' Entities (None: the language is not one Comprehend reads for personal data)."""
    spans = find_personal_data(text) + (comprehend_spans(text, pii, policy.min_pii_score) if pii is not None else [])
    masked = [s for s in spans if s.type in policy.mask]
    scores = combine(toxicity) if toxicity is not None else None
    visibility, reason, flagged = SHOWN, "", []
    if scores is not None:
        rejected = [n for n, s in scores.items() if _over(s, policy.thresholds.get(n), "reject")]
        flagged = [n for n, s in scores.items() if _over(s, policy.thresholds.get(n), "hold")]
        if rejected:
            visibility = REJECTED
            reason = (
                f"Automatic moderation found {PLAIN[_worst(rejected, scores)]} in this comment; it will not be shown."
            )
        elif flagged:
            visibility = HELD
            worst = _worst(flagged, scores)
            reason = f"The owner reviews comments that may contain {PLAIN[worst]} before they are shown."
    else:
        hits = blocked_hits(text, policy.blocked_terms)
        flagged = [f"BLOCKED_TERM:{t}" for t in hits] + sorted({f"PERSONAL_DATA:{s.type}" for s in spans})
        if policy.unscreened == "hold" or (policy.unscreened == "holdOnHit" and flagged):
            visibility = HELD
            reason = "The owner checks comments in this language before they are shown."
    labels = [{"Name": n, "Score": round(s, 4)} for n, s in sorted((scores or {}).items(), key=lambda kv: -kv[1])]
    return {
        "visibility": visibility,
        "reason": reason,
        "labels": labels,
        "flagged": flagged,
        "screened": scores is not None,
        "rule": COMBINE_RULE if scores is not None else f"unscreened:{policy.unscreened}",
        "segments": len(toxicity or []),
        "personalData": [
            {"Type": s.type, "BeginOffset": s.begin, "EndOffset": s.end, "Source": s.source} for s in _merged(spans)
        ],
        "masked": sorted({s.type for s in masked}),
        "publicText": mask(text, masked),
    }


def _worst(names: list[str], scores: Mapping[str, float]) -> str:
    """The label a reason names: the highest-scoring specific label, the overall score only when alone."""
    specific = [n for n in names if n != TOXICITY] or names
    return max(specific, key=lambda n: scores[n])


def _over(score: float, thresholds: Thresholds | None, which: str) -> bool:
    if thresholds is None:
        return False
    limit = thresholds.hold if which == "hold" else thresholds.reject
    return limit is not None and score >= limit


# -- the owner's decision on a held comment ---------------------------------------------------------


class DecisionRefused(ValueError):
    """The owner's decision cannot apply (the message says why); `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def owner_outcome(decision: str, reason: str) -> tuple[str, str]:
    """(visibility, the reason the author reads) for the owner's approve or reject."""
    if decision == "approve":
        return SHOWN, ""
    reason = " ".join(reason.split())
    if not reason:
        raise DecisionRefused("A rejection needs a reason: the author reads it.", 400)
    return REJECTED, f"Rejected by the salon: {reason}"
