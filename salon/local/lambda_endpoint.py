"""Local Lambda endpoint: the Invoke API for the handlers in functions/.

Handlers run in this process, in the caller's thread, with a Lambda-like context. A handler that raises
comes back as Lambda reports it: HTTP 200, `X-Amz-Function-Error: Unhandled` and a JSON payload with
`errorType`/`errorMessage`, so ASL Retry/Catch on custom errors behaves as on AWS. Service errors
(unknown function, throttling) come back as Lambda API errors and surface as `Lambda.<Code>`.
Faults injected through `/_salon/faults` (salon/local/faults.py) come back the same two ways.

Lambda gives each event an environment of its own; here every function shares this process and its threads.
Powertools' event handler keeps the request it is resolving in a class attribute (`BaseRouter.current_event`),
so two API requests resolved at once could read each other's body and claims: the local runtime resolves
one request at a time (`one_request_per_resolver`).
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from functions.wiring import FUNCTIONS
from salon.local import faults as fault_injection
from salon.local.httpserver import json_response

log = logging.getLogger(__name__)
Handler = Callable[[Any, Any], Any]


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that Powertools and handlers use."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


_RESOLVING = threading.RLock()


def one_request_per_resolver() -> None:
    """Serialises Powertools' `ApiGatewayResolver.resolve` (and its subclasses', which inherit it) in this
    process, as one Lambda environment handles one request at a time."""
    from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

    resolve = ApiGatewayResolver.resolve
    if getattr(resolve, "_one_at_a_time", False):
        return

    def resolve_alone(self: Any, event: Any, context: Any) -> Any:
        with _RESOLVING:
            return resolve(self, event, context)

    resolve_alone._one_at_a_time = True  # type: ignore[attr-defined]
    ApiGatewayResolver.resolve = resolve_alone  # type: ignore[method-assign]


class FunctionRegistry:
    """Function name -> handler, imported lazily on first invoke (a cold start)."""

    def __init__(
        self, specs: dict[str, str] | None = None, region: str = "us-east-1", account: str = "123456789012"
    ) -> None:
        one_request_per_resolver()
        self._specs = {fn.name: fn.handler for fn in FUNCTIONS} if specs is None else dict(specs)
        self._loaded: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self.region = region
        self.account = account
        self.invocations: dict[str, int] = {}

    def names(self) -> list[str]:
        return sorted(self._specs)

    def handler_path(self, name: str) -> str:
        """'module.attribute' of the function's handler."""
        return self._specs[name]

    def handler(self, name: str) -> Handler:
        with self._lock:
            if name not in self._loaded:
                module_name, attr = self._specs[name].rsplit(".", 1)
                self._loaded[name] = getattr(importlib.import_module(module_name), attr)
            return self._loaded[name]

    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{name}"

    def invoke(self, name: str, event: Any) -> Any:
        """Direct in-process call (used by the local HTTP API); raises what the handler raises."""
        self.invocations[name] = self.invocations.get(name, 0) + 1
        return self.handler(name)(event, LambdaContext(function_name=name, invoked_function_arn=self.arn(name)))


def function_name_from(path_name: str) -> str:
    """Accepts a name, a partial ARN or a full ARN, with or without a qualifier."""
    if ":function:" in path_name:
        path_name = path_name.split(":function:", 1)[1]
    return path_name.split(":", 1)[0]


def _service_error(code: str, message: str, status: int) -> Response:
    body = json.dumps({"Type": "User", "Message": message, "message": message})
    return json_response(body, status, {"x-amzn-ErrorType": code})


def _injected(plan: fault_injection.FaultPlan, name: str, headers: dict[str, str]) -> Response | None:
    """The answer an injected fault gives instead of running the function, if one is in force."""
    service_fault = plan.take("lambda-service", name)
    if service_fault is not None:
        status = fault_injection.LAMBDA_SERVICE_STATUS[service_fault.error]
        return _service_error(service_fault.error, service_fault.message or f"injected {service_fault.error}", status)
    function_fault = plan.take("function", name)
    if function_fault is not None:
        log.info("function %s: injected %s", name, function_fault.error)
        payload = fault_injection.function_error_payload(function_fault, name)
        return json_response(json.dumps(payload), 200, {**headers, "X-Amz-Function-Error": "Unhandled"})
    return None


def make_app(registry: FunctionRegistry, faults: fault_injection.FaultPlan | None = None) -> Callable[..., Any]:
    urls = Map([Rule("/2015-03-31/functions/<path:function>/invocations", endpoint="invoke", methods=["POST"])])
    plan = faults if faults is not None else fault_injection.FaultPlan()

    error = _service_error

    def invoke(request: Request, function: str) -> Response:
        name = function_name_from(function)
        if name not in registry.names():
            return error("ResourceNotFoundException", f"Function not found: {registry.arn(name)}", 404)
        try:
            event = json.loads(request.get_data() or b"null")
        except json.JSONDecodeError:
            return error("InvalidRequestContentException", "Could not parse request body into json", 400)
        headers = {"X-Amz-Executed-Version": "$LATEST", "Content-Type": "application/json"}
        injected = _injected(plan, name, headers)
        if injected is not None:
            return injected
        try:
            result = registry.invoke(name, event)
        except Exception as exc:  # a function error, reported the way Lambda reports it
            log.info("function %s raised %s: %s", name, type(exc).__name__, exc)
            payload = {
                "errorMessage": str(exc),
                "errorType": type(exc).__name__,
                "requestId": str(uuid.uuid4()),
                "stackTrace": traceback.format_exception(exc)[-5:],
            }
            return json_response(json.dumps(payload), 200, {**headers, "X-Amz-Function-Error": "Unhandled"})
        if request.headers.get("X-Amz-Invocation-Type") == "Event":
            return json_response(b"", 202, headers)
        return json_response(json.dumps(result, default=str), 200, headers)

    def fault_hook(request: Request) -> Response:
        if request.method == "DELETE":
            plan.clear()
        elif request.method == "POST":
            try:
                plan.add(json.loads(request.get_data() or b"null"))
            except (ValueError, fault_injection.FaultSpecError) as exc:  # JSONDecodeError is a ValueError
                return json_response(json.dumps({"message": str(exc)}), 400)
        return json_response(json.dumps({"faults": plan.describe()}))

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if request.path == "/_salon/faults":
            return fault_hook(request)(environ, start_response)
        adapter = urls.bind_to_environ(environ)
        try:
            _, args = adapter.match()
        except Exception:
            return error("UnknownOperationException", f"Unknown path {request.path}", 404)(environ, start_response)
        response = invoke(request, **args)
        return response(environ, start_response)

    return app
