"""Symbolic references to the resources and values a function setting or an ASL placeholder stands for.

The wiring (functions/wiring.py) and the settings models (functions/config.py) name resources with these;
each target resolves them: infra/ to CloudFormation values, salon/local/ to what it provisioned.
"""

from __future__ import annotations

from dataclasses import dataclass

from functions import names


@dataclass(frozen=True)
class Resource:
    """What a value is: `kind` says how a target finds it, `name` which one (empty when there is one)."""

    kind: str
    name: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}" if self.name else self.kind


def table(name: str) -> Resource:
    return Resource("table", name)


def function(name: str) -> Resource:
    return Resource("function", name)


def state_machine(name: str) -> Resource:
    return Resource("state-machine", name)


def literal(value: str) -> Resource:
    """A fixed value, the same on every target (a key prefix, an event source)."""
    return Resource("literal", value)


# Resources (ARNs or names resolve per target).
UPLOADS_BUCKET = Resource("bucket", names.UPLOADS_BUCKET)
ALERTS_TOPIC = Resource("topic", names.ALERTS_TOPIC)
EVENT_BUS = Resource("event-bus", names.EVENT_BUS)
PARTITION = Resource("partition")
# The search index: which engine, and where it is (OpenSearch domain endpoint; the embedded index's file).
SEARCH_BACKEND = Resource("search", "backend")
SEARCH_ENDPOINT = Resource("search", "endpoint")
# Deployment values and documents (the same validated policy JSON on every target).
MAX_UPLOAD_BYTES = Resource("value", "max-upload-bytes")
CONSOLE_URL = Resource("value", "console-url")  # base URL of execution links in emails
GALLERY_URL = Resource("value", "gallery-url")  # base URL of design links in emails
REVIEW_URL = Resource("value", "review-url")  # base URL of the owner's review page (photo id appended)
EVENTS_HTTP_URL = Resource("value", "events-http-url")  # AppSync Events: https://<http domain>/event
QUARANTINE_RETENTION_DAYS = Resource("value", "quarantine-retention-days")  # how long quarantined copies are kept
MODERATION_POLICY = Resource("policy", "moderation_policy")
COMMENT_POLICY = Resource("policy", "comment_policy")
# Set by the Lambda runtime itself (and by the embedded stack's process), never by the wiring.
RUNTIME_REGION = Resource("runtime", "AWS_REGION")
