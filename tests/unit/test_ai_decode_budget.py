"""The local AI endpoint's image analyses share the process's decode budget: large images wait for each other
instead of adding up (eight concurrent 40-megapixel PNGs once took 3.7 GB), small ones run side by side."""

from __future__ import annotations

import base64
import io
import threading
from typing import Any

import pytest
from PIL import Image

from functions.domain.renditions import DECODE_BUDGET, PixelBudget
from salon.local import ai_endpoint
from salon.local.ai_endpoint import AiService, ServiceError


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(out, "PNG")
    return out.getvalue()


class RecordingVision:
    """Stands in for the vision models: records the budget in use while each analysis runs."""

    def __init__(self, budget: PixelBudget, release: threading.Event | None = None) -> None:
        self.budget, self.release = budget, release
        self.in_use: list[int] = []
        self.started = threading.Event()

    def detect_labels(self, image: bytes, max_labels: int | None = None, min_confidence: float = 55.0) -> list[Any]:
        self.in_use.append(self.budget.in_use)
        self.started.set()
        if self.release is not None:
            assert self.release.wait(timeout=30)
        return []

    def detect_moderation_labels(self, image: bytes, min_confidence: float = 50.0) -> list[Any]:
        from salon.ai import InvalidImageError

        raise InvalidImageError("not a decodable JPEG or PNG image")


def labels(service: AiService, data: bytes) -> dict[str, Any]:
    return service.call("RekognitionService.DetectLabels", {"Image": {"Bytes": base64.b64encode(data).decode()}})


def test_an_analysis_holds_its_pixels_in_the_budget_until_it_answers() -> None:
    budget = PixelBudget(1_000_000)
    vision = RecordingVision(budget)
    service = AiService(lambda: None, budget=budget, vision=vision)
    assert labels(service, png(300, 200)) == {"Labels": [], "LabelModelVersion": "3.0"}
    assert vision.in_use == [60_000]
    assert budget.in_use == 0  # released with the answer


def test_a_large_image_waits_while_the_budget_is_full_and_small_ones_share_it() -> None:
    budget = PixelBudget(100_000)
    release = threading.Event()
    first = RecordingVision(budget, release)
    service = AiService(lambda: None, budget=budget, vision=first)
    holder = threading.Thread(target=labels, args=(service, png(250, 200)))  # 50,000: half the budget
    holder.start()
    assert first.started.wait(timeout=30)
    waiter_done = threading.Event()

    def analyse_large() -> None:
        labels(service, png(300, 200))  # 60,000 pixels
        waiter_done.set()

    large = threading.Thread(target=analyse_large)
    large.start()
    small = png(200, 200)  # 40,000: fits beside the first
    assert labels(AiService(lambda: None, budget=budget, vision=RecordingVision(budget)), small)["Labels"] == []
    assert not waiter_done.wait(timeout=0.5), "a large image was decoded beside one that fills the budget"
    release.set()
    holder.join(timeout=30)
    large.join(timeout=30)
    assert waiter_done.is_set()
    assert budget.peak <= budget.capacity
    assert budget.in_use == 0


def test_a_refused_image_releases_its_claim() -> None:
    budget = PixelBudget(1_000_000)
    service = AiService(lambda: None, budget=budget, vision=RecordingVision(budget))
    with pytest.raises(ServiceError) as refused:
        service.call(
            "RekognitionService.DetectModerationLabels",
            {"Image": {"Bytes": base64.b64encode(png(100, 100)).decode()}},
        )
    assert refused.value.code == "InvalidImageFormatException"
    assert budget.in_use == 0


def test_the_endpoint_shares_the_decode_budget_of_inspection_and_renditions() -> None:
    assert AiService(lambda: None).budget is DECODE_BUDGET
    assert ai_endpoint.pixels(png(640, 480)) == 307_200
    assert ai_endpoint.pixels(b"not an image") == 1
