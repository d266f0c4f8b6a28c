"""Images the project draws itself for the demo: painted nails on a hand, a rude gesture, and off-topic scenes.

Nothing here hints the AI: files get neutral names, no metadata, and the models see only pixels.

The hands are rendered, not painted by hand: a 3-D hand skeleton with natural proportions (bone lengths and
widths of an adult hand, in millimetres) is posed by joint angles, its bones are swept spheres (round cones)
and the palm a slab of spheres, drawn into a depth buffer seen from the camera. The surface is shaded with a
soft key light, wrapped diffuse light, a redder tint in the shadows (skin scatters red light), ambient
occlusion from the depth buffer, a faint sheen, knuckle creases and blotchy skin texture. Nails are curved
plates on the back of the last finger bone, with glossy polish (plain, French tips, dots, ombre, glitter,
an accent nail). The scene adds a textured background (studio gradient, wood, marble, fabric, bokeh), a soft
drop shadow, sensor noise, a slight blur and JPEG compression. Everything comes from the seed.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

# Skin albedo (sRGB) from very light to very dark.
SKIN = [
    (255, 226, 204),
    (247, 206, 180),
    (238, 192, 160),
    (228, 176, 140),
    (212, 156, 118),
    (190, 132, 96),
    (164, 108, 76),
    (134, 86, 60),
    (106, 68, 48),
    (86, 56, 42),
]
POLISH = [
    (190, 18, 40),
    (150, 12, 32),
    (102, 16, 38),
    (236, 72, 150),
    (246, 40, 112),
    (248, 104, 84),
    (250, 124, 40),
    (176, 136, 222),
    (112, 30, 132),
    (24, 36, 112),
    (30, 72, 204),
    (18, 140, 140),
    (20, 112, 70),
    (22, 22, 28),
    (206, 160, 64),
    (150, 225, 205),
    (220, 40, 40),
]
_WHITE_TIP = (246, 244, 238)
_SHEER_PINK = (246, 196, 206)

# --- anatomy: the hand frame has x towards the thumb, y towards the fingers, z out of the back of the hand (mm).
_MCP = ((23.0, 91.0, 0.0), (4.0, 95.0, 0.5), (-14.0, 90.5, -1.0), (-30.0, 80.0, -4.0))  # index .. pinky
_BONES = ((37.0, 21.5, 14.5), (42.0, 25.0, 15.5), (39.0, 24.5, 15.0), (30.5, 17.5, 13.0))  # to the tip's centre
_RADII = ((9.8, 8.9, 8.0, 7.2), (10.2, 9.3, 8.3, 7.5), (9.6, 8.6, 7.7, 7.0), (8.5, 7.5, 6.8, 6.2))  # MCP PIP DIP tip
_SPLAY = (7.0, 0.0, -7.0, -15.0)  # degrees towards the thumb
_THUMB_CMC = (19.0, 22.0, -9.0)
_THUMB_BONES = (42.0, 30.0, 20.0)
_THUMB_RADII = (13.5, 11.2, 10.0, 8.6)
_PALM = (
    (-20.0, 14.0),
    (17.0, 14.0),
    (25.0, 42.0),
    (24.0, 84.0),
    (5.0, 89.0),
    (-13.0, 85.0),
    (-27.0, 74.0),
    (-28.0, 40.0),
)
_PALM_RADIUS = 12.5
_ARM = ((6.0, 30.0, -13.0), 21.5, (8.0, -330.0, -13.0), 27.0)  # start, radius, end, radius; mirrored in x

_BONE_PALM, _BONE_ARM, _BONE_SLEEVE = 15, 16, 17  # bones 0-2: thumb; 3 + 3 * finger + segment: fingers


@dataclass(frozen=True)
class HandPose:
    """Joint angles in degrees. Fingers are index, middle, ring, pinky."""

    flex: tuple[tuple[float, float, float], ...]  # MCP, PIP, DIP flexion per finger (towards the palm)
    splay: tuple[float, ...]  # extra sideways angle per finger, towards the thumb
    thumb: tuple[float, float, float, float]  # angle from the fingers, palmar tilt, MCP and IP flexion


@dataclass(frozen=True)
class Nails:
    """How the nails look: ``style`` is plain, french, french-colour, dots, ombre, glitter, accent or bare."""

    style: str
    colour: tuple[int, int, int]
    second: tuple[int, int, int]
    length: float  # free edge beyond the fingertip, in fingertip radii
    shape: str  # round, square or almond


@dataclass
class _Seg:
    p0: np.ndarray
    p1: np.ndarray
    r0: float
    r1: float
    dorsal: np.ndarray  # unit vector out of the back of the bone


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    out: np.ndarray = v / n if n > 1e-9 else v
    return out


def _rotation(axis: tuple[float, float, float], degrees: float) -> np.ndarray:
    x, y, z = _unit(np.array(axis, float))
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    k = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])
    out: np.ndarray = np.eye(3) + s * k + (1 - c) * (k @ k)
    return out


def _finger(
    base: np.ndarray,
    d0: np.ndarray,
    n0: np.ndarray,
    lengths: tuple[float, ...],
    radii: tuple[float, ...],
    flex: tuple[float, ...],
) -> tuple[list[_Seg], list[np.ndarray]]:
    """Segments and joints of a chain bending away from its ``n0`` side by the cumulative flexion angles."""
    segs, joints, p, phi = [], [base], base, 0.0
    for i, (length, angle) in enumerate(zip(lengths, flex, strict=True)):
        phi += math.radians(angle)
        d = math.cos(phi) * d0 - math.sin(phi) * n0
        n = math.sin(phi) * d0 + math.cos(phi) * n0
        q = p + length * d
        segs.append(_Seg(p, q, radii[i], radii[i + 1], n))
        joints.append(q)
        p = q
    return segs, joints


def skeleton(pose: HandPose, rnd: random.Random) -> tuple[list[_Seg], np.ndarray]:
    """Bone segments (thumb, then index to pinky; 3 each) and the 21 MediaPipe-ordered landmarks, in mm."""
    width = rnd.uniform(0.92, 1.08)  # slender or broad hands
    segs: list[_Seg] = []
    lm = np.zeros((21, 3))
    angle, tilt = math.radians(pose.thumb[0]), math.radians(pose.thumb[1])
    d0 = np.array([math.sin(angle) * math.cos(tilt), math.cos(angle) * math.cos(tilt), -math.sin(tilt)])
    outward = np.array([1.0, 0.0, 0.7])
    n0 = _unit(outward - (outward @ d0) * d0)  # the thumbnail faces outwards and a little backwards
    cmc = np.array(_THUMB_CMC) * (width, 1.0, 1.0)
    lengths = tuple(b * rnd.uniform(0.95, 1.05) for b in _THUMB_BONES)
    radii = tuple(r * width for r in _THUMB_RADII)
    thumb, joints = _finger(cmc, d0, n0, lengths, radii, (0.0, pose.thumb[2], pose.thumb[3]))
    segs += thumb
    lm[1:5] = joints
    z = np.array([0.0, 0.0, 1.0])
    for f in range(4):
        a = math.radians(_SPLAY[f] + pose.splay[f])
        d = np.array([math.sin(a), math.cos(a), 0.0])
        base = np.array(_MCP[f]) * (width, 1.0, 1.0)
        lengths = tuple(b * rnd.uniform(0.96, 1.04) for b in _BONES[f])
        radii = tuple(r * width for r in _RADII[f])
        chain, joints = _finger(base, d, z, lengths, radii, pose.flex[f])
        segs += chain
        lm[5 + 4 * f : 9 + 4 * f] = joints
    return segs, lm


class _Canvas:
    """Depth buffer of spheres seen along -z (orthographic), in pixel space: x right, y down, z to the viewer."""

    def __init__(self, h: int, w: int) -> None:
        self.h, self.w = h, w
        self.z = np.full((h, w), -np.inf, np.float32)
        self.n = np.zeros((h, w, 3), np.float32)
        self.bone = np.full((h, w), -1, np.int16)
        self.t = np.zeros((h, w), np.float32)  # position of the winning sphere along its bone, 0-1
        self._gx = np.arange(w, dtype=np.float32)
        self._gy = np.arange(h, dtype=np.float32)

    def sphere(self, c: np.ndarray, r: float, bone: int, t: float) -> None:
        x0, x1 = max(0, int(c[0] - r)), min(self.w, int(c[0] + r) + 2)
        y0, y1 = max(0, int(c[1] - r)), min(self.h, int(c[1] + r) + 2)
        if x0 >= x1 or y0 >= y1:
            return
        dx = self._gx[x0:x1] - np.float32(c[0])
        dy = self._gy[y0:y1, None] - np.float32(c[1])
        q = r * r - dx * dx - dy * dy
        h = np.sqrt(np.maximum(q, 0.0))
        depth = np.float32(c[2]) + h
        zb = self.z[y0:y1, x0:x1]
        win = (q > 0) & (depth > zb)
        if not win.any():
            return
        zb[win] = depth[win]
        nb = self.n[y0:y1, x0:x1]
        nb[..., 0][win] = np.broadcast_to(dx / r, win.shape)[win]
        nb[..., 1][win] = np.broadcast_to(dy / r, win.shape)[win]
        nb[..., 2][win] = (h / r)[win]
        self.bone[y0:y1, x0:x1][win] = bone
        self.t[y0:y1, x0:x1][win] = t

    def chain(self, p0: np.ndarray, p1: np.ndarray, r0: float, r1: float, bone: int) -> None:
        n = max(2, math.ceil(float(np.linalg.norm(p1 - p0)) / (0.25 * min(r0, r1))) + 1)
        for t in np.linspace(0.0, 1.0, n):
            self.sphere(p0 + t * (p1 - p0), r0 + t * (r1 - r0), bone, float(t))


@dataclass
class _View:
    """Hand frame (mm) to pixel space: rotate, scale, flip y, move."""

    rot: np.ndarray
    scale: float
    offset: np.ndarray

    def point(self, p: np.ndarray) -> np.ndarray:
        q = self.rot @ p * self.scale
        out: np.ndarray = np.array([q[0], -q[1], q[2]]) + self.offset
        return out

    def vector(self, v: np.ndarray) -> np.ndarray:
        q = self.rot @ v
        return np.array([q[0], -q[1], q[2]])


def _noise(rng: np.random.Generator, h: int, w: int, cells: int, octaves: int = 3) -> np.ndarray:
    """Smooth value noise in [0, 1]."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        n = cells * 2**o + 1
        grid = rng.random((n, n)).astype(np.float32)
        out += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp /= 2
    out /= total
    lo, hi = float(out.min()), float(out.max())
    res: np.ndarray = (out - lo) / max(hi - lo, 1e-6)
    return res


