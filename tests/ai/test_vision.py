from __future__ import annotations

import pytest
from PIL import Image

from salon.ai import InvalidImageError, VisionModels
from tests.ai.conftest import draw_hand, draw_landscape, to_bytes


def _conf(labels: list[dict], name: str) -> float:
    return next((lab["Confidence"] for lab in labels if lab["Name"] == name), 0.0)


def test_label_shape(vision: VisionModels) -> None:
    labels = vision.detect_labels(to_bytes(draw_hand((200, 20, 60))), min_confidence=0)
    assert labels, "expected some labels"
    for lab in labels:
        assert set(lab) == {"Name", "Confidence", "Instances", "Parents", "Aliases", "Categories"}
        assert 0 <= lab["Confidence"] <= 100
        assert all(set(p) == {"Name"} for p in lab["Parents"])
    confs = [lab["Confidence"] for lab in labels]
    assert confs == sorted(confs, reverse=True)


@pytest.mark.parametrize("colour", [(200, 20, 60), (150, 30, 160), (20, 40, 170)])
def test_painted_nails_are_a_manicure(vision: VisionModels, colour: tuple[int, int, int]) -> None:
    labels = vision.detect_labels(to_bytes(draw_hand(colour)))
    names = {lab["Name"] for lab in labels}
    assert {"Manicure", "Hand", "Body Part", "Person"} <= names
    manicure = next(lab for lab in labels if lab["Name"] == "Manicure")
    assert [p["Name"] for p in manicure["Parents"]] == ["Hand", "Body Part", "Person"]
    assert manicure["Categories"] == [{"Name": "Beauty and Personal Care"}]


def test_bare_hand_is_not_a_manicure(vision: VisionModels) -> None:
    bare = vision.detect_labels(to_bytes(draw_hand(None)), min_confidence=0)
    painted = vision.detect_labels(to_bytes(draw_hand((200, 20, 60))), min_confidence=0)
    assert _conf(bare, "Manicure") < 55 <= _conf(painted, "Manicure")
    assert _conf(bare, "Nail Polish") < _conf(painted, "Nail Polish")


def test_landscape_has_nothing_manicure_related(vision: VisionModels) -> None:
    labels = vision.detect_labels(to_bytes(draw_landscape()))
    names = {lab["Name"] for lab in labels}
    assert not names & {"Manicure", "Nail Polish", "Nail", "Hand"}


def test_min_confidence_and_max_labels(vision: VisionModels) -> None:
    img = to_bytes(draw_hand((200, 20, 60)))
    everything = vision.detect_labels(img, min_confidence=0)
    assert all(lab["Confidence"] >= 80 for lab in vision.detect_labels(img, min_confidence=80))
    assert len(vision.detect_labels(img, max_labels=2, min_confidence=0)) == min(2, len(everything))


def test_png_with_alpha_is_accepted(vision: VisionModels) -> None:
    img = draw_hand((200, 20, 60)).convert("RGBA")
    assert isinstance(vision.detect_labels(to_bytes(img, "PNG")), list)


@pytest.mark.parametrize("data", [b"", b"not an image", b"GIF89a" + b"\x00" * 40])
def test_invalid_image_raises(vision: VisionModels, data: bytes) -> None:
    with pytest.raises(InvalidImageError):
        vision.detect_labels(data)
    with pytest.raises(InvalidImageError):
        vision.detect_moderation_labels(data)


def test_moderation_benign_images_are_clean(vision: VisionModels) -> None:
    for img in (draw_hand((200, 20, 60)), draw_landscape(), Image.new("RGB", (64, 64), (255, 255, 255))):
        assert vision.detect_moderation_labels(to_bytes(img)) == []


def test_moderation_label_shape(vision: VisionModels) -> None:
    labels = vision.detect_moderation_labels(to_bytes(draw_hand(None)), min_confidence=0)
    assert labels[0]["Name"] == "Explicit" and labels[0]["ParentName"] == "" and labels[0]["TaxonomyLevel"] == 1
    for lab in labels:
        assert set(lab) == {"Name", "ParentName", "Confidence", "TaxonomyLevel"}
        assert 0 <= lab["Confidence"] <= 100


def test_tiers(vision: VisionModels) -> None:
    tiers = vision.tiers()
    assert set(tiers) == {"labels", "moderation"}
    assert all(isinstance(v, str) and v for v in tiers.values())


def test_nail_features_count_matching_painted_tips() -> None:
    from salon.ai.labels_classical import hand_features

    painted = hand_features(draw_hand((200, 20, 60)))
    bare = hand_features(draw_hand(None))
    assert painted.matching_nails >= 4 and painted.nails >= painted.matching_nails
    assert bare.matching_nails <= 1
    assert painted.clutter == 0.0


def _confetti_plate(seed: int = 0) -> Image.Image:
    """A skin-coloured plate sprinkled with blobs of many colours: off-skin blobs, but no one polish colour."""
    import random

    from PIL import ImageDraw

    rng = random.Random(seed)
    img = Image.new("RGB", (320, 320), (90, 120, 90))
    d = ImageDraw.Draw(img)
    d.ellipse([20, 20, 300, 300], fill=(224, 172, 140))
    for _ in range(40):
        x, y = rng.randint(30, 280), rng.randint(30, 280)
        d.ellipse([x, y, x + 12, y + 9], fill=tuple(rng.randint(0, 255) for _ in range(3)))
    return img


def test_blobs_of_many_colours_are_not_a_manicure(vision: VisionModels) -> None:
    labels = vision.detect_labels(to_bytes(_confetti_plate()), min_confidence=0)
    assert _conf(labels, "Manicure") < 70
