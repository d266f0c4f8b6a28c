"""Objects written outside the stack's prefixes (functions/domain/stray_objects.py), with fakes, and the rule's
pattern (functions/wiring.py) as moto's EventBridge matches it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions import names, wiring
from functions.domain.messages import Email
from functions.domain.stray_objects import (
    MAX_KEY_BYTES,
    OwnerAlerts,
    StrayHead,
    StrayStore,
    quarantine_key,
    report_stray_object,
)


class FakeStore(StrayStore):
    def __init__(self, objects: dict[str, StrayHead], fail_move: bool = False) -> None:
        self.objects, self.moved, self.fail_move = objects, {}, fail_move

    def head(self, key: str, version_id: str) -> StrayHead | None:
        return self.objects.get(key)

    def move(self, key: str, version_id: str, to_key: str) -> None:
        if self.fail_move:
            raise ConnectionError("S3 unreachable")
        self.moved[to_key] = self.objects.pop(key)


class FakeAlerts(OwnerAlerts):
    def __init__(self) -> None:
        self.sent: list[tuple[Email, str]] = []

    def send(self, email: Email, kind: str) -> None:
        self.sent.append((email, kind))


def event(key: str, **detail: Any) -> dict[str, Any]:
    return {
        "id": "e1",
        "source": "aws.s3",
        "detail-type": "Object Created",
        "time": "2026-12-01T10:00:00Z",
        "detail": {
            "bucket": {"name": names.UPLOADS_BUCKET},
            "object": {"key": key, "size": 21, "version-id": "v1"},
            "reason": "PutObject",
            "requester": "123456789012",
            "source-ip-address": "203.0.113.9",
            "request-id": "R1",
            **detail,
        },
    }


UPLOADER = json.dumps({"username": "eve", "sub": "sub-eve", "email": "eve@x.example"})


def test_a_root_object_is_quarantined_and_the_owner_hears_key_size_and_writer() -> None:
    metadata = {names.UPLOADER_METADATA: UPLOADER, "api-token": "s3cr3t-value"}
    store = FakeStore({"evil.html": StrayHead(21, "text/html", metadata, "v1")})
    alerts = FakeAlerts()
    record = report_stray_object(event("evil.html"), store, alerts)
    assert record["action"] == "quarantined" and record["quarantineKey"] == "quarantine/stray/evil.html"
    assert "evil.html" not in store.objects and "quarantine/stray/evil.html" in store.moved
    [(email, kind)] = alerts.sent
    assert kind == "stray-object" and "evil.html" in email.subject
    for expected in ("Key: evil.html", "Size: 21 bytes", "203.0.113.9", "123456789012", "eve", "sub-eve"):
        assert expected in email.text
    assert "s3cr3t-value" not in email.text + email.html  # other metadata is the writer's, never repeated
    assert record["writer"]["uploader.username"] == "eve"


@pytest.mark.parametrize(
    "key", ["uploads/eve/1.jpg", "published/eve/1.jpg", "renditions/eve/1.jpg", "quarantine/uploads/eve/1.jpg"]
)
def test_the_stack_s_own_keys_are_left_alone(key: str) -> None:
    store, alerts = FakeStore({key: StrayHead(1, "image/jpeg", {}, "v1")}), FakeAlerts()
    assert report_stray_object(event(key), store, alerts)["action"] == "ignored"
    assert key in store.objects and not alerts.sent


def test_the_owner_is_told_before_the_move_so_a_failed_move_loses_nothing() -> None:
    store, alerts = FakeStore({"x.bin": StrayHead(5, "", {}, "v1")}, fail_move=True), FakeAlerts()
    with pytest.raises(ConnectionError):
        report_stray_object(event("x.bin"), store, alerts)
    assert len(alerts.sent) == 1 and "x.bin" in store.objects  # retried by SQS: alert and move again


def test_an_object_already_gone_is_still_reported() -> None:
    alerts = FakeAlerts()
    record = report_stray_object(event("gone.txt"), FakeStore({}), alerts)
    assert record["action"] == "gone" and "already deleted" in alerts.sent[0][0].text


def test_hostile_keys_stay_one_line_and_long_keys_fit_s3() -> None:
    key = "a\r\nBcc: x@evil.example<script>.html"
    store, alerts = FakeStore({key: StrayHead(3, "text/html", {}, "v1")}), FakeAlerts()
    report_stray_object(event(key), store, alerts)
    email = alerts.sent[0][0]
    assert "\n" not in email.subject and "<script>" not in email.html
    long_key = "k" * MAX_KEY_BYTES
    assert len(quarantine_key(long_key).encode()) <= MAX_KEY_BYTES
    assert quarantine_key(long_key).startswith(names.STRAY_PREFIX)


def _matches(key: str) -> bool:
    from moto.events.models import EventPattern

    pattern = wiring.resolve_pattern(wiring.delivery(names.STRAY_RULE).pattern, lambda r: r.name)
    return bool(EventPattern.load(json.dumps(pattern)).matches_event(event(key)))


@pytest.mark.parametrize(
    ("key", "stray"),
    [
        ("evil.html", True),
        ("Uploads/eve/1.jpg", True),
        ("gallery/index.html", True),
        ("uploads/eve/1.jpg", False),
        ("published/eve/1.jpg", False),
        ("renditions/eve/1.jpg", False),
        ("quarantine/stray/evil.html", False),  # the move itself raises no second alert
    ],
)
def test_the_rule_matches_exactly_the_keys_outside_the_stack_s_prefixes(key: str, stray: bool) -> None:
    assert _matches(key) is stray
