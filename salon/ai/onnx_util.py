"""Helpers shared by the optional ONNX model tiers."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np


def session(path: Path) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = min(2, os.cpu_count() or 1)
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def model_dir_from_env(var: str) -> Path | None:
    value = os.environ.get(var, "").strip()
    return Path(value) if value else None


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def tokenize(tokenizer: Any, texts: list[str], seq_len: int | None) -> tuple[np.ndarray, np.ndarray]:
    """input_ids and attention_mask (int64), padded / truncated to ``seq_len`` (or the longest text)."""
    encs = tokenizer.encode_batch(texts)
    length = seq_len or max(len(e.ids) for e in encs) or 1
    ids = np.zeros((len(texts), length), dtype=np.int64)
    mask = np.zeros((len(texts), length), dtype=np.int64)
    for i, e in enumerate(encs):
        n = min(length, len(e.ids))
        ids[i, :n] = e.ids[:n]
        mask[i, :n] = 1
    return ids, mask


def fixed_dim(value: Any) -> int | None:
    return value if isinstance(value, int) and value > 0 else None
