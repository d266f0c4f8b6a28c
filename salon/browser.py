"""How the project launches Chromium: Debian's package (scripts/bootstrap.sh), never a Playwright download."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("SALON_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