def _palm_centres() -> list[np.ndarray]:
    poly = np.array(_PALM, np.float32).reshape(-1, 1, 2)
    out = []
    for x in np.arange(-30.0, 31.0, 4.5):
        for y in np.arange(4.0, 92.0, 4.5):
            inside = cv2.pointPolygonTest(poly, (float(x), float(y)), True)
            if inside >= 0:
                out.append(np.array([x, y, -4.0 - 0.004 * x * x]))
    return out


_PALM_CENTRES = _palm_centres()


@dataclass(frozen=True)
class _Camera:
    yaw: float = 0.0  # 0: the back of the hand faces the camera; 180: the palm
    pitch: tuple[float, float] = (-18.0, 18.0)  # positive: the fingers lean towards the camera
    fill: tuple[float, float] = (0.6, 0.85)  # share of the shorter side that the hand spans
    turn: float = 22.0  # at most this many degrees about the hand's long axis


@dataclass
class _Scene:
    canvas: _Canvas
    view: _View
    segs: list[_Seg]
    sleeve: tuple[int, int, int] | None


def _build(pose: HandPose, rnd: random.Random, h: int, w: int, camera: _Camera) -> _Scene:
    """Poses, frames and rasterises the hand (and forearm) into a depth buffer of size (h, w)."""
    segs, landmarks = skeleton(pose, rnd)
    rot = (
        _rotation((0, 0, 1), rnd.uniform(-28, 28))
        @ _rotation((1, 0, 0), rnd.uniform(*camera.pitch))
        @ _rotation((0, 1, 0), camera.yaw + rnd.uniform(-camera.turn, camera.turn))
    )
    # Frame the hand: its landmarks (plus a margin for the flesh) fill a share of the shorter side.
    pts = (rot @ landmarks.T).T
    pts[:, 1] *= -1
    span = float(np.max(pts[:, :2].max(0) - pts[:, :2].min(0))) + 24.0
    scale = rnd.uniform(*camera.fill) * min(h, w) / span
    centre = (pts[:, :2].max(0) + pts[:, :2].min(0)) / 2 * scale
    target = np.array([w / 2 + rnd.uniform(-0.08, 0.08) * w, h / 2 + rnd.uniform(-0.06, 0.1) * h])
    view = _View(rot, scale, np.array([*(target - centre), 0.0]))
    canvas = _Canvas(h, w)
    for i, seg in enumerate(segs):
        canvas.chain(view.point(seg.p0), view.point(seg.p1), seg.r0 * scale, seg.r1 * scale, i)
    for f in range(4):  # knuckles
        canvas.sphere(
            view.point(segs[3 + 3 * f].p0 + np.array([0, -2.0, 0.5])), segs[3 + 3 * f].r0 * 1.05 * scale, 3 + 3 * f, 0.0
        )
    for c in _PALM_CENTRES:
        canvas.sphere(view.point(c), _PALM_RADIUS * scale, _BONE_PALM, 0.0)
    thumb = segs[0]
    web = thumb.p0 + 0.75 * (thumb.p1 - thumb.p0) + np.array([0.0, 0.0, -2.0])
    canvas.chain(
        view.point(web), view.point(segs[3].p0 + np.array([-3.0, -6.0, -3.0])), 8.5 * scale, 9.0 * scale, _BONE_PALM
    )
    for side in (1.0, -1.0):  # two chains side by side: a forearm wider than it is deep
        mirror = np.array([side, 1.0, 1.0])
        canvas.chain(
            view.point(np.array(_ARM[0]) * mirror),
            view.point(np.array(_ARM[2]) * mirror),
            _ARM[1] * scale,
            _ARM[3] * scale,
            _BONE_ARM,
        )
    sleeve = None
    if rnd.random() < 0.45:
        sleeve = rnd.choice(
            [
                (40, 40, 46),
                (200, 200, 205),
                (120, 30, 40),
                (40, 70, 120),
                (230, 225, 215),
                (90, 110, 80),
                (160, 120, 90),
            ]
        )
        start = rnd.uniform(-75.0, -35.0)
        for side in (1.0, -1.0):
            canvas.chain(
                view.point(np.array([6.0 * side, start, -13.0])),
                view.point(np.array([8.0 * side, -330.0, -13.0])),
                26.5 * scale,
                33.0 * scale,
                _BONE_SLEEVE,
            )
    return _Scene(canvas, view, segs, sleeve)


