"""The gallery's read model and the live messages picked for each workflow event."""

from __future__ import annotations

import json

from functions import names
from functions.domain import gallery, live


def photo(photo_id: str = "p1") -> dict[str, dict[str, str]]:
    uploader = json.dumps({"sub": "sub-1", "username": "ada", "email": "ada@salon.example"})
    return {
        "photoId": {"S": photo_id},
        "designer": {"S": "ada"},
        "uploader": {"S": uploader},
        "status": {"S": "published"},
        "publishedAt": {"S": "2026-12-01T09:00:00Z"},
        "width": {"N": "256"},
        "height": {"N": "256"},
    }


def test_meter_view_averages_scored_comments_and_versions_by_count() -> None:
    item = {"comments": {"N": "3"}, "scored": {"N": "2"}, "positivitySum": {"N": "1.5"}, "POSITIVE": {"N": "2"}}
    meter = gallery.meter_view("d1", item)
    assert meter["happiness"] == 0.75 and meter["version"] == 3 and meter["POSITIVE"] == 2 and meter["NEGATIVE"] == 0
    assert gallery.meter_view("d1", None)["happiness"] is None


def test_design_view_never_carries_the_email() -> None:
    view = gallery.design_view(photo())
    assert view["designerId"] == "sub-1" and view["designer"] == "ada" and view["image"] == "images/p1"
    assert "salon.example" not in json.dumps(view)


def test_published_goes_to_the_gallery_and_the_designer() -> None:
    detail = {"photoId": "p1", "uploader": {"sub": "sub-1"}, "reasons": ["ok"]}
    messages = dict(gallery.live_messages(names.EVENT_PHOTO_PUBLISHED, detail, photo=photo()))
    assert messages[live.GALLERY_CHANNEL]["design"]["designId"] == "p1"
    assert messages["/designers/sub-1"]["status"] == "published"


def test_refusals_go_to_the_designer_only_and_ids_must_be_channel_safe() -> None:
    rejected = {"objectKey": "uploads/ada/p2.jpg", "uploader": {"sub": "sub-1"}, "reasons": ["off-topic"]}
    assert gallery.live_messages(names.EVENT_PHOTO_REJECTED, rejected) == [
        ("/designers/sub-1", {"type": "UploadStatus", "photoId": "p2", "status": "rejected", "reasons": ["off-topic"]})
    ]
    assert gallery.live_messages(names.EVENT_PHOTO_QUARANTINED, {"photoId": "p3", "uploader": {}}) == []
    assert gallery.live_messages(names.EVENT_PHOTO_REJECTED, {"photoId": "p", "uploader": {"sub": "a/b"}}) == []
    assert gallery.live_messages(names.EVENT_COMMENT_ANALYZED, {"designId": "has space"}) == []


def test_comment_analyzed_carries_the_visible_comment_and_the_meter() -> None:
    comment = {
        "commentId": {"S": "c1"},
        "designId": {"S": "d1"},
        "text": {"S": "Lovely"},
        "author": {"S": json.dumps({"username": "cy", "email": "cy@x"})},
        "status": {"S": "analyzed"},
        "sentiment": {"S": "POSITIVE"},
    }
    [(channel, event)] = gallery.live_messages(
        names.EVENT_COMMENT_ANALYZED, {"designId": "d1"}, comment=comment, meter={"comments": {"N": "1"}}
    )
    assert channel == "/designs/d1" and event["comment"]["author"] == "cy" and event["meter"]["version"] == 1
    assert "cy@x" not in json.dumps(event)
    hidden = {**comment, "status": {"S": "failed"}}
    [(_, event)] = gallery.live_messages(names.EVENT_COMMENT_ANALYZED, {"designId": "d1"}, comment=hidden)
    assert "comment" not in event


def test_channel_segments() -> None:
    assert live.segments("/designs/*", wildcard=True) == ["designs", "*"]
    for bad in ("designs/x", "/designs/*", "/a/b/c/d/e/f", "/designs/" + "x" * 51, "/", "/designs//x"):
        try:
            live.segments(bad)
        except live.ChannelError:
            continue
        raise AssertionError(bad)
    assert live.matches(["designs", "*"], ["designs", "d1"]) and not live.matches(["designs", "*"], ["designs"])


def screened(visibility: str, **extra: str) -> dict[str, dict[str, str]]:
    item = {
        "commentId": {"S": "c2"},
        "designId": {"S": "d1"},
        "text": {"S": "Call me on +44 20 7946 0958"},
        "publicText": {"S": "Call me on [phone]"},
        "author": {"S": json.dumps({"sub": "s-1", "username": "cy", "email": "cy@x"})},
        "status": {"S": "analyzed"},
        "visibility": {"S": visibility},
        "moderation": {"S": json.dumps({"labels": [{"Name": "INSULT", "Score": 0.8}], "flagged": ["INSULT"]})},
    }
    return item | {k: {"S": v} for k, v in extra.items()}


def test_held_and_rejected_comments_stay_off_the_live_channel_until_shown() -> None:
    for visibility in ("held", "rejected"):
        [(_, event)] = gallery.live_messages(
            names.EVENT_COMMENT_ANALYZED, {"designId": "d1"}, comment=screened(visibility)
        )
        assert "comment" not in event and "meter" in event  # the meter still counts it
    [(channel, event)] = gallery.live_messages(names.EVENT_COMMENT_SHOWN, {"designId": "d1"}, comment=screened("shown"))
    assert channel == "/designs/d1" and event["type"] == "CommentAnalyzed"
    assert event["comment"]["text"] == "Call me on [phone]" and "7946" not in json.dumps(event)


def test_public_views_mask_personal_data_even_for_comments_screened_before_masking() -> None:
    assert gallery.comment_view(screened("shown"))["text"] == "Call me on [phone]"
    legacy = {k: v for k, v in screened("shown").items() if k not in ("publicText", "visibility", "moderation")}
    legacy["text"] = {"S": "mail ann@example.com"}
    assert gallery.visible(legacy) and gallery.comment_view(legacy)["text"] == "mail [email]"


def test_the_author_reads_where_each_comment_stands() -> None:
    assert gallery.my_comment_view(screened("shown"))["status"] == "shown"
    held = gallery.my_comment_view(screened("held", moderationReason="Waiting for moderation: ..."))
    assert held["status"] == "waiting for moderation" and held["reason"].startswith("Waiting")
    rejected = gallery.my_comment_view(screened("rejected", moderationReason="Rejected by the salon: rude"))
    assert (rejected["status"], rejected["reason"]) == ("rejected", "Rejected by the salon: rude")
    assert gallery.my_comment_view({**screened("shown"), "status": {"S": "received"}})["status"] == "being checked"
    assert gallery.my_comment_view({**screened("shown"), "status": {"S": "failed"}})["status"] == "failed"


def test_the_owner_sees_the_original_and_the_labels() -> None:
    view = gallery.held_comment_view(screened("held"))
    assert view["originalText"] == "Call me on +44 20 7946 0958" and view["text"] == "Call me on [phone]"
    assert view["flagged"] == ["INSULT"] and view["labels"][0]["Name"] == "INSULT" and view["authorId"] == "s-1"
    assert "cy@x" not in json.dumps(view)
