"""Work moto repeats that changes nothing, done once instead (found by `bench/bench_pipeline.py --profile`).

Unlike salon/local/moto_quirks.py these change no behaviour: what moto answers stays the same.
- Every execution re-parses its state machine's ASL with ANTLR (a third of the engine's CPU per upload):
  each definition is parsed once. The parsed program is shared by the executions of that definition; its
  components keep their run state in each execution's Environment (keyed by the component's `heap_key`),
  and the one value a component sets on itself, that key, is set before the program is shared.
- Every request to the moto server lists moto's package folder to tell a service host from another
  (`backends.list_of_moto_modules`): the list is read once.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

_applied = False
PARSED_DEFINITIONS = 64  # state machine definitions kept parsed (the stack has two; tests make a few more)


def components(root: Any) -> list[Any]:
    """Every evaluation component reachable from `root` (a parsed program), each once."""
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent

    seen: set[int] = set()
    todo, found = [root], []
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, EvalComponent):
            found.append(node)
        if isinstance(node, dict):
            todo.extend(node.values())
        elif isinstance(node, list | tuple | set | frozenset):
            todo.extend(node)
        elif hasattr(node, "__dict__") and type(node).__module__.startswith("moto.stepfunctions"):
            todo.extend(vars(node).values())
    return found


def set_heap_keys(root: Any) -> int:
    """Gives every evaluation component under `root` its heap key now; returns how many there are."""
    found = components(root)
    for component in found:
        _ = component.heap_key
    return len(found)


def _parse_each_definition_once() -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    parse = AmazonStateLanguageParser.parse

    @functools.lru_cache(maxsize=PARSED_DEFINITIONS)
    def parse_once(definition: str) -> tuple[Any, Any]:
        program, tree = parse(definition)
        set_heap_keys(program)
        return program, tree

    AmazonStateLanguageParser.parse = staticmethod(parse_once)  # type: ignore[method-assign]


def _list_moto_modules_once() -> None:
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())

    def listed() -> Iterable[str]:
        return modules

    backends.list_of_moto_modules = listed


def apply() -> None:
    global _applied
    if _applied:
        return
    _parse_each_definition_once()
    _list_moto_modules_once()
    _applied = True
