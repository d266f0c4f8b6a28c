"""Fault injection on the embedded stack: off until a fault is added, one plan per stack.

Kinds (each an entry of the plan; several may be active at once):
- `function`: a function raises `error` (its errorType) for `count` invokes or a `rate` share of them; the
  engine sees a function error, as on AWS when the handler raises.
- `lambda-service`: the Invoke API itself answers `ServiceException` (500) or `TooManyRequestsException`
  (429) for that function; the workflow sees `Lambda.<error>`.
- `index-outage`: every search index call raises IndexUnavailableError for `seconds` from now (at the index
  adapter boundary, in every function of the stack's process).
- `dynamodb`: a `rate` share (or `count`) of DynamoDB API calls answered by moto's server gets `error`
  (ProvisionedThroughputExceededException or ThrottlingException), optionally only for `operations`.

Test hook: `POST /_salon/faults` on the local Lambda endpoint adds one (JSON as above, e.g.
`{"kind": "function", "function": "salon-index-document", "error": "IndexUnavailableError", "count": 2}`),
`GET /_salon/faults` lists active faults with the number of calls each failed, `DELETE /_salon/faults`
clears them all. `salon faults` does the same from the shell. AI throttling is the AI endpoint's own
`/_salon/script` hook (per operation, a queue of answers or a `rate`).
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from functions.ports import BulkResult, IndexUnavailableError, SearchIndex

KINDS = ("function", "lambda-service", "index-outage", "dynamodb")
LAMBDA_SERVICE_STATUS = {
    "ServiceException": 500,
    "TooManyRequestsException": 429,
    "EC2ThrottledException": 502,
    "ResourceNotReadyException": 502,
}
DYNAMODB_ERRORS = ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded")
DYNAMODB_TARGET = "DynamoDB_20120810."


class FaultSpecError(ValueError):
    """A fault description the plan cannot use; the hook answers 400 with this message."""


@dataclass
class Fault:
    kind: str
    error: str
    target: str | None = None  # function name (function, lambda-service)
    operations: tuple[str, ...] = ()  # DynamoDB operations (empty: all)
    count: int | None = None  # calls left to fail; None: no limit (rate decides)
    rate: float = 1.0
    until: float | None = None  # time.monotonic() deadline (index-outage)
    message: str = ""
    id: str = ""
    injected: int = 0

    def describe(self) -> dict[str, Any]:
        data = asdict(self)
        data["operations"] = list(self.operations)
        data["secondsLeft"] = None if self.until is None else max(0.0, round(self.until - time.monotonic(), 1))
        del data["until"]
        return data


def _number(spec: dict[str, Any], field: str, kind: type, low: float, high: float | None = None) -> Any:
    value = spec.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise FaultSpecError(f"{field} must be a {'whole ' if kind is int else ''}number")
    if value < low or (high is not None and value > high):
        raise FaultSpecError(f"{field} must be between {low} and {high}" if high is not None else f"{field} >= {low}")
    return kind(value)


def parse(spec: Any) -> Fault:
    """A fault from its JSON description; raises FaultSpecError with a clear reason."""
    if not isinstance(spec, dict):
        raise FaultSpecError("a fault is a JSON object with a 'kind'")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultSpecError(f"kind must be one of {', '.join(KINDS)}")
    count = _number(spec, "count", int, 1)
    rate = _number(spec, "rate", float, 0.0, 1.0)
    fault = Fault(kind=kind, error="", count=count, rate=1.0 if rate is None else rate, id=uuid.uuid4().hex[:8])
    fault.message = str(spec.get("message") or "")[:500]
    if kind in ("function", "lambda-service"):
        function = spec.get("function")
        if not isinstance(function, str) or not function:
            raise FaultSpecError(f"a {kind} fault names its 'function'")
        fault.target = function
        default = "InjectedFault" if kind == "function" else "ServiceException"
        fault.error = str(spec.get("error") or default)
        if kind == "lambda-service" and fault.error not in LAMBDA_SERVICE_STATUS:
            raise FaultSpecError(f"a lambda-service error is one of {', '.join(LAMBDA_SERVICE_STATUS)}")
        if not fault.error.isidentifier():
            raise FaultSpecError("error must be a Python identifier (it becomes the errorType)")
    elif kind == "index-outage":
        seconds = _number(spec, "seconds", float, 0.0, 3600.0)
        if seconds is None:
            raise FaultSpecError("an index-outage fault gives its 'seconds'")
        fault.until = time.monotonic() + seconds
        fault.error = IndexUnavailableError.__name__
    else:
        fault.error = str(spec.get("error") or DYNAMODB_ERRORS[0])
        if fault.error not in DYNAMODB_ERRORS:
            raise FaultSpecError(f"a dynamodb error is one of {', '.join(DYNAMODB_ERRORS)}")
        operations = spec.get("operations") or []
        if not isinstance(operations, list) or not all(isinstance(o, str) for o in operations):
            raise FaultSpecError("operations is a list of DynamoDB operation names")
        fault.operations = tuple(operations)
    if count is None and rate is None and kind != "index-outage":
        raise FaultSpecError("give a 'count' (the next N calls fail) or a 'rate' (that share of calls fails)")
    return fault


class FaultPlan:
    """The faults in force. Thread-safe; a seeded generator makes a run with rates repeatable."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._random = random.Random(seed)

    def add(self, spec: Any) -> Fault:
        fault = parse(spec)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.describe() for f in self._faults]

    def take(self, kind: str, target: str | None = None, operation: str | None = None) -> Fault | None:
        """The fault that fails this call, if any (and counts it)."""
        now = time.monotonic()
        with self._lock:
            for fault in self._faults:
                if fault.kind != kind or (fault.target is not None and fault.target != target):
                    continue
                if fault.operations and operation not in fault.operations:
                    continue
                if fault.until is not None and now >= fault.until:
                    continue
                if fault.count is not None and fault.count <= 0:
                    continue
                if fault.rate < 1.0 and self._random.random() >= fault.rate:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                fault.injected += 1
                return fault
        return None


