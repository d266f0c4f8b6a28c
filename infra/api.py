"""API and identity: the Cognito user pool (groups, CLI client) and the HTTP API with a JWT authorizer."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from functions import names
from infra.config import DeployConfig
from infra.lambdas import log_retention, removal_policy
from infra.nag import acknowledge


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    groups: tuple[str, ...]  # enforced by the handler from the verified token's cognito:groups claim
    public: bool = False  # no authorizer: the published gallery is readable without signing in


ROUTES = (
    Route("POST", "/uploads", (names.GROUP_DESIGNER,)),
    Route("POST", "/designs/{design_id}/comments", (names.GROUP_CUSTOMER,)),
    Route("GET", "/insights", (names.GROUP_OWNER,)),
    Route("GET", "/designs", (), public=True),
    Route("GET", "/designs/{design_id}", (), public=True),
    Route("GET", "/designers/{designer_id}/designs", (), public=True),
    Route("GET", "/me/uploads", (names.GROUP_DESIGNER,)),
    Route("GET", "/reviews", (names.GROUP_OWNER,)),
    Route("POST", "/reviews/{photo_id}", (names.GROUP_OWNER,)),
    Route("POST", "/me/uploads/{photo_id}/appeal", (names.GROUP_DESIGNER,)),
    Route("POST", "/quarantine/{photo_id}/release", (names.GROUP_OWNER,)),
    Route("POST", "/designs/{design_id}/takedown", (names.GROUP_OWNER,)),
)
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "time": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "latency": "$context.responseLatency",
    "responseLength": "$context.responseLength",
    "user": "$context.authorizer.claims.sub",
    "authorizerError": "$context.authorizer.error",
    "integrationError": "$context.integrationErrorMessage",
}


class Api(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, handler: lambda_.IFunction, config: DeployConfig
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "Users",
            self_sign_up_enabled=False,  # the owner creates accounts and puts them in a group
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            deletion_protection=config.retain_data,
            removal_policy=removal_policy(config),
        )
        acknowledge(
            self.user_pool,
            "COG2",
            "MFA is optional (TOTP offered) so customers can comment without an authenticator app; "
            "docs/deploy.md asks staff to enrol TOTP.",
        )
        acknowledge(
            self.user_pool,
            "COG8",
            "Threat protection needs the Cognito Plus plan at a per-user price; accounts are "
            "admin-created (no self sign-up) for one small salon.",
        )
        self.groups = {
            group: cognito.UserPoolGroup(
                self,
                f"{group.title()}Group",
                user_pool=self.user_pool,
                group_name=group,
                description=f"Salon Insights {group}s",
            )
            for group in names.GROUPS
        }
        self.client = self.user_pool.add_client(
            "CliClient",
            user_pool_client_name=names.USER_POOL_CLIENT,
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            generate_secret=False,
            disable_o_auth=True,
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
        )
        # Partition-safe issuer: ProviderURL is cognito-idp.<region>.<domain suffix>/<pool id>.
        self.issuer = f"https://{self.user_pool.user_pool_provider_url}"
        authorizer = authorizers.HttpJwtAuthorizer(
            "Cognito", self.issuer, jwt_audience=[self.client.user_pool_client_id]
        )
        cors = (
            apigwv2.CorsPreflightOptions(
                allow_origins=[config.site_origin],
                allow_methods=[apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST],
                allow_headers=["authorization", "content-type"],
                max_age=Duration.minutes(10),
            )
            if config.site_origin
            else None
        )
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            description="Salon Insights API",
            create_default_stage=False,
            default_authorizer=authorizer,
            cors_preflight=cors,
        )
        integration = integrations.HttpLambdaIntegration("Handler", handler)
        for route in ROUTES:
            added = self.http_api.add_routes(
                path=route.path,
                methods=[apigwv2.HttpMethod(route.method)],
                integration=integration,
                authorizer=apigwv2.HttpNoneAuthorizer() if route.public else authorizer,
            )
            if route.public:
                for public_route in added:
                    acknowledge(
                        public_route,
                        "APIG4",
                        "Public read of the published gallery: anyone may browse designs without signing in; "
                        "the handler returns published designs only, never emails.",
                    )

        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=log_retention(config), removal_policy=removal_policy(config)
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=50, burst_limit=100),
        )
        cfn_stage = self.stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_logs.log_group_arn, format=json.dumps(ACCESS_LOG_FORMAT)
        )

    @property
    def url(self) -> str:
        return self.stage.url
