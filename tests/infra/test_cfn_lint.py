"""cfn-lint reports no error on the synthesized templates."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra
# W3005: CDK adds DependsOn on a function's role next to the GetAtt that already implies it. Harmless.
ALLOWED_WARNINGS = {"W3005"}


def _lint(templates: list[Path]) -> list[dict[str, object]]:
    executable = Path(sys.executable).with_name("cfn-lint")
    command = str(executable) if executable.exists() else shutil.which("cfn-lint")
    assert command, "cfn-lint is not installed (pip install -e '.[dev]')"
    done = subprocess.run(
        [command, "--format", "json", *map(str, templates)], capture_output=True, text=True, check=False, timeout=300
    )
    assert done.stdout.strip(), done.stderr
    matches: list[dict[str, object]] = json.loads(done.stdout)
    return matches


@pytest.mark.parametrize("variant", ["cli", "teardown"])
def test_cfn_lint_reports_no_error(synths: dict[str, Synth], variant: str) -> None:
    synth = synths[variant]
    assert synth.returncode == 0, synth.output[-4000:]
    matches = _lint(sorted(synth.outdir.glob("*.template.json")))
    errors = [m for m in matches if m["Level"] == "Error"]
    assert errors == []
    warnings = {str(m["Rule"]["Id"]) for m in matches if m["Level"] == "Warning"}  # type: ignore[index]
    assert warnings <= ALLOWED_WARNINGS
