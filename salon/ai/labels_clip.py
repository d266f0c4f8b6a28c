"""Optional better labels tier: zero-shot CLIP with local ONNX weights (``SALON_CLIP_MODEL_DIR``).

The directory holds ``visual.onnx`` (pixels [N,3,H,W] -> image embedding [N,D]) and either
``text_embeddings.npy`` (one row per prompt, in ``prompts.json`` order) or ``textual.onnx`` plus
``tokenizer.json`` to embed the prompts at load time. ``prompts.json`` (label -> list of prompts) is
optional; the built-in prompts below are used otherwise. Nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from salon.ai.onnx_util import fixed_dim, read_json, session, softmax, tokenize

ENV_VAR = "SALON_CLIP_MODEL_DIR"
PROMPTS: dict[str, list[str]] = {
    "Manicure": [
        "a photo of a manicure with painted fingernails",
        "a close-up photo of nail art on fingernails",
        "a photo of a hand with nail polish",
    ],
    "Hand": ["a photo of a bare hand with natural unpainted nails", "a photo of a hand"],
    "Food": ["a photo of food", "a photo of a meal on a plate"],
    "Animal": ["a photo of an animal", "a photo of a pet"],
    "Person": ["a photo of a person", "a photo of people"],
    "Text": ["a photo of a sign with text", "a screenshot of a document"],
    "Outdoors": ["a photo of a landscape", "a photo of a street outdoors"],
    "Vehicle": ["a photo of a car or a vehicle"],
    "Indoors": ["a photo of a room indoors"],
}
_MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
_STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
_LOGIT_SCALE = 100.0


class ClipLabeler:
    def __init__(self, model_dir: Path) -> None:
        self._visual = session(model_dir / "visual.onnx")
        shape = self._visual.get_inputs()[0].shape
        self._size = fixed_dim(shape[-1]) or 224
        prompts_file = model_dir / "prompts.json"
        prompts: dict[str, list[str]] = read_json(prompts_file) if prompts_file.exists() else PROMPTS
        self._owners = [label for label, texts in prompts.items() for _ in texts]
        texts = [t for ts in prompts.values() for t in ts]
        emb = self._text_embeddings(model_dir, texts)
        if emb.shape[0] != len(texts):
            raise ValueError(f"{len(texts)} prompts but {emb.shape[0]} text embeddings")
        self._text = emb / np.linalg.norm(emb, axis=1, keepdims=True)
        self.tier = f"CLIP zero-shot, local ONNX weights from {ENV_VAR}={model_dir}"

    @staticmethod
    def _text_embeddings(model_dir: Path, texts: list[str]) -> np.ndarray:
        npy = model_dir / "text_embeddings.npy"
        if npy.exists():
            return np.load(npy).astype(np.float32)
        from tokenizers import Tokenizer

        textual = session(model_dir / "textual.onnx")
        tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        inputs = textual.get_inputs()
        ids, mask = tokenize(tok, texts, fixed_dim(inputs[0].shape[-1]) or 77)
        feed = {inputs[0].name: ids}
        if len(inputs) > 1:
            feed[inputs[1].name] = mask
        return np.asarray(textual.run(None, feed)[0], dtype=np.float32)

    def _pixels(self, img: Image.Image) -> np.ndarray:
        w, h = img.size
        s = self._size / min(w, h)
        img = img.convert("RGB").resize(
            (max(self._size, round(w * s)), max(self._size, round(h * s))), Image.Resampling.BICUBIC
        )
        left, top = (img.width - self._size) // 2, (img.height - self._size) // 2
        img = img.crop((left, top, left + self._size, top + self._size))
        arr = (np.asarray(img, dtype=np.float32) / 255.0 - _MEAN) / _STD
        return arr.transpose(2, 0, 1)[None].astype(np.float32)

    def scores(self, img: Image.Image) -> dict[str, float]:
        inp = self._visual.get_inputs()[0].name
        emb = np.asarray(self._visual.run(None, {inp: self._pixels(img)})[0], dtype=np.float32)[0]
        emb = emb / (np.linalg.norm(emb) or 1.0)
        probs = softmax(_LOGIT_SCALE * (self._text @ emb))
        out: dict[str, float] = {}
        for owner, p in zip(self._owners, probs, strict=True):
            out[owner] = out.get(owner, 0.0) + 100.0 * float(p)
        if "Manicure" in out:
            out["Nail Polish"] = out["Nail"] = out["Manicure"]
            out["Hand"] = max(out.get("Hand", 0.0), out["Manicure"])
        return out


def load(model_dir: Path) -> Any:
    return ClipLabeler(model_dir)
