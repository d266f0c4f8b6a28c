"""The CDK app: builds the assets, the stack, and runs the cdk-nag AwsSolutions checks on everything."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Tags

from infra.bundling import REPO, LambdaAssets, build_assets
from infra.config import DeployConfig
from infra.nag import add_checks
from infra.stack import SalonStack


def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context (feature flags, salon:* defaults), so `python app.py` synthesizes what the CLI does.

    Under the CLI these are defaults only: the CLI's own context (cdk.json, -c ...) takes precedence.
    """
    context: dict[str, Any] = json.loads((REPO / "cdk.json").read_text(encoding="utf-8")).get("context", {})
    return context


def build_app(
    context: Mapping[str, Any] | None = None, outdir: str | None = None, assets: LambdaAssets | None = None
) -> tuple[App, SalonStack]:
    app = App(context={**cdk_json_context(), **(context or {})}, outdir=outdir)
    config = DeployConfig.from_node(app.node)
    # Environment-agnostic: `cdk deploy` targets the account and region of the caller's credentials.
    stack = SalonStack(app, config.stack_name, config=config, assets=assets or build_assets())
    Tags.of(stack).add("project", "salon-insights")
    add_checks(app)
    return app, stack


def main() -> None:
    app, _ = build_app()
    app.synth()
