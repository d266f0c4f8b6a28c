"""Settings per function, read once at the edge (a handler's cold start) into a frozen, typed model.

Each field names its environment variable and the resource that supplies it (functions/resources.py);
infra/ and the embedded stack set exactly these variables, from the same declaration (functions/wiring.py
maps each function to its model). A required variable that is missing or empty fails the cold start with
a message naming it: there are no silent defaults. Policy documents are loaded here and nowhere else.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from functions import names
from functions import resources as res
from functions.domain.comments import CommentPolicy
from functions.domain.policy import Policy
from functions.resources import Resource

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
S = TypeVar("S")


class SettingsError(ValueError):
    """The function's environment does not satisfy its settings model."""


def env(variable: str, source: Resource) -> Any:
    """A required setting: `variable`, set by every target to the value of `source`."""
    return field(metadata={"env": variable, "source": source})


def tunable(variable: str, default: Any) -> Any:
    """An optional setting no target sets: an operator may override the documented default."""
    return field(default=default, metadata={"env": variable, "source": None})


@dataclass(frozen=True)
class Setting:
    field: str
    variable: str
    source: Resource | None  # None: a tunable with a default
    kind: type


def fields_of(model: type) -> list[Setting]:
    hints = {"int": int, "str": str}
    return [
        Setting(f.name, f.metadata["env"], f.metadata["source"], hints[str(f.type)])
        for f in dataclasses.fields(model)
        if "env" in f.metadata
    ]


def environment_of(model: type) -> dict[str, Resource]:
    """Variable -> resource, for the variables a target must set for this model."""
    return {s.variable: s.source for s in fields_of(model) if s.source is not None}


def value_of(settings: object, source: Resource) -> Any:
    """The value of the setting that `source` supplies (e.g. a state machine's ARN for the starter)."""
    for setting in fields_of(type(settings)):
        if setting.source == source:
            return getattr(settings, setting.field)
    raise KeyError(f"{type(settings).__name__} has no setting for {source}")


def load(model: type[S], environ: Mapping[str, str] | None = None) -> S:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    missing, invalid = [], []
    for setting in fields_of(model):
        raw = environ.get(setting.variable, "")
        if raw == "":
            if setting.source is not None:
                missing.append(setting.variable)
            continue
        try:
            values[setting.field] = setting.kind(raw)
        except ValueError:
            invalid.append(f"{setting.variable}={raw!r} (expected {setting.kind.__name__})")
    if missing or invalid:
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + invalid
        raise SettingsError(f"{model.__name__}: {'; '.join(problems)}")
    return model(**values)


_loaded: dict[type, Any] = {}


def settings(model: type[S]) -> S:
    """The model read from the process environment, once per process (the cold start)."""
    if model not in _loaded:
        _loaded[model] = load(model)
    result: S = _loaded[model]
    return result


def reset() -> None:
    """Forget what was read (an embedded stack started again in the same process has a new environment)."""
    _loaded.clear()
    for cached in _CACHES:
        cached.cache_clear()


# -- the models, one per function -------------------------------------------------------------------


@dataclass(frozen=True)
class InspectUploadSettings:
    max_upload_bytes: int = env(names.ENV_MAX_UPLOAD_BYTES, res.MAX_UPLOAD_BYTES)


@dataclass(frozen=True)
class EvaluatePolicySettings:
    moderation_policy: str = env(names.ENV_POLICY_JSON, res.MODERATION_POLICY)


@dataclass(frozen=True)
class IndexDocumentSettings:
    search_backend: str = env(names.ENV_SEARCH_BACKEND, res.SEARCH_BACKEND)
    search_endpoint: str = env(names.ENV_SEARCH_ENDPOINT, res.SEARCH_ENDPOINT)
    aws_region: str = env(names.ENV_AWS_REGION, res.RUNTIME_REGION)


@dataclass(frozen=True)
class RenderAlertSettings:
    console_url: str = env(names.ENV_CONSOLE_URL, res.CONSOLE_URL)
    gallery_url: str = env(names.ENV_GALLERY_URL, res.GALLERY_URL)
    comment_policy: str = env(names.ENV_COMMENT_POLICY_JSON, res.COMMENT_POLICY)


@dataclass(frozen=True)
class StartWorkflowSettings:
    image_state_machine_arn: str = env(names.ENV_IMAGE_STATE_MACHINE_ARN, res.state_machine(names.IMAGE_STATE_MACHINE))
    comment_state_machine_arn: str = env(
        names.ENV_COMMENT_STATE_MACHINE_ARN, res.state_machine(names.COMMENT_STATE_MACHINE)
    )


@dataclass(frozen=True)
class AssessCommentSettings:
    counters_table: str = env(names.ENV_COUNTERS_TABLE, res.table(names.COUNTERS_TABLE))
    comment_policy: str = env(names.ENV_COMMENT_POLICY_JSON, res.COMMENT_POLICY)


@dataclass(frozen=True)
class ScreenCommentSettings:
    comment_policy: str = env(names.ENV_COMMENT_POLICY_JSON, res.COMMENT_POLICY)


