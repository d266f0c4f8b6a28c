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

from salon.browser import CHROMIUM, FLAGS

SCREENSHOTS = Path(os.environ.get("SALON_SCREENSHOTS", Path(__file__).resolve().parents[2] / "build" / "screenshots"))
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
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


@pytest.fixture
def screenshot() -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
