"""Synthesizes the app once per session, four ways at once: the CDK CLI (`npx aws-cdk synth`, which runs
`python app.py`), the Python entry point alone, a nag audit (acknowledgements recorded, not applied) and the
teardown variant (salon:retainData=false). Tests read the cloud assemblies; none synthesizes again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.bundling import LambdaAssets, build_assets

REPO = Path(__file__).resolve().parents[2]
STACK = "SalonInsights"
OWNER = "owner@example.com"
CONTEXT = {"salon:ownerEmail": OWNER}
TIMEOUT = 600


@dataclass
class Synth:
    name: str
    outdir: Path
    returncode: int
    seconds: float
    output: str

    @property
    def template(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.outdir / f"{STACK}.template.json").read_text())
        return loaded

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {lid: r for lid, r in self.template["Resources"].items() if r["Type"] == kind}

    def asset_path(self, s3_key: str) -> Path:
        """The staged asset that CDK would upload under this S3 object key."""
        manifest = json.loads((self.outdir / f"{STACK}.assets.json").read_text())
        asset_hash = s3_key.split(".")[0]
        return self.outdir / manifest["files"][asset_hash]["source"]["path"]

    def validation_report(self) -> dict[str, Any]:
        path = self.outdir / "validation-report.json"
        return json.loads(path.read_text()) if path.exists() else {"pluginReports": []}

    def metadata(self) -> dict[str, list[dict[str, Any]]]:
        path = self.outdir / f"{STACK}.metadata.json"
        loaded: dict[str, list[dict[str, Any]]] = json.loads(path.read_text())
        return loaded


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDK_")}
    env.update(JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1", **extra)
    return env


@pytest.fixture(scope="session")
def lambda_assets() -> LambdaAssets:
    return build_assets()  # cached under build/; pip runs only when functions/requirements.txt changed


@pytest.fixture(scope="session")
def synths(lambda_assets: LambdaAssets, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synth]:
    if shutil.which("npx") is None:
        pytest.fail("npx is missing: run scripts/bootstrap.sh (Node.js and the aws-cdk CLI are required)")
    base = tmp_path_factory.mktemp("cdk")
    python = [sys.executable, "app.py"]
    no_staging = {"aws:cdk:disable-asset-staging": True}
    jobs: dict[str, tuple[list[str], dict[str, str]]] = {
        "cli": (
            ["npx", "aws-cdk", "synth", "--quiet", "-o", str(base / "cli"), "-c", f"salon:ownerEmail={OWNER}"],
            _env(),
        ),
        "python": (
            python,
            _env(CDK_OUTDIR=str(base / "python"), CDK_CONTEXT_JSON=json.dumps({**CONTEXT, **no_staging})),
        ),
        "audit": (
            python,
            _env(
                CDK_OUTDIR=str(base / "audit"),
                CDK_CONTEXT_JSON=json.dumps({**CONTEXT, **no_staging, "salon:nagAudit": "true"}),
            ),
        ),
        "teardown": (
            python,
            _env(
                CDK_OUTDIR=str(base / "teardown"),
                CDK_CONTEXT_JSON=json.dumps({**CONTEXT, **no_staging, "salon:retainData": "false"}),
            ),
        ),
    }
    started = {}
    for name, (command, env) in jobs.items():
        started[name] = (
            time.monotonic(),
            subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
        )
    results = {}
    for name, (t0, process) in started.items():
        output, _ = process.communicate(timeout=TIMEOUT)
        results[name] = Synth(name, base / name, process.returncode, time.monotonic() - t0, output)
    return results


@pytest.fixture(scope="session")
def cli(synths: dict[str, Synth]) -> Synth:
    synth = synths["cli"]
    assert synth.returncode == 0, f"npx aws-cdk synth failed:\n{synth.output[-6000:]}"
    return synth


@pytest.fixture(scope="session")
def template(cli: Synth) -> dict[str, Any]:
    return cli.template


def resource_at(template: dict[str, Any], path: str) -> tuple[str, dict[str, Any]]:
    """(logical id, resource) of the L1 resource at a construct path, e.g. 'Storage/Uploads/Resource'."""
    wanted = f"{STACK}/{path}"
    for logical_id, resource in template["Resources"].items():
        if resource.get("Metadata", {}).get("aws:cdk:path") == wanted:
            return logical_id, resource
    raise KeyError(wanted)


def logical_id(template: dict[str, Any], path: str) -> str:
    return resource_at(template, path)[0]