def _skin_albedo(scene: _Scene, base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Skin colour per pixel with blotches, redder fingertips and knuckles, creases at the finger joints, and
    a lighter, pinker palm side (most marked on dark skin) with its palm lines."""
    c = scene.canvas
    albedo = np.empty((c.h, c.w, 3), np.float32)
    albedo[:] = base
    palmar = _palmar(scene)
    palm_tone = base * 0.8 + np.array([0.94, 0.76, 0.68], np.float32) * 0.2
    albedo += palmar[..., None] * (palm_tone - base)
    blotch = _noise(rng, c.h, c.w, 6) - 0.5
    fine = _noise(rng, c.h, c.w, 60, 2) - 0.5
    albedo *= (1 + 0.07 * blotch + 0.05 * fine)[..., None]
    red = np.zeros((c.h, c.w), np.float32)
    distal = np.isin(c.bone, [2, 5, 8, 11, 14])
    red[distal] = 0.35 * c.t[distal] ** 2
    red += 0.35 * _creases(scene, albedo)
    tint = np.array([1.0, 0.8, 0.8], np.float32)
    albedo *= 1 - red[..., None] * (1 - tint)
    albedo *= (1 - 0.3 * _palm_lines(scene) * palmar)[..., None]
    return albedo


def _palmar(scene: _Scene) -> np.ndarray:
    """0-1 per pixel: how much the surface faces the palm's side of its bone."""
    c, view = scene.canvas, scene.view
    dorsal = np.zeros((_BONE_SLEEVE + 2, 3), np.float32)
    dorsal[:] = view.vector(np.array([0.0, 0.0, 1.0]))
    for i, seg in enumerate(scene.segs):
        dorsal[i] = view.vector(seg.dorsal)
    facing = (c.n * dorsal[c.bone]).sum(-1)
    out: np.ndarray = np.clip((-facing - 0.05) / 0.5, 0, 1) * np.isfinite(c.z)
    return out


_LINES = (
    ((-31, 71), (-20, 73), (-8, 76), (2, 80), (10, 84)),
    ((25, 66), (15, 63), (3, 59), (-10, 55), (-22, 50)),
    ((25, 66), (17, 60), (11, 50), (8, 38), (9, 26), (13, 14)),
    ((-22, 12), (-5, 11), (18, 12)),
)


def _palm_lines(scene: _Scene) -> np.ndarray:
    """The main palm creases (heart, head, life lines and the wrist crease), 0-1 per pixel of the palm."""
    c, view = scene.canvas, scene.view
    res = 4.0  # texture pixels per mm, over x -40..40, y 0..100
    tex = np.zeros((400, 320), np.float32)
    for line in _LINES:
        pts = np.array([[(x + 40) * res, y * res] for x, y in line], np.int32)
        cv2.polylines(tex, [pts], False, 1.0, 3, cv2.LINE_AA)
    tex[:] = cv2.GaussianBlur(tex, (0, 0), 1.2)
    ys, xs = np.nonzero(c.bone == _BONE_PALM)
    out = np.zeros((c.h, c.w), np.float32)
    if not len(xs):
        return out
    pix = np.stack([xs, ys, c.z[ys, xs]], -1).astype(np.float64) - view.offset
    pix[:, 1] *= -1
    hand = pix @ view.rot / view.scale  # rows: rot.T @ p
    u = np.round((hand[:, 0] + 40) * res).astype(np.int64)
    v = np.round(hand[:, 1] * res).astype(np.int64)
    ok = (u >= 0) & (u < tex.shape[1]) & (v >= 0) & (v < tex.shape[0]) & (hand[:, 2] < -8)
    out[ys[ok], xs[ok]] = tex[v[ok], u[ok]]
    return out


def _creases(scene: _Scene, albedo: np.ndarray) -> np.ndarray:
    """Darkens knuckle creases in ``albedo``; returns a redness map around the knuckles."""
    c, view = scene.canvas, scene.view
    red = np.zeros((c.h, c.w), np.float32)
    for f in range(5):
        first = 3 * f if f == 0 else 3 + 3 * (f - 1)
        for k in (1, 2):  # the two joints between the bones of the finger (thumb: MCP and IP)
            a, b = scene.segs[first + k - 1], scene.segs[first + k]
            joint = view.point(b.p0)
            axis = _unit(view.vector(a.p1 - a.p0) + view.vector(b.p1 - b.p0))
            dorsal = _unit(view.vector(a.dorsal + b.dorsal))
            side = np.cross(axis, dorsal)
            r = b.r0 * view.scale
            x0, x1 = max(0, int(joint[0] - 2 * r)), min(c.w, int(joint[0] + 2 * r) + 1)
            y0, y1 = max(0, int(joint[1] - 2 * r)), min(c.h, int(joint[1] + 2 * r) + 1)
            if x0 >= x1 or y0 >= y1:
                continue
            mine = np.isin(c.bone[y0:y1, x0:x1], [first + k - 1, first + k])
            depth = np.where(mine, c.z[y0:y1, x0:x1], joint[2])
            ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
            rel = np.stack([xs - joint[0], ys - joint[1], depth - joint[2]], -1)
            v, u, d = rel @ axis / r, rel @ side / r, rel @ dorsal / r
            lines = sum(
                math.exp(-0.3 * j * j) * np.exp(-(((v - 0.22 * j - 0.25 * u * u) / 0.05) ** 2)) for j in range(-2, 3)
            )
            lateral = np.exp(-((u / 0.6) ** 2))
            crease = np.where(mine & (d > 0.2), lines * lateral, 0.0)
            crease += np.where(mine & (d < -0.2), np.exp(-((v / 0.08) ** 2)) * lateral, 0.0)
            albedo[y0:y1, x0:x1] *= (1 - 0.32 * np.clip(crease, 0, 1))[..., None]
            pad = np.where(mine & (d > 0), np.exp(-((v / 0.9) ** 2) - (u / 0.8) ** 2), 0.0)
            red[y0:y1, x0:x1] = np.maximum(red[y0:y1, x0:x1], pad)
    return red


def _nail_texture(
    nails: Nails, finger: int, nv: np.ndarray, nu: np.ndarray, rng: np.random.Generator, skin: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Albedo (n, 3) and gloss (n,) at nail coordinates: nv 0 (cuticle) to 1 (free edge), nu -1 to 1 across."""
    base = np.array(nails.colour, np.float32) / 255
    second = np.array(nails.second, np.float32) / 255
    col = np.tile(base, (len(nv), 1))
    gloss = np.ones(len(nv), np.float32)
    style = nails.style
    if style == "accent" and finger == 3:  # the ring finger in another colour
        col[:] = second
    elif style in ("french", "french-colour", "bare"):
        bed = (
            skin * 0.55 + np.array(_SHEER_PINK, np.float32) / 255 * 0.45
            if style != "bare"
            else (skin * 0.82 + np.array([0.98, 0.8, 0.8], np.float32) * 0.18)
        )
        col[:] = bed
        tip = np.array(_WHITE_TIP if style != "french-colour" else nails.colour, np.float32) / 255
        if style == "bare":
            tip = skin * 0.35 + np.array([0.95, 0.93, 0.9], np.float32) * 0.65
            gloss[:] = 0.35
        edge = 1.0 - (0.28 if style != "bare" else 0.12) + 0.1 * nu**2
        col[nv > edge] = tip
    elif style == "ombre":
        k = np.clip(nv, 0, 1)[:, None]
        col = base * (1 - k) + second * k
    elif style == "dots":
        cells = np.floor(nv * 4.0) + 7 * np.floor((nu + 1) * 1.5)
        fx, fy = (nv * 4.0) % 1 - 0.5, ((nu + 1) * 1.5) % 1 - 0.5
        dot = (fx**2 + fy**2 < 0.09) & (cells % 2 == 0)
        col[dot] = second
    elif style == "glitter":
        sparkle = rng.random(len(nv)) < 0.06
        col[sparkle] = np.minimum(1.0, base * 0.5 + 0.6)
    return col, gloss


def _nails(
    scene: _Scene,
    nails: Nails,
    albedo: np.ndarray,
    normal: np.ndarray,
    gloss: np.ndarray,
    rng: np.random.Generator,
    skin: np.ndarray,
) -> None:
    """Curved nail plates on the back of each distal bone: a cylinder around the bone's axis, slightly above it."""
    c, view = scene.canvas, scene.view
    for f in range(5):
        seg = scene.segs[2 + 3 * f]
        d0, d1 = view.point(seg.p0), view.point(seg.p1)
        length = float(np.linalg.norm(d1 - d0))
        axis = (d1 - d0) / length
        dorsal = _unit(view.vector(seg.dorsal))
        side = np.cross(axis, dorsal)
        r0, r1 = seg.r0 * view.scale, seg.r1 * view.scale
        if abs(axis[2]) > 0.93:
            continue  # the finger points at the camera: its nail is edge-on
        v0 = 0.3 * length
        v_end = length + r1 * (0.55 + nails.length)
        reach = v_end + r1
        x0 = max(0, int(min(d0[0], d0[0] + axis[0] * reach) - 2 * r0))
        x1 = min(c.w, int(max(d0[0], d0[0] + axis[0] * reach) + 2 * r0) + 1)
        y0 = max(0, int(min(d0[1], d0[1] + axis[1] * reach) - 2 * r0))
        y1 = min(c.h, int(max(d0[1], d0[1] + axis[1] * reach) + 2 * r0) + 1)
        if x0 >= x1 or y0 >= y1:
            continue
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        p0 = np.stack([xs - d0[0], ys - d0[1], -np.full_like(xs, d0[2])], -1)
        ez = np.array([0.0, 0.0, 1.0])
        bvec = ez - axis[2] * axis
        bb = float(bvec @ bvec)
        a_perp = p0 - (p0 @ axis)[..., None] * axis
        ab, aa = a_perp @ bvec, (a_perp * a_perp).sum(-1)
        rho = np.full(xs.shape, r0 * 1.07, np.float32)
        zq = np.zeros_like(xs)
        ok = np.zeros(xs.shape, bool)
        for _ in range(2):
            disc = ab * ab - bb * (aa - rho * rho)
            ok = disc > 0
            zq = (-ab + np.sqrt(np.maximum(disc, 0))) / bb
            v = (p0 @ axis) + zq * axis[2]
            rho = 1.07 * np.interp(v, [0.0, length], [r0, r1]).astype(np.float32) + 0.4
        q = p0 + zq[..., None] * ez
        v = q @ axis
        radial = q - v[..., None] * axis
        theta = np.arctan2(radial @ side, radial @ dorsal)
        tmax = math.radians(50)
        nu = theta / tmax
        edge = v_end - r1 * {"round": 0.35, "square": 0.08, "almond": 0.9}[nails.shape] * nu**2
        inside = ok & (np.abs(nu) < 1) & (v > v0 + 0.3 * r0 * nu**2) & (v < edge)
        depth = zq
        inside &= depth > c.z[y0:y1, x0:x1] - 0.5
        if not inside.any():
            continue
        nv = (v[inside] - v0) / (v_end - v0)
        col, gl = _nail_texture(nails, f, nv, nu[inside], rng, skin)
        sub = (slice(y0, y1), slice(x0, x1))
        albedo[sub][inside] = col
        normal[sub][inside] = radial[inside] / np.linalg.norm(radial[inside], axis=-1, keepdims=True)
        gloss[sub][inside] = gl
        c.z[sub][inside] = depth[inside]
        c.bone[sub][inside] = 2 + 3 * f


def _background(rnd: random.Random, rng: np.random.Generator, h: int, w: int, skin: np.ndarray) -> np.ndarray:
    """A photo-like surface behind the hand, float RGB 0-1, that does not blend in with the skin (as a
    photographer would choose it)."""
    for _ in range(6):
        img = _surface(rnd, rng, h, w)
        if float(np.abs(img.mean((0, 1)) - skin).sum()) > 0.25:
            break
    return img


def _surface(rnd: random.Random, rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    kind = rnd.choice(["studio", "studio", "wood", "marble", "fabric", "bokeh", "paper"])
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "wood":
        base = np.array(rnd.choice([(196, 158, 112), (120, 82, 54), (170, 160, 150), (222, 200, 168)])) / 255
        warp = _noise(rng, h, w, 2) * 5
        ang = rnd.uniform(0, math.pi)
        u = xs * math.cos(ang) + ys * math.sin(ang)
        v = -xs * math.sin(ang) + ys * math.cos(ang)
        grain = 0.5 + 0.5 * np.sin(u / rnd.uniform(2.5, 5) + warp + 0.002 * v)
        planks = np.floor(u / rnd.uniform(90, 160)) * 0.37 % 1
        img = base * (
            0.88 + 0.07 * grain[..., None] + 0.06 * planks[..., None] + 0.06 * _noise(rng, h, w, 40, 1)[..., None]
        )
    elif kind == "marble":
        turb = _noise(rng, h, w, 4, 4) * 9
        veins = np.abs(np.sin(xs / 90 + ys / 140 + turb)) ** 0.25
        tone = rnd.uniform(0.82, 0.95)
        img = (tone * (0.8 + 0.2 * veins))[..., None] * np.array([1.0, 0.99, 0.97])
    elif kind == "fabric":
        base = np.array([rnd.uniform(0.2, 0.9) for _ in range(3)])
        weave = 0.5 + 0.25 * (np.sin(xs * 1.3) + np.sin(ys * 1.3))
        img = base * (0.85 + 0.1 * weave[..., None] + 0.1 * _noise(rng, h, w, 30, 2)[..., None])
    elif kind == "bokeh":
        img = np.ones((h, w, 3)) * np.array([rnd.uniform(0.05, 0.45) for _ in range(3)])
        blobs = np.zeros((h, w, 3), np.float32)
        for _ in range(rnd.randint(8, 18)):
            col = np.array([rnd.uniform(0.4, 1.0) for _ in range(3)], np.float32)
            cv2.circle(
                blobs,
                (rnd.randrange(w), rnd.randrange(h)),
                rnd.randint(w // 30, w // 10),
                tuple(float(v) * rnd.uniform(0.2, 0.5) for v in col),
                -1,
            )
        img = img + cv2.GaussianBlur(blobs, (0, 0), w / 120)
    else:
        a = np.array([rnd.uniform(0.55, 0.97) for _ in range(3)])
        b = a * rnd.uniform(0.7, 1.0) if kind == "studio" else a
        ang = rnd.uniform(0, 2 * math.pi)
        g = ((xs * math.cos(ang) + ys * math.sin(ang)) / max(h, w) + 1) / 2
        img = a * (1 - g[..., None]) + b * g[..., None]
        img = img * (0.97 + 0.03 * _noise(rng, h, w, 50, 1)[..., None])
    vignette = 1 - 0.18 * (((xs / w - 0.5) ** 2 + (ys / h - 0.5) ** 2) * 2)
    out: np.ndarray = np.clip(img * vignette[..., None], 0, 1).astype(np.float32)
    return out


def _blur(img: np.ndarray, sigma: float, factor: int = 4) -> np.ndarray:
    """A wide Gaussian blur, computed at 1/``factor`` of the resolution."""
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / factor)
    out: np.ndarray = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return out


def _shade(
    scene: _Scene, albedo: np.ndarray, normal: np.ndarray, gloss: np.ndarray, rnd: random.Random
) -> tuple[np.ndarray, np.ndarray]:
    """Shaded colour of the hand (float RGB) and its coverage mask."""
    c = scene.canvas
    mask = np.isfinite(c.z)
    side = max(c.h, c.w)
    light = _unit(np.array([rnd.uniform(-0.6, 0.6), rnd.uniform(-0.7, 0.2), 1.0])).astype(np.float32)
    halfway = _unit(light + np.array([0.0, 0.0, 1.0], np.float32)).astype(np.float32)
    # Soften the joins between the spheres: blur the normals inside the hand (not on the nails).
    nail = gloss < 1.5
    weight = _blur(mask.astype(np.float32), 0.006 * side, 2)
    soft = _blur(normal * mask[..., None], 0.006 * side, 2)
    n = np.where(nail[..., None], normal, soft / np.maximum(weight, 1e-3)[..., None])[mask]
    n /= np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-6)
    wrap = np.clip((n @ light + 0.45) / 1.45, 0, 1)
    ambient = 0.38
    shade = ambient + (1 - ambient) * wrap
    scatter = np.array([1.0, 0.86, 0.8], np.float32)  # shadows on skin turn redder
    skin = ~nail[mask]
    colour = albedo[mask] * shade[:, None] * (1 - (1 - scatter) * (1 - wrap[:, None]) * skin[:, None])
    # Ambient occlusion from the depth buffer: hollows between fingers and under the thumb are darker.
    zmin = float(c.z[mask].min()) if mask.any() else 0.0
    zf = np.where(mask, c.z, zmin - 0.05 * side).astype(np.float32)
    ao = np.clip((_blur(zf, 0.02 * side)[mask] - zf[mask]) / (0.03 * side), 0, 1)
    colour *= (1 - 0.45 * ao)[:, None]
    ndh = np.clip(n @ halfway, 0, 1)
    spec = np.where(skin, 0.05 * ndh**12, gloss[mask] * (0.75 * ndh**90 + 0.12 * ndh**8))
    colour += spec[:, None]
    sleeve = c.bone[mask] == _BONE_SLEEVE
    if scene.sleeve is not None and sleeve.any():
        cloth = np.array(scene.sleeve, np.float32) / 255
        colour[sleeve] = cloth * (0.35 + 0.65 * wrap[sleeve])[:, None]
    out = np.zeros((c.h, c.w, 3), np.float32)
    out[mask] = colour
    return out, mask


def _photo(scene: _Scene, nails: Nails, rnd: random.Random, out_size: tuple[int, int]) -> Image.Image:
    c = scene.canvas
    rng = np.random.default_rng(rnd.getrandbits(32))
    tone = np.array(rnd.choice(SKIN), np.float32) * np.array([rnd.uniform(0.96, 1.03) for _ in range(3)], np.float32)
    skin = np.clip(tone / 255, 0, 1).astype(np.float32)
    albedo = _skin_albedo(scene, skin, rng)
    normal = c.n.copy()
    gloss = np.full((c.h, c.w), 2.0, np.float32)  # >= 1.5: skin; nails get their gloss below 1.5
    _nails(scene, nails, albedo, normal, gloss, rng, skin)
    colour, mask = _shade(scene, albedo, normal, gloss, rnd)
    w, h = out_size
    alpha = cv2.resize(mask.astype(np.float32), out_size, interpolation=cv2.INTER_AREA)
    hand = cv2.resize(colour, out_size, interpolation=cv2.INTER_AREA)  # premultiplied: zero off the hand
    bg = _background(rnd, rng, h, w, skin)
    shift = np.array([[1, 0, rnd.uniform(-0.04, 0.04) * w], [0, 1, rnd.uniform(0.0, 0.05) * h]], np.float32)
    shadow = cv2.warpAffine(_blur(alpha, 0.025 * max(h, w), 2), shift, (w, h))  # a soft drop shadow
    bg *= (1 - rnd.uniform(0.2, 0.4) * shadow)[..., None]
    photo = (hand + bg * (1 - alpha)[..., None]).astype(np.float32)
    photo += rng.normal(0, rnd.uniform(0.006, 0.016), photo.shape).astype(np.float32)  # sensor noise
    soft = cv2.GaussianBlur(photo, (0, 0), rnd.uniform(0.4, 0.9))  # a slightly soft lens
    rgb = np.clip(soft * 255 + 0.5, 0, 255).astype(np.uint8)
    if rnd.random() < 0.5:
        rgb = np.ascontiguousarray(rgb[:, ::-1])  # the other hand
    return Image.fromarray(rgb)


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _size(rnd: random.Random) -> tuple[int, int]:
    return rnd.choice([(640, 640), (640, 800), (800, 640), (720, 720), (600, 750)])


def _render(pose: HandPose, nails: Nails, rnd: random.Random, camera: _Camera) -> bytes:
    w, h = _size(rnd)
    scene = _build(pose, rnd, 2 * h, 2 * w, camera)
    return _jpeg(_photo(scene, nails, rnd, (w, h)), rnd.randint(84, 94))


def _open_pose(rnd: random.Random) -> HandPose:
    spread = rnd.uniform(0.3, 1.8)
    curl = rnd.uniform(0.0, 1.0)
    flex = tuple(
        (rnd.uniform(0, 14) + 16 * curl, rnd.uniform(2, 14) + 14 * curl, rnd.uniform(0, 10) + 8 * curl)
        for _ in range(4)
    )
    splay = tuple(s * (spread - 1) + rnd.uniform(-2, 2) for s in _SPLAY)
    thumb = (rnd.uniform(32, 55), rnd.uniform(12, 32), rnd.uniform(0, 20), rnd.uniform(0, 20))
    return HandPose(flex, splay, thumb)


def _nail_style(rnd: random.Random) -> Nails:
    colour, second = rnd.sample(POLISH, 2)
    style = rnd.choices(
        ["plain", "french", "french-colour", "dots", "ombre", "glitter", "accent"], [45, 12, 5, 9, 9, 8, 12]
    )[0]
    return Nails(style, colour, second, rnd.uniform(0.0, 0.9), rnd.choice(["round", "round", "square", "almond"]))


def manicure(seed: int) -> bytes:
    """A photo-like hand, seen from the back, with painted nails (plain polish, French tips or nail art)."""
    rnd = random.Random(seed)
    return _render(_open_pose(rnd), _nail_style(rnd), rnd, _Camera())


def rude_gesture(seed: int) -> bytes:
    """A photo-like hand showing the middle finger (index, ring and pinky curled), nails painted or bare."""
    rnd = random.Random(seed)
    curled = tuple((rnd.uniform(72, 92), rnd.uniform(92, 112), rnd.uniform(35, 60)) for _ in range(3))
    middle = (rnd.uniform(-4, 10), rnd.uniform(0, 10), rnd.uniform(0, 8))
    flex = (curled[0], middle, curled[1], curled[2])
    splay = tuple(-0.3 * s + rnd.uniform(-3, 3) for s in _SPLAY)  # a fist: the curled fingers closer together
    nails = _nail_style(rnd) if rnd.random() < 0.6 else Nails("bare", (0, 0, 0), (0, 0, 0), 0.1, "round")
    if rnd.random() < 0.6:  # the back of the hand towards the camera, the thumb along the curled index
        thumb = (rnd.uniform(10, 22), rnd.uniform(20, 35), rnd.uniform(10, 30), rnd.uniform(5, 25))
        camera = _Camera(0.0, (-15.0, 15.0), (0.62, 0.85), 12.0)
    else:  # the palm towards the camera, the thumb over the curled fingers
        thumb = (rnd.uniform(8, 22), rnd.uniform(35, 55), rnd.uniform(15, 35), rnd.uniform(10, 35))
        camera = _Camera(180.0, (-15.0, 15.0), (0.62, 0.85), 12.0)
    return _render(HandPose(flex, splay, thumb), nails, rnd, camera)


def bare_hand(seed: int) -> bytes:
    """A photo-like hand with natural, unpainted nails."""
    rnd = random.Random(seed)
    return _render(_open_pose(rnd), Nails("bare", (0, 0, 0), (0, 0, 0), rnd.uniform(0.0, 0.2), "round"), rnd, _Camera())


def _pet(rnd: random.Random, w: int, h: int) -> Image.Image:
    """A furry animal curled up on a rug: a fur-textured body, a head with ears, eyes and a nose."""
    rng = np.random.default_rng(rnd.getrandbits(32))
    fur = np.array(rnd.choice([(200, 130, 60), (90, 80, 70), (230, 220, 205), (150, 110, 80), (40, 38, 36)]))
    rug = np.array(rnd.choice([(70, 90, 120), (160, 60, 50), (200, 190, 170), (60, 100, 70)]), np.float32)
    img = np.ones((h, w, 3), np.float32) * rug * (0.85 + 0.3 * _noise(rng, h, w, 80, 1))[..., None]
    mask = np.zeros((h, w), np.uint8)
    cx, cy = w // 2 + rnd.randint(-40, 40), h // 2 + rnd.randint(-20, 40)
    cv2.ellipse(mask, (cx, cy), (int(w * 0.3), int(h * 0.22)), rnd.uniform(-15, 15), 0, 360, 1, -1)
    hx, hy = cx + rnd.choice([-1, 1]) * int(w * 0.22), cy - int(h * 0.16)
    cv2.circle(mask, (hx, hy), int(h * 0.13), 1, -1)
    for side in (-1, 1):
        ear = np.array(
            [
                [hx + side * int(h * 0.04), hy - int(h * 0.08)],
                [hx + side * int(h * 0.13), hy - int(h * 0.06)],
                [hx + side * int(h * 0.1), hy - int(h * 0.2)],
            ],
            np.int32,
        )
        cv2.fillConvexPoly(mask, ear, 1)
    strands = _noise(rng, h, w, 120, 2)
    shade = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 25)
    body = fur * (0.55 + 0.45 * shade[..., None]) * (0.8 + 0.4 * strands[..., None])
    soft = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 2)[..., None]
    img = img * (1 - soft) + body * soft
    for side in (-1, 1):
        cv2.circle(img, (hx + side * int(h * 0.045), hy - int(h * 0.01)), max(3, h // 60), (20, 20, 15), -1)
    cv2.ellipse(img, (hx, hy + int(h * 0.045)), (max(3, h // 70), max(2, h // 100)), 0, 0, 360, (60, 40, 40), -1)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def off_topic(seed: int) -> bytes:
    """Scenes a nail gallery should refuse: food, a landscape, a mug, a bare hand, a pet."""
    rnd = random.Random(seed)
    w, h = 640, 480
    kind = seed % 5
    if kind == 3:
        return bare_hand(seed)
    if kind == 4:
        return _jpeg(_pet(rnd, w, h).filter(ImageFilter.GaussianBlur(1.0)))
    if kind == 0:  # a plate with food
        image = Image.new("RGB", (w, h), (120, 80, 50))
        draw = ImageDraw.Draw(image)
        draw.ellipse((120, 60, 520, 420), fill=(245, 245, 240))
        for _ in range(12):
            x, y = rnd.randint(200, 420), rnd.randint(140, 330)
            colour = rnd.choice([(200, 60, 30), (90, 160, 40), (230, 190, 60), (120, 60, 20)])
            draw.ellipse((x, y, x + rnd.randint(30, 60), y + rnd.randint(20, 50)), fill=colour)
    elif kind == 1:  # sky, hills and sun
        image = Image.new("RGB", (w, h), (110, 170, 230))
        draw = ImageDraw.Draw(image)
        draw.ellipse((480, 40, 560, 120), fill=(250, 220, 90))
        draw.polygon([(0, 330), (200, 220), (420, 320), (640, 240), (640, 480), (0, 480)], fill=(60, 130, 60))
    else:  # a mug on a table
        image = Image.new("RGB", (w, h), (200, 190, 170))
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 330, w, h), fill=(110, 80, 60))
        draw.rounded_rectangle((250, 170, 390, 360), radius=20, fill=(40, 90, 150))
        draw.ellipse((370, 210, 440, 300), outline=(40, 90, 150), width=16)
    return _jpeg(image.filter(ImageFilter.GaussianBlur(1.0)))
