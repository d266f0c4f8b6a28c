"""Rekognition-style label taxonomy for the labels the local models can emit."""

from __future__ import annotations

from typing import Any

# name -> (parents, nearest first; categories)
_TAXONOMY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Manicure": (("Hand", "Body Part", "Person"), ("Beauty and Personal Care",)),
    "Nail": (("Hand", "Body Part", "Person"), ("Person Description",)),
    "Nail Polish": (("Cosmetics",), ("Beauty and Personal Care",)),
    "Cosmetics": ((), ("Beauty and Personal Care",)),
    "Hand": (("Body Part", "Person"), ("Person Description",)),
    "Finger": (("Hand", "Body Part", "Person"), ("Person Description",)),
    "Body Part": (("Person",), ("Person Description",)),
    "Person": ((), ("Person Description",)),
    "Skin": (("Person",), ("Person Description",)),
    "Face": (("Head", "Person"), ("Person Description",)),
    "Head": (("Person",), ("Person Description",)),
    "Food": ((), ("Food and Beverage",)),
    "Animal": ((), ("Animals and Pets",)),
    "Pet": (("Animal",), ("Animals and Pets",)),
    "Text": ((), ("Text and Documents",)),
    "Outdoors": ((), ("Nature and Outdoors",)),
    "Nature": ((), ("Nature and Outdoors",)),
    "Vehicle": (("Transportation",), ("Transport and Logistics",)),
    "Transportation": ((), ("Transport and Logistics",)),
    "Indoors": ((), ("Buildings and Architecture",)),
}


def known_labels() -> list[str]:
    return sorted(_TAXONOMY)


def make_label(name: str, confidence: float) -> dict[str, Any]:
    """One label dict in Rekognition DetectLabels shape (confidence 0-100)."""
    parents, categories = _TAXONOMY.get(name, ((), ()))
    return {
        "Name": name,
        "Confidence": round(float(min(100.0, max(0.0, confidence))), 3),
        "Instances": [],
        "Parents": [{"Name": p} for p in parents],
        "Aliases": [],
        "Categories": [{"Name": c} for c in categories],
    }


def expand(scores: dict[str, float], min_confidence: float, max_labels: int | None) -> list[dict[str, Any]]:
    """Add parents as labels (with the best child confidence), filter, sort and cap, like Rekognition."""
    merged: dict[str, float] = {}
    for name, conf in scores.items():
        merged[name] = max(merged.get(name, 0.0), conf)
        for parent in _TAXONOMY.get(name, ((), ()))[0]:
            merged[parent] = max(merged.get(parent, 0.0), conf)
    kept = sorted(((c, n) for n, c in merged.items() if c >= min_confidence), key=lambda t: (-t[0], t[1]))
    if max_labels is not None:
        kept = kept[: max(0, max_labels)]
    return [make_label(n, c) for c, n in kept]


# Rekognition's moderation taxonomy (v7) for the labels the moderation stand-in can emit: name -> (parent, level).
_MODERATION: dict[str, tuple[str, int]] = {
    "Explicit": ("", 1),
    "Explicit Nudity": ("Explicit", 2),
    "Rude Gestures": ("", 1),
    "Middle Finger": ("Rude Gestures", 2),
}


def known_moderation_labels() -> list[str]:
    return sorted(_MODERATION)


def moderation_labels(scores: dict[str, float], min_confidence: float) -> list[dict[str, Any]]:
    """DetectModerationLabels entries for level-2 ``scores`` (0-100), each preceded by its level-1 category at
    the best child's confidence, as Rekognition reports both levels; categories in the order of ``scores``."""
    out: list[dict[str, Any]] = []
    scores = {name: round(float(min(100.0, max(0.0, conf))), 3) for name, conf in scores.items()}
    parents: dict[str, float] = {}
    for name, conf in scores.items():
        parent = _MODERATION[name][0]
        parents[parent] = max(parents.get(parent, 0.0), conf)
    for parent, best in parents.items():
        if best < min_confidence:
            continue
        out.append(_moderation_label(parent, best))
        out += [
            _moderation_label(n, c) for n, c in scores.items() if _MODERATION[n][0] == parent and c >= min_confidence
        ]
    return out


def _moderation_label(name: str, confidence: float) -> dict[str, Any]:
    parent, level = _MODERATION[name]
    return {"Name": name, "ParentName": parent, "Confidence": confidence, "TaxonomyLevel": level}
