"""Optional better sentiment tier: a local ONNX transformer classifier (``SALON_SENTIMENT_MODEL_DIR``).

The directory holds ``model.onnx`` (input_ids, attention_mask[, token_type_ids] -> logits [N,C]),
``tokenizer.json`` (Hugging Face tokenizers format) and ``config.json`` with ``id2label``. Labels are
mapped by name (positive / negative / neutral / mixed, or 1-5 stars); unnamed 3-class heads
(LABEL_0..2) follow the common negative / neutral / positive order. Nothing is downloaded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from salon.ai.onnx_util import fixed_dim, read_json, session, softmax, tokenize
from salon.ai.sentiment_scores import CLASSES, result

ENV_VAR = "SALON_SENTIMENT_MODEL_DIR"
_MAX_TOKENS = 256


def _map_label(label: str, index: int, n: int) -> str:
    low = label.lower()
    for key, cls in (("pos", "Positive"), ("neg", "Negative"), ("neu", "Neutral"), ("mix", "Mixed")):
        if key in low:
            return cls
    stars = re.match(r"(\d)\s*star", low)
    if stars:
        k = int(stars.group(1))
        return "Negative" if k <= 2 else "Neutral" if k == 3 else "Positive"
    if n == 3:
        return ("Negative", "Neutral", "Positive")[index]
    if n == 2:
        return ("Negative", "Positive")[index]
    raise ValueError(f"cannot map label {label!r} to a Comprehend sentiment")


class TransformerSentiment:
    def __init__(self, model_dir: Path) -> None:
        from tokenizers import Tokenizer

        self._session = session(model_dir / "model.onnx")
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        id2label = read_json(model_dir / "config.json").get("id2label") or {}
        n = self._session.get_outputs()[0].shape[-1]
        n = n if isinstance(n, int) else len(id2label)
        self._classes = [_map_label(str(id2label.get(str(i), f"LABEL_{i}")), i, n) for i in range(n)]
        self._inputs = [i.name for i in self._session.get_inputs()]
        self._seq = fixed_dim(self._session.get_inputs()[0].shape[-1])
        self.tier = f"transformer classifier, local ONNX weights from {ENV_VAR}={model_dir}"

    def detect(self, text: str, language_code: str) -> dict[str, Any]:
        ids, mask = tokenize(self._tokenizer, [text], self._seq)
        if self._seq is None and ids.shape[1] > _MAX_TOKENS:
            ids, mask = ids[:, :_MAX_TOKENS], mask[:, :_MAX_TOKENS]
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        logits = self._session.run(None, {k: feeds[k] for k in self._inputs if k in feeds})[0]
        probs = softmax(np.asarray(logits, dtype=np.float64))[0]
        scores = dict.fromkeys(CLASSES, 0.0)
        for cls, p in zip(self._classes, probs, strict=True):
            scores[cls] += float(p)
        return result(scores)


def load(model_dir: Path) -> Any:
    return TransformerSentiment(model_dir)