@dataclass(frozen=True)
class HttpApiSettings:
    uploads_bucket: str = env(names.ENV_UPLOADS_BUCKET, res.UPLOADS_BUCKET)
    max_upload_bytes: int = env(names.ENV_MAX_UPLOAD_BYTES, res.MAX_UPLOAD_BYTES)
    photos_table: str = env(names.ENV_PHOTOS_TABLE, res.table(names.PHOTOS_TABLE))
    event_bus_name: str = env(names.ENV_EVENT_BUS_NAME, res.EVENT_BUS)
    search_backend: str = env(names.ENV_SEARCH_BACKEND, res.SEARCH_BACKEND)
    search_endpoint: str = env(names.ENV_SEARCH_ENDPOINT, res.SEARCH_ENDPOINT)
    aws_region: str = env(names.ENV_AWS_REGION, res.RUNTIME_REGION)
    comment_policy: str = env(names.ENV_COMMENT_POLICY_JSON, res.COMMENT_POLICY)  # GET /insights escalations
    # Reviews: decide (SendTaskSuccess), appeal and release (re-enter the image workflow), take down.
    reviews_table: str = env(names.ENV_REVIEWS_TABLE, res.table(names.REVIEWS_TABLE))
    decisions_table: str = env(names.ENV_DECISIONS_TABLE, res.table(names.DECISIONS_TABLE))
    image_state_machine_arn: str = env(names.ENV_IMAGE_STATE_MACHINE_ARN, res.state_machine(names.IMAGE_STATE_MACHINE))
    moderation_policy: str = env(names.ENV_POLICY_JSON, res.MODERATION_POLICY)  # the review timeout
    quarantine_retention_days: int = env(names.ENV_QUARANTINE_RETENTION_DAYS, res.QUARANTINE_RETENTION_DAYS)
    # The gallery's public reads: a design page's comments and meter.
    comments_table: str = env(names.ENV_COMMENTS_TABLE, res.table(names.COMMENTS_TABLE))
    meters_table: str = env(names.ENV_METERS_TABLE, res.table(names.METERS_TABLE))
    insights_min_comments: int = tunable(names.ENV_INSIGHTS_MIN_COMMENTS, 5)  # scored comments to rank a designer


@dataclass(frozen=True)
class RequestReviewSettings:
    reviews_table: str = env(names.ENV_REVIEWS_TABLE, res.table(names.REVIEWS_TABLE))
    alerts_topic_arn: str = env(names.ENV_ALERTS_TOPIC_ARN, res.ALERTS_TOPIC)
    console_url: str = env(names.ENV_CONSOLE_URL, res.CONSOLE_URL)
    review_url: str = env(names.ENV_REVIEW_URL, res.REVIEW_URL)


@dataclass(frozen=True)
class ReportStrayObjectSettings:
    uploads_bucket: str = env(names.ENV_UPLOADS_BUCKET, res.UPLOADS_BUCKET)
    alerts_topic_arn: str = env(names.ENV_ALERTS_TOPIC_ARN, res.ALERTS_TOPIC)


@dataclass(frozen=True)
class PublishLiveSettings:
    photos_table: str = env(names.ENV_PHOTOS_TABLE, res.table(names.PHOTOS_TABLE))
    comments_table: str = env(names.ENV_COMMENTS_TABLE, res.table(names.COMMENTS_TABLE))
    meters_table: str = env(names.ENV_METERS_TABLE, res.table(names.METERS_TABLE))
    events_http_url: str = env(names.ENV_EVENTS_HTTP_URL, res.EVENTS_HTTP_URL)
    aws_region: str = env(names.ENV_AWS_REGION, res.RUNTIME_REGION)  # signs the AppSync Events requests


@dataclass(frozen=True)
class PostConfirmationSettings:
    aws_region: str = env(names.ENV_AWS_REGION, res.RUNTIME_REGION)


@dataclass(frozen=True)
class ReconcileSettings:
    uploads_bucket: str = env(names.ENV_UPLOADS_BUCKET, res.UPLOADS_BUCKET)
    decisions_table: str = env(names.ENV_DECISIONS_TABLE, res.table(names.DECISIONS_TABLE))
    photos_table: str = env(names.ENV_PHOTOS_TABLE, res.table(names.PHOTOS_TABLE))
    comments_table: str = env(names.ENV_COMMENTS_TABLE, res.table(names.COMMENTS_TABLE))
    meters_table: str = env(names.ENV_METERS_TABLE, res.table(names.METERS_TABLE))
    image_state_machine_arn: str = env(names.ENV_IMAGE_STATE_MACHINE_ARN, res.state_machine(names.IMAGE_STATE_MACHINE))
    comment_state_machine_arn: str = env(
        names.ENV_COMMENT_STATE_MACHINE_ARN, res.state_machine(names.COMMENT_STATE_MACHINE)
    )
    search_backend: str = env(names.ENV_SEARCH_BACKEND, res.SEARCH_BACKEND)
    search_endpoint: str = env(names.ENV_SEARCH_ENDPOINT, res.SEARCH_ENDPOINT)
    aws_region: str = env(names.ENV_AWS_REGION, res.RUNTIME_REGION)


# -- policy documents -------------------------------------------------------------------------------

_POLICY_CHECKS: dict[str, Callable[[str], object]] = {
    "moderation_policy": Policy.load,
    "comment_policy": CommentPolicy.load,
}


def policy_document(name: str) -> str:
    """config/<name>.json, validated by the code that will read it, as compact JSON (what targets set)."""
    document = json.loads((CONFIG_DIR / f"{name}.json").read_text(encoding="utf-8"))
    text = json.dumps(document, separators=(",", ":"), sort_keys=True)
    _POLICY_CHECKS[name](text)  # raises on a document the function would refuse
    return text


@cache
def moderation_policy(document: str) -> Policy:
    return Policy.load(document)


@cache
def comment_policy(document: str) -> CommentPolicy:
    return CommentPolicy.load(document)


def default_moderation_policy() -> Policy:
    """The policy in config/ (what both targets deploy), for tools and tests outside a function."""
    return moderation_policy(policy_document("moderation_policy"))


def default_comment_policy() -> CommentPolicy:
    return comment_policy(policy_document("comment_policy"))


_CACHES = (moderation_policy, comment_policy)
