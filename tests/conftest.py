"""Shared fixtures: one embedded stack per test session, on free loopback ports and a temporary home."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from PIL import Image

from tests.engine_waits import sfn, signals  # noqa: F401  (fixtures of the execution-wait tests)

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


TIERS = ("unit", "functional", "api", "workflow", "infra", "insights", "ai", "demo")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks each test with its tier: the folder it lives in (tests/test_asl.py: asl), unless it names one."""
    for item in items:
        if any(item.get_closest_marker(tier) for tier in TIERS):
            continue
        parts = item.path.relative_to(REPO_ROOT / "tests").parts
        tier = parts[0] if len(parts) > 1 and parts[0] in TIERS else "asl"
        item.add_marker(getattr(pytest.mark, tier))
    # The functional tier runs first: it disables sockets process-wide (pytest-socket), which would kill the
    # session stack's server and pump threads if that stack were already running.
    items.sort(key=lambda item: 0 if item.get_closest_marker("functional") else 1)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from salon.local.config import StackConfig
    from salon.local.stack import EmbeddedStack

    config = StackConfig(
        home=tmp_path_factory.mktemp("salon-home"),
        moto_port=0,
        lambda_port=0,
        ai_port=0,
        api_port=0,
        events_port=0,
        realtime_port=0,
    )
    embedded = EmbeddedStack(config)
    embedded.start()
    yield embedded
    embedded.stop()


@pytest.fixture(scope="session")
def client(stack: Any) -> Any:
    from salon.client import StackClient

    return StackClient(stack.endpoints, timeout=90)


@pytest.fixture
def ai_script(stack: Any) -> Iterator[Callable[..., None]]:
    """Queues scripted AI answers through the endpoint's HTTP test hook; cleared after the test."""

    def script(operation: str, responses: list[dict[str, Any]], match: str | None = None) -> None:
        body = {"operation": operation, "responses": responses, "match": match}
        requests.post(f"{stack.endpoints.ai}/_salon/script", data=json.dumps(body), timeout=5).raise_for_status()

    yield script
    requests.delete(f"{stack.endpoints.ai}/_salon/script", timeout=5)


def jpeg(width: int = 256, height: int = 256, colour: tuple[int, int, int] = (180, 40, 90)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, "JPEG")
    return buf.getvalue()


def wait_until(predicate: Callable[[], Any], timeout: float = 30, interval: float = 0.2) -> Any:
    """Polls with a deadline (never `while True`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def history(arn: str) -> list[dict[str, Any]]:
    steps = boto3.client("stepfunctions")
    events: list[dict[str, Any]] = steps.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return events


def require_shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"evaluation data not found at {SHARED_DATA} (../shared/data next to the repo)")
    return SHARED_DATA


def wait_for_redelivery(stack: Any, queue_url: str, starts_before: int) -> None:
    """Waits until the queue is empty and the start function ran again (the redelivered event was handled)."""
    from functions import names

    sqs = boto3.client("sqs")

    def drained() -> bool:
        attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
        pending = int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])
        return pending == 0 and stack.registry.invocations.get(names.FN_START_WORKFLOW, 0) > starts_before

    wait_until(drained)


# One Playwright (sync API) per session: a second sync_playwright() in the same thread refuses to start.
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright; fails (never skips) when Chromium is missing."""
    import os

    from salon.browser import CHROMIUM, FLAGS

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run scripts/bootstrap.sh (it installs Debian's chromium) "
            "or set SALON_CHROMIUM; the browser tests never skip",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()
