"""Live updates on AWS: an AppSync Events API and its publisher.

Namespaces: `gallery` and `designs` are public (subscribe with the site's subscribe-only API key or a user
pool token); `designers` is private (user pool tokens only, and an onSubscribe handler that admits only the
channel's designer and the owner group). Only IAM publishes, and only the publish-live function has it.
Publisher: EventBridge rule on the workflows' events -> SQS (+DLQ) -> publish-live -> signed POST /event.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from aws_cdk import Duration, Expiration
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from constructs import Construct

from functions import names, wiring
from functions.domain import live
from infra.config import DeployConfig
from infra.ingestion import queued_target
from infra.lambdas import SalonFunction

ON_SUBSCRIBE = Path(__file__).resolve().parent / "appsync" / "designers_on_subscribe.js"
API_KEY_DAYS = 365  # AppSync's maximum; rotate before expiry (docs/gallery.md)
Auth = appsync.AppSyncAuthorizationType


def key_expiry(today: date | None = None) -> Expiration:
    """A year from the start of today (UTC): the same in every synth of a day, extended by each deploy."""
    day = today or datetime.now(UTC).date()
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return Expiration.at_timestamp(int((start + timedelta(days=API_KEY_DAYS)).timestamp() * 1000))


class LiveUpdates(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        publisher: SalonFunction,
        config: DeployConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        delivery = wiring.delivery(names.LIVE_RULE)  # rule -> queue -> publish-live, as the wiring states it
        self.api = appsync.EventApi(
            self,
            "EventApi",
            api_name="salon-live",
            authorization_config=appsync.EventApiAuthConfig(
                auth_providers=[
                    appsync.AppSyncAuthProvider(
                        authorization_type=Auth.API_KEY,
                        api_key_config=appsync.AppSyncApiKeyConfig(
                            name="site-subscribe",
                            description="Subscribe-only key for the public namespaces, carried by the site config",
                            expires=key_expiry(),
                        ),
                    ),
                    appsync.AppSyncAuthProvider(
                        authorization_type=Auth.USER_POOL,
                        cognito_config=appsync.AppSyncCognitoConfig(user_pool=user_pool),
                    ),
                    appsync.AppSyncAuthProvider(authorization_type=Auth.IAM),
                ],
                connection_auth_mode_types=[Auth.API_KEY, Auth.USER_POOL, Auth.IAM],
                default_publish_auth_mode_types=[Auth.IAM],
                default_subscribe_auth_mode_types=[Auth.API_KEY, Auth.USER_POOL],
            ),
            # No API logging: it needs a managed-policy role and a log-retention custom resource; failed
            # publishes are logged by publish-live and dead-lettered (alarmed with the other DLQs).
        )
        public = appsync.NamespaceAuthConfig(
            publish_auth_mode_types=[Auth.IAM], subscribe_auth_mode_types=[Auth.API_KEY, Auth.USER_POOL]
        )
        self.namespaces = [
            self.api.add_channel_namespace(namespace, authorization_config=public)
            for namespace in live.PUBLIC_NAMESPACES
        ]
        designers = self.api.add_channel_namespace(
            live.NS_DESIGNERS,
            authorization_config=appsync.NamespaceAuthConfig(
                publish_auth_mode_types=[Auth.IAM], subscribe_auth_mode_types=[Auth.USER_POOL]
            ),
            code=appsync.Code.from_inline(ON_SUBSCRIBE.read_text(encoding="utf-8")),  # no asset to stage
        )
        self.namespaces.append(designers)
        self.http_url = f"https://{self.api.http_dns}/event"
        self.realtime_url = f"wss://{self.api.realtime_dns}/event/realtime"

        parts = queued_target(
            self,
            description=delivery.description,
            pattern=events.EventPattern(
                source=list(delivery.pattern["source"]), detail_type=list(delivery.pattern["detail-type"])
            ),
            consumer=publisher,
            retention=Duration.hours(1),  # a live update older than that is news no page waits for
            max_concurrency=5,
            rule_dlq_reason="This queue is the live-updates rule target's dead-letter queue (no RedrivePolicy "
            "names it, so nag cannot tell).",
        )
        self.rule_dlq, self.queue_dlq, self.queue, self.rule = parts.rule_dlq, parts.queue_dlq, parts.queue, parts.rule
        # Publish on exactly the three namespaces (no wildcard); connecting is implied for IAM publishers.
        publisher.role.add_to_policy(
            iam.PolicyStatement(
                actions=["appsync:EventPublish"], resources=[ns.channel_namespace_arn for ns in self.namespaces]
            )
        )
