"""A blocking wait the embedded stack offers its clients: "tell me when this execution ends (or enters a state)".

On AWS a client learns that an execution ended by polling DescribeExecution (salon/client.py keeps that, with
backoff, as the fallback). Locally the engine runs in the stack's process, so it can say so the moment it happens:
the client's poll interval was most of the glue of one upload (the execution ended, the client slept on).

- `ExecutionSignals` is the registry of waiters. The engine's hooks (`install`) call `ended(arn)` when an execution
  terminates (any way: succeeded, failed, timed out, aborted) and `entered(arn, state)` when a state is entered,
  only doing work when someone waits on that execution.
- `WaitEndpoint` serves it on moto's port as `POST /salon-local/executions/wait` (JSON `executionArn`, optional
  `untilState`, `timeoutSeconds` up to MAX_WAIT_SECONDS): it answers `{"outcome": ...}` with "ended", "entered",
  "timeout" (ask again) or "stopping" (the stack is shutting down). With "ended" or "entered" comes the execution's
  DescribeExecution answer, as moto's server would write it: the client parses it with the SDK's own parser for that
  call, so it holds exactly what the call returns, without a second request (on AWS the client makes the call).
- `close()` (the stack's stop) wakes every waiter at once, so a blocked client never holds shutdown up.

A waiter registers before it looks at the execution's current state, so an end that happens in between is never
missed; an execution that does not exist yet (its event still on the way) is simply waited for.
"""

from __future__ import annotations

import calendar
import datetime
import json
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

PATH = "/salon-local/executions/wait"
MAX_WAIT_SECONDS = 20.0  # one wait at most (as SQS long polling): the client asks again until its own deadline
RUNNING = "RUNNING"
_ARN = re.compile(r"^arn:aws:states:[a-z0-9-]{1,30}:\d{12}:execution:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_.-]{1,80}$")
_STATE = re.compile(r"^[^\x00-\x1f]{1,80}$")

App = Callable[..., Iterable[bytes]]
Lookup = Callable[[str], Any]  # execution ARN -> moto's Execution, or None while it does not exist


class _Waiter:
    __slots__ = ("outcome", "until_state", "woken")

    def __init__(self, until_state: str | None) -> None:
        self.until_state, self.outcome, self.woken = until_state, "timeout", threading.Event()

    def wake(self, outcome: str) -> None:
        if not self.woken.is_set():
            self.outcome = outcome
            self.woken.set()


class ExecutionSignals:
    """Waiters per execution ARN, woken by the engine's hooks."""

    def __init__(self, lookup: Lookup) -> None:
        self._lookup = lookup
        self._lock = threading.Lock()
        self._waiters: dict[str, list[_Waiter]] = {}
        self._closed = False

    def watching(self, arn: str) -> bool:
        return arn in self._waiters  # a dict read: the engine's hooks call this for every event

    def waiting(self) -> int:
        with self._lock:
            return sum(len(w) for w in self._waiters.values())

    def ended(self, arn: str) -> None:
        with self._lock:
            waiters = self._waiters.pop(arn, [])
        for waiter in waiters:
            waiter.wake("ended")

    def entered(self, arn: str, state: str) -> None:
        with self._lock:
            waiters = self._waiters.get(arn, [])
            woken = [w for w in waiters if w.until_state == state]
            if woken:
                self._waiters[arn] = [w for w in waiters if w.until_state != state]
                if not self._waiters[arn]:
                    del self._waiters[arn]
        for waiter in woken:
            waiter.wake("entered")

    def close(self) -> None:
        """Wakes every waiter ("stopping"); later waits answer at once."""
        with self._lock:
            self._closed = True
            waiters = [w for group in self._waiters.values() for w in group]
            self._waiters.clear()
        for waiter in waiters:
            waiter.wake("stopping")

    def wait(self, arn: str, until_state: str | None = None, timeout: float = MAX_WAIT_SECONDS) -> str:
        """Blocks until the execution has ended ("ended"), is running in `until_state` ("entered"), the timeout
        passed ("timeout") or the stack stops ("stopping")."""
        waiter = _Waiter(until_state)
        with self._lock:
            if self._closed:
                return "stopping"
            self._waiters.setdefault(arn, []).append(waiter)
        now = self._current(arn, until_state)  # after registering: nothing that happens from here is missed
        if now is not None:
            waiter.wake(now)
        waiter.woken.wait(max(0.0, min(timeout, MAX_WAIT_SECONDS)))
        self._forget(arn, waiter)
        return waiter.outcome

    def _forget(self, arn: str, waiter: _Waiter) -> None:
        with self._lock:
            waiters = self._waiters.get(arn)
            if waiters and waiter in waiters:
                waiters.remove(waiter)
                if not waiters:
                    del self._waiters[arn]

    def execution(self, arn: str) -> Any:
        """moto's execution by ARN, or None."""
        return self._lookup(arn)

    def _current(self, arn: str, until_state: str | None) -> str | None:
        execution = self._lookup(arn)
        status = getattr(getattr(execution, "exec_status", None), "value", None)
        if execution is None or status is None:
            return None
        if status != RUNNING:
            return "ended"
        if until_state and until_state in entered_states(execution):
            return "entered"
        return None


def entered_states(execution: Any) -> list[str]:
    """The states a running moto execution has entered so far, from its event history."""
    env = getattr(getattr(execution, "exec_worker", None), "env", None)
    manager = getattr(env, "event_manager", None)
    if manager is None:
        return []
    events: list[dict[str, Any]] = manager.get_event_history()
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


_install_lock = threading.Lock()
_installed = False
_current: ExecutionSignals | None = None


