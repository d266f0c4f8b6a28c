"""Fits the nail reader's manicure score on photos the project renders itself (``nail_synth.py``).

The score is a logistic regression over a handful of per-hand features that the nail reader measures
(``labels_hands.reading_features``): how many nails share one off-skin colour, how the nail plates differ from the
finger's own skin (colour distance, chroma, lightness), how glossy they are, how many end in a white band
(French tips), and the classical tier's evidence. The features were chosen from how polish looks, before any
measurement; the weights are fitted here, on rendered hands only (painted in every style and colour, including
nude, sheer and pastel shades and French tips, or bare; on plain and jigsaw backgrounds). Being a logistic
fit on a balanced set, its output is a calibrated probability on that set; ``docs/ai-stand-ins.md`` reports the
reliability measured on the development split (measured there, never fitted there).

    python -m salon.ai.labels_fit [--n 240] [--held-out 80]     # writes salon/ai/labels_head.json
"""

from __future__ import annotations

import argparse
import json
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from salon.ai import labels_hands, nail_synth
from salon.ai.images import decode
from salon.ai.labels_classical import hand_features as classical_features
from salon.ai.sentiment_head import train_softmax

log = logging.getLogger(__name__)

L2 = 1e-2  # a round value, not tuned
HELD_OUT_SEED = 1_000_000  # held-out renders use seeds from here on


def rendered_features(seeds: range, labeler: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Feature rows (the best hand of each render where a hand is found), labels and kinds."""
    xs, ys, kinds = [], [], []
    for seed in seeds:
        sample = nail_synth.sample(seed)
        img = decode(sample.image)
        readings, _ = labeler.readings(img)
        if not readings:
            continue
        classical = classical_features(img)
        rows = [labels_hands.reading_features(r, classical) for r in readings]
        xs.append(max(rows, key=lambda row: row[0]))  # the hand with the most matching nails
        ys.append(int(sample.manicure))
        kinds.append(sample.kind)
    return np.array(xs, dtype=np.float64), np.array(ys), kinds


def fit(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    mean, std = x.mean(0), x.std(0) + 1e-6
    w, b = train_softmax((x - mean) / std, y, 2, l2=L2, iterations=1500)
    # Two-class softmax -> one logit: z = (w1 - w0) . x + (b1 - b0)
    return {
        "features": list(labels_hands.FEATURES),
        "mean": mean.tolist(),
        "std": std.tolist(),
        "weights": (w[:, 1] - w[:, 0]).tolist(),
        "bias": float(b[1] - b[0]),
    }


def report(model: dict[str, Any], x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    z = labels_hands.ManicureModel(model).logits(x)
    p = 1 / (1 + np.exp(-z))
    pred = p >= 0.7
    return {
        "n": len(y),
        "recall_at_70": float(pred[y == 1].mean()) if (y == 1).any() else math.nan,
        "specificity_at_70": float((~pred[y == 0]).mean()) if (y == 0).any() else math.nan,
        "brier": float(((p - y) ** 2).mean()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=240, help="renders to fit on")
    parser.add_argument("--held-out", type=int, default=80, help="renders to check on")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    labeler = labels_hands.load()
    x, y, _ = rendered_features(range(args.n), labeler)
    model = fit(x, y)
    xh, yh, _ = rendered_features(range(HELD_OUT_SEED, HELD_OUT_SEED + args.held_out), labeler)
    model["fitted_on"] = {"renders": args.n, "with_a_hand": len(y), "painted": int(y.sum())}
    model["held_out"] = report(model, xh, yh)
    model["in_sample"] = report(model, x, y)
    Path(labels_hands.HEAD_PATH).write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    log.info("wrote %s: %s", labels_hands.HEAD_PATH, json.dumps(model["held_out"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
