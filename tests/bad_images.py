"""The bad-image corpus: every file generated here from code (no binary fixtures), each with the outcome and
reason inspection must give. Shared by the functional tests (domain and handler) and the whole-stack tests."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from PIL import Image

MAX = 10 * 1024 * 1024  # the stack's upload limit (functions/config.py default)

# Reasons, as inspection words them (a substring of the one reason given).
EMPTY = "The upload is empty."
NOT_IMAGE = "The upload is not a JPEG or PNG image."
DAMAGED = "The image is damaged and cannot be decoded"
SMALL = "each side must be at least 64 pixels"
LARGE_SIDE = "no side may exceed 8192 pixels"


def only(fmt: str) -> str:
    return f"The upload is {fmt}; only JPEG and PNG are accepted."


def pixels(width: int, height: int) -> str:
    return f"The image has {width}x{height} pixels; the limit is 40000000 pixels."


def declared(as_type: str, fmt: str) -> str:
    return f"The upload was declared as {as_type} but is a {fmt} image."


def size(n: int) -> str:
    return f"The upload is {n} bytes; the limit is {MAX} bytes."


def save(image: Image.Image, fmt: str, **options: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


def jpeg(width: int = 256, height: int = 256, mode: str = "RGB", **options: object) -> bytes:
    colour: object = (180, 40, 90) if mode == "RGB" else (10, 200, 30, 5) if mode == "CMYK" else 128
    return save(Image.new(mode, (width, height), colour), "JPEG", **options)  # type: ignore[arg-type]


def png(width: int = 256, height: int = 256, mode: str = "RGB", **options: object) -> bytes:
    return save(Image.new(mode, (width, height)), "PNG", **options)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_claiming(width: int, height: int, depth: int = 8, colour_type: int = 2, rows: bytes = b"\0" * 64) -> bytes:
    """A PNG whose header claims any size over a few bytes of pixel data: the decompression bomb's shape."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real JPEG with its frame header (SOF0) rewritten to claim another size."""
    data = bytearray(jpeg(64, 64))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def noise_png(width: int, height: int) -> bytes:
    """Incompressible pixels, so cutting the file short cuts into its image data."""
    pixels = random.Random(7).randbytes(width * height * 3)
    return save(Image.frombytes("RGB", (width, height), pixels), "PNG")


def png_with_corrupt_idat() -> bytes:
    data = bytearray(png(128, 128))
    idat = data.index(b"IDAT")
    data[idat + 8 : idat + 16] = b"\xde\xad\xbe\xef" * 2
    return bytes(data)


def png_ztxt_bomb() -> bytes:
    """A small PNG carrying a compressed text chunk that inflates to 64 MB."""
    data = png(128, 128)
    bomb = chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"\0" * (64 * 1024 * 1024), 9))
    end = data.index(b"IEND") - 4
    return data[:end] + bomb + data[end:]


@cache
def jpeg_of_size(total: int) -> bytes:
    """A valid 256x256 JPEG of exactly `total` bytes, padded with APP1 (EXIF) segments holding GPS-like text."""
    data = jpeg(256, 256)
    room = total - len(data)
    gps = b"Exif\0\0" + b"GPSLatitude=48.8566;GPSLongitude=2.3522;" * 1700
    segments = []
    while room > 0:
        body = gps[: min(65533, room - 4)]
        if room - 4 - len(body) in (1, 2, 3):  # leave a last segment room for its own four header bytes
            body = body[: len(body) - 4]
        segments.append(b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body)
        room -= 4 + len(body)
    padded = data[:2] + b"".join(segments) + data[2:]
    assert len(padded) == total, (len(padded), total)
    return padded


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[], bytes]
    reason: str | None  # None: inspection accepts it (the published rendition is re-encoded from its pixels)
    declared: str | None = "image/jpeg"
    size: int | None = None  # the object's real size when only its first bytes are read


def _gif(frames: int = 1) -> bytes:
    images = [Image.new("P", (100, 100), i) for i in range(frames)]
    buf = io.BytesIO()
    images[0].save(buf, "GIF", save_all=frames > 1, append_images=images[1:])
    return buf.getvalue()


def _big_png(side: int) -> bytes:
    return png(side, side, mode="1")


