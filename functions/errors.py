"""Errors a workflow can Catch or Retry by name (the class name becomes the Lambda errorType)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

# AWS error codes that say "try again later" (throttling, a fault on the service's side).
TRANSIENT_AWS_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "SlowDown",
        "InternalError",
        "InternalServerError",
        "InternalServerException",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "TransactionConflictException",
        "TransactionInProgressException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


class InvalidEventError(Exception):
    """The event does not match its schema; retrying will not help."""


class TransientError(Exception):
    """A failure that may pass on its own (a service throttled, unreachable or failing on its side).

    Functions raise it so that the workflow retries the Task with backoff (Retry on "TransientError");
    every other error from a function is permanent: the workflow catches and records it.
    """


def is_transient(exc: BaseException) -> bool:
    """Throttled, 5xx or unreachable: an AWS client error, a connection failure, an index that says so."""
    from botocore.exceptions import ClientError, ReadTimeoutError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    if isinstance(exc, TransientError):
        return True
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return code in TRANSIENT_AWS_CODES or status >= 500
    if isinstance(exc, (BotoConnectionError, ReadTimeoutError, ConnectionError, TimeoutError)):
        return True
    return bool(getattr(exc, "transient", False))  # e.g. IndexingError(transient=True)


def retryable(handler: F) -> F:
    """Handler decorator: a transient failure leaves as TransientError (retried by the workflow), the rest as is."""

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except TransientError:
            raise
        except Exception as exc:
            if is_transient(exc):
                raise TransientError(f"{type(exc).__name__}: {exc}") from exc
            raise

    return wrapper  # type: ignore[return-value]
