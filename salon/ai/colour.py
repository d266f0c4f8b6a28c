"""Colour-space helpers and pixel masks (numpy only)."""

from __future__ import annotations

import numpy as np


def hsv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hue in [0, 1), saturation and value in [0, 1] for float RGB in [0, 1]."""
    mx = rgb.max(axis=2)
    mn = rgb.min(axis=2)
    delta = mx - mn
    sat = np.where(mx > 1e-6, delta / np.maximum(mx, 1e-6), 0.0)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    d = np.maximum(delta, 1e-6)
    hue = np.where(mx == r, ((g - b) / d) % 6, np.where(mx == g, (b - r) / d + 2, (r - g) / d + 4)) / 6.0
    hue = np.where(delta > 1e-6, hue, 0.0)
    return hue.astype(np.float32), sat.astype(np.float32), mx.astype(np.float32)


def skin_mask(rgb: np.ndarray) -> np.ndarray:
    """Classic YCrCb skin rule (Chai & Ngan) plus a brightness floor."""
    r, g, b = rgb[..., 0] * 255, rgb[..., 1] * 255, rgb[..., 2] * 255
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cr = (r - y) * 0.713 + 128
    cb = (b - y) * 0.564 + 128
    return (cr >= 135) & (cr <= 175) & (cb >= 80) & (cb <= 130) & (y > 50) & (r > g) & (r > b)


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation with a square structuring element, by shifted maxima."""
    out = mask.copy()
    for _ in range(radius):
        grown = out.copy()
        grown[1:, :] |= out[:-1, :]
        grown[:-1, :] |= out[1:, :]
        grown[:, 1:] |= out[:, :-1]
        grown[:, :-1] |= out[:, 1:]
        out = grown
    return out


def erode(mask: np.ndarray, radius: int) -> np.ndarray:
    return ~dilate(~mask, radius)
