"""Upload captions (title, description): checked like comments, pinned into object metadata, read back."""

from __future__ import annotations

from typing import Any

import pytest

from functions import names
from functions.domain import captions
from functions.domain.captions import Caption, CaptionRefused
from functions.domain.gallery import live_messages, taken_down_detail
from functions.domain.identity import Caller
from functions.domain.uploads import presign_upload
from functions.ports import UploadSigner


def test_titles_are_normalised_and_html_stays_text() -> None:
    caption = captions.parse("  Rose\u200b <b>gold</b>\u202e  \n", "Line one\r\n  two\x07 ")
    assert caption == Caption("Rose <b>gold</b>", "Line one\ntwo")


@pytest.mark.parametrize(
    ("title", "description", "message"),
    [
        ("x" * 101, "", "at most 100"),
        ("ok", "y" * 301, "at most 300"),
        ("\ud800", "", "surrogate"),
        (5, "", "must be text"),
        (" \u200b ", "", "Give the design a title"),
    ],
)
def test_bad_captions_are_refused_with_a_reason(title: Any, description: Any, message: str) -> None:
    with pytest.raises(CaptionRefused, match=message):
        captions.parse(title, description, required=True)


def test_metadata_round_trip_and_hostile_metadata_reads_as_no_caption() -> None:
    caption = captions.parse("Ombré 💅 «chrome»", "Gold foil\non nude")
    encoded = caption.encoded()
    assert encoded.isascii() and "=" not in encoded
    assert captions.from_metadata({captions.METADATA_FIELD: encoded}) == caption
    for bad in ("!!!", "e30", "bnVsbA", "eyJ0IjogIlx1MDAwMCJ9" * 200):
        assert captions.from_metadata({captions.METADATA_FIELD: bad}) == Caption()
    assert captions.from_metadata({}) == Caption()


class Signer(UploadSigner):
    def presigned_post(
        self, key: str, fields: dict[str, str], conditions: list[Any], expires_in: int
    ) -> dict[str, Any]:
        return {"url": "https://s3.example/", "fields": {**fields, "key": key}, "conditions": conditions}


def test_the_grant_pins_the_caption_and_refuses_one_over_s3s_metadata_limit() -> None:
    who = Caller("sub-1", "dana", "dana@example.com", (names.GROUP_DESIGNER,))
    grant = presign_upload(Signer(), who, "image/jpeg", 1000, captions.parse("Rose gold", ""))
    field = f"x-amz-meta-{captions.METADATA_FIELD}"
    assert captions.from_metadata({captions.METADATA_FIELD: grant["fields"][field]}).title == "Rose gold"
    untitled = presign_upload(Signer(), who, "image/jpeg", 1000, Caption())
    assert field not in untitled["fields"]
    heavy = captions.parse("💅" * 100, "💅" * 300)  # 4-byte characters: over 2 KB once encoded
    with pytest.raises(CaptionRefused, match="bytes as stored"):
        presign_upload(Signer(), who, "image/jpeg", 1000, heavy)


def test_in_review_and_taken_down_events_reach_their_channels() -> None:
    uploader = {"sub": "sub-1", "username": "dana"}
    review = live_messages(
        names.EVENT_PHOTO_IN_REVIEW, {"photoId": "p-1", "uploader": uploader, "reasons": ["in the band"]}
    )
    assert review == [
        ("/designers/sub-1", {"type": "UploadStatus", "photoId": "p-1", "status": "review", "reasons": ["in the band"]})
    ]
    detail = taken_down_detail({"photoId": "p-2", "designer": "dana", "uploader": '{"sub": "sub-1"}'}, "copied")
    channels = dict(live_messages(names.EVENT_PHOTO_TAKEN_DOWN, detail))
    assert channels["/gallery/designs"] == {"type": "DesignTakenDown", "designId": "p-2"}
    assert channels["/designs/p-2"] == {"type": "DesignTakenDown", "designId": "p-2"}
    assert channels["/designers/sub-1"]["status"] == "taken-down" and channels["/designers/sub-1"]["reasons"] == [
        "copied"
    ]
    unsafe = live_messages(names.EVENT_PHOTO_TAKEN_DOWN, {**detail, "photoId": "../x"})
    assert [channel for channel, _ in unsafe] == ["/designers/sub-1"]  # an id is never a channel path
