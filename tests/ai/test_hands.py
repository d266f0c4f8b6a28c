"""The hand-landmark labels tier: nail reading, scoring, model loading from node_modules, and the fallback."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from salon.ai import VisionModels, labels_hands
from salon.ai import hands as hand_model
from salon.ai.images import lab
from salon.ai.labels_classical import TIER as CLASSICAL_TIER
from salon.ai.labels_classical import HandFeatures
from tests.ai.conftest import draw_hand, draw_landscape, to_bytes


def _model_missing() -> str:
    if not (hand_model.package_dir() / hand_model.LANDMARK_FILE).is_file():
        return f"{hand_model.PACKAGE} is not installed under {hand_model.package_dir()} (run `npm ci`)"
    try:
        import ai_edge_litert.interpreter  # noqa: F401
    except ImportError:
        return "the LiteRT runtime (ai-edge-litert) is not installed"
    return ""


requires_model = pytest.mark.skipif(bool(_model_missing()), reason=_model_missing() or "model present")


def _drawn_hand_landmarks(size: int = 320) -> np.ndarray:
    """Landmarks placed on ``conftest.draw_hand``'s geometry: four upright fingers, the thumb pointing right."""
    s = size / 320
    xy = np.zeros((21, 2))
    xy[0] = (160, 300)  # wrist
    xy[1:5] = [(200, 250), (225, 197), (255, 197), (280, 197)]  # thumb CMC, MCP, IP, TIP
    # The finger next to the thumb is the index (landmarks 5-8), then middle, ring, pinky.
    for finger, i in enumerate((3, 2, 1, 0)):
        x = 92 + i * 35 + 15
        top = (70, 50, 55, 80)[i]
        xy[5 + 4 * finger : 9 + 4 * finger] = [(x, 190), (x, top + 75), (x, top + 40), (x, top + 10)]
    return xy * s


def _reading(polish: tuple[int, int, int] | None) -> labels_hands.HandReading:
    rgb = np.asarray(draw_hand(polish))
    hand = hand_model.Hand(_drawn_hand_landmarks(), 0.99, "palm")
    return labels_hands.read_hand(lab(rgb), hand)


@pytest.mark.parametrize("colour", [(200, 20, 60), (150, 30, 160), (20, 40, 170)])
def test_painted_nails_are_read_along_each_finger(colour: tuple[int, int, int]) -> None:
    reading = _reading(colour)
    assert len(reading.painted) >= 4 and reading.matching >= 4
    assert labels_hands.hand_logit(reading) > 3  # well above the acceptance threshold (70 is a logit of 0.85)
    for nail in reading.painted:
        assert 0.2 <= nail.start <= 1.6 and nail.length >= 0.2


def test_bare_nails_are_not_painted() -> None:
    reading = _reading(None)
    assert reading.painted == [] and reading.matching == 0


def _features(matching: int = 0, hand: float = 0.3) -> HandFeatures:
    return HandFeatures(hand=hand, nails=matching, matching_nails=matching, candidates=matching, spread=5.0)


def _nails(colours: list[tuple[float, float, float]]) -> labels_hands.HandReading:
    nails: list[labels_hands.Nail | None] = [
        labels_hands.Nail(np.array(c), np.array(c) - np.array([70.0, 15.0, 18.0]), 0.5, 0.6) for c in colours
    ]
    return labels_hands.HandReading(0.99, "palm", nails + [None] * (5 - len(nails)))


def test_scoring_of_hand_readings() -> None:
    def conf(z: float) -> float:
        return 100 * labels_hands._sigmoid(z)

    red = (40.0, 50.0, 20.0)
    assert conf(labels_hands.combined_logit([_nails([red, red])], _features())) >= 70  # two matching nails
    assert conf(labels_hands.combined_logit([_nails([red])], _features())) < 70  # one is not enough
    assert conf(labels_hands.combined_logit([_nails([])], _features())) < 20
    # Negative classical evidence does not pull a hand reading down; positive evidence adds to it.
    two = labels_hands.combined_logit([_nails([red, red])], _features(0))
    assert two == labels_hands.combined_logit([_nails([red, red])], _features(3))
    assert labels_hands.combined_logit([_nails([red, red])], _features(6)) > two
    # Nail art mixes colours: painted nails of other colours add a little.
    mixed = labels_hands.combined_logit([_nails([red, red, (30.0, -20.0, -30.0)])], _features())
    assert mixed > two


def test_without_a_hand_classical_evidence_needs_a_close_up() -> None:
    strong = _features(matching=7, hand=0.1)
    capped = labels_hands.combined_logit([], strong)
    assert 100 * labels_hands._sigmoid(capped) < 70  # blobs in a scene without a hand
    assert labels_hands.combined_logit([], strong, palm=0.4) > capped  # a large palm that could not be read
    assert labels_hands.combined_logit([], _features(matching=7, hand=0.5)) > capped  # mostly skin: a close-up


