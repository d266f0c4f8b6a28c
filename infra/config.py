"""Deployment settings, read once from CDK context (cdk.json or ``-c key=value``) into a typed object."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from constructs import Node

PREFIX = "salon:"
DEFAULT_GALLERY_URL = "https://gallery.example/designs/"  # until the gallery is deployed
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ConfigError(ValueError):
    pass


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in {"true", "false"}:
        raise ConfigError(f"expected true or false, got {value!r}")
    return text == "true"


def _int(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        number = int(value)
        if not low <= number <= high:
            raise ConfigError(f"expected {low}..{high}, got {number}")
        return number

    return parse


RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)  # the values CloudWatch Logs accepts


def _retention(value: Any) -> int:
    number = int(value)
    if number not in RETENTION_DAYS:
        raise ConfigError(f"expected one of {RETENTION_DAYS}, got {number}")
    return number


def _email(value: Any) -> str:
    text = str(value or "").strip()
    if text and not _EMAIL.match(text):
        raise ConfigError(f"not an email address: {text!r}")
    return text


def _phone(value: Any) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"\+[1-9][0-9]{6,14}", text):
        raise ConfigError(f"not an E.164 phone number (+ and 7 to 15 digits): {text!r}")
    return text


@dataclass(frozen=True)
class DeployConfig:
    stack_name: str = "SalonInsights"
    owner_email: str = ""  # subscribed to the alert topics; empty: no subscription (a synth warning says so)
    retain_data: bool = True  # False: buckets, tables, domain and logs are deleted with the stack
    quarantine_retention_days: int = 90
    rejected_retention_days: int = 7
    log_retention_days: int = 30
    max_upload_bytes: int = 10 * 1024 * 1024
    search_instance_type: str = "t3.small.search"
    search_instance_count: int = 1
    search_volume_gib: int = 10
    gallery_url: str = ""  # design page base URL for escalation emails (empty: DEFAULT_GALLERY_URL)
    owner_phone: str = ""  # E.164 number: owner alerts by SMS too (an SNS SMS subscription); empty: none

    @property
    def site_origin(self) -> str:
        """The gallery site's origin (scheme://host[:port]) from gallery_url: the only origin CORS allows."""
        if not self.gallery_url.startswith("https://"):
            return ""
        return "https://" + self.gallery_url.removeprefix("https://").split("/", 1)[0].split("#", 1)[0]

    @classmethod
    def from_node(cls, node: Node) -> DeployConfig:
        return cls.from_mapping({key: node.try_get_context(PREFIX + key) for key in _PARSERS})

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> DeployConfig:
        parsed: dict[str, Any] = {}
        for key, parse in _PARSERS.items():
            field = _FIELDS[key]
            value = values.get(key)
            if value is None or value == "":
                continue
            try:
                parsed[field] = parse(value)
            except (ConfigError, ValueError) as exc:
                raise ConfigError(f"context {PREFIX}{key}: {exc}") from exc
        return cls(**parsed)


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "stackName": str,
    "ownerEmail": _email,
    "retainData": _bool,
    "quarantineRetentionDays": _int(1, 3650),
    "rejectedRetentionDays": _int(1, 3650),
    "logRetentionDays": _retention,
    "maxUploadBytes": _int(1024, 50 * 1024 * 1024),
    "searchInstanceType": str,
    "searchInstanceCount": _int(1, 10),
    "searchVolumeGiB": _int(10, 1024),
    "galleryUrl": str,
    "ownerPhone": _phone,
}
_FIELDS = {
    "stackName": "stack_name",
    "ownerEmail": "owner_email",
    "retainData": "retain_data",
    "quarantineRetentionDays": "quarantine_retention_days",
    "rejectedRetentionDays": "rejected_retention_days",
    "logRetentionDays": "log_retention_days",
    "maxUploadBytes": "max_upload_bytes",
    "searchInstanceType": "search_instance_type",
    "searchInstanceCount": "search_instance_count",
    "searchVolumeGiB": "search_volume_gib",
    "galleryUrl": "gallery_url",
    "ownerPhone": "owner_phone",
}
CONTEXT_KEYS = tuple(PREFIX + key for key in _PARSERS)
