"""The Lambda functions of functions/wiring.py FUNCTIONS: one role and one log group each, shared assets."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import AssetHashType, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from functions import names, wiring
from infra.bundling import LambdaAssets
from infra.config import RETENTION_DAYS, DeployConfig
from infra.nag import acknowledge

RUNTIME = lambda_.Runtime.PYTHON_3_11  # the project's Python (pyproject requires-python); see bundling.py
ARCHITECTURE = lambda_.Architecture.X86_64  # the wheels are manylinux2014_x86_64
POWERTOOLS_NAMESPACE = "SalonInsights"


@dataclass(frozen=True)
class FunctionSpec:
    description: str
    memory_mb: int = 256
    timeout_s: int = 10


SPECS: dict[str, FunctionSpec] = {
    # Workflow tasks: the ASL gives each Lambda task TimeoutSeconds 60, so they stop well before.
    names.FN_INSPECT_UPLOAD: FunctionSpec("Checks that an upload is a real image within limits", 1024, 50),
    names.FN_EVALUATE_POLICY: FunctionSpec("Applies the moderation policy to Rekognition labels", 256, 10),
    names.FN_INDEX_DOCUMENT: FunctionSpec("Writes a document to the OpenSearch index", 256, 30),
    names.FN_RENDER_ALERT: FunctionSpec("Renders the owner's alert email", 256, 10),
    names.FN_REQUEST_REVIEW: FunctionSpec("Stores a pending review with its task token and asks the owner", 256, 15),
    names.FN_START_WORKFLOW: FunctionSpec("Starts the workflows from queued events, one name per event", 256, 30),
    names.FN_ASSESS_COMMENT: FunctionSpec("Escalation and burst decisions for an analysed comment", 256, 15),
    names.FN_SCREEN_COMMENT: FunctionSpec("Comment screening: toxicity segments, personal data, the outcome", 256, 10),
    names.FN_RECONCILE: FunctionSpec("Checks the workflows' invariants and repairs what is stuck", 512, 300),
    names.FN_HTTP_API: FunctionSpec("HTTP API: every route (uploads, comments, insights, reviews, gallery)", 512, 15),
    names.FN_PUBLISH_LIVE: FunctionSpec("Publishes workflow events to the AppSync Events channels", 256, 15),
    names.FN_REPORT_STRAY_OBJECT: FunctionSpec("Alerts the owner of an object outside the stack's prefixes", 256, 30),
    names.FN_POST_CONFIRMATION: FunctionSpec(
        "Cognito PostConfirmation: self sign-ups join the customer group", 256, 10
    ),
}


# RetentionDays lists the CloudWatch Logs values in ascending order, as RETENTION_DAYS does.
_RETENTION = dict(zip(RETENTION_DAYS, list(logs.RetentionDays)[: len(RETENTION_DAYS)], strict=True))


def log_retention(config: DeployConfig) -> logs.RetentionDays:
    return _RETENTION[config.log_retention_days]


def removal_policy(config: DeployConfig) -> RemovalPolicy:
    return RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY


class SalonFunction(Construct):
    """A Lambda function with its own role (logs to its own group, X-Ray) and nothing else granted."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function_name: str,
        handler: str,
        spec: FunctionSpec,
        code: lambda_.Code,
        layers: list[lambda_.ILayerVersion],
        config: DeployConfig,
        environment: dict[str, str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self, "Logs", retention=log_retention(config), removal_policy=removal_policy(config)
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{function_name}: {spec.description}",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[self.log_group.log_group_arn]
            )
        )  # the group's streams (its ARN ends in :*)
        self.function = lambda_.Function(
            self,
            "Function",
            description=spec.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=handler,
            code=code,
            layers=layers,
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_s),
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            tracing=lambda_.Tracing.ACTIVE,
            environment={
                "POWERTOOLS_SERVICE_NAME": function_name,
                "POWERTOOLS_METRICS_NAMESPACE": POWERTOOLS_NAMESPACE,
                **(environment or {}),
            },
        )
        acknowledge(
            self.role,
            "IAM5",
            "X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) have no "
            "resource-level permissions, so they take Resource '*'.",
            ["Resource::*"],
        )
        acknowledge(
            self.function,
            "L1",
            "Python 3.11 is the project's runtime (pyproject requires-python; "
            "the layer is built for cp311): upgrading it is a project decision.",
        )

    def add_environment(self, key: str, value: str) -> None:
        self.function.add_environment(key, value)


class LambdaFunctions(Construct):
    """Every function in the wiring, from one code asset and one dependency layer."""

    def __init__(self, scope: Construct, construct_id: str, *, assets: LambdaAssets, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        missing = {fn.name for fn in wiring.FUNCTIONS} - SPECS.keys()
        if missing:
            raise ValueError(f"functions without a FunctionSpec in infra/lambdas.py: {sorted(missing)}")
        self.layer = lambda_.LayerVersion(
            self,
            "Dependencies",
            description="Python dependencies of functions/ (functions/requirements.txt)",
            code=lambda_.Code.from_asset(
                str(assets.layer_dir), asset_hash=assets.layer_hash, asset_hash_type=AssetHashType.CUSTOM
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )
        code = lambda_.Code.from_asset(
            str(assets.code_dir), asset_hash=assets.code_hash, asset_hash_type=AssetHashType.CUSTOM
        )
        self.by_name: dict[str, SalonFunction] = {}
        for fn in wiring.FUNCTIONS:
            self.by_name[fn.name] = SalonFunction(
                self,
                wiring.construct_id_for(fn.name),
                function_name=fn.name,
                handler=fn.handler,
                spec=SPECS[fn.name],
                code=code,
                layers=[self.layer],
                config=config,
            )

    def __getitem__(self, function_name: str) -> SalonFunction:
        return self.by_name[function_name]
