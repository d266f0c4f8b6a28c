"""CDK Template assertions on the synthesized stack: counts and the properties the design asks for."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from functions import config, names, wiring
from infra import index_templates
from infra.ingestion import MAX_RECEIVE_COUNT, RETRY_ATTEMPTS
from infra.storage import SORT_KEYS, TABLE_INDEXES, TABLE_KEYS
from tests.infra.conftest import OWNER, logical_id, resource_at

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def t(template: dict[str, Any]) -> Template:
    return Template.from_json(template)


def _ref(template: dict[str, Any], path: str) -> dict[str, str]:
    return {"Ref": logical_id(template, path)}


def _arn(template: dict[str, Any], path: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id(template, path), "Arn"]}


# Storage -------------------------------------------------------------------------------------------------


def test_uploads_bucket(t: Template, template: dict[str, Any]) -> None:
    t.resource_count_is("AWS::S3::Bucket", 3)  # uploads, access logs, the gallery site
    _, bucket = resource_at(template, "Storage/Uploads/Resource")
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}
    logs_bucket = _ref(template, "Storage/AccessLogs/Resource")
    assert props["LoggingConfiguration"]["DestinationBucketName"] == logs_bucket
    assert bucket["DeletionPolicy"] == "Retain"
    rules = {rule["Id"]: rule for rule in props["LifecycleConfiguration"]["Rules"]}
    assert rules["quarantine-retention"]["Prefix"] == names.QUARANTINE_PREFIX
    assert rules["quarantine-retention"]["ExpirationInDays"] == 90
    assert rules["expire-rejected-uploads"]["TagFilters"] == [{"Key": "verdict", "Value": "rejected"}]
    assert rules["expire-replaced-uploads"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    # Uploads waiting for a review (untagged, or re-tagged verdict=review on appeal) are never expired first.
    renditions = rules["expire-renditions"]
    assert renditions["Prefix"] == names.RENDITION_PREFIX  # never an upload; outlives a review like quarantine
    assert renditions["ExpirationInDays"] >= rules["quarantine-retention"]["ExpirationInDays"]
    expiring = [
        r
        for r in rules.values()
        if "ExpirationInDays" in r and not r.get("Prefix", "").startswith(("quar", names.RENDITION_PREFIX))
    ]
    assert expiring and all(r["TagFilters"] == [{"Key": "verdict", "Value": "rejected"}] for r in expiring)


def test_buckets_refuse_plain_http(t: Template, template: dict[str, Any]) -> None:
    for bucket in ("Uploads", "AccessLogs"):
        t.has_resource_properties(
            "AWS::S3::BucketPolicy",
            {
                "Bucket": _ref(template, f"Storage/{bucket}/Resource"),
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Effect": "Deny",
                                    "Action": "s3:*",
                                    "Principal": {"AWS": "*"},
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                }
                            )
                        ]
                    )
                },
            },
        )


def test_tables_have_their_keys_and_point_in_time_recovery(t: Template, template: dict[str, Any]) -> None:
    t.resource_count_is("AWS::DynamoDB::Table", len(TABLE_KEYS))
    assert set(TABLE_KEYS) >= {names.PHOTOS_TABLE, names.COMMENTS_TABLE, names.METERS_TABLE, names.DECISIONS_TABLE}
    expected = {
        names.PHOTOS_TABLE: "photoId",
        names.COMMENTS_TABLE: "commentId",
        names.METERS_TABLE: "designId",
        names.DECISIONS_TABLE: "objectKey",
        names.REVIEWS_TABLE: "photoId",
    }
    sort_keys = {names.DECISIONS_TABLE: "decidedAt"}  # decision history: one item per decision
    assert sort_keys == SORT_KEYS
    for name, key in TABLE_KEYS.items():
        assert expected.get(name, key) == key
        construct = name.removeprefix("salon-").title() + "Table"
        _, table = resource_at(template, f"Storage/{construct}/Resource")
        props = table["Properties"]
        keys = [(key, "HASH")] + ([(sort_keys[name], "RANGE")] if name in sort_keys else [])
        assert props["KeySchema"] == [{"AttributeName": k, "KeyType": kind} for k, kind in keys]
        indexes = TABLE_INDEXES.get(name, ())
        indexed = list(dict.fromkeys(a for ix in indexes for a in ix[1:] if a not in dict(keys)))
        attributes = [k for k, _ in keys] + indexed
        assert sorted(d["AttributeName"] for d in props["AttributeDefinitions"]) == sorted(attributes)
        assert all(d["AttributeType"] == "S" for d in props["AttributeDefinitions"])
        gsis = props.get("GlobalSecondaryIndexes", [])
        assert [g["IndexName"] for g in gsis] == [ix[0] for ix in indexes]
        for gsi, (index, partition, sort) in zip(gsis, indexes, strict=True):
            assert gsi["IndexName"] == index and gsi["Projection"] == {"ProjectionType": "ALL"}
            assert gsi["KeySchema"] == [
                {"AttributeName": partition, "KeyType": "HASH"},
                {"AttributeName": sort, "KeyType": "RANGE"},
            ]
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["SSESpecification"] == {"SSEEnabled": True}
        assert props["DeletionProtectionEnabled"] is True
        assert table["DeletionPolicy"] == "Retain"


# Workflows -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("workflow", ["ImageModeration", "CommentSentiment"])
def test_state_machines_log_everything_and_trace(template: dict[str, Any], workflow: str) -> None:
    _, machine = resource_at(template, f"{workflow}/StateMachine/Resource")
    props = machine["Properties"]
    assert props["StateMachineType"] == "STANDARD"
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    # The image workflow's callback tasks carry task tokens in their input: its logs keep no execution data.
    assert props["LoggingConfiguration"]["IncludeExecutionData"] is (workflow != "ImageModeration")
    assert props["LoggingConfiguration"]["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"] == _arn(
        template, f"{workflow}/Logs/Resource"
    )
    assert props["TracingConfiguration"] == {"Enabled": True}
    assert props["RoleArn"] == _arn(template, f"{workflow}/Role/Resource")
    _, group = resource_at(template, f"{workflow}/Logs/Resource")
    assert group["Properties"]["LogGroupName"].startswith("/aws/vendedlogs/states/SalonInsights-")
    assert group["Properties"]["RetentionInDays"] == 30


@pytest.mark.parametrize(
    ("ingestion", "pattern"),
    [
        (
            "ImageIngestion",
            {
                "source": ["aws.s3"],
                "detail-type": ["Object Created"],
                "detail": {"object": {"key": [{"prefix": names.UPLOAD_PREFIX}]}},
            },
        ),
        ("CommentIngestion", {"source": [names.EVENT_SOURCE], "detail-type": [names.EVENT_COMMENT_SUBMITTED]}),
    ],
)
def test_rules_retry_then_dead_letter_into_the_starter_queue(
    t: Template, template: dict[str, Any], ingestion: str, pattern: dict[str, Any]
) -> None:
    _, rule = resource_at(template, f"{ingestion}/Rule/Resource")
    props = rule["Properties"]
    for key, value in pattern.items():
        if key == "detail":
            assert props["EventPattern"]["detail"]["object"] == value["object"]
            bucket = _ref(template, "Storage/Uploads/Resource")
            assert props["EventPattern"]["detail"]["bucket"] == {"name": [bucket]}
        else:
            assert props["EventPattern"][key] == value
    [target] = props["Targets"]
    assert target["Arn"] == _arn(template, f"{ingestion}/Queue/Resource")
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": RETRY_ATTEMPTS, "MaximumEventAgeInSeconds": 86400}
    assert target["DeadLetterConfig"] == {"Arn": _arn(template, f"{ingestion}/RuleDeadLetters/Resource")}

    _, queue = resource_at(template, f"{ingestion}/Queue/Resource")
    assert queue["Properties"]["RedrivePolicy"] == {
        "deadLetterTargetArn": _arn(template, f"{ingestion}/QueueDeadLetters/Resource"),
        "maxReceiveCount": MAX_RECEIVE_COUNT,
    }
    assert queue["Properties"]["VisibilityTimeout"] == 180  # 6 x the starter's 30 s timeout
    t.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": _arn(template, f"{ingestion}/Queue/Resource"),
            "FunctionName": _ref(template, "Functions/StartWorkflow/Function/Resource"),
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "BatchSize": 10,
        },
    )


def test_every_queue_is_encrypted_and_tls_only(t: Template) -> None:
    # 2 starter queues, the live-updates and the stray-object queues with 2 dead-letter queues each, the schedule DLQ
    t.resource_count_is("AWS::SQS::Queue", 13)
    t.all_resources_properties("AWS::SQS::Queue", {"SqsManagedSseEnabled": True})
    t.resource_count_is("AWS::SQS::QueuePolicy", 13)
    t.all_resources_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )


def test_starter_knows_both_state_machines(template: dict[str, Any]) -> None:
    _, starter = resource_at(template, "Functions/StartWorkflow/Function/Resource")
    env = starter["Properties"]["Environment"]["Variables"]
    assert env[names.ENV_IMAGE_STATE_MACHINE_ARN] == _ref(template, "ImageModeration/StateMachine/Resource")
    comment = _ref(template, "CommentSentiment/StateMachine/Resource")
    assert env[names.ENV_COMMENT_STATE_MACHINE_ARN] == comment


# API and identity ----------------------------------------------------------------------------------------


def test_user_pool_groups_and_client(t: Template, template: dict[str, Any]) -> None:
    t.resource_count_is("AWS::Cognito::UserPool", 1)
    t.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},  # customers sign up themselves
            "AutoVerifiedAttributes": ["email"],
            "Policies": {"PasswordPolicy": Match.object_like({"MinimumLength": 12, "RequireSymbols": True})},
            "MfaConfiguration": "OPTIONAL",
        },
    )
    _, pool = resource_at(template, "Api/Users/Resource")
    trigger = pool["Properties"]["LambdaConfig"]["PostConfirmation"]
    assert trigger == {"Fn::GetAtt": [logical_id(template, "Functions/PostConfirmation/Function/Resource"), "Arn"]}
    groups = {
        r["Properties"]["GroupName"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Cognito::UserPoolGroup"
    }
    assert groups == {names.GROUP_DESIGNER, names.GROUP_CUSTOMER, names.GROUP_OWNER}
    t.has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {
            "ClientName": names.USER_POOL_CLIENT,
            "GenerateSecret": False,
            "ExplicitAuthFlows": Match.array_with(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]),
        },
    )


def test_every_route_but_the_public_reads_needs_a_cognito_jwt(t: Template, template: dict[str, Any]) -> None:
    pool = logical_id(template, "Api/Users/Resource")
    authorizer_id, authorizer = resource_at(template, "Api/HttpApi/Cognito/Resource")
    assert authorizer["Properties"]["AuthorizerType"] == "JWT"
    jwt = authorizer["Properties"]["JwtConfiguration"]
    assert jwt["Audience"] == [_ref(template, "Api/Users/CliClient/Resource")]
    assert jwt["Issuer"] == {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [pool, "ProviderURL"]}]]}
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ApiGatewayV2::Route"
    }
    assert set(routes) == {route.key for route in wiring.ROUTES}
    for route in wiring.ROUTES:
        if route.public:  # no authorizer, by the wiring's say-so
            assert routes[route.key]["AuthorizationType"] == "NONE"
            assert "AuthorizerId" not in routes[route.key]
        else:
            assert routes[route.key]["AuthorizationType"] == "JWT"
            assert routes[route.key]["AuthorizerId"] == {"Ref": authorizer_id}
    assert {route.path: route.groups for route in wiring.ROUTES}["/insights"] == (names.GROUP_OWNER,)
    assert {r.key for r in wiring.ROUTES if r.public} == {
        "GET /health",
        "GET /designs",
        "GET /designs/{design_id}",
        "GET /designers/{designer_id}/designs",
    }


def test_api_stage_logs_and_throttles(t: Template, template: dict[str, Any]) -> None:
    _, stage = resource_at(template, "Api/DefaultStage/Resource")
    props = stage["Properties"]
    assert props["StageName"] == "$default"
    assert props["AccessLogSettings"]["DestinationArn"] == _arn(template, "Api/AccessLogs/Resource")
    assert "$context.requestId" in props["AccessLogSettings"]["Format"]
    assert props["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50}


def test_api_function_configuration(template: dict[str, Any]) -> None:
    _, function = resource_at(template, "Functions/HttpApi/Function/Resource")
    env = function["Properties"]["Environment"]["Variables"]
    assert env[names.ENV_UPLOADS_BUCKET] == _ref(template, "Storage/Uploads/Resource")
    assert env[names.ENV_PHOTOS_TABLE] == _ref(template, "Storage/PhotosTable/Resource")
    assert env[names.ENV_EVENT_BUS_NAME] == names.EVENT_BUS


def test_functions_are_the_handlers_in_names(t: Template, template: dict[str, Any]) -> None:
    lambdas = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    functions = {p["Handler"]: p for p in lambdas if p["Handler"].startswith("functions.")}
    assert set(functions) == {fn.handler for fn in wiring.FUNCTIONS}
    layer = logical_id(template, "Functions/Dependencies/Resource")
    for props in functions.values():
        assert props["Runtime"] == "python3.11"
        assert props["Architectures"] == ["x86_64"]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["Layers"] == [{"Ref": layer}]
        assert props["LoggingConfig"]["LogFormat"] == "JSON"
        assert props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"].startswith("salon-")


def test_policy_documents_are_passed_validated(template: dict[str, Any]) -> None:
    _, evaluate = resource_at(template, "Functions/EvaluatePolicy/Function/Resource")
    policy = json.loads(evaluate["Properties"]["Environment"]["Variables"][names.ENV_POLICY_JSON])
    repo_policy = index_templates.DIR.parents[1] / "config" / "moderation_policy.json"
    assert policy == json.loads(repo_policy.read_text())
    _, assess = resource_at(template, "Functions/AssessComment/Function/Resource")
    assert json.loads(assess["Properties"]["Environment"]["Variables"][names.ENV_COMMENT_POLICY_JSON])


# Search --------------------------------------------------------------------------------------------------


def test_opensearch_domain_is_encrypted_and_iam_only(template: dict[str, Any]) -> None:
    _, domain = resource_at(template, "Search/Domain/Resource")
    props = domain["Properties"]
    assert props["EncryptionAtRestOptions"] == {"Enabled": True}
    assert props["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    assert props["DomainEndpointOptions"]["EnforceHTTPS"] is True
    assert props["DomainEndpointOptions"]["TLSSecurityPolicy"] == "Policy-Min-TLS-1-2-2019-07"
    assert "AdvancedSecurityOptions" not in props  # IAM access model, no fine-grained access control
    assert set(props["LogPublishingOptions"]) == {"ES_APPLICATION_LOGS", "SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS"}
    principals = [s["Principal"]["AWS"] for s in props["AccessPolicies"]["Statement"]]
    assert sorted({p["Fn::GetAtt"][0] for p in principals}) == sorted(
        logical_id(template, f"{path}/Role/Resource")
        for path in (
            "Functions/IndexDocument",
            "Functions/HttpApi",
            "Functions/Reconcile",
            "Search/ApplyIndexTemplates",
        )
    )


def test_index_templates_are_applied_at_deploy(template: dict[str, Any]) -> None:
    _, custom = resource_at(template, "Search/IndexTemplates/Default")
    props = custom["Properties"]
    assert custom["Type"] == "Custom::OpenSearchIndexTemplates"
    domain = logical_id(template, "Search/Domain/Resource")
    assert props["Endpoint"] == {"Fn::GetAtt": [domain, "DomainEndpoint"]}
    assert props["ServiceToken"] == _arn(template, "Search/ApplyIndexTemplates/Function/Resource")
    assert json.loads(props["Templates"]) == index_templates.templates()
    patterns = {p for body in index_templates.templates().values() for p in body["index_patterns"]}
    assert patterns == {names.PHOTOS_INDEX, names.COMMENTS_INDEX}


def test_indexer_is_configured_for_opensearch(template: dict[str, Any]) -> None:
    _, function = resource_at(template, "Functions/IndexDocument/Function/Resource")
    env = function["Properties"]["Environment"]["Variables"]
    assert env[names.ENV_SEARCH_BACKEND] == "opensearch"
    assert env[names.ENV_SEARCH_ENDPOINT] == {
        "Fn::GetAtt": [logical_id(template, "Search/Domain/Resource"), "DomainEndpoint"]
    }


# Notifications and observability -------------------------------------------------------------------------


def test_topics_are_encrypted_and_mail_the_owner(t: Template, template: dict[str, Any]) -> None:
    t.resource_count_is("AWS::SNS::Topic", 2)
    key = _arn(template, "Notifications/TopicKey/Resource")
    t.all_resources_properties("AWS::SNS::Topic", {"KmsMasterKeyId": key})
    t.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    t.resource_count_is("AWS::SNS::Subscription", 2)
    t.all_resources_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": OWNER})


def test_alarms_cover_failures_timeouts_throttles_and_dead_letters(template: dict[str, Any]) -> None:
    alarms = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    by_metric: dict[str, int] = {}
    for alarm in alarms:
        by_metric[alarm["MetricName"]] = by_metric.get(alarm["MetricName"], 0) + 1
        assert alarm["AlarmActions"] == [_ref(template, "Notifications/Operations/Resource")]
        assert alarm["TreatMissingData"] == "notBreaching"
    assert by_metric == {
        "ExecutionsFailed": 2,
        "ExecutionsTimedOut": 2,
        "ExecutionThrottled": 2,
        "Throttles": len(wiring.FUNCTIONS),
        "Errors": len(wiring.FUNCTIONS),
        "ApproximateNumberOfMessagesVisible": 9,
        "FailedInvocations": 4,
        "5xx": 1,
        "ReconcileFindings": 1,
    }


def test_dashboard_and_outputs(t: Template, template: dict[str, Any]) -> None:
    t.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    assert {
        "ApiUrl",
        "UserPoolId",
        "UserPoolClientId",
        "JwtIssuer",
        "UploadsBucketName",
        "AlertsTopicArn",
        "ImageStateMachineArn",
        "CommentStateMachineArn",
        "OpenSearchEndpoint",
        "DashboardName",
        "OperationsTopicArn",
    } <= set(template["Outputs"])


def test_each_function_gets_exactly_the_fields_of_its_settings_model(template: dict[str, Any]) -> None:
    """The function environment on AWS is its settings model's variables: none missing, none extra."""
    lambdas = {
        r["Properties"]["Handler"]: r["Properties"]["Environment"]["Variables"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    }
    for fn in wiring.FUNCTIONS:
        variables = {v for v in lambdas[fn.handler] if not v.startswith("POWERTOOLS_")}
        settable = {s.variable for s in config.fields_of(fn.settings) if s.source and s.source.kind != "runtime"}
        assert variables == settable, fn.name


def test_stray_objects_rule_excludes_the_stack_prefixes_and_its_role_cannot_delete_them(
    template: dict[str, Any],
) -> None:
    _, rule = resource_at(template, "StrayObjects/Rule/Resource")
    key = rule["Properties"]["EventPattern"]["detail"]["object"]["key"]
    assert key == [{"anything-but": {"wildcard": [f"{p}*" for p in names.STACK_PREFIXES]}}]
    role_lid, _ = resource_at(template, "Functions/ReportStrayObject/Role/Resource")
    statements = [
        s
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_lid} in r["Properties"]["Roles"]
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    ]
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    assert set(deny["Action"]) == {"s3:DeleteObject", "s3:DeleteObjectVersion"}
    assert len(deny["Resource"]) == len(names.STACK_PREFIXES)
