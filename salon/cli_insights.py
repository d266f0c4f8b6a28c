"""`salon insights` and `salon seed` (issue 4): registered into the main parser by salon.cli."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds the insights subcommands; filled in by the insights work."""
