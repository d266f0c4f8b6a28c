"""Search: the OpenSearch domain (IAM access model), its logs, and the index templates applied at deploy."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from aws_cdk import Aws, CustomResource, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_opensearchservice as opensearch
from constructs import Construct

from infra import index_templates
from infra.config import DeployConfig
from infra.lambdas import FunctionSpec, SalonFunction, log_retention, removal_policy
from infra.nag import acknowledge

ENGINE = opensearch.EngineVersion.OPENSEARCH_2_19
HTTP_ACTIONS = ("es:ESHttpDelete", "es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut")


class Search(Construct):
    """Access is IAM only: the domain policy names each role allowed in; each role's policy names paths."""

    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        log_groups = {
            kind: logs.LogGroup(
                self, f"{kind}Logs", retention=log_retention(config), removal_policy=removal_policy(config)
            )
            for kind in ("App", "SlowSearch", "SlowIndex")
        }
        # One CloudWatch Logs resource policy for the three groups (CDK would create it with a custom
        # resource; a native AWS::Logs::ResourcePolicy needs no Lambda).
        logs_policy = logs.ResourcePolicy(
            self,
            "LogsPolicy",
            policy_statements=[
                iam.PolicyStatement(
                    principals=[iam.ServicePrincipal("es.amazonaws.com")],
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[group.log_group_arn for group in log_groups.values()],
                    conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
                )
            ],
        )
        # A fixed name lets the domain's own resource policy name its ARN without referencing itself.
        self.domain_name = domain_name(Stack.of(self).stack_name)
        self.domain_arn = Stack.of(self).format_arn(service="es", resource="domain", resource_name=self.domain_name)
        self.domain = opensearch.Domain(
            self,
            "Domain",
            domain_name=self.domain_name,
            version=ENGINE,
            capacity=opensearch.CapacityConfig(
                data_node_instance_type=config.search_instance_type,
                data_nodes=config.search_instance_count,
                multi_az_with_standby_enabled=False,
            ),
            ebs=opensearch.EbsOptions(volume_size=config.search_volume_gib, volume_type=ec2.EbsDeviceVolumeType.GP3),
            encryption_at_rest=opensearch.EncryptionAtRestOptions(enabled=True),
            node_to_node_encryption=True,
            enforce_https=True,
            tls_security_policy=opensearch.TLSSecurityPolicy.TLS_1_2,
            logging=opensearch.LoggingOptions(
                app_log_enabled=True,
                app_log_group=log_groups["App"],
                slow_search_log_enabled=True,
                slow_search_log_group=log_groups["SlowSearch"],
                slow_index_log_enabled=True,
                slow_index_log_group=log_groups["SlowIndex"],
            ),
            suppress_logs_resource_policy=True,
            enable_auto_software_update=True,
            removal_policy=removal_policy(config),
        )
        self.domain.node.add_dependency(logs_policy)
        # The domain's resource policy, filled by grant(): set on the L1 resource because the L2's
        # access_policies would apply it through a custom resource Lambda.
        self._policy = iam.PolicyDocument()
        cfn_domain = self.domain.node.default_child
        assert isinstance(cfn_domain, opensearch.CfnDomain)
        cfn_domain.access_policies = self._policy
        self._acknowledge()
        self._templates(config)

    @property
    def endpoint(self) -> str:
        return self.domain.domain_endpoint

    def grant(self, role: iam.Role, actions: Sequence[str], paths: Sequence[str], reason: str = "") -> None:
        """Lets role call actions on the domain's paths ('photos', 'photos/*', '_bulk'): in the role's policy
        and in the domain's resource policy. A wildcard path needs the reason it is one."""
        unknown = set(actions) - set(HTTP_ACTIONS)
        if unknown:
            raise ValueError(f"not OpenSearch HTTP actions: {sorted(unknown)}")
        resources = [f"{self.domain_arn}/{path}" for path in paths]
        role.add_to_principal_policy(iam.PolicyStatement(actions=sorted(actions), resources=resources))
        self._policy.add_statements(
            iam.PolicyStatement(principals=[role], actions=sorted(actions), resources=resources)
        )
        wildcards = [path for path in paths if "*" in path]
        if wildcards:
            acknowledge(
                role,
                "IAM5",
                reason,
                [
                    f"Resource::arn:<AWS::Partition>:es:<AWS::Region>:<AWS::AccountId>:domain/{self.domain_name}/{p}"
                    for p in wildcards
                ],
            )

    def _templates(self, config: DeployConfig) -> None:
        applier = SalonFunction(
            self,
            "ApplyIndexTemplates",
            function_name="salon-apply-index-templates",
            handler="handler.handler",
            spec=FunctionSpec("Applies the OpenSearch index templates (CloudFormation custom resource)", 256, 300),
            code=lambda_.Code.from_asset(str(index_templates.DIR), exclude=["__pycache__", "*.pyc", "__init__.py"]),
            layers=[],
            config=config,
        )
        templates = index_templates.templates()
        self.grant(
            applier.role, ["es:ESHttpDelete", "es:ESHttpPut"], [f"_index_template/{name}" for name in sorted(templates)]
        )
        self.templates = CustomResource(
            self,
            "IndexTemplates",
            service_token=applier.function.function_arn,
            resource_type="Custom::OpenSearchIndexTemplates",
            properties={
                "Endpoint": self.domain.domain_endpoint,
                "Templates": json.dumps(templates, sort_keys=True, separators=(",", ":")),
            },
        )
        self.templates.node.add_dependency(self.domain)

    def _acknowledge(self) -> None:
        acknowledge(
            self.domain,
            "OS1",
            "No VPC: the domain's endpoint is public but accepts only SigV4 requests from the "
            "roles in its resource policy, over TLS 1.2; a VPC would put every Lambda behind NAT "
            "or interface endpoints.",
        )
        acknowledge(
            self.domain,
            "OS3",
            "Access is granted to named IAM roles (resource policy + SigV4), not to IP addresses; "
            "the callers are Lambda functions without fixed IPs.",
        )
        acknowledge(
            self.domain,
            "OS4",
            "Salon-sized single data node by default (salon:searchInstanceCount); dedicated master "
            "nodes triple the cost for no gain at this size.",
        )
        acknowledge(
            self.domain,
            "OS7",
            "Salon-sized single data node by default; the index is derived data (records live in "
            "DynamoDB), so zone awareness is not worth twice the nodes.",
        )


def domain_name(stack_name: str) -> str:
    """OpenSearch domain names: 3-28 characters, lowercase letters, digits and hyphens, a letter first."""
    stem = re.sub(r"[^a-z0-9]+", "-", stack_name.lower()).strip("-")[:21].rstrip("-") or "salon"
    return f"{stem}-search" if stem[0].isalpha() else f"s-{stem}"[:21] + "-search"
