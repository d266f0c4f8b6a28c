"""Which failures inside a function the workflow retries (TransientError) and which it records as permanent."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from functions.errors import TransientError, is_transient, retryable
from functions.ports import IndexingError, IndexUnavailableError, transient_status


def client_error(code: str, status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


@pytest.mark.parametrize(
    "exc",
    [
        client_error("ProvisionedThroughputExceededException"),
        client_error("ThrottlingException"),
        client_error("SlowDown", 503),
        client_error("Whatever", 500),
        EndpointConnectionError(endpoint_url="http://index"),
        ConnectionRefusedError(),
        IndexingError("photos/1: 429 too many requests", transient=True),
        IndexUnavailableError("search index unreachable"),  # transient by its class, without saying so
    ],
)
def test_throttled_failing_or_unreachable_is_transient(exc):
    assert is_transient(exc)


@pytest.mark.parametrize(
    "exc",
    [
        client_error("AccessDeniedException"),
        client_error("ValidationException"),
        IndexingError("comments/1: 400 mapper_parsing_exception"),
        ValueError("bad input"),
    ],
)
def test_refusals_are_permanent(exc):
    assert not is_transient(exc)


def test_bulk_statuses_worth_retrying():
    assert [transient_status(s) for s in (429, 500, 503, None, "N/A", 400, 409)] == [True] * 5 + [False] * 2


def test_a_handler_raises_transient_error_by_name_and_keeps_permanent_errors():
    @retryable
    def throttled(event, context):
        raise client_error("ThrottlingException")

    @retryable
    def refused(event, context):
        raise ValueError("not retried")

    with pytest.raises(TransientError, match="ClientError") as caught:
        throttled({}, None)
    assert type(caught.value).__name__ == "TransientError"  # the Lambda errorType the ASL retries
    with pytest.raises(ValueError, match="not retried"):
        refused({}, None)