BAD = [
    Case("empty", lambda: b"", EMPTY),
    Case("one-byte", lambda: b"\xff", NOT_IMAGE),
    Case("jpeg-magic-only", lambda: b"\xff\xd8\xff", NOT_IMAGE),
    Case("png-signature-only", lambda: b"\x89PNG\r\n\x1a\n", NOT_IMAGE, "image/png"),
    Case("jpeg-truncated-half", lambda: jpeg(256, 256)[: len(jpeg(256, 256)) // 2], DAMAGED),
    Case("jpeg-truncated-header", lambda: jpeg(256, 256)[:200], DAMAGED),
    Case("png-truncated-half", lambda: noise_png(128, 128)[: len(noise_png(128, 128)) // 2], DAMAGED, "image/png"),
    Case("png-corrupt-idat", png_with_corrupt_idat, DAMAGED, "image/png"),
    Case("png-ztxt-bomb", png_ztxt_bomb, DAMAGED, "image/png"),
    Case("png-flipped-signature", lambda: b"\x88" + png(128, 128)[1:], NOT_IMAGE, "image/png"),
    Case("jpeg-leading-garbage", lambda: b"GARBAGE" + jpeg(), NOT_IMAGE),
    Case("gif", _gif, only("GIF")),
    Case("gif-animated", lambda: _gif(3), only("GIF")),
    Case("webp", lambda: save(Image.new("RGB", (100, 100)), "WEBP"), only("WEBP")),
    Case("bmp", lambda: save(Image.new("RGB", (100, 100)), "BMP"), only("BMP")),
    Case("tiff", lambda: save(Image.new("RGB", (100, 100)), "TIFF"), only("TIFF")),
    Case("ico", lambda: save(Image.new("RGB", (64, 64)), "ICO"), only("ICO")),
    Case("ppm", lambda: save(Image.new("RGB", (100, 100)), "PPM"), only("PPM")),
    Case("jpeg2000", lambda: save(Image.new("RGB", (100, 100)), "JPEG2000"), only("JPEG2000")),
    Case("pdf", lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", NOT_IMAGE),
    Case("html", lambda: b"<!doctype html><html><script>alert(1)</script></html>", NOT_IMAGE),
    Case("svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="9e9" height="9e9"/>', NOT_IMAGE),
    Case("zip", lambda: b"PK\x03\x04" + b"\0" * 100, NOT_IMAGE),
    Case("elf", lambda: b"\x7fELF\x02\x01\x01" + b"\0" * 100, NOT_IMAGE),
    Case("text", lambda: b"just some words, not a picture", NOT_IMAGE),
    Case("png-bomb-30000", lambda: png_claiming(30000, 30000), pixels(30000, 30000), "image/png"),
    Case("png-bomb-1bit-7000", lambda: _big_png(7000), pixels(7000, 7000), "image/png"),
    Case("png-bomb-max-header", lambda: png_claiming(2**31 - 1, 2**31 - 1), pixels(2**31 - 1, 2**31 - 1), "image/png"),
    Case("jpeg-bomb-65500", lambda: jpeg_claiming(65500, 65500), pixels(65500, 65500)),
    Case("png-pixels-limit-plus-one", lambda: png_claiming(40_000_001, 1), pixels(40_000_001, 1), "image/png"),
    Case("png-zero-width", lambda: png_claiming(0, 100), NOT_IMAGE, "image/png"),
    Case("png-bad-depth", lambda: png_claiming(100, 100, depth=3), NOT_IMAGE, "image/png"),
    Case("side-63", lambda: png(63, 64), SMALL, "image/png"),
    Case("one-pixel", lambda: jpeg(1, 1), SMALL),
    Case("side-8193", lambda: png(8193, 64, mode="1"), LARGE_SIDE, "image/png"),
    Case("strip-10000x64", lambda: png(10000, 64, mode="1"), LARGE_SIDE, "image/png"),
    Case("declared-png-is-jpeg", jpeg, declared("image/png", "JPEG"), "image/png"),
    Case("declared-jpeg-is-png", png, declared("image/jpeg", "PNG"), "image/jpeg"),
    Case("declared-gif-is-jpeg", jpeg, declared("image/gif", "JPEG"), "image/gif"),
    Case("declared-html-is-jpeg", jpeg, declared("text/html", "JPEG"), "text/html"),
    Case("limit-plus-one-byte", lambda: jpeg_of_size(MAX + 1), size(MAX + 1)),
    Case("huge-exif-over-limit", lambda: jpeg_of_size(MAX + 65536), size(MAX + 65536)),
    # what a reader stopping one byte past the limit holds of a 16 MB object: the reason gives the real size
    Case("sixteen-megabytes-read-in-part", lambda: jpeg_of_size(MAX + 1), size(16 * 1024 * 1024), size=16 << 20),
]

# Odd but acceptable: inspection passes them, and what is published is re-encoded from the checked pixels.
ACCEPTED = [
    Case("side-64-exactly", lambda: png(64, 64), None, "image/png"),
    Case("side-8192-exactly", lambda: png(8192, 64, mode="1"), None, "image/png"),
    Case("limit-exactly", lambda: jpeg_of_size(MAX), None),
    Case("cmyk-jpeg", lambda: jpeg(mode="CMYK"), None),
    Case("greyscale-jpeg", lambda: jpeg(mode="L"), None),
    Case("progressive-jpeg", lambda: jpeg(progressive=True), None),
    Case("png-16-bit", lambda: png(128, 128, mode="I;16"), None, "image/png"),
    Case("png-palette", lambda: png(128, 128, mode="P"), None, "image/png"),
    Case("png-rgba", lambda: png(128, 128, mode="RGBA"), None, "image/png"),
    Case("png-interlaced-1bit", lambda: png(256, 256, mode="1"), None, "image/png"),
    Case("jpeg-4mb-exif-gps", lambda: jpeg_of_size(4 * 1024 * 1024), None),
    Case("png-html-trailer", lambda: png(128, 128) + b"<html><script>x</script>", None, "image/png"),
    Case("jpeg-zip-trailer", lambda: jpeg() + b"PK\x03\x04" + b"\0" * 200, None),
    Case("no-declared-type", jpeg, None, None),
]
