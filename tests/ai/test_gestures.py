"""The middle-finger detector (Rude Gestures): on synthetic landmark sets, and on drawn images when the MediaPipe
hand model is installed (``npm ci``)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from functions.config import default_moderation_policy
from functions.domain.policy import QUARANTINED, evaluate
from salon.ai import VisionModels, gestures, moderation, taxonomy
from salon.ai import hands as hand_model
from salon.demo.images import HandPose, manicure, off_topic, rude_gesture, skeleton
from tests.ai.test_hands import _model_missing, requires_model

STRAIGHT = (5.0, 6.0, 4.0)  # MCP, PIP, DIP flexion in degrees
CURLED = (85.0, 100.0, 50.0)
HALF = (45.0, 50.0, 25.0)
THUMB_OUT, THUMB_TUCKED = (40.0, 20.0, 10.0, 10.0), (12.0, 45.0, 25.0, 25.0)

POSES = {  # index, middle, ring, little
    "open hand": ((STRAIGHT, STRAIGHT, STRAIGHT, STRAIGHT), THUMB_OUT),
    "fist": ((CURLED, CURLED, CURLED, CURLED), THUMB_TUCKED),
    "pointing index": ((STRAIGHT, CURLED, CURLED, CURLED), THUMB_TUCKED),
    "peace sign": ((STRAIGHT, STRAIGHT, CURLED, CURLED), THUMB_TUCKED),
    "thumbs up": ((CURLED, CURLED, CURLED, CURLED), (10.0, -10.0, 0.0, 0.0)),
    "horns": ((STRAIGHT, CURLED, CURLED, STRAIGHT), THUMB_TUCKED),
    "middle and ring": ((CURLED, STRAIGHT, STRAIGHT, CURLED), THUMB_TUCKED),
    "relaxed curl": ((HALF, HALF, HALF, HALF), THUMB_OUT),
}
MIDDLE_FINGER = ((CURLED, STRAIGHT, CURLED, CURLED), THUMB_TUCKED)

# (turn about the hand's long axis: 0 the back of the hand, 180 the palm; in-plane roll; mirrored: the other hand)
VIEWS = [(0.0, 0.0, False), (180.0, 0.0, False), (0.0, 90.0, True), (20.0, 200.0, False), (160.0, -35.0, True)]


def _landmarks(
    fingers: tuple[tuple[float, float, float], ...],
    thumb: tuple[float, float, float, float],
    turn: float = 0.0,
    roll: float = 0.0,
    mirrored: bool = False,
    px_per_mm: float = 2.5,
) -> np.ndarray:
    """21 image positions of a posed hand skeleton (the one the demo draws), seen from the camera."""
    _, xyz = skeleton(HandPose(fingers, (0.0, 0.0, 0.0, 0.0), thumb), random.Random(0))
    t, r = math.radians(turn), math.radians(roll)
    about_y = np.array([[math.cos(t), 0, math.sin(t)], [0, 1, 0], [-math.sin(t), 0, math.cos(t)]])
    about_z = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    seen = xyz @ (about_z @ about_y).T
    xy = seen[:, :2] * px_per_mm * np.array([-1.0 if mirrored else 1.0, -1.0])  # image y points down
    return xy + 400.0


@pytest.mark.parametrize("view", VIEWS)
def test_middle_finger_is_confident_from_any_side(view: tuple[float, float, bool]) -> None:
    reading = gestures.read_pose(_landmarks(*MIDDLE_FINGER, *view), presence=0.95)
    assert reading.confidence >= 95, reading.margins
    assert all(m > 0 for m in reading.margins.values())


@pytest.mark.parametrize("name", sorted(POSES))
@pytest.mark.parametrize("view", VIEWS)
def test_other_poses_do_not_fire(name: str, view: tuple[float, float, bool]) -> None:
    reading = gestures.read_pose(_landmarks(*POSES[name], *view), presence=0.99)
    assert reading.confidence < 5, (name, reading.margins)


def test_confidence_grows_with_how_clearly_the_pose_holds() -> None:
    def conf(index: tuple[float, float, float], middle: tuple[float, float, float], presence: float = 0.95) -> float:
        return gestures.read_pose(_landmarks((index, middle, CURLED, CURLED), THUMB_TUCKED), presence).confidence

    clear = conf(CURLED, STRAIGHT)
    assert clear >= 95
    assert conf((30.0, 40.0, 20.0), STRAIGHT) < conf(HALF, STRAIGHT) < 90  # the index only half curled
    assert conf(CURLED, (30.0, 40.0, 20.0)) < conf(CURLED, (20.0, 30.0, 20.0)) < clear  # the middle finger bent
    assert conf(CURLED, STRAIGHT, presence=0.62) < 80 < conf(CURLED, STRAIGHT, presence=0.7)  # an uncertain hand


def test_scale_and_landmark_depth_do_not_matter() -> None:
    small = gestures.read_pose(_landmarks(*MIDDLE_FINGER, px_per_mm=0.8)).confidence
    large = gestures.read_pose(_landmarks(*MIDDLE_FINGER, px_per_mm=6.0)).confidence
    assert small == pytest.approx(large, abs=1e-6)
    xyz = np.concatenate([_landmarks(*MIDDLE_FINGER), np.random.default_rng(0).normal(size=(21, 1))], axis=1)
    assert gestures.read_pose(xyz).confidence == pytest.approx(large, abs=1e-6)


def test_the_best_hand_counts_and_no_hand_is_zero() -> None:
    rude = hand_model.Hand(_landmarks(*MIDDLE_FINGER), 0.95, "palm")
    open_hand = hand_model.Hand(_landmarks(*POSES["open hand"]), 0.99, "palm")
    assert gestures.middle_finger_confidence([open_hand, rude]) >= 95
    assert gestures.middle_finger_confidence([open_hand]) < 5
    assert gestures.middle_finger_confidence([]) == 0.0


def test_moderation_labels_follow_the_v7_taxonomy() -> None:
    labels = taxonomy.moderation_labels({"Explicit Nudity": 3.0, "Middle Finger": 96.5}, 50.0)
    assert labels == [
        {"Name": "Rude Gestures", "ParentName": "", "Confidence": 96.5, "TaxonomyLevel": 1},
        {"Name": "Middle Finger", "ParentName": "Rude Gestures", "Confidence": 96.5, "TaxonomyLevel": 2},
    ]
    both = taxonomy.moderation_labels({"Explicit Nudity": 81.0, "Middle Finger": 12.0}, 0.0)
    assert [lab["Name"] for lab in both] == ["Explicit", "Explicit Nudity", "Rude Gestures", "Middle Finger"]
    assert taxonomy.moderation_labels({"Explicit Nudity": 10.0, "Middle Finger": 20.0}, 50.0) == []


def test_the_policy_quarantines_a_middle_finger() -> None:
    moderation_answer = taxonomy.moderation_labels({"Explicit Nudity": 0.2, "Middle Finger": 95.0}, 50.0)
    decision = evaluate(
        default_moderation_policy(), moderation_answer, [{"Name": "Manicure", "Confidence": 99.0, "Parents": []}]
    )
    assert decision.verdict == QUARANTINED and any("Middle Finger" in r for r in decision.reasons)
    below = taxonomy.moderation_labels({"Explicit Nudity": 0.2, "Middle Finger": 85.0}, 50.0)
    assert evaluate(default_moderation_policy(), below, []).verdict != QUARANTINED  # the policy's limit is 90


def test_moderation_without_the_hand_model_reports_explicit_only(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv(hand_model.ENV_VAR, str(tmp_path / "no-such-package"))
    moderator = moderation.NsfwModerator()
    assert "gesture detector unavailable" in moderator.tier
    from tests.ai.conftest import draw_hand

    labels = moderator.labels(draw_hand(None), 0.0)
    assert [lab["Name"] for lab in labels] == ["Explicit", "Explicit Nudity"]


# -- drawn images through the real models ----------------------------------------------------------------------

DRAWN_GESTURES = (3, 8, 9)  # seed 3 is the demo's


def _conf(labels: list[dict], name: str) -> float:
    return max((float(lab["Confidence"]) for lab in labels if lab["Name"] == name), default=0.0)


@requires_model
def test_drawn_middle_finger_is_flagged(vision: VisionModels) -> None:
    assert "hand landmarks" in moderation.NsfwModerator().tier, _model_missing()
    for seed in DRAWN_GESTURES:
        labels = vision.detect_moderation_labels(rude_gesture(seed))
        assert _conf(labels, "Middle Finger") >= 90, (seed, labels)
        assert _conf(labels, "Rude Gestures") == _conf(labels, "Middle Finger")
        assert evaluate(default_moderation_policy(), labels, []).verdict == QUARANTINED


@requires_model
def test_drawn_manicures_and_bare_hands_are_not_rude(vision: VisionModels) -> None:
    for data in (manicure(1), manicure(2), off_topic(3)):  # off_topic(3) is a bare hand
        assert vision.detect_moderation_labels(data) == []
    assert _conf(vision.detect_labels(manicure(1)), "Manicure") >= 70
    assert _conf(vision.detect_labels(off_topic(3)), "Manicure") < 70