def install(signals: ExecutionSignals | None) -> ExecutionSignals | None:
    """Makes the engine signal `signals` from now on (None: nobody); returns the one it replaces. The hooks go in
    once per process: an execution's environment is tagged with its ARN, its history's new events and its
    termination are reported."""
    global _installed, _current
    with _install_lock:
        previous, _current = _current, signals
        if _installed:
            return previous
        from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager
        from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication
        from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

        make_environment = ExecutionWorker._get_evaluation_environment

        def tagged_environment(self: Any) -> Any:
            env = make_environment(self)
            env.event_manager.salon_execution_arn = self._evaluation_details.execution_details.arn  # type: ignore[attr-defined]
            return env

        add_event = EventManager.add_event

        def reported_event(self: Any, *args: Any, **kwargs: Any) -> int:
            event_id: int = add_event(self, *args, **kwargs)
            signals_, arn = _current, getattr(self, "salon_execution_arn", None)
            if signals_ is not None and arn is not None and signals_.watching(arn):
                details = kwargs.get("event_details") if "event_details" in kwargs else _arg(args, 2)
                entered = (details or {}).get("stateEnteredEventDetails")
                if entered:
                    signals_.entered(arn, entered["name"])
            return event_id

        # Where the execution's final status is set, before anything else chained on its termination runs (the
        # history retention's spill of an older execution to disk): the waiter hears of the end first.
        reflect = BaseExecutionWorkerCommunication._reflect_execution_status

        def reported_end(self: Any) -> None:
            reflect(self)
            signals_ = _current
            if signals_ is not None:
                signals_.ended(self.execution.exec_arn)

        ExecutionWorker._get_evaluation_environment = tagged_environment  # type: ignore[method-assign]
        EventManager.add_event = reported_event  # type: ignore[method-assign]
        BaseExecutionWorkerCommunication._reflect_execution_status = reported_end  # type: ignore[method-assign]
        _installed = True
        return previous


def _arg(args: tuple[Any, ...], index: int) -> Any:
    return args[index] if len(args) > index else None


def moto_lookup(region: str, account: str) -> Lookup:
    """An execution of this stack's Step Functions backend by ARN (None while it does not exist)."""

    def lookup(arn: str) -> Any:
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        try:
            return stepfunctions_parser_backends[account][region].describe_execution(arn)
        except Exception:  # ExecutionDoesNotExist, or a state machine not (yet) there: nothing to report
            return None

    return lookup


class WaitEndpoint:
    """WSGI middleware: answers PATH itself, hands every other request to moto's server app."""

    def __init__(self, app: App, signals: ExecutionSignals, region: str, account: str) -> None:
        self.app, self.signals = app, signals
        self._prefix = f"arn:aws:states:{region}:{account}:execution:"

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, 405, {"message": "POST only"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 < length <= 4096:
            return _answer(start_response, 400, {"message": "a JSON body of at most 4096 bytes is required"})
        try:
            body = json.loads(environ["wsgi.input"].read(length))
            arn, state, timeout = parse_wait(body, self._prefix)
        except ValueError as exc:
            return _answer(start_response, 400, {"message": str(exc)})
        outcome = self.signals.wait(arn, state, timeout)
        answer: dict[str, Any] = {"outcome": outcome}
        if outcome in ("ended", "entered"):
            execution = self.signals.execution(arn)
            if execution is not None:
                answer["execution"] = described(execution)
        return _answer(start_response, 200, answer)


def epoch_seconds(value: datetime.datetime) -> float:
    """A date as the JSON protocol writes it: epoch seconds, truncated to the millisecond (as moto and AWS do)."""
    return calendar.timegm(value.utctimetuple()) + (value.microsecond // 1000) / 1000.0


def described(execution: Any) -> dict[str, Any]:
    """DescribeExecution's answer for a moto execution, as moto's server writes it (moto/stepfunctions/responses.py,
    the JSON protocol: dates as epoch seconds), so a client parses it with the SDK's own DescribeExecution parser and
    gets what the call returns. tests/api/test_execution_wait_endpoint.py compares the two."""
    status = execution.status
    answer: dict[str, Any] = {
        "executionArn": execution.exec_arn,
        "input": execution.execution_input,
        "name": execution.name,
        "startDate": epoch_seconds(execution.start_date),
        "stateMachineArn": execution.state_machine_arn,
        "status": status,
    }
    if status in ("SUCCEEDED", "ABORTED", "FAILED"):
        answer["stopDate"] = epoch_seconds(execution.stop_date)
    if status == "SUCCEEDED":
        output = execution.output
        if isinstance(output, str):
            answer["output"] = output
        elif output is not None:
            answer["output"] = json.dumps(output)
        answer["outputDetails"] = execution.output_details
    if execution.error is not None:
        answer["error"] = execution.error
    if execution.cause is not None:
        answer["cause"] = execution.cause
    return answer


def parse_wait(body: Any, prefix: str) -> tuple[str, str | None, float]:
    """(execution ARN, state or None, timeout) from a wait request; ValueError says what is wrong."""
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    arn, state, timeout = body.get("executionArn"), body.get("untilState"), body.get("timeoutSeconds", 0)
    if not isinstance(arn, str) or not _ARN.fullmatch(arn) or not arn.startswith(prefix):
        raise ValueError("executionArn must name an execution of this stack")
    if state is not None and (not isinstance(state, str) or not _STATE.fullmatch(state)):
        raise ValueError("untilState must be a state name (1-80 characters)")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 <= timeout <= MAX_WAIT_SECONDS:
        raise ValueError(f"timeoutSeconds must be a number from 0 to {MAX_WAIT_SECONDS:g}")
    return arn, state, float(timeout)


def _answer(start_response: Callable[..., Any], status: int, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    reason = {200: "OK", 400: "Bad Request", 405: "Method Not Allowed"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
