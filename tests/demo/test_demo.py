"""The README's first command, end to end in a separate process (its own embedded stack)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from salon.client import read_mailbox

pytestmark = pytest.mark.workflow


def test_demo_plays_a_season_and_writes_the_report(tmp_path: Path):
    report = tmp_path / "report.html"
    env = {**os.environ, "SALON_HOME": str(tmp_path / "home"), "COLUMNS": "160"}
    done = subprocess.run(
        [sys.executable, "-m", "salon.cli", "demo", "--weeks", "2", "--report", str(report)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    for heading in ("What happened", "by language", "Off-topic photos", "Owner's mailbox", "Insights report"):
        assert heading in out
    assert "/gallery/ was served during the demo and is gone" in out and "salon demo --serve" in out
    html = report.read_text()
    assert "<canvas" in html and "Chart" in html and "Is my customer base growing?" in html
    mail = read_mailbox(tmp_path / "home" / "demo" / "mailbox")
    subjects = [m["subject"] for m in mail]
    assert sum(s.startswith("Burst alert") for s in subjects) >= 1  # the burst of complaints at the end
    assert sum(s.startswith("Escalation") for s in subjects) >= len(subjects) // 2
