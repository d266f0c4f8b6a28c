"""Where the embedded stack's memory is held: a census of moto's backends and of Python's live objects.

Not a test: `bench/soak.py --census N` prints, once a minute, the N containers of moto's backends (every list,
dict, set and deque attribute of every service backend in use) and the N object types whose size grew most
since the last sample, with the Python heap total beside the RSS. What grows with traffic shows up here by
name (`s3.buckets`, `logs.groups`, `sqs.queues`, ...), so a leak is found by reading, not by guessing.
"""

from __future__ import annotations

import gc
import sys
from collections import Counter, deque
from typing import Any

_CONTAINERS = (list, dict, set, frozenset, deque, tuple)
_STOP_TYPES = (type, type(sys), type(len), type(lambda: 0))


def deep_size(root: Any, seen: set[int]) -> int:
    """Bytes of `root` and everything it reaches that `seen` has not counted yet (classes, modules and functions
    are shared code, not data: not followed)."""
    total, stack = 0, [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _STOP_TYPES):
            continue
        seen.add(id(obj))
        try:
            total += sys.getsizeof(obj)
        except TypeError:
            continue
        stack.extend(gc.get_referents(obj))
        buffer = getattr(obj, "_value_buffer", None)  # moto's S3 key: bytes in a SpooledTemporaryFile
        file = getattr(buffer, "_file", None)
        if file is not None and hasattr(file, "getbuffer"):
            total += file.getbuffer().nbytes
    return total


def _backends() -> list[tuple[str, Any]]:
    from moto.core.base_backend import BackendDict

    found = []
    for backend_dict in list(BackendDict._instances):  # type: ignore[misc]
        for account, regional in list(backend_dict.items()):
            for region, backend in list(regional.items()):
                found.append((f"{backend_dict.service_name}[{account[-4:]}/{region}]", backend))
    return found


def moto_containers() -> dict[str, tuple[int, int]]:
    """`service.attribute` -> (length, bytes reached) for every container attribute of every backend in use."""
    seen: set[int] = set()
    sizes: dict[str, tuple[int, int]] = {}
    for label, backend in _backends():
        for attribute, value in list(vars(backend).items()):
            if isinstance(value, _CONTAINERS) or (hasattr(value, "__len__") and hasattr(value, "items")):
                try:
                    length = len(value)
                except TypeError:
                    continue
                sizes[f"{label}.{attribute}"] = (length, deep_size(value, seen))
    return sizes


def type_sizes() -> Counter[str]:
    """Bytes of live objects tracked by the collector, per type (shallow: each object's own size)."""
    sizes: Counter[str] = Counter()
    for obj in gc.get_objects():
        try:
            sizes[type(obj).__qualname__] += sys.getsizeof(obj)
        except TypeError:
            continue
    return sizes


class Census:
    """Prints what grew since the last sample: moto's containers, then the object types."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.containers: dict[str, tuple[int, int]] = {}
        self.types: Counter[str] = Counter()
        if top:
            self.containers, self.types = moto_containers(), type_sizes()

    def show(self) -> None:
        if not self.top:
            return
        gc.collect()
        containers, types = moto_containers(), type_sizes()
        grown = sorted(containers, key=lambda k: containers[k][1] - self.containers.get(k, (0, 0))[1], reverse=True)[
            : self.top
        ]
        total = sum(b for _, b in containers.values()) / 2**20
        print(f"    moto backends hold {total:.1f} MB; grew most since the last sample:", flush=True)
        for key in grown:
            (n, b), (n0, b0) = containers[key], self.containers.get(key, (0, 0))
            print(f"    {(b - b0) / 2**20:+8.2f} MB {n - n0:+7d} entries  {key} ({n} entries, {b / 2**20:.1f} MB)")
        print(f"    Python objects {sum(types.values()) / 2**20:.1f} MB (shallow); types grown most:", flush=True)
        for name, diff in (types - self.types).most_common(self.top):
            print(f"    {diff / 2**20:+8.2f} MB  {name}")
        for name, _ in (types - self.types).most_common(3):
            show_holders(name)
        self.containers, self.types = containers, types


def holder_chain(obj: Any, ignore: set[int], depth: int = 14) -> list[str]:
    """One path of referrers from `obj` towards whatever keeps it alive (a module, a class, a thread's frame)."""
    chain: list[str] = []
    current = obj
    seen = {id(obj)}
    skip = {id(chain), id(seen), *ignore}
    scratch: list[Any] = []  # the traversal's own lists, kept alive so that their ids stay theirs
    skip.add(id(scratch))
    for _ in range(depth):
        here = sys._getframe()
        referrers = gc.get_referrers(current)
        candidates: list[Any] = []
        scratch += [referrers, candidates]
        skip.update((id(referrers), id(candidates)))
        for r in referrers:
            if id(r) not in seen and id(r) not in skip and r is not here:
                candidates.append(r)
        if not candidates:
            chain.append("(no referrer)")
            break
        nxt = candidates[0]
        seen.add(id(nxt))
        label = type(nxt).__qualname__
        if isinstance(nxt, dict):
            key = "?"
            for k, v in nxt.items():
                if v is current:
                    key = repr(k)[:40]
                    break
            label += f"[{key}] (len {len(nxt)}, {len(candidates)} referrers)"
        elif type(nxt).__name__ == "frame":
            label += f" {'/'.join(nxt.f_code.co_filename.rsplit('/', 3)[-3:])}:{nxt.f_lineno}"
            chain.append(label)
            break
        elif type(nxt).__name__ == "module":
            chain.append(f"module {nxt.__name__}")
            break
        elif isinstance(nxt, (list, tuple, deque, set)):
            label += f"(len {len(nxt)})"
        chain.append(label)
        current = nxt
    return chain


def show_holders(type_name: str, samples: int = 3) -> None:
    found = []
    for o in gc.get_objects():
        if type(o).__qualname__ == type_name:
            found.append(o)
    print(f"    {len(found)} live {type_name}; held by:", flush=True)
    for i in range(1, samples + 1):
        if len(found) >= i:
            print("      " + " <- ".join(holder_chain(found[-i], {id(found)})), flush=True)