# -- the search index boundary --------------------------------------------------------------------
class FaultyIndex(SearchIndex):
    """Wraps the real index adapter: while an index-outage fault is in force, every call raises."""

    def __init__(self, inner: SearchIndex, plan: FaultPlan) -> None:
        self.inner, self.plan = inner, plan

    def _reachable(self) -> SearchIndex:
        if self.plan.take("index-outage") is not None:
            raise IndexUnavailableError("search index unreachable (injected outage)")
        return self.inner

    def index(self, index: str, doc_id: str, document: dict[str, Any]) -> None:
        self._reachable().index(index, doc_id, document)

    def bulk(self, index: str, documents: list[tuple[str, dict[str, Any]]]) -> BulkResult:
        return self._reachable().bulk(index, documents)

    def get(self, index: str, doc_id: str) -> dict[str, Any] | None:
        return self._reachable().get(index, doc_id)

    def delete(self, index: str, doc_id: str) -> None:
        self._reachable().delete(index, doc_id)

    def count(self, index: str) -> int:
        return self._reachable().count(index)

    def ids(self, index: str) -> list[str]:
        return self._reachable().ids(index)

    def comment_span(self, period: Any) -> Any:
        return self._reachable().comment_span(period)

    def customer_rows(self, period: Any) -> Any:
        return self._reachable().customer_rows(period)

    def escalation_rows(self, period: Any, rule: Any, top: int, recent: int) -> Any:
        return self._reachable().escalation_rows(period, rule, top, recent)

    def design_stats(self, period: Any, top: int) -> Any:
        return self._reachable().design_stats(period, top)

    def designer_stats(self, period: Any) -> Any:
        return self._reachable().designer_stats(period)

    def weekly_positivity(self, period: Any) -> Any:
        return self._reachable().weekly_positivity(period)

    def weekly_sentiments(self, period: Any) -> Any:
        return self._reachable().weekly_sentiments(period)


# -- the Lambda endpoint ----------------------------------------------------------------------------
def function_error_payload(fault: Fault, function: str) -> dict[str, Any]:
    """What Lambda returns for an unhandled exception of type `fault.error` (X-Amz-Function-Error)."""
    message = fault.message or f"injected {fault.error} in {function}"
    return {
        "errorMessage": message,
        "errorType": fault.error,
        "requestId": str(uuid.uuid4()),
        "stackTrace": [f'  File "salon/local/faults.py", in {function}\n    raise {fault.error}({message!r})\n'],
    }


# -- moto's server (DynamoDB) ----------------------------------------------------------------------
def dynamodb_throttle(app: Callable[..., Iterable[bytes]], plan: FaultPlan) -> Callable[..., Iterable[bytes]]:
    """WSGI middleware around moto's server: throttles DynamoDB calls as the plan says."""

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if target.startswith(DYNAMODB_TARGET):
            fault = plan.take("dynamodb", operation=target.removeprefix(DYNAMODB_TARGET))
            if fault is not None:
                body = json.dumps(
                    {
                        "__type": f"com.amazonaws.dynamodb.v20120810#{fault.error}",
                        "message": fault.message or "The level of configured provisioned throughput was exceeded",
                    }
                ).encode()
                start_response(
                    "400 Bad Request",
                    [
                        ("Content-Type", "application/x-amz-json-1.0"),
                        ("Content-Length", str(len(body))),
                        ("x-amzn-RequestId", str(uuid.uuid4())),
                        ("x-amzn-ErrorType", fault.error),
                    ],
                )
                return [body]
        return app(environ, start_response)

    return middleware