def _fake_package(root: Path, data: bytes, start: int, end: int) -> Path:
    root.mkdir(parents=True)
    table = {"files": [{"filename": f"/x/palm_detection/{hand_model.PALM_FILE}", "start": start, "end": end}]}
    (root / hand_model.PACKED_LOADER).write_text(f"var a = 1;\nloadPackage({json.dumps(table)});\n")
    (root / hand_model.PACKED_DATA).write_bytes(data)
    return root


def test_palm_model_is_cut_from_the_packed_assets(tmp_path: Path) -> None:
    model = b"\x1c\x00\x00\x00TFL3" + bytes(range(40))
    root = _fake_package(tmp_path / "ok", b"Left\nRight\n" + model, 11, 11 + len(model))
    assert hand_model._packed_entry(root, hand_model.PALM_FILE) == model
    with pytest.raises(hand_model.HandModelUnavailable, match="not listed"):
        hand_model._packed_entry(root, "other.tflite")
    short = _fake_package(tmp_path / "short", b"Left\nRight\n" + model[:20], 11, 11 + len(model))
    with pytest.raises(hand_model.HandModelUnavailable, match="truncated"):
        hand_model._packed_entry(short, hand_model.PALM_FILE)


def test_missing_hand_package_falls_back_to_the_classical_tier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(hand_model.ENV_VAR, str(tmp_path / "no-such-package"))
    vision = VisionModels.load()
    tier = vision.tiers()["labels"]
    assert tier.startswith(CLASSICAL_TIER) and "MediaPipe hand model unavailable" in tier and "npm ci" in tier
    labels = vision.detect_labels(to_bytes(draw_hand((200, 20, 60))))
    assert "Manicure" in {lab["Name"] for lab in labels}


def test_anchor_layout_matches_the_palm_model() -> None:
    anchors = hand_model._anchors()
    assert anchors.shape == (2016, 2) and float(anchors.min()) > 0 and float(anchors.max()) < 1


def test_hand_region_is_upright_for_an_upright_palm() -> None:
    box = np.array([100.0, 100.0, 40.0, 40.0])
    kps = np.zeros((7, 2))
    kps[0], kps[2] = (100, 120), (100, 80)  # wrist below the middle finger's base
    cx, cy, side, angle = hand_model.HandLandmarker.palm_region(box, kps)
    assert angle == pytest.approx(0.0) and side == pytest.approx(104.0)
    assert cx == pytest.approx(100.0) and cy == pytest.approx(80.0)  # shifted towards the fingers
    kps[2] = (140, 120)  # fingers pointing right
    assert hand_model.HandLandmarker.palm_region(box, kps)[3] == pytest.approx(np.pi / 2)


@requires_model
def test_hand_model_loads_from_node_modules_in_seconds() -> None:
    t0 = time.perf_counter()
    labeler = labels_hands.load()
    assert time.perf_counter() - t0 < 10
    assert "MediaPipe Hands" in labeler.tier and "node_modules" in labeler.tier
    assert "MediaPipe" in VisionModels.load().tiers()["labels"]


@requires_model
def test_palm_detector_sees_the_drawn_hand_and_not_the_landscape() -> None:
    landmarker = hand_model.load()
    palms = landmarker.palms(np.asarray(draw_hand(None)))
    assert palms and palms[0][0] >= 0.5
    assert landmarker.palms(np.asarray(draw_landscape())) == []
    search = landmarker.detect(np.asarray(draw_landscape()))
    assert search.hands == [] and search.palm == 0.0


@requires_model
def test_landmarks_map_back_to_the_image() -> None:
    landmarker = hand_model.load()
    rgb = np.asarray(draw_hand((200, 20, 60)))
    xy, presence = landmarker.landmarks(rgb, (160.0, 180.0, 320.0, 0.0))
    assert xy.shape == (21, 2) and 0.0 <= presence <= 1.0
    assert np.all(np.abs(xy - (160.0, 180.0)) < 400)  # in image pixels, not crop units


@requires_model
def test_hand_tier_labels_drawn_images() -> None:
    labeler = labels_hands.load()
    assert labeler.scores(draw_landscape()).get("Manicure", 0.0) < 55
    painted = labeler.scores(draw_hand((200, 20, 60)))
    bare = labeler.scores(draw_hand(None))
    assert painted["Manicure"] >= 70 > bare["Manicure"]
    assert painted["Nail Polish"] < painted["Manicure"] and "Nail" in painted and "Nail" not in bare


# --- the fitted manicure model and its rendered training photos -------------------------------------------


