"""Lambda packaging: the staged assets (what `cdk deploy` uploads) import and run every handler in a clean
virtualenv, the layer holds only wheels the python3.11 runtime (Amazon Linux 2) can load, and the build cache
is keyed by its inputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from functions import names, wiring
from infra import bundling
from tests.infra.conftest import Synth, resource_at

pytestmark = pytest.mark.infra
PROBE = Path(__file__).with_name("asset_probe.py")
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@pytest.fixture(scope="module")
def staged(cli: Synth) -> tuple[Path, Path]:
    """The code and layer directories the CLI staged for the handlers (one code asset shared by all)."""
    code_dirs = set()
    for resource in cli.resources("AWS::Lambda::Function").values():
        if resource["Properties"]["Handler"] in {fn.handler for fn in wiring.FUNCTIONS}:
            code_dirs.add(cli.asset_path(resource["Properties"]["Code"]["S3Key"]))
    _, layer = resource_at(cli.template, "Functions/Dependencies/Resource")
    [code_dir] = code_dirs
    return code_dir, cli.asset_path(layer["Properties"]["Content"]["S3Key"])


@pytest.fixture(scope="module")
def probe(staged: tuple[Path, Path], cli: Synth, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    code_dir, layer_dir = staged
    work = tmp_path_factory.mktemp("probe")
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(work / "venv")], check=True, timeout=120)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work)}  # nothing from this environment leaks in
    environments = json.dumps({fn.name: probe_environment(cli, fn) for fn in wiring.FUNCTIONS})
    python = str(work / "venv" / "bin" / "python")
    done = subprocess.run(
        [python, "-I", str(PROBE), str(code_dir), str(layer_dir), str(work), environments],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def probe_environment(cli: Synth, fn: wiring.Function) -> dict[str, str]:
    """The function's variables from the template: literal values as deployed, stand-ins for the intrinsics
    CloudFormation would resolve (the search endpoint: loopback, where nothing listens)."""
    _, function = resource_at(cli.template, f"Functions/{wiring.construct_id_for(fn.name)}/Function/Resource")
    variables = function["Properties"]["Environment"]["Variables"]
    stand_ins = {names.ENV_SEARCH_ENDPOINT: "127.0.0.1", names.ENV_CONSOLE_URL: "https://console.example/"}
    return {k: v if isinstance(v, str) else stand_ins.get(k, f"probe-{k.lower()}") for k, v in variables.items()}


def test_every_handler_imports_from_the_code_asset(probe: dict[str, Any], staged: tuple[Path, Path]) -> None:
    code_dir, layer_dir = staged
    assert {fn.name for fn in wiring.FUNCTIONS} <= set(probe["modules"])
    for fn in wiring.FUNCTIONS:
        assert probe["modules"][fn.name].startswith(str(code_dir)), fn.name
    for package in ("PIL", "boto3", "botocore", "aws_lambda_powertools", "opensearchpy", "fastjsonschema"):
        assert probe["modules"][package].startswith(str(layer_dir / "python")), package
    assert probe["versions"]["PIL"] == "12.2.0"  # see functions/requirements.txt


def test_every_handler_runs_from_the_assets(probe: dict[str, Any]) -> None:
    errors = dict(probe["errors"])
    # One unroutable SQS record fails the whole batch: Powertools raises so SQS retries it, then dead-letters.
    assert errors.pop(names.FN_START_WORKFLOW, "").startswith("BatchProcessingError")
    errors.pop(names.FN_INDEX_DOCUMENT, None)  # next test
    assert errors == {}
    results = probe["results"]
    assert results[names.FN_EVALUATE_POLICY]["verdict"] == "approved"  # the synthesized policy, loaded
    assert results[names.FN_INSPECT_UPLOAD]["valid"] is False
    assert {"subject", "message"} <= set(results[names.FN_RENDER_ALERT])
    assert results[names.FN_ASSESS_COMMENT]["escalate"] is False
    assert results[names.FN_SCREEN_COMMENT]["segments"] == [{"Text": "Lovely. Thank you!"}]
    assert results[names.FN_HTTP_API]["statusCode"] == 403  # a customer may not upload


def test_indexer_reaches_for_opensearch_from_the_assets(probe: dict[str, Any]) -> None:
    """SEARCH_BACKEND=opensearch (as deployed) and nothing listening: the indexer gets as far as connecting,
    signed, to the path its role is granted (/_bulk)."""
    error = probe["errors"].get(names.FN_INDEX_DOCUMENT, "")
    assert "ConnectionError" in error and "/_bulk" in error, error


def _loads_on_amazon_linux_2(tag: str) -> bool:
    """glibc 2.26: pure wheels, or manylinux tags up to 2_17 (2014), x86_64."""
    platform = tag.rsplit("-", 1)[-1]
    old_enough = (
        "manylinux1_",
        "manylinux2010_",
        "manylinux2014_",
        "manylinux_2_5_",
        "manylinux_2_12_",
        "manylinux_2_17_",
    )
    return platform == "any" or (platform.endswith("_x86_64") and platform.startswith(old_enough))


def test_layer_holds_only_wheels_amazon_linux_2_can_load(staged: tuple[Path, Path]) -> None:
    _, layer_dir = staged
    wheels = {
        wheel.parent.name: [
            line.split(":", 1)[1].strip() for line in wheel.read_text().splitlines() if line.startswith("Tag:")
        ]
        for wheel in (layer_dir / "python").glob("*.dist-info/WHEEL")
    }
    assert len(wheels) >= 5
    for dist, tags in wheels.items():
        assert any(_loads_on_amazon_linux_2(tag) for tag in tags), (dist, tags)  # one compatible tag suffices


def test_assets_fit_lambda_limits(staged: tuple[Path, Path]) -> None:
    code_dir, layer_dir = staged
    assert _size(code_dir) + _size(layer_dir) < LAMBDA_UNZIPPED_LIMIT
    assert {p.name for p in code_dir.iterdir()} >= {"functions", "schemas", "config"}
    assert list(code_dir.glob("functions/handlers/__pycache__/*.cpython-311.pyc"))  # precompiled


def test_cache_key_follows_the_inputs(tmp_path: Path) -> None:
    for name in bundling.CODE_DIRS:
        shutil.copytree(bundling.REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    before = (bundling.code_hash(tmp_path), bundling.layer_hash(tmp_path))
    assert before == (bundling.code_hash(bundling.REPO), bundling.layer_hash(bundling.REPO))
    (tmp_path / "functions" / "__pycache__").mkdir(exist_ok=True)
    (tmp_path / "functions" / "__pycache__" / "x.pyc").write_bytes(b"ignored")
    assert bundling.code_hash(tmp_path) == before[0]
    (tmp_path / "schemas" / "extra.schema.json").write_text("{}")
    assert bundling.code_hash(tmp_path) != before[0]
    (tmp_path / "functions" / "requirements.txt").write_text("six==1.17.0\n")
    assert bundling.layer_hash(tmp_path) != before[1]


def test_code_build_is_cached_and_complete(tmp_path: Path) -> None:
    for name in bundling.CODE_DIRS:
        shutil.copytree(
            bundling.REPO / name, tmp_path / "repo" / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    built, key = bundling.build_code(tmp_path / "repo", tmp_path / "build")
    again, same = bundling.build_code(tmp_path / "repo", tmp_path / "build")
    assert (built, key) == (again, same)
    assert (built / "functions" / "handlers" / "api.py").is_file()
    assert (built / "config" / "moderation_policy.json").is_file()
    assert list(tmp_path.joinpath("build").glob(".tmp-*")) == []


def test_index_template_applier_asset_is_its_handler_only(cli: Synth) -> None:
    _, function = resource_at(cli.template, "Search/ApplyIndexTemplates/Function/Resource")
    asset = cli.asset_path(function["Properties"]["Code"]["S3Key"])
    assert function["Properties"]["Handler"] == "handler.handler"
    assert sorted(p.name for p in asset.iterdir()) == ["handler.py"]  # stdlib + botocore from the runtime
    source = bundling.REPO / "infra" / "index_templates" / "handler.py"
    assert (asset / "handler.py").read_bytes() == source.read_bytes()
