"""Tiny ONNX models and tokenizers, built in the tests, standing in for real CLIP / transformer weights."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="the onnx package is needed to build tiny test models")
tokenizers = pytest.importorskip("tokenizers", reason="the tokenizers package is needed for tiny tokenizers")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def _save(graph: Any, path: Path) -> None:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def word_tokenizer(vocab: dict[str, int], path: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(path))


def _embedding_sum(table: np.ndarray, out_name: str, seq: int | None, with_mask: bool) -> Any:
    """input_ids -> sum over tokens of table[id] (optionally masked): a bag-of-words 'encoder'."""
    dim = "seq" if seq is None else seq
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", dim])]
    nodes = [helper.make_node("Gather", ["table", "input_ids"], ["emb"], axis=0)]
    summed = "emb"
    if with_mask:
        inputs.append(helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", dim]))
        nodes += [
            helper.make_node("Cast", ["attention_mask"], ["maskf"], to=TensorProto.FLOAT),
            helper.make_node("Unsqueeze", ["maskf", "axis2"], ["mask3"]),
            helper.make_node("Mul", ["emb", "mask3"], ["masked"]),
        ]
        summed = "masked"
    nodes.append(helper.make_node("ReduceSum", [summed, "axis1"], [out_name], keepdims=0))
    inits = [
        numpy_helper.from_array(table.astype(np.float32), "table"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
    ]
    if with_mask:
        inits.append(numpy_helper.from_array(np.array([2], dtype=np.int64), "axis2"))
    output = helper.make_tensor_value_info(out_name, TensorProto.FLOAT, ["batch", table.shape[1]])
    return helper.make_graph(nodes, "bag_of_words", inputs, [output], inits)


def clip_dir(root: Path, with_textual: bool) -> Path:
    """visual.onnx = per-channel mean of the normalised pixels (a 3-d 'embedding'); prompts red / blue."""
    root.mkdir(parents=True, exist_ok=True)
    x = helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["batch", 3, 16, 16])
    y = helper.make_tensor_value_info("image_embeds", TensorProto.FLOAT, ["batch", 3])
    nodes = [
        helper.make_node("GlobalAveragePool", ["pixel_values"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["image_embeds"], axis=1),
    ]
    _save(helper.make_graph(nodes, "tiny_visual", [x], [y]), root / "visual.onnx")
    (root / "prompts.json").write_text(json.dumps({"Manicure": ["red"], "Food": ["blue"]}))
    table = np.array([[0, 0, 0], [1, 0, 0], [0, 0, 1], [0, 0, 0]], dtype=np.float32)
    if with_textual:
        word_tokenizer({"[PAD]": 0, "red": 1, "blue": 2, "[UNK]": 3}, root / "tokenizer.json")
        _save(_embedding_sum(table, "text_embeds", 4, with_mask=False), root / "textual.onnx")
    else:
        np.save(root / "text_embeddings.npy", table[1:3])
    return root


def sentiment_dir(root: Path) -> Path:
    """Bag-of-words logits in negative / neutral / positive order."""
    root.mkdir(parents=True, exist_ok=True)
    vocab = {"[PAD]": 0, "[UNK]": 1, "good": 2, "bad": 3, "the": 4}
    word_tokenizer(vocab, root / "tokenizer.json")
    table = np.array([[0, 0, 0], [0, 0.5, 0], [0, 0, 3], [3, 0, 0], [0, 1, 0]], dtype=np.float32)
    _save(_embedding_sum(table, "logits", None, with_mask=True), root / "model.onnx")
    labels = {"0": "negative", "1": "neutral", "2": "positive"}
    (root / "config.json").write_text(json.dumps({"id2label": labels}))
    return root
