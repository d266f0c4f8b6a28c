"""The functional tier: each handler called directly, `handler(event, context)`, with the shared fakes
(tests/fakes.py) as its ports, the sample events of tests/events/, and no sockets at all."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import pytest_socket

from functions import adapters, config, wiring
from functions.resources import Resource
from salon.local.lambda_endpoint import FunctionRegistry, LambdaContext
from salon.local.provision import LocalValues

REGISTRY = FunctionRegistry()
# Read when a handler module is imported (Powertools Metrics), as Lambda has it before the first import.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "SalonInsights")
STATE_MACHINES = {
    w.state_machine: f"arn:aws:states:us-east-1:123456789012:stateMachine:{w.state_machine}" for w in wiring.WORKFLOWS
}
VALUES = LocalValues(
    REGISTRY,
    "arn:aws:sns:us-east-1:123456789012:salon-owner-alerts",
    STATE_MACHINES,
    ":memory:",
    "https://salon.example",
    "https://events.salon.example/event",
)


def value_of(resource: Resource) -> str:
    return "us-east-1" if resource.kind == "runtime" else VALUES(resource)


@pytest.fixture(autouse=True)
def no_sockets() -> Iterator[None]:
    pytest_socket.disable_socket(allow_unix_socket=False)
    yield
    pytest_socket.enable_socket()


@pytest.fixture
def function_env() -> Iterator[Callable[[str], dict[str, str]]]:
    """Sets a function's settings variables (as both targets would) for the test; restores the environment."""
    saved = dict(os.environ)

    def use(function_name: str) -> dict[str, str]:
        variables = {var: value_of(r) for var, r in wiring.function(function_name).environment.items()}
        os.environ.update(
            variables,
            POWERTOOLS_TRACE_DISABLED="true",
            POWERTOOLS_SERVICE_NAME=function_name,
        )
        config.reset()
        adapters.reset()
        return variables

    yield use
    os.environ.clear()
    os.environ.update(saved)
    config.reset()


@pytest.fixture
def context() -> Callable[[str], Any]:
    return lambda name: LambdaContext(function_name=name, invoked_function_arn=REGISTRY.arn(name))
