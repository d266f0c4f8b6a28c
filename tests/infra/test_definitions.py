"""The deployed state machine definitions are the files in workflows/, byte for byte, after substitution."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra import permissions
from tests.infra.conftest import REPO, Synth, resource_at
from workflows import asl

pytestmark = pytest.mark.infra
WORKFLOWS = {"ImageModeration": "image_moderation", "CommentSentiment": "comment_sentiment"}
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def _token(value: Any) -> str:
    """A stand-in for what CloudFormation resolves an intrinsic to (unique per resource and attribute)."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "aws" if value["Ref"] == "AWS::Partition" else f"ref-{value['Ref']}"
    return f"att-{value['Fn::GetAtt'][0]}-{value['Fn::GetAtt'][1]}"


def _cloudformation_substitute(text: str, substitutions: dict[str, Any]) -> str:
    """DefinitionSubstitutions as CloudFormation applies them: every ${key} with a mapping is replaced."""
    return _PLACEHOLDER.sub(
        lambda m: _token(substitutions[m.group(1)]) if m.group(1) in substitutions else m.group(0), text
    )


@pytest.fixture(scope="module", params=sorted(WORKFLOWS))
def deployed(request: pytest.FixtureRequest, cli: Synth) -> tuple[str, dict[str, Any], Path]:
    construct = request.param
    _, machine = resource_at(cli.template, f"{construct}/StateMachine/Resource")
    props = machine["Properties"]
    assert "DefinitionString" not in props
    return WORKFLOWS[construct], props, cli.asset_path(props["DefinitionS3Location"]["Key"])


Deployed = tuple[str, dict[str, Any], Path]


def test_definition_asset_is_the_workflow_file_byte_for_byte(deployed: Deployed) -> None:
    workflow, _, asset = deployed
    assert asset.read_bytes() == asl.definition_path(workflow).read_bytes()


def test_every_placeholder_has_exactly_one_substitution(deployed: Deployed) -> None:
    workflow, props, _ = deployed
    text = asl.definition_path(workflow).read_text(encoding="utf-8")
    assert set(props["DefinitionSubstitutions"]) == asl.placeholders(text)
    assert props["DefinitionSubstitutions"]["Partition"] == {"Ref": "AWS::Partition"}


def test_deployed_definition_equals_the_rendered_file(deployed: Deployed) -> None:
    workflow, props, asset = deployed
    substitutions = props["DefinitionSubstitutions"]
    after_cloudformation = _cloudformation_substitute(asset.read_text(encoding="utf-8"), substitutions)
    rendered = asl.render(workflow, {key: _token(value) for key, value in substitutions.items()})
    assert after_cloudformation == rendered
    definition = json.loads(after_cloudformation)
    assert "${" not in after_cloudformation
    assert "arn:aws:states:::" in after_cloudformation  # partition-safe prefix resolved
    assert definition["StartAt"] in definition["States"]


def test_rendered_definitions_are_valid_asl(deployed: Deployed, tmp_path: Path) -> None:
    workflow, props, asset = deployed
    rendered = tmp_path / f"{workflow}.json"
    rendered.write_text(_cloudformation_substitute(asset.read_text(encoding="utf-8"), props["DefinitionSubstitutions"]))
    validator = REPO / "node_modules" / ".bin" / "asl-validator"
    assert validator.exists(), "asl-validator is missing: run scripts/bootstrap.sh"
    done = subprocess.run(
        [str(validator), "--json-path", str(rendered)], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_lambda_tasks_outlast_their_functions(cli: Synth) -> None:
    """A Task's TimeoutSeconds must exceed its function's timeout, or Step Functions gives up first."""
    for construct, workflow in WORKFLOWS.items():
        _, machine = resource_at(cli.template, f"{construct}/StateMachine/Resource")
        substitutions = machine["Properties"]["DefinitionSubstitutions"]
        for name, state in permissions.tasks(json.loads(asl.definition_path(workflow).read_text())):
            if not state["Resource"].endswith(":lambda:invoke") or "TimeoutSeconds" not in state:
                continue
            placeholder = state["Parameters"]["FunctionName"].strip("${}")
            function = cli.template["Resources"][substitutions[placeholder]["Fn::GetAtt"][0]]
            assert function["Properties"]["Timeout"] < state["TimeoutSeconds"], (workflow, name)
