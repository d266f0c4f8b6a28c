"""API and identity: the Cognito user pool (groups, CLI client) and the HTTP API with a JWT authorizer.

The routes are functions/wiring.py ROUTES: the JWT authorizer on every route but the public ones (the
handler enforces each route's group from the same entry).
"""

from __future__ import annotations

import json

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from functions import names, wiring
from infra.config import DeployConfig
from infra.lambdas import LambdaFunctions, log_retention, removal_policy
from infra.nag import acknowledge

ROUTES = wiring.ROUTES
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
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: LambdaFunctions,
        config: DeployConfig,
        site_origin: str = "",
    ) -> None:
        """site_origin: the gallery's origin (CORS), when it differs from config.site_origin (the generated site)."""
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "Users",
            self_sign_up_enabled=True,  # customers sign up (email code); designers are created by the owner
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
            "Threat protection needs the Cognito Plus plan at a per-user price; self sign-up only makes "
            "customers (who can comment), staff accounts are created by the owner, for one small salon.",
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
        joiner = functions[names.FN_POST_CONFIRMATION]
        self.user_pool.add_trigger(cognito.UserPoolOperation.POST_CONFIRMATION, joiner.function)
        # A separate policy, not the role's default one: the function depends on its default policy, and the
        # pool on the function (its trigger), so a grant naming the pool there would close a cycle.
        iam.Policy(
            self,
            "JoinCustomers",
            roles=[joiner.role],
            statements=[
                iam.PolicyStatement(
                    actions=["cognito-idp:AdminAddUserToGroup"], resources=[self.user_pool.user_pool_arn]
                )
            ],
        )
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
                allow_origins=[site_origin or config.site_origin],
                allow_methods=[apigwv2.CorsHttpMethod(m) for m in wiring.CORS.methods],
                allow_headers=list(wiring.CORS.headers),
                max_age=Duration.seconds(wiring.CORS.max_age_s),
            )
            if site_origin or config.site_origin
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
        integration_of: dict[str, integrations.HttpLambdaIntegration] = {}
        for route in ROUTES:
            if route.function not in integration_of:  # one integration per function ("Handler": the first's id)
                construct = "Handler" if not integration_of else wiring.construct_id_for(route.function) + "Handler"
                integration_of[route.function] = integrations.HttpLambdaIntegration(
                    construct, functions[route.function].function
                )
            [added] = self.http_api.add_routes(
                path=route.path,
                methods=[apigwv2.HttpMethod(route.method)],
                integration=integration_of[route.function],
                authorizer=apigwv2.HttpNoneAuthorizer() if route.public else authorizer,
            )
            if route.public:
                acknowledge(
                    added,
                    "APIG4",
                    f"{route.key} is public by design (functions/wiring.py says so): anyone may call it "
                    "without a token; it reads the published gallery only (never emails) or nothing at all.",
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
