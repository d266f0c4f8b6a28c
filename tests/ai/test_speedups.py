"""The latency work must not change any output: each faster function against the straightforward version it
replaced (kept here as the reference), bit for bit, on generated arrays; and the per-image memos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from salon.ai import images, labels_classical, labels_hands
from tests.ai.conftest import draw_hand, to_bytes

# -- references: the code before the speed-ups ----------------------------------------------------------------


def _background_or_blend_reference(lab: np.ndarray, far: np.ndarray, skin: np.ndarray) -> np.ndarray:
    out = np.zeros(len(lab), dtype=bool)
    far_px = far[:: max(1, len(far) // 3000)].astype(np.float32)
    if len(far_px) < 30:
        return out
    criteria = (cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    cv2.setRNGSeed(0)
    _, _, centers = cv2.kmeans(far_px, 4, None, criteria, 1, cv2.KMEANS_PP_CENTERS)  # type: ignore[call-overload]
    for c in centers:
        out |= np.sqrt(((lab - c) ** 2).sum(-1)) < labels_classical._BACKGROUND
        v = c - skin
        t = np.clip(((lab - skin) @ v) / max(float(v @ v), 1e-6), 0.0, 1.0)
        out |= np.sqrt(((lab - (skin + t[:, None] * v)) ** 2).sum(-1)) < labels_classical._BLEND
    return out


def _ellipse_reference(
    shape: tuple[int, ...], centre: np.ndarray, axis: np.ndarray, along: float, across: float
) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    angle = float(np.degrees(np.arctan2(axis[1], axis[0])))
    axes = (max(1, round(along)), max(1, round(across)))
    cv2.ellipse(mask, (round(float(centre[0])), round(float(centre[1]))), axes, angle, 0, 360, 1, -1)
    return mask.astype(bool)


def _lab_reference(rgb: np.ndarray) -> np.ndarray:
    out = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    out[..., 0] *= 100 / 255
    out[..., 1:] -= 128
    return out


def _same_run_reference(prof: np.ndarray, i: int, k: int) -> bool:
    run = [prof[x] for x in range(i, k)]
    return bool(labels_hands._dist(prof[k], np.median(run, axis=0)) < labels_hands._SAME_RUN)


def _lab_pixels(rng: np.random.Generator, n: int) -> np.ndarray:
    """Lab-like float32 pixels: lightness 0-100, a* and b* spread around skin-like values."""
    return np.stack([rng.uniform(0, 100, n), rng.normal(10, 20, n), rng.normal(15, 20, n)], axis=1).astype(np.float32)


# -- the faster versions give the same bits ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_background_or_blend_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    near, far = _lab_pixels(rng, 20000 + 3000 * seed), _lab_pixels(rng, 9000)
    skin = np.median(_lab_pixels(rng, 500), axis=0)
    fast = labels_classical._background_or_blend(near, far, skin)
    assert fast.any() and not fast.all()  # both outcomes occur, so the comparison means something
    np.testing.assert_array_equal(fast, _background_or_blend_reference(near, far, skin))


def test_norm3_is_the_reduction_bit_for_bit() -> None:
    d = _lab_pixels(np.random.default_rng(7), 50000) - np.float32(40.0)
    fast = labels_classical._norm3(d[:, 0], d[:, 1], d[:, 2])
    assert fast.dtype == np.float32
    np.testing.assert_array_equal(fast, np.sqrt((d**2).sum(-1)))
    w = np.array([0.5, 1.0, 1.0], dtype=np.float32)
    np.testing.assert_array_equal(
        labels_classical._norm3(d[:, 0] * np.float32(0.5), d[:, 1], d[:, 2]), np.sqrt(((d * w) ** 2).sum(-1))
    )


@pytest.mark.parametrize("seed", range(4))
def test_ellipse_and_hull_pixels_match_whole_image_masks(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = 180 + 40 * seed, 240 - 30 * seed
    lab = rng.normal(0, 30, (h, w, 3)).astype(np.float32)
    for _ in range(200):
        centre = rng.uniform(-30, [w + 30, h + 30])  # some ellipses cut by the border, a few wholly outside
        axis = rng.normal(0, 1, 2)
        along, across = rng.uniform(0.2, 40), rng.uniform(0.2, 25)
        ref = lab[_ellipse_reference(lab.shape, centre, axis, along, across)]
        np.testing.assert_array_equal(labels_hands._ellipse_pixels(lab, centre, axis, along, across), ref)
        pts = rng.uniform(-40, [w + 40, h + 40], (6, 2)).astype(np.int32)
        mask = np.zeros((h, w), np.uint8)
        cv2.fillConvexPoly(mask, cv2.convexHull(pts), 1)
        np.testing.assert_array_equal(labels_hands._hull_pixels(lab, pts), lab[mask == 1])


def test_lab_matches_reference() -> None:
    rgb = np.random.default_rng(2).integers(0, 256, (97, 131, 3), np.uint8)
    rgb[0, :64] = np.arange(256, dtype=np.uint8).reshape(64, 4)[:, :3]  # the extremes of every channel
    fast = images.lab(rgb)
    assert fast.dtype == np.float32 and fast.shape == rgb.shape
    np.testing.assert_array_equal(fast, _lab_reference(rgb))
    grey = np.full((1, 1, 3), 128, np.uint8)
    np.testing.assert_array_equal(images.lab(grey).shape, (1, 1, 3))


def test_model_input_tables_match_division() -> None:
    from salon.ai import hands

    px = np.random.default_rng(4).integers(0, 256, (50, 60, 3), np.uint8)
    px.reshape(-1)[:256] = np.arange(256, dtype=np.uint8)
    canvas = np.zeros((50, 60, 3), np.float32)
    canvas[...] = px / 255.0
    np.testing.assert_array_equal(hands._UNIT_F64[px], canvas)
    np.testing.assert_array_equal(hands._UNIT_F32[px], px.astype(np.float32) / 255.0)
    assert hands._UNIT_F32[px].dtype == np.float32


def test_same_run_matches_reference() -> None:
    rng = np.random.default_rng(3)
    prof = np.cumsum(rng.normal(0, 6, (60, 3)), axis=0).astype(np.float32)
    outcomes = set()
    for i in range(0, 50, 3):
        for k in range(i + 1, 60):
            got = labels_hands._same_run(prof, i, k)
            assert got == _same_run_reference(prof, i, k)
            outcomes.add(got)
    assert outcomes == {True, False}


def test_plate_edge_matches_pairwise_steps() -> None:
    rng = np.random.default_rng(5)
    s = np.linspace(-0.3, 2.2, 40)
    prof = rng.normal(0, 20, (40, 3)).astype(np.float32)
    raw = np.repeat(prof[:, None, :], 5, axis=1)
    plate = labels_hands._plate(s, prof, raw, prof[0], np.zeros((0, 3), np.float32))
    assert plate is not None
    near = np.nonzero((s >= 0.05) & (s <= 0.8))[0]
    steps = [float(labels_hands._dist(prof[i + 1], prof[i])) for i in near if i + 1 < len(prof)]
    assert plate.edge == max(steps) / max(float(s[1] - s[0]) / 0.1, 1e-6)


# -- the per-image memos --------------------------------------------------------------------------------------


def test_decode_and_rgb_array_are_shared_between_calls_on_the_same_bytes() -> None:
    data = to_bytes(draw_hand((200, 20, 60), size=700))
    img = images.decode(data)
    assert images.decode(bytes(data)) is img  # the second call (DetectModerationLabels) reuses the decoded image
    a = images.rgb_array(img, 640)
    assert images.rgb_array(img, 640) is a and not a.flags.writeable
    np.testing.assert_array_equal(a, images._rgb_array(Image.open(__import__("io").BytesIO(data)), 640))
    assert images.rgb_array(img, 256).shape[:2] == (256, 256)
    other = images.decode(to_bytes(draw_hand(None, size=700)))
    assert other is not img and not np.array_equal(images.rgb_array(other, 640), a)


def test_memo_forgets_old_images() -> None:
    first = to_bytes(draw_hand((20, 40, 170), size=300))
    img = images.decode(first)
    for i in range(images._RECENT):
        images.decode(to_bytes(draw_hand((20, 40, 170), size=301 + i)))
    assert images.decode(first) is not img


def test_derived_arrays_are_remembered_only_for_frozen_sources() -> None:
    rgb = np.random.default_rng(1).integers(0, 255, (120, 160, 3), np.uint8)
    calls = []

    def make() -> np.ndarray:
        calls.append(1)
        return cv2.copyMakeBorder(rgb, 4, 4, 4, 4, cv2.BORDER_REPLICATE)

    assert not images.frozen(rgb)  # writeable: its pixels may change, so nothing is remembered
    images.derived(rgb, "pad", make)
    images.derived(rgb, "pad", make)
    assert len(calls) == 2
    rgb.flags.writeable = False
    assert images.frozen(rgb) and images.frozen(rgb[::2])  # a view of a frozen array is frozen too
    first = images.derived(rgb, "pad", make)
    assert images.derived(rgb, "pad", make) is first and len(calls) == 3 and images.frozen(first)
    view = np.frombuffer(bytearray(12), np.uint8)
    view.flags.writeable = False
    assert not images.frozen(view)  # a read-only view of memory that can still change


def test_padded_is_copy_make_border() -> None:
    from salon.ai.hands import HandLandmarker

    img = images.decode(to_bytes(draw_hand((150, 30, 160), size=333)))
    rgb = images.rgb_array(img, 640)
    pad = HandLandmarker.padded(rgb, 80)
    assert HandLandmarker.padded(rgb, 80) is pad and HandLandmarker.padded(rgb, 0) is rgb
    np.testing.assert_array_equal(pad, cv2.copyMakeBorder(np.array(rgb), 80, 80, 80, 80, cv2.BORDER_REPLICATE))
