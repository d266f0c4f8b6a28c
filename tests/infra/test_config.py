"""Deployment settings from CDK context: typed, validated, with safe defaults."""

from __future__ import annotations

import pytest

from infra.config import CONTEXT_KEYS, ConfigError, DeployConfig
from infra.search import domain_name

pytestmark = pytest.mark.infra


def test_defaults_keep_data_and_need_no_context() -> None:
    config = DeployConfig.from_mapping({})
    assert config.retain_data is True
    assert config.owner_email == ""
    assert config.stack_name == "SalonInsights"


def test_cli_strings_are_parsed() -> None:
    config = DeployConfig.from_mapping(
        {
            "retainData": "false",
            "logRetentionDays": "90",
            "ownerEmail": "owner@salon.example",
            "searchInstanceCount": "2",
        }
    )
    assert (config.retain_data, config.log_retention_days, config.search_instance_count) == (False, 90, 2)
    assert config.owner_email == "owner@salon.example"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ownerEmail", "not-an-email"),
        ("retainData", "maybe"),
        ("logRetentionDays", "31"),
        ("quarantineRetentionDays", "0"),
        ("searchInstanceCount", "ten"),
        ("ownerPhone", "0612345678"),
    ],
)
def test_bad_values_are_refused_by_name(key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"salon:{key}"):
        DeployConfig.from_mapping({key: value})


def test_context_keys_are_in_cdk_json() -> None:
    from infra.app import cdk_json_context

    assert set(CONTEXT_KEYS) - set(cdk_json_context()) <= {
        "salon:stackName",
        "salon:maxUploadBytes",
        "salon:galleryUrl",
    }


@pytest.mark.parametrize(
    ("stack", "expected"),
    [("SalonInsights", "saloninsights-search"), ("Salon-Dev_2", "salon-dev-2-search"), ("9Lives", "s-9lives-search")],
)
def test_domain_names_are_valid(stack: str, expected: str) -> None:
    name = domain_name(stack)
    assert name == expected
    assert 3 <= len(name) <= 28 and name[0].isalpha()


def test_quarantine_retention_must_outlive_a_review() -> None:
    from infra.storage import check_review_retention

    check_review_retention(DeployConfig(quarantine_retention_days=90), 7 * 86400)
    with pytest.raises(ValueError, match="quarantineRetentionDays"):
        check_review_retention(DeployConfig(quarantine_retention_days=8), 7 * 86400)
