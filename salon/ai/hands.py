"""MediaPipe Hands (palm detection + 21 hand landmarks) on the LiteRT runtime, offline.

The models come from the ``@mediapipe/hands`` npm package (Apache-2.0), which the project's bootstrap installs
with ``npm ci`` under ``<repo>/node_modules/@mediapipe/hands``: ``hand_landmark_full.tflite`` is a plain file
there, and ``palm_detection_full.tflite`` is one entry of ``hands_solution_packed_assets.data`` (its byte range
is listed in ``hands_solution_packed_assets_loader.js``). ``SALON_MEDIAPIPE_HANDS_DIR`` names another copy of
that package directory. Nothing is downloaded. ``ai_edge_litert`` (Google LiteRT, Apache-2.0) runs the models.

The pre- and post-processing follow MediaPipe's ``palm_detection_cpu`` and ``hand_landmark_cpu`` graphs:
a 192x192 letterboxed palm detector with 2016 SSD anchors and weighted non-maximum suppression, a rotated
square hand region (palm box x 2.6, shifted towards the fingers, turned so that the wrist is at the bottom)
and a 224x224 landmark model with a hand-presence score.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from salon.ai.images import derived

ENV_VAR = "SALON_MEDIAPIPE_HANDS_DIR"
PACKAGE = "@mediapipe/hands"
LANDMARK_FILE = "hand_landmark_full.tflite"
PALM_FILE = "palm_detection_full.tflite"
PACKED_DATA = "hands_solution_packed_assets.data"
PACKED_LOADER = "hands_solution_packed_assets_loader.js"

_PALM_SIZE = 192
_LANDMARK_SIZE = 224
_MIN_PALM_SCORE = 0.5  # MediaPipe's threshold: palms below it get no landmarks
_NMS_IOU = 0.3
_MIN_PRESENCE = 0.5  # MediaPipe's own hand-presence threshold
_WHOLE_IMAGE_PRESENCE = 0.8  # stricter when the landmark model looks at the whole image without a palm box
_PAD = 0.25  # palm detection runs on a copy padded by a quarter of the longer side (hands cut by the border)
MIN_FINGER_FRACTION = 0.03  # a distal phalanx shorter than this share of the longer side is too small to read
_MEMO_SIZE = 8  # model passes remembered: DetectLabels and DetectModerationLabels of one photo ask for the same ones

# uint8 pixel -> model input in [0, 1] by table lookup: the float32 values of ``x / 255.0`` in float64 (palm input)
# and of ``x.astype(float32) / 255.0`` (landmark input), as the models were fed before.
_UNIT_F64 = (np.arange(256) / 255.0).astype(np.float32)
_UNIT_F32 = np.arange(256, dtype=np.float32) / 255.0

# Landmark indices (MediaPipe hand topology).
WRIST = 0
MIDDLE_MCP = 9
# (proximal joint, distal joint, tip) per finger; for the thumb: MCP, IP, TIP.
FINGERS: tuple[tuple[int, int, int], ...] = ((2, 3, 4), (6, 7, 8), (10, 11, 12), (14, 15, 16), (18, 19, 20))
PALM = (0, 1, 5, 9, 13, 17)


class HandModelUnavailable(RuntimeError):
    """The @mediapipe/hands package or the LiteRT runtime is missing or unreadable."""


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def package_dir() -> Path:
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value) if value else repo_root() / "node_modules" / PACKAGE


@dataclass(frozen=True)
class Hand:
    xy: np.ndarray  # [21, 2] landmark pixel coordinates in the analysed image
    presence: float  # the landmark model's hand-presence score, 0-1
    source: str  # "palm" (palm detection, then landmarks) or "whole-image" (landmarks only)

    @property
    def finger_length(self) -> float:
        """Median DIP-TIP length of the four fingers, in pixels: the scale of the hand."""
        return float(np.median([np.linalg.norm(self.xy[t] - self.xy[d]) for _, d, t in FINGERS[1:]]))


@dataclass(frozen=True)
class HandSearch:
    hands: list[Hand]  # readable hands, best first
    palm: float  # side of the largest palm box / the image's longer side (0 without a palm)


def _packed_entry(directory: Path, name: str) -> bytes:
    loader = (directory / PACKED_LOADER).read_text(encoding="utf-8")
    match = re.search(r"loadPackage\((\{.*?\})\);", loader, re.DOTALL)
    if not match:
        raise HandModelUnavailable(f"no file table in {PACKED_LOADER}")
    for entry in json.loads(match.group(1))["files"]:
        if entry["filename"].rsplit("/", 1)[-1] == name:
            with (directory / PACKED_DATA).open("rb") as fh:
                fh.seek(int(entry["start"]))
                data = fh.read(int(entry["end"]) - int(entry["start"]))
            if len(data) != int(entry["end"]) - int(entry["start"]) or data[4:8] != b"TFL3":
                raise HandModelUnavailable(f"{name} in {PACKED_DATA} is truncated or not a TFLite model")
            return data
    raise HandModelUnavailable(f"{name} is not listed in {PACKED_LOADER}")


def _anchors() -> np.ndarray:
    """SSD anchor centres of the palm detector (strides 8, 16, 16, 16; fixed size; 2 + 6 per cell)."""
    out = []
    for stride, per_cell in ((8, 2), (16, 6)):
        cells = _PALM_SIZE // stride
        for y in range(cells):
            for x in range(cells):
                out += [((x + 0.5) / cells, (y + 0.5) / cells)] * per_cell
    return np.array(out, dtype=np.float32)


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of box ``a`` with boxes ``b``; boxes are (cx, cy, w, h)."""
    lo = np.maximum(a[:2] - a[2:] / 2, b[:, :2] - b[:, 2:] / 2)
    hi = np.minimum(a[:2] + a[2:] / 2, b[:, :2] + b[:, 2:] / 2)
    inter = np.clip(hi - lo, 0, None).prod(axis=1)
    union = a[2:].prod() + b[:, 2:].prod(axis=1) - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