def test_shipped_manicure_model_matches_the_features_and_was_fitted_on_renders() -> None:
    model = json.loads(labels_hands.HEAD_PATH.read_text())
    assert model["features"] == list(labels_hands.FEATURES)
    assert len(model["weights"]) == len(model["mean"]) == len(model["std"]) == len(labels_hands.FEATURES)
    assert model["fitted_on"]["renders"] >= 100 and 0 < model["fitted_on"]["painted"] < model["fitted_on"]["renders"]
    # Held-out renders (other seeds): the fit generalises at least within the rendered world.
    assert model["held_out"]["recall_at_70"] >= 0.6 and model["held_out"]["specificity_at_70"] >= 0.9
    weights = dict(zip(model["features"], model["weights"], strict=True))
    assert weights["matching"] > 0  # more nails of one polish colour: more likely a manicure


def test_manicure_model_refuses_weights_for_other_features() -> None:
    model = json.loads(labels_hands.HEAD_PATH.read_text())
    with pytest.raises(ValueError, match="labels_fit"):
        labels_hands.ManicureModel({**model, "features": ["matching"]})


def test_reading_features_follow_the_feature_list() -> None:
    skin = np.array([70.0, 15.0, 18.0])
    plates = [labels_hands.Plate(np.array([55.0, 60.0, 30.0]), skin, 12.0, 0.0, 30.0) for _ in range(4)]
    reading = labels_hands.HandReading(0.99, "palm", _nails([(50.0, 60.0, 30.0)] * 4).nails, plates)
    row = dict(zip(labels_hands.FEATURES, labels_hands.reading_features(reading, _features()), strict=True))
    assert row["matching"] == 4 and row["painted_other"] == 0 and row["plate_spread"] == 0
    assert row["plate_contrast"] > 40 and row["gloss"] == 12.0 and row["white_tips"] == 0
    assert row["soft_matching"] == 4 and row["edge"] == 30.0
    bare = labels_hands.HandReading(0.99, "palm", [None] * 5, [])
    assert labels_hands.reading_features(bare, _features())[:-1] == [0.0] * (len(labels_hands.FEATURES) - 1)


def test_renders_are_deterministic_and_pinnable() -> None:
    from salon.ai import nail_synth

    a, b = nail_synth.sample(7), nail_synth.sample(7)
    assert a == b
    nude = nail_synth.sample(7, painted=True, style="plain", colour=(225, 190, 175), busy=True)
    assert nude.manicure and nude.kind == "plain/jigsaw"
    bare = nail_synth.sample(7, painted=False, busy=False)
    assert not bare.manicure and bare.kind == "bare/plain"


@requires_model
def test_rendered_polish_scores_above_the_same_bare_hand() -> None:
    from salon.ai import nail_synth
    from salon.ai.images import decode

    labeler = labels_hands.load()
    for seed in (11, 12):
        red = nail_synth.sample(seed, painted=True, style="plain", colour=(190, 18, 40), busy=False)
        bare = nail_synth.sample(seed, painted=False, busy=True)
        painted, plain = (labeler.scores(decode(s.image)).get("Manicure", 0.0) for s in (red, bare))
        assert painted >= 70 > plain, seed


@requires_model
def test_a_photos_two_rekognition_calls_run_the_hand_models_once() -> None:
    vision = VisionModels.load()
    landmarker = vision._labeler.landmarker
    assert vision._moderator._gestures is not None and vision._moderator._gestures._landmarker is landmarker
    photo, other = to_bytes(draw_hand((200, 20, 60))), to_bytes(draw_hand((30, 90, 200)))
    labels = vision.detect_labels(photo)
    after_labels = landmarker.invocations
    assert after_labels >= 2  # a palm detection and a landmark pass at least
    moderation = vision.detect_moderation_labels(photo)
    assert landmarker.invocations == after_labels  # the same passes on the same pixels: remembered
    # The answers are those of a landmarker that remembers nothing.
    fresh = hand_model.load()
    rgb = np.asarray(draw_hand((200, 20, 60)))
    assert [h.presence for h in fresh.detect(rgb).hands] == [h.presence for h in landmarker.detect(rgb).hands]
    assert labels == vision.detect_labels(photo) and moderation == vision.detect_moderation_labels(photo)
    vision.detect_moderation_labels(other)  # other pixels: the models run again
    assert landmarker.invocations > after_labels


@requires_model
def test_the_landmarkers_memo_is_bounded() -> None:
    landmarker = hand_model.load()
    for colour in range(0, 250, 10):  # 25 different images
        landmarker.palms(np.asarray(draw_hand((colour, 40, 90))))
    assert len(landmarker._memo) == hand_model._MEMO_SIZE
    assert landmarker.invocations == 25
