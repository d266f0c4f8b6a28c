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