def _bbox_iou(a: np.ndarray, b: np.ndarray) -> float:
    lo, hi = np.maximum(a.min(0), b.min(0)), np.minimum(a.max(0), b.max(0))
    inter = float(np.clip(hi - lo, 0, None).prod())
    union = float((a.max(0) - a.min(0)).prod() + (b.max(0) - b.min(0)).prod()) - inter
    return inter / union if union > 0 else 0.0


def _digest(pixels: np.ndarray) -> tuple[Any, ...]:
    """A key for a model input: its shape and type and a 128-bit BLAKE2b digest of its bytes."""
    data = np.ascontiguousarray(pixels)
    return (data.shape, data.dtype.str, hashlib.blake2b(data.data, digest_size=16).digest())


class HandLandmarker:
    """Finds hands and their 21 landmarks in an RGB uint8 array."""

    def __init__(self, directory: Path | None = None, threads: int | None = None) -> None:
        directory = directory or package_dir()
        if not (directory / LANDMARK_FILE).is_file():
            raise HandModelUnavailable(f"{directory / LANDMARK_FILE} not found (run `npm ci` to install {PACKAGE})")
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise HandModelUnavailable(f"the LiteRT runtime is not installed (ai-edge-litert): {exc}") from exc
        threads = threads or min(2, os.cpu_count() or 1)
        self._palm = Interpreter(model_content=_packed_entry(directory, PALM_FILE), num_threads=threads)
        self._landmark = Interpreter(model_path=str(directory / LANDMARK_FILE), num_threads=threads)
        self._palm.allocate_tensors()
        self._landmark.allocate_tensors()
        self._palm_in = self._palm.get_input_details()[0]["index"]
        boxes, scores = sorted(self._palm.get_output_details(), key=lambda d: -int(d["shape"][-1]))
        self._palm_boxes, self._palm_scores = boxes["index"], scores["index"]
        self._landmark_in = self._landmark.get_input_details()[0]["index"]
        outs = {d["name"]: d["index"] for d in self._landmark.get_output_details()}
        self._landmark_xyz, self._presence = outs["Identity"], outs["Identity_1"]
        self._anchors = _anchors()
        self._lock = threading.Lock()  # LiteRT interpreters are not thread-safe; also guards the memo
        # The labels tier and the gesture detector share one landmarker, and a photo's two Rekognition calls
        # run the same palm detection and landmark passes on the same pixels: the last few passes are kept,
        # keyed by a digest of the pixels, so the second call reuses them.
        self._memo: OrderedDict[tuple[Any, ...], tuple[np.ndarray, ...]] = OrderedDict()
        self.invocations = 0  # model passes actually run (the memo's hits are not counted)
        self.directory = directory

    def _remembered(self, key: tuple[Any, ...], run: Any) -> tuple[np.ndarray, ...]:
        """``run()``'s arrays for ``key``, from the memo or computed (and remembered) under the lock; copies."""
        with self._lock:
            out = self._memo.get(key)
            if out is None:
                out = run()
                self.invocations += 1
                self._memo[key] = out
                if len(self._memo) > _MEMO_SIZE:
                    self._memo.popitem(last=False)
            else:
                self._memo.move_to_end(key)
            return tuple(a.copy() for a in out)

    # -- palm detection -------------------------------------------------------------------------------------

    @staticmethod
    def padded(rgb: np.ndarray, pad: int) -> np.ndarray:
        """``rgb`` with ``pad`` pixels of replicated border on each side (computed once per recent frozen image:
        the labels tier and the gesture detector pad the same image)."""
        if not pad:
            return rgb
        return derived(rgb, ("padded", pad), lambda: cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE))

    def _palm_raw(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Scores, boxes (cx, cy, w, h) and keypoints [n, 7, 2] in pixels of the anchors scoring >= 0.5."""
        h, w = rgb.shape[:2]
        s = _PALM_SIZE / max(h, w)
        nw, nh = max(1, round(w * s)), max(1, round(h * s))
        canvas = np.zeros((_PALM_SIZE, _PALM_SIZE, 3), np.float32)
        px, py = (_PALM_SIZE - nw) // 2, (_PALM_SIZE - nh) // 2
        small = derived(rgb, ("palm input", nw, nh), lambda: cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA))
        canvas[py : py + nh, px : px + nw] = _UNIT_F64[small]  # = small / 255.0, by table

        def run() -> tuple[np.ndarray, ...]:
            self._palm.set_tensor(self._palm_in, canvas[None])
            self._palm.invoke()
            return self._palm.get_tensor(self._palm_boxes)[0].copy(), self._palm.get_tensor(self._palm_scores)[0, :, 0]

        # the model input follows from these pixels and their place (hashing them is 4x cheaper than the floats)
        raw, logits = self._remembered(("palm", px, py, *_digest(small)), run)
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -100, 100)))
        keep = np.nonzero(scores >= _MIN_PALM_SCORE)[0]
        anchors, raw = self._anchors[keep], raw[keep]
        offset = np.array([px, py], np.float32)
        centre = (raw[:, :2] + anchors * _PALM_SIZE - offset) / s
        boxes = np.concatenate([centre, raw[:, 2:4] / s], axis=1)
        kps = (raw[:, 4:].reshape(-1, 7, 2) + anchors[:, None, :] * _PALM_SIZE - offset) / s
        return scores[keep], boxes, kps

    @staticmethod
    def _suppress(scores: np.ndarray, boxes: np.ndarray, kps: np.ndarray) -> list[tuple[float, np.ndarray, np.ndarray]]:
        """Weighted non-maximum suppression, as MediaPipe does; best first."""
        out = []
        order = list(np.argsort(-scores))
        while order:
            top = order[0]
            overlap = _iou(boxes[top], boxes[order]) > _NMS_IOU
            group = [order[i] for i in np.nonzero(overlap)[0]]
            wts = scores[group][:, None]
            box = (boxes[group] * wts).sum(0) / wts.sum()
            kp = (kps[group] * wts[:, :, None]).sum(0) / wts.sum()
            out.append((float(scores[top]), box, kp))
            order = [o for o, ov in zip(order, overlap, strict=True) if not ov]
        return out

    def palms(self, rgb: np.ndarray) -> list[tuple[float, np.ndarray, np.ndarray]]:
        """(score, box (cx, cy, w, h), 7 keypoints [7, 2]) per palm, in pixels, best first."""
        return self._suppress(*self._palm_raw(rgb))

    @staticmethod
    def palm_region(box: np.ndarray, kps: np.ndarray) -> tuple[float, float, float, float]:
        """Rotated square hand region (cx, cy, side, angle) from a palm, as MediaPipe's detection-to-ROI step."""
        wrist, middle = kps[0], kps[2]
        angle = math.pi / 2 - math.atan2(-(middle[1] - wrist[1]), middle[0] - wrist[0])
        angle = (angle + math.pi) % (2 * math.pi) - math.pi
        cx = float(box[0]) + 0.5 * float(box[3]) * math.sin(angle)
        cy = float(box[1]) - 0.5 * float(box[3]) * math.cos(angle)
        return cx, cy, 2.6 * float(max(box[2], box[3])), angle

    # -- landmarks ------------------------------------------------------------------------------------------

    def landmarks(self, rgb: np.ndarray, region: tuple[float, float, float, float]) -> tuple[np.ndarray, float]:
        """21 landmark pixel positions and the hand-presence score inside a rotated square region."""
        cx, cy, side, angle = region
        k = side / _LANDMARK_SIZE
        c, s = math.cos(angle) * k, math.sin(angle) * k
        to_image = np.array([[c, -s, 0.0], [s, c, 0.0]])
        to_image[:, 2] = np.array([cx, cy]) - to_image[:, :2] @ np.array([_LANDMARK_SIZE / 2, _LANDMARK_SIZE / 2])
        crop = cv2.warpAffine(
            rgb, to_image, (_LANDMARK_SIZE, _LANDMARK_SIZE), flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR
        )

        def run() -> tuple[np.ndarray, ...]:
            self._landmark.set_tensor(self._landmark_in, _UNIT_F32[crop][None])  # = crop.astype(float32) / 255.0
            self._landmark.invoke()
            xyz = self._landmark.get_tensor(self._landmark_xyz)[0].reshape(21, 3).copy()
            return xyz, self._landmark.get_tensor(self._presence).reshape(-1)[:1].copy()

        xyz, presence_out = self._remembered(("landmarks", *_digest(crop)), run)
        presence = float(presence_out[0])
        return xyz[:, :2] @ to_image[:, :2].T + to_image[:, 2], presence

    def _from_palms(self, rgb: np.ndarray, pad: int, source: str) -> tuple[list[Hand], float]:
        img = self.padded(rgb, pad)
        scores, boxes, kps = self._palm_raw(img)
        palm = float(boxes[:, 2:].max()) / max(rgb.shape[:2]) if len(boxes) else 0.0
        hands = []
        for _, box, points in self._suppress(scores, boxes, kps)[:2]:
            xy, presence = self.landmarks(img, self.palm_region(box, points))
            if presence >= _MIN_PRESENCE:
                hands.append(Hand(xy - pad, presence, source))
        return hands, palm

    def _readable(self, hands: list[Hand], longer_side: int) -> list[Hand]:
        return [h for h in hands if h.finger_length >= max(3.0, MIN_FINGER_FRACTION * longer_side)]

    def detect(self, rgb: np.ndarray, max_hands: int = 2, look_closer: bool = True) -> HandSearch:
        """Hands large enough to read nails on, best first, and the size of the largest palm found.

        1. Palm detection on a copy padded by a quarter of the longer side: hands cut by the image border
           (at the wrist, typically) are found much more often than on the image itself, and no hand found
           on the image itself was missed on the padded copy in our checks.
        2. If no palm at all and ``look_closer``: palm detection on the image itself (a hand that fills the frame
           is smaller on the padded copy).
        3. If nothing readable and ``look_closer``: the landmark model on the whole image, upright and upside
           down (close-ups where the palm is out of frame), accepted only with a high presence score.
        """
        h, w = rgb.shape[:2]
        side = max(h, w)
        found, palm = self._from_palms(rgb, round(_PAD * side), "palm")
        if not found and palm == 0.0 and look_closer:
            found, palm = self._from_palms(rgb, 0, "palm")
        hands = self._readable(found, side)
        if not hands and look_closer:
            for half_turns in (0, 1):
                xy, presence = self.landmarks(rgb, (w / 2, h / 2, float(side), half_turns * math.pi))
                whole = self._readable([Hand(xy, presence, "whole-image")], side)
                if whole and presence >= _WHOLE_IMAGE_PRESENCE:
                    hands = whole
                    break
        kept: list[Hand] = []
        for hand in sorted(hands, key=lambda x: -x.presence):
            if all(_bbox_iou(hand.xy, k.xy) < 0.3 for k in kept):
                kept.append(hand)
        return HandSearch(kept[:max_hands], palm)


def load(directory: Path | None = None) -> HandLandmarker:
    return HandLandmarker(directory)


def describe(landmarker: Any) -> str:
    return f"MediaPipe Hands (palm detection + hand landmarks, full models) from {landmarker.directory}, on LiteRT"
