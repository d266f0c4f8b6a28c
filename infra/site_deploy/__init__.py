"""The custom resource that publishes web/ and its generated config.json to the site bucket (handler.py is
its asset; the site files travel as a separate zip asset)."""

from __future__ import annotations

from pathlib import Path

DIR = Path(__file__).resolve().parent
