import io

from PIL import Image

from functions.domain.executions import execution_name
from functions.domain.inspection import Limits, inspect_image, parse_key
from tests.conftest import jpeg


def png(width, height):
    buf = io.BytesIO()
    Image.new("RGB", (width, height)).save(buf, "PNG")
    return buf.getvalue()


def test_valid_jpeg():
    result = inspect_image(jpeg(320, 200), "image/jpeg")
    assert result.valid and (result.format, result.width, result.height) == ("JPEG", 320, 200)


def test_declared_type_must_match_the_bytes():
    assert "declared as image/jpeg but is a PNG" in inspect_image(png(100, 100), "image/jpeg").reasons[0]


def test_not_an_image_and_truncated_image():
    assert inspect_image(b"GIF89a....", "image/jpeg").reasons == ["The upload is not a JPEG or PNG image."]
    assert not inspect_image(jpeg()[:200], "image/jpeg").valid


def test_size_dimension_and_pixel_limits():
    assert "limit is 100 bytes" in inspect_image(jpeg(), None, Limits(max_bytes=100)).reasons[0]
    assert "at least 64 pixels" in inspect_image(png(20, 400), "image/png").reasons[0]
    assert "limit is 1000 pixels" in inspect_image(png(100, 100), "image/png", Limits(max_pixels=1000)).reasons[0]


def test_decompression_bomb_is_refused_before_decoding():
    buf = io.BytesIO()
    Image.new("1", (7000, 7000)).save(buf, "PNG")  # 49 Mpx in a few kB
    assert len(buf.getvalue()) < 100_000
    result = inspect_image(buf.getvalue(), "image/png")
    assert result.reasons == ["The image has 7000x7000 pixels; the limit is 40000000 pixels."]


def test_key_parsing():
    assert parse_key("uploads/alice/0f8fad5b-d9cb-469f-a165-70867728950e.jpg") == (
        "alice",
        "0f8fad5b-d9cb-469f-a165-70867728950e",
    )
    assert parse_key("uploads/alice/../x.jpg") is None
    assert parse_key("quarantine/uploads/alice/0f8fad5b-d9cb-469f-a165-70867728950e.jpg") is None


def test_execution_names_are_deterministic_and_valid():
    event = {
        "id": "e1",
        "source": "aws.s3",
        "detail": {
            "object": {"key": "uploads/alice/0f8fad5b-d9cb-469f-a165-70867728950e.jpg", "eTag": "abcdef0123456789"}
        },
    }
    assert execution_name(event) == execution_name(dict(event, id="e2"))
    assert execution_name(event) == "0f8fad5b-d9cb-469f-a165-70867728950e-abcdef01"
    odd = {"id": "x", "source": "aws.s3", "detail": {"object": {"key": "weird key!", "eTag": ""}}}
    assert all(c.isalnum() or c in "-_" for c in execution_name(odd)) and len(execution_name(odd)) <= 80
    assert execution_name({"id": "a:b/c", "source": "salon.insights", "detail": {}}) == "a-b-c"
