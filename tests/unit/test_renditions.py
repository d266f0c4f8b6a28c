"""The published rendition: pixels only, one frame, bounded decode memory."""

from __future__ import annotations

import io
import threading
import time

import pytest
from PIL import Image

from functions.domain.renditions import MAX_SIDE, PixelBudget, RenditionRefused, render


def encoded(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **kwargs)
    return buf.getvalue()


def test_metadata_and_appended_payloads_are_not_in_the_rendition():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 0.0)
    data = encoded(Image.new("RGB", (200, 100), (200, 0, 0)), "JPEG", exif=exif.tobytes()) + b"<html>PK\x03\x04"
    out = render(data)
    shown = Image.open(io.BytesIO(out.data))
    assert shown.format == "JPEG" and not shown.getexif() and b"<html" not in out.data and b"SpyCam" not in out.data
    assert (out.width, out.height) == (200, 100) and shown.getpixel((100, 50))[0] > 180


def test_exif_orientation_is_applied_before_it_is_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = render(encoded(Image.new("RGB", (300, 100), (0, 0, 200)), "JPEG", exif=exif.tobytes()))
    assert (out.width, out.height) == (100, 300)


def test_animated_png_is_refused():
    frames = [Image.new("RGB", (64, 64), (i * 80, 0, 0)) for i in range(2)]
    with pytest.raises(RenditionRefused, match="2 frames"):
        render(encoded(frames[0], "PNG", save_all=True, append_images=frames[1:]))


@pytest.mark.parametrize(
    "image",
    [
        Image.new("RGBA", (80, 80), (0, 0, 0, 0)),  # transparent: flattened on white
        Image.new("I;16", (80, 80), 65535),  # 16-bit grey
        Image.new("P", (80, 80), 3),
        Image.new("LA", (80, 80), (10, 255)),
    ],
)
def test_every_png_mode_becomes_an_rgb_jpeg(image):
    out = Image.open(io.BytesIO(render(encoded(image, "PNG")).data))
    assert out.mode == "RGB" and out.format == "JPEG"


def test_cmyk_jpeg_becomes_rgb():
    out = Image.open(io.BytesIO(render(encoded(Image.new("CMYK", (80, 80), (0, 255, 255, 0)), "JPEG")).data))
    assert out.mode == "RGB"


def test_large_images_are_scaled_to_the_published_size():
    out = render(encoded(Image.new("RGB", (5000, 2500), (1, 2, 3)), "JPEG"))
    assert (out.width, out.height) == (MAX_SIDE, MAX_SIDE // 2)


def test_the_pixel_budget_bounds_concurrent_decodes():
    budget = PixelBudget(48_000_000)
    inside, most = [0], [0]
    lock = threading.Lock()

    def decode() -> None:
        with budget.claim(40_000_000):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.02)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=decode) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert most[0] == 1 and budget.peak == 40_000_000 and budget.in_use == 0
    with budget.claim(100_000_000):  # larger than the budget: still runs, alone
        assert budget.in_use == 100_000_000
