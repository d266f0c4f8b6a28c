"""Settings read once, at the edge (handler cold start), into a typed object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from functions import names
from functions.domain.comments import CommentPolicy
from functions.domain.policy import Policy


@dataclass(frozen=True)
class Settings:
    uploads_bucket: str
    photos_table: str
    decisions_table: str
    reviews_table: str
    review_url: str
    quarantine_retention_days: int
    comments_table: str
    meters_table: str
    counters_table: str
    comment_state_machine_arn: str
    event_bus_name: str
    gallery_url: str
    comment_policy_json: str | None
    alerts_topic_arn: str
    image_state_machine_arn: str
    search_backend: str
    search_path: str
    opensearch_endpoint: str
    user_pool_id: str
    console_url: str
    max_upload_bytes: int
    policy_json: str | None
    aws_region: str = ""
    insights_min_comments: int = 5
    events_http_url: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            uploads_bucket=env.get(names.ENV_UPLOADS_BUCKET, names.UPLOADS_BUCKET),
            photos_table=env.get(names.ENV_PHOTOS_TABLE, names.PHOTOS_TABLE),
            decisions_table=env.get(names.ENV_DECISIONS_TABLE, names.DECISIONS_TABLE),
            reviews_table=env.get(names.ENV_REVIEWS_TABLE, names.REVIEWS_TABLE),
            review_url=env.get(names.ENV_REVIEW_URL, "https://gallery.example/reviews/"),
            quarantine_retention_days=int(env.get(names.ENV_QUARANTINE_RETENTION_DAYS, "90")),
            comments_table=env.get(names.ENV_COMMENTS_TABLE, names.COMMENTS_TABLE),
            meters_table=env.get(names.ENV_METERS_TABLE, names.METERS_TABLE),
            counters_table=env.get(names.ENV_COUNTERS_TABLE, names.COUNTERS_TABLE),
            comment_state_machine_arn=env.get(names.ENV_COMMENT_STATE_MACHINE_ARN, ""),
            event_bus_name=env.get(names.ENV_EVENT_BUS_NAME, names.EVENT_BUS),
            gallery_url=env.get(names.ENV_GALLERY_URL, "https://gallery.example/designs/"),
            comment_policy_json=env.get(names.ENV_COMMENT_POLICY_JSON) or None,
            alerts_topic_arn=env.get(names.ENV_ALERTS_TOPIC_ARN, ""),
            image_state_machine_arn=env.get(names.ENV_IMAGE_STATE_MACHINE_ARN, ""),
            search_backend=env.get(names.ENV_SEARCH_BACKEND, "embedded"),
            search_path=env.get(names.ENV_SEARCH_PATH, ".salon/index.duckdb"),
            opensearch_endpoint=env.get(names.ENV_OPENSEARCH_ENDPOINT, ""),
            user_pool_id=env.get(names.ENV_USER_POOL_ID, ""),
            console_url=env.get(
                names.ENV_CONSOLE_URL, "https://console.aws.amazon.com/states/home#/v2/executions/details/"
            ),
            max_upload_bytes=int(env.get(names.ENV_MAX_UPLOAD_BYTES, str(10 * 1024 * 1024))),
            policy_json=env.get(names.ENV_POLICY_JSON) or None,
            aws_region=env.get(names.ENV_AWS_REGION, ""),
            insights_min_comments=int(env.get(names.ENV_INSIGHTS_MIN_COMMENTS, "5")),
            events_http_url=env.get(names.ENV_EVENTS_HTTP_URL, ""),
        )


@cache
def settings() -> Settings:
    return Settings.from_env()


@cache
def moderation_policy() -> Policy:
    """The moderation policy in force: MODERATION_POLICY if set, else config/moderation_policy.json."""
    return Policy.load(settings().policy_json)


@cache
def comment_policy() -> CommentPolicy:
    """The comment policy in force: COMMENT_POLICY if set, else config/comment_policy.json."""
    return CommentPolicy.load(settings().comment_policy_json)
