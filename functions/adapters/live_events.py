"""Publishes to the AppSync Events HTTP endpoint (`POST /event`), signed with SigV4 (service `appsync`)."""

from __future__ import annotations

import functools
import json
import os
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import HTTPClientError
from botocore.httpsession import URLLib3Session

from functions.domain import live
from functions.ports import LiveChannel


class PublishFailed(Exception):
    """The events API refused or failed the publish; the message is retried, then dead-lettered."""


def signed_request(url: str, region: str, channel: str, events: list[str], credentials: Any) -> AWSRequest:
    body = json.dumps({"channel": channel, "events": events})
    request = AWSRequest(method="POST", url=url, data=body.encode(), headers={"content-type": "application/json"})
    SigV4Auth(credentials, "appsync", region).add_auth(request)
    return request


@functools.cache
def _pool(timeout: float) -> URLLib3Session:
    """The SDK's own HTTP session, one per process and kept across invocations (as the SDK's clients are): a
    publish reuses the connection instead of opening one (and on AWS a TLS session) each time."""
    return URLLib3Session(timeout=timeout, max_pool_connections=8)


CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")


@functools.lru_cache(maxsize=4)
def _session(environment: tuple[str | None, ...]) -> boto3.Session:
    """One session per credential environment (making one costs tens of milliseconds): its provider chain is
    resolved once and refreshes what expires; other credentials in the environment get their own session."""
    return boto3.Session()


def credentials() -> Any:
    return _session(tuple(os.environ.get(v) for v in CREDENTIAL_VARIABLES)).get_credentials().get_frozen_credentials()


def reset() -> None:
    """Forget the pool and the session (a stack started again in the same process, other credentials)."""
    _pool.cache_clear()
    _session.cache_clear()


def publish_events(url: str, region: str, channel: str, events: list[dict[str, Any]], timeout: float = 10) -> None:
    """Publishes in batches of at most 5; every event is checked against the 240 KB limit first."""
    texts = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in events]
    for text in texts:
        if len(text.encode()) > live.MAX_EVENT_BYTES:
            raise ValueError(f"a live event is {len(text.encode())} bytes, over {live.MAX_EVENT_BYTES}")
    frozen = credentials()
    for start in range(0, len(texts), live.MAX_EVENTS_PER_PUBLISH):
        batch = texts[start : start + live.MAX_EVENTS_PER_PUBLISH]
        prepared = signed_request(url, region, channel, batch, frozen).prepare()
        try:
            response = _pool(timeout).send(prepared)
        except HTTPClientError as exc:  # connection refused or dropped, read timeout
            raise PublishFailed(f"events API unreachable: {exc}") from exc
        if response.status_code >= 400:
            raise PublishFailed(f"events API answered {response.status_code}: {response.content[:300]!r}")
        try:
            answer = json.loads(response.content or b"{}")
        except ValueError as exc:
            raise PublishFailed(f"events API answered what is not JSON: {response.content[:300]!r}") from exc
        if answer.get("failed"):
            raise PublishFailed(f"events API failed {len(answer['failed'])} of {len(batch)} events")


class AppSyncEventsChannel(LiveChannel):
    def __init__(self, url: str, region: str) -> None:
        self.url, self.region = url, region

    def publish(self, channel: str, events: list[dict[str, Any]]) -> None:
        publish_events(self.url, self.region, channel, events)
