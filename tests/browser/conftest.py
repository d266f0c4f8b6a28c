"""Real headless Chromium (Debian's package, installed by scripts/bootstrap.sh) driven by Playwright.

Never a Playwright browser download: it cannot work here. Without Chromium these tests fail loudly; they
never skip. Screenshots go to build/screenshots/ (gitignored; SALON_SCREENSHOTS overrides the folder).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

SCREENSHOTS = Path(os.environ.get("SALON_SCREENSHOTS", Path(__file__).resolve().parents[2] / "build" / "screenshots"))
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def screenshot() -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


TIMEOUT = 60_000


@pytest.fixture
def contexts(browser: Any) -> Iterator[Any]:
    """new(viewport) -> a page in a fresh browser context; fails the test on any uncaught page error."""
    opened: list[BrowserContext] = []

    def new(viewport: dict[str, int] = DESKTOP) -> Page:
        context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT)
        opened.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    errors: list[str] = []
    yield new
    for context in opened:
        context.close()
    assert errors == [], errors
