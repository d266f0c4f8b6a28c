"""Quality of the comment-screening stand-ins on the project's own labelled data (no outside data).

Toxicity: salon/ai/toxicity/corpus.tsv; the lexicon was written from its "lexicon" rows, the "heldout"
rows measure it. A comment counts as caught when the policy in config/ hides it (held or rejected).
Non-English rows measure the rule for languages DetectToxicContent cannot screen (the owner's blocked terms
and the personal-data patterns). Personal data: sentences generated from templates (fixed seed) with known
spans, in English and Spanish, read by the DetectPiiEntities stand-in; a hit is an exact span of the right type.

    .venv/bin/python -m salon.ai.toxicity.measure
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

from functions.config import default_comment_policy
from functions.domain import screening
from salon.ai.pii import PiiRules
from salon.ai.toxicity.model import ToxicityLexicon

CORPUS = Path(__file__).with_name("corpus.tsv")


def rows() -> list[dict[str, str]]:
    lines = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


def _rates(pairs: list[tuple[bool, bool]]) -> dict[str, Any]:
    tp = sum(1 for truth, guess in pairs if truth and guess)
    fp = sum(1 for truth, guess in pairs if not truth and guess)
    fn = sum(1 for truth, guess in pairs if truth and not guess)
    tn = len(pairs) - tp - fp - fn
    return {
        "n": len(pairs),
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "falsePositiveRate": round(fp / (fp + tn), 3) if fp + tn else None,
        "accuracy": round((tp + tn) / len(pairs), 3) if pairs else None,
    }


def toxicity() -> dict[str, Any]:
    model, policy = ToxicityLexicon.load(), default_comment_policy().screening
    report: dict[str, Any] = {}
    for split in ("lexicon", "heldout"):
        english = [r for r in rows() if r["split"] == split and r["lang"] == "en"]
        pairs, top_right, toxic = [], 0, 0
        for row in english:
            results = [model.score(s) for s in screening.segments(row["text"])]
            outcome = screening.decide(policy, row["text"], "en", results, [])
            pairs.append((row["label"] != "CLEAN", outcome["visibility"] != screening.SHOWN))
            if row["label"] != "CLEAN":
                toxic += 1
                top_right += outcome["labels"][0]["Name"] == row["label"] or (
                    outcome["labels"][0]["Name"] == screening.TOXICITY and outcome["labels"][1]["Name"] == row["label"]
                )
        report[f"en/{split}"] = {**_rates(pairs), "topLabelRight": round(top_right / toxic, 3) if toxic else None}
        others = [r for r in rows() if r["split"] == split and r["lang"] != "en"]
        pairs = [
            (r["label"] != "CLEAN", screening.decide(policy, r["text"], r["lang"], None, None)["visibility"] != "shown")
            for r in others
        ]
        report[f"unscreened/{split}"] = _rates(pairs)
    return report


NAMES = ["Ann", "Lucía", "Zoë", "Mariam", "Kenji", "Olu"]
VALUES = {
    "EMAIL": ["ann.lee@example.com", "lucia+citas@correo.es", "z.o@mail.example.org", "olu_99@example.co.uk"],
    "PHONE": ["+44 20 7946 0958", "(555) 123-4567", "612 345 678", "+34 612 34 56 78", "020-7946-0958"],
    "URL": ["https://example.com/nails", "www.salon.example.org/book", "http://example.net/a?b=1"],
    "CREDIT_DEBIT_NUMBER": ["4111 1111 1111 1111", "5500-0000-0000-0004", "4012888888881881"],
    "IP_ADDRESS": ["192.168.10.20", "10.0.0.254"],
}
TEMPLATES = {
    "en": ["Contact me at {v} please", "{n} here 💅, my details: {v}.", "Loved it! ({v})", "Ask for {v} next time"],
    "es": [
        "Escríbeme a {v} por favor",
        "Soy {n} 😀 y mi dato es {v}.",
        "¡Me encantó! ({v})",
        "Pide {v} la próxima vez",
    ],
}


def _patterns(text: str) -> set[tuple[str, int, int]]:
    """The workflow's own patterns (every language), in the stand-in's shape."""
    return {(s.type, s.begin, s.end) for s in screening.find_personal_data(text)}


def _stand_in(text: str) -> set[tuple[str, int, int]]:
    return {(e["Type"], e["BeginOffset"], e["EndOffset"]) for e in PiiRules().detect(text)}


def personal_data(samples: int = 200, seed: int = 7, detect: Any = None) -> dict[str, Any]:
    """Recall per type on generated sentences; `detect` is the stand-in (default) or the workflow's patterns."""
    rng, detect = random.Random(seed), detect or _stand_in
    counts: dict[str, Counter[str]] = {}
    for _ in range(samples):
        language = rng.choice(sorted(TEMPLATES))
        kind = rng.choice(sorted(VALUES))
        value = rng.choice(VALUES[kind])
        template = rng.choice(TEMPLATES[language])
        head, _, tail = template.partition("{v}")
        head = head.format(n=rng.choice(NAMES))
        text = head + value + tail.format(n="")
        truth = (kind, len(head), len(head) + len(value))
        found = {f for f in detect(text) if f[0] in VALUES}  # the types the templates plant
        tally = counts.setdefault(kind, Counter())
        tally["n"] += 1
        tally["hit"] += truth in found
        tally["extra"] += len(found - {truth})
    return {
        kind: {"n": c["n"], "recall": round(c["hit"] / c["n"], 3), "extraSpans": c["extra"]}
        for kind, c in sorted(counts.items())
    }


def main() -> None:
    report = {
        "toxicity": toxicity(),
        "personalData": {"standIn": personal_data(), "patterns": personal_data(detect=_patterns)},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
