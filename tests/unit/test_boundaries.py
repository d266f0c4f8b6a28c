"""Packaging follows the boundaries: what ships to Lambda (functions/) imports nothing local-only, infra/ never
imports the local stack, and the Lambda requirements are the pyproject's `lambda` group, pinned."""

from __future__ import annotations

import ast
import re
import sys
import tomllib

import pytest
from packaging.requirements import Requirement

from tests.conftest import REPO_ROOT

FIRST_PARTY = {"functions", "salon", "infra", "workflows", "tests", "dashboards", "bench"}
# package -> first-party packages it must never import (at module level or inside a function)
FORBIDDEN = {
    "functions": {"salon", "infra", "workflows", "tests", "dashboards", "bench"},
    "infra": {"salon", "tests", "bench"},
    "workflows": {"functions", "salon", "infra", "tests"},
}
# What the Lambda runtime has: the standard library and the `lambda` dependency group (import names).
LAMBDA_IMPORTS = {"aws_lambda_powertools", "boto3", "botocore", "fastjsonschema", "PIL", "opensearchpy"}


def imports_of(package: str) -> dict[str, set[str]]:
    """Top-level module names each file of the package imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO_ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(REPO_ROOT))] = names
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_crosses_a_boundary(package: str) -> None:
    crossings = {f: sorted(n & FORBIDDEN[package]) for f, n in imports_of(package).items() if n & FORBIDDEN[package]}
    assert crossings == {}


def module_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements run at import: the module's own, and those under `if` (TYPE_CHECKING) and `try`."""
    found: list[ast.stmt] = []
    for node in body:
        found.append(node)
        if isinstance(node, ast.If | ast.Try):
            found += module_level(node.body + node.orelse + getattr(node, "finalbody", []))
    return found


def module_graph(package: str) -> dict[str, set[str]]:
    """Which first-party modules of the package each of its modules imports at import time, type-only imports
    included (an import inside a function is deferred on purpose and not counted)."""
    graph: dict[str, set[str]] = {}
    for path in sorted((REPO_ROOT / package).rglob("*.py")):
        module = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts).removesuffix(".__init__")
        targets: set[str] = set()
        for node in module_level(ast.parse(path.read_text(encoding="utf-8")).body):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
            elif isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
        graph[module] = {t for t in targets if t.split(".")[0] == package}
    modules = set(graph)
    # `from pkg import sub` names the submodule; a module's own parent packages are imported with it anyway
    return {
        m: {t for t in ts if t in modules and t != m and not m.startswith(t + ".")}
        - {t.rsplit(".", 1)[0] for t in ts if t in modules}
        for m, ts in graph.items()
    }


def cycle_in(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle (as a path of modules), or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return []

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return []


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("package", ["functions", "salon", "infra"])
def test_no_import_cycles(package: str) -> None:
    """Ports and the domain import one way (ports hold their row types), type-only imports included."""
    assert cycle_in(module_graph(package)) == []


def test_the_cycle_test_sees_type_only_imports() -> None:
    graph = module_graph("functions")
    assert "functions.ports" in graph["functions.domain.insights"]  # the domain answers through the port


def test_the_lambda_package_imports_only_what_the_runtime_has() -> None:
    allowed = set(sys.stdlib_module_names) | LAMBDA_IMPORTS | {"functions"}
    extra = {f: sorted(n - allowed) for f, n in imports_of("functions").items() if n - allowed}
    assert extra == {}


def _pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            [spec] = req.specifier
            assert spec.operator == "==", f"{line}: functions/requirements.txt pins exactly"
            pins[re.sub(r"[-_.]+", "-", req.name).lower()] = spec.version
    return pins


def test_lambda_requirements_are_the_pyprojects_lambda_group_pinned() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    group = [Requirement(r) for r in project["optional-dependencies"]["lambda"]]
    text = (REPO_ROOT / "functions" / "requirements.txt").read_text(encoding="utf-8")
    direct, _, transitive = text.partition("# transitive")
    transitive = transitive.split("\n", 1)[1]  # past the heading line
    pins, transitive_pins = _pins(direct), _pins(transitive)
    wanted = {re.sub(r"[-_.]+", "-", r.name).lower(): r for r in group}
    assert set(pins) == set(wanted), "functions/requirements.txt's direct pins are the lambda group"
    for name, req in wanted.items():
        assert req.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside the lambda group's {req}"
    assert not set(pins) & set(transitive_pins)


def test_every_group_is_installed_by_dev() -> None:
    extras = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    assert {"lambda", "local", "ai", "dev"} <= set(extras)
    [self_ref] = [Requirement(r) for r in extras["dev"] if Requirement(r).name == "salon-insights"]
    assert self_ref.extras == {"lambda", "local", "ai"}


def test_infra_and_the_wiring_load_without_the_local_stack() -> None:
    """A fresh interpreter imports the wiring and every handler without salon/ (nor duckdb, moto)."""
    import subprocess

    code = (
        "import sys, importlib; from functions import wiring\n"
        "[importlib.import_module(f.handler.rsplit('.', 1)[0]) for f in wiring.FUNCTIONS]\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'salon', 'duckdb', 'moto', 'infra'})\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_no_issue_numbers_in_code_comments() -> None:
    """Comments and docstrings say what the code does; the tracker's numbers mean nothing to a reader."""
    pattern = re.compile(r"\bissue \d+", re.IGNORECASE)
    files = [p for d in ("functions", "salon", "infra", "workflows", "tests") for p in (REPO_ROOT / d).rglob("*.py")]
    found = [
        f"{p.relative_to(REPO_ROOT)}:{i}"
        for p in files
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []
