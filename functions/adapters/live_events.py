"""Publishes to the AppSync Events HTTP endpoint (`POST /event`), signed with SigV4 (service `appsync`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from functions.domain import live
from functions.ports import LiveChannel


class PublishFailed(Exception):
    """The events API refused or failed the publish; the message is retried, then dead-lettered."""


def signed_request(url: str, region: str, channel: str, events: list[str], credentials: Any) -> AWSRequest:
    body = json.dumps({"channel": channel, "events": events})
    request = AWSRequest(method="POST", url=url, data=body.encode(), headers={"content-type": "application/json"})
    SigV4Auth(credentials, "appsync", region).add_auth(request)
    return request


def publish_events(url: str, region: str, channel: str, events: list[dict[str, Any]], timeout: float = 10) -> None:
    """Publishes in batches of at most 5; every event is checked against the 240 KB limit first."""
    texts = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in events]
    for text in texts:
        if len(text.encode()) > live.MAX_EVENT_BYTES:
            raise ValueError(f"a live event is {len(text.encode())} bytes, over {live.MAX_EVENT_BYTES}")
    credentials = boto3.Session().get_credentials().get_frozen_credentials()
    for start in range(0, len(texts), live.MAX_EVENTS_PER_PUBLISH):
        batch = texts[start : start + live.MAX_EVENTS_PER_PUBLISH]
        prepared = signed_request(url, region, channel, batch, credentials).prepare()
        request = urllib.request.Request(
            prepared.url, data=prepared.body, headers=dict(prepared.headers), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise PublishFailed(f"events API answered {exc.code}: {exc.read()[:300]!r}") from exc
        except urllib.error.URLError as exc:
            raise PublishFailed(f"events API unreachable: {exc.reason}") from exc
        if answer.get("failed"):
            raise PublishFailed(f"events API failed {len(answer['failed'])} of {len(batch)} events")


class AppSyncEventsChannel(LiveChannel):
    def __init__(self, url: str, region: str) -> None:
        self.url, self.region = url, region

    def publish(self, channel: str, events: list[dict[str, Any]]) -> None:
        publish_events(self.url, self.region, channel, events)
