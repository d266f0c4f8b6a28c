"""What the embedded stack keeps in memory for work that is over (and for work that waits): bounded here.

moto keeps the whole evaluation environment of every finished Step Functions execution for as long as the
process lives: the event history (each state's input and output), the context object, the variables. That is
the stack's steady memory growth under traffic (roughly 0.1-0.5 MB per execution). moto also keeps every worker
thread it ever started in a list (`TMP_THREADS`), several per execution.

The bound: the `keep` most recently finished executions stay as moto left them; an older one has its history,
input and output written to a file under the stack's home (`<home>/history/`), its worker (the engine's copy of
the input, its callback pools, its logging session) replaced by a small stand-in that reads the history back from
that file, its input and output read back from the file when asked, and its snapshot of the state machine shared
with the other retired executions of the same definition (moto deep-copies the state machine for every
execution). DescribeExecution, ListExecutions and GetExecutionHistory answer exactly as before (AWS keeps a
history 90 days; here it lasts as long as the stack, like every other state), a finished execution cannot take a
task token anyway (SendTaskFailure/Success/Heartbeat find no callback, as before). Finished threads are dropped
from moto's list at the same time. Nothing here changes what the workflows do or what AWS runs.

moto also appends every model object it ever creates to a list on its class (`instances_tracked`, read only by
moto's own dashboard, `/moto-api/data.json`, and by S3's reset to close key buffers). moto copies a DynamoDB
item on every read (GetItem, Query, Scan, transactions) and every S3 object version on every ListObjectVersions
(bytes included), so that list held every copy ever made: the rest of the soak's growth, faster as the bucket
fills. `track_models_weakly` makes those lists hold their objects weakly: a copy is freed once moto is done
with it; the dashboard and the reset see every object that is still alive, as before.

Work that is not over yet is bounded too, without changing what it does:
- `pack_histories`: an execution's history events (each state's input and output, about 60 KB for an upload)
  are held as compressed JSON while the execution runs; an upload waiting days for the owner's review keeps
  about a quarter of that. GetExecutionHistory answers the same events (moto hands out deep copies anyway).
- `small_object_file_buffers`: an S3 object version that has rolled over to its temporary file keeps a
  256-byte write buffer instead of Python's 8 KB one (one per stored version, photos and renditions).
"""

from __future__ import annotations

import collections
import copy
import hashlib
import json
import shutil
import tempfile
import threading
import types
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from salon.local.config import KEEP_IN_MEMORY

_lock = threading.Lock()
_installed = False
_current: HistoryRetention | None = None
_weak_tracking = False


def _read(path: Path) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return record


class SpilledHistory:
    """Stands in for moto's EventManager of a retired execution: the history, read back from its file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get_event_history(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = _read(self.path)["history"]
        return events


class RetiredEnvironment:
    """What moto's backend still reads of a finished execution's environment, and nothing more."""

    _pools: tuple[Any, Any] | None = None

    def __init__(self, path: Path) -> None:
        self.event_manager = SpilledHistory(path)
        # a finished execution awaits no token and runs no map: empty pools, one pair for all retired executions
        self.callback_pool_manager, self.map_run_record_pool_manager = self._empty_pools()

    @classmethod
    def _empty_pools(cls) -> tuple[Any, Any]:
        if cls._pools is None:
            from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackPoolManager
            from moto.stepfunctions.parser.asl.eval.environment import MapRunRecordPoolManager

            cls._pools = CallbackPoolManager(activity_store={}), MapRunRecordPoolManager()
        return cls._pools

    def set_stop(self, *args: Any, **kwargs: Any) -> None:
        """StopExecution of a finished execution changes nothing."""


class RetiredWorker:
    """Stands in for moto's ExecutionWorker of a retired execution: its environment, and nothing of its run."""

    def __init__(self, env: RetiredEnvironment) -> None:
        self.env = env

    def stop(self, stop_date: Any, error: Any, cause: Any) -> None:
        self.env.set_stop(stop_date=stop_date, error=error, cause=cause)


class RetiredData:
    """Mixed into a retired execution's class: its input and output are read back from its file when asked
    (moto's Execution keeps them as parsed JSON, and the input twice)."""

    salon_record: Path

    @property
    def input_data(self) -> Any:
        return _read(self.salon_record)["input"]

    @property
    def execution_input(self) -> Any:
        return _read(self.salon_record)["executionInput"]

    @property
    def output(self) -> Any:
        return _read(self.salon_record)["output"]


_SPILLED = ("input_data", "execution_input", "output")
_retired_classes: dict[type, type] = {}


def _retired_class(cls: type) -> type:
    with _lock:
        if cls not in _retired_classes:
            _retired_classes[cls] = type(f"Retired{cls.__name__}", (RetiredData, cls), {})
        return _retired_classes[cls]


class HistoryRetention:
    """Keeps the `keep` most recently finished executions in memory and spills the history of older ones."""

    def __init__(self, directory: Path, keep: int = KEEP_IN_MEMORY) -> None:
        if keep < 0:
            raise ValueError("keep must be >= 0")
        self.directory, self.keep = directory, keep
        self._finished: collections.deque[Any] = collections.deque()
        self._snapshots: dict[str, Any] = {}  # one state-machine snapshot per definition
        self._lock = threading.Lock()
        self.retired = 0
        shutil.rmtree(directory, ignore_errors=True)  # histories never outlive the executions they belong to
        directory.mkdir(parents=True, exist_ok=True)

    def finished(self, execution: Any) -> None:
        with self._lock:
            self._finished.append(execution)
            old = [self._finished.popleft() for _ in range(max(0, len(self._finished) - self.keep))]
        for execution_ in old:
            self.retire(execution_)
        if old:
            prune_threads()

    def retire(self, execution: Any) -> None:
        worker: Any = getattr(execution, "exec_worker", None)
        env = getattr(worker, "env", None)
        if env is None or isinstance(env, RetiredEnvironment):
            return
        name = hashlib.sha256(str(execution.exec_arn).encode("utf-8")).hexdigest()[:32]
        path = self.directory / f"{name}.json"
        record = {key: getattr(execution, key, None) for key in _SPILLED}
        record["history"] = env.event_manager.get_event_history()
        path.write_text(json.dumps({_camel(k): v for k, v in record.items()}, separators=(",", ":")), "utf-8")
        execution.exec_worker = RetiredWorker(RetiredEnvironment(path))
        execution.salon_record = path
        execution.__class__ = _retired_class(type(execution))
        for key in _SPILLED:
            execution.__dict__.pop(key, None)
        execution.state_machine = self._shared_snapshot(execution.state_machine)
        self.retired += 1

    def _shared_snapshot(self, machine: Any) -> Any:
        """The first retired snapshot of the same state machine, unchanged since: the one all of them keep."""
        key = repr(sorted((k, repr(v)) for k, v in vars(machine).items() if k != "executions"))
        with self._lock:
            return self._snapshots.setdefault(key, machine)

    def in_memory(self) -> int:
        with self._lock:
            return len(self._finished)


def _camel(key: str) -> str:
    return {"input_data": "input", "execution_input": "executionInput"}.get(key, key)


def prune_threads() -> None:
    """moto appends every worker thread it starts to a module list and never removes one."""
    from moto.stepfunctions.parser import utils

    utils.TMP_THREADS[:] = [t for t in utils.TMP_THREADS if t.is_alive()]


def install(retention: HistoryRetention | None) -> HistoryRetention | None:
    """Makes `retention` the bound for executions finishing from now on (None: keep everything, moto's way).
    Returns the bound it replaces (a test restores it)."""
    global _installed, _current
    with _lock:
        previous, _current = _current, retention
        if _installed:
            return previous
        from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication

        original = BaseExecutionWorkerCommunication.terminated

        def terminated(self: Any) -> None:
            original(self)
            current = _current
            if current is not None:
                current.finished(self.execution)

        BaseExecutionWorkerCommunication.terminated = terminated  # type: ignore[method-assign]
        _installed = True
        return previous


class WeakInstances:
    """Stands in for a moto model class's `instances_tracked` list: append and iterate, holding objects weakly.

    Dead entries are dropped whenever the list has doubled since the last sweep, so it stays within twice the
    live objects (plus a few). An object that cannot be weakly referenced is held as moto held it."""

    SWEEP_AT_LEAST = 64

    def __init__(self, existing: Iterable[Any] = ()) -> None:
        self._lock = threading.Lock()
        self._refs: list[Callable[[], Any]] = []
        self._sweep_at = self.SWEEP_AT_LEAST
        for instance in existing:
            self.append(instance)

    def append(self, instance: Any) -> None:
        try:
            ref: Callable[[], Any] = weakref.ref(instance)
        except TypeError:
            ref = _Strong(instance)
        with self._lock:
            self._refs.append(ref)
            if len(self._refs) >= self._sweep_at:
                self._sweep_unlocked()

    def __iter__(self) -> Iterator[Any]:
        with self._lock:
            refs = list(self._refs)
        for ref in refs:
            instance = ref()
            if instance is not None:
                yield instance

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def sweep(self) -> None:
        """Drops the dead entries now (a test starts from the objects alive at its start)."""
        with self._lock:
            self._sweep_unlocked()

    def _sweep_unlocked(self) -> None:
        self._refs = [r for r in self._refs if r() is not None]
        self._sweep_at = max(self.SWEEP_AT_LEAST, 2 * len(self._refs))

    def held(self) -> int:
        """Entries held, dead ones not yet swept included (what the bound is about)."""
        with self._lock:
            return len(self._refs)


class _Strong:
    __slots__ = ("instance",)

    def __init__(self, instance: Any) -> None:
        self.instance = instance

    def __call__(self) -> Any:
        return self.instance


def track_models_weakly() -> None:
    """From now on every moto model class tracks its instances in a WeakInstances (moto's reset puts plain lists
    back: the next instance of the class converts its list again)."""
    global _weak_tracking
    with _lock:
        if _weak_tracking:
            return
        from moto.core.common_models import BaseModel
        from moto.core.model_instances import model_data

        convert = threading.Lock()

        def tracked(cls: type) -> WeakInstances:
            current = cls.__dict__.get("instances_tracked")
            if isinstance(current, WeakInstances):
                return current
            with convert:
                current = cls.__dict__.get("instances_tracked")
                if not isinstance(current, WeakInstances):
                    current = WeakInstances(current or ())
                    cls.instances_tracked = current  # type: ignore[attr-defined]
                return current

        def new(cls: type, *args: Any, **kwargs: Any) -> Any:
            instance = super(BaseModel, cls).__new__(cls)  # type: ignore[misc]
            tracked(cls).append(instance)
            return instance

        BaseModel.__new__ = staticmethod(new)  # type: ignore[assignment,method-assign]
        for models in model_data.values():
            for model in list(models.values()):
                if isinstance(model, type):
                    tracked(model)
        _weak_tracking = True


PACK_AT_BYTES = 512  # history events shorter than this as JSON stay as they are


class PackedEvents:
    """Stands in for an EventManager's list of history events: append, and deep copy (moto's only two uses);
    events of PACK_AT_BYTES or more are held as zlib-compressed JSON. An event that is not plain JSON is held as
    it came."""

    def __init__(self) -> None:
        self._events: list[Any] = []

    def append(self, event: dict[str, Any]) -> None:
        try:
            text = json.dumps(event, separators=(",", ":"))
        except (TypeError, ValueError):
            self._events.append(event)
            return
        self._events.append(zlib.compress(text.encode("utf-8"), 1) if len(text) >= PACK_AT_BYTES else event)

    def __len__(self) -> int:
        return len(self._events)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[dict[str, Any]]:
        return [
            json.loads(zlib.decompress(e)) if isinstance(e, bytes) else copy.deepcopy(e, memo) for e in self._events
        ]


def pack_histories() -> None:
    """From now on every new execution's EventManager keeps its events in a PackedEvents."""
    from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

    with _lock:
        if getattr(EventManager, "salon_packed", False):
            return
        original = EventManager.__init__

        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            self._history_event_list = PackedEvents()

        EventManager.__init__ = init  # type: ignore[method-assign]
        EventManager.salon_packed = True  # type: ignore[attr-defined]


OBJECT_FILE_BUFFER = 256


class ObjectSpool(tempfile.SpooledTemporaryFile):  # type: ignore[type-arg]
    """moto's store of one S3 object version's bytes, with a small write buffer once it is a file on disk."""

    def __init__(self, max_size: int = 0, *args: Any, **kwargs: Any) -> None:
        if not args:
            kwargs.setdefault("buffering", OBJECT_FILE_BUFFER)
        super().__init__(max_size, *args, **kwargs)


def small_object_file_buffers() -> None:
    """moto's S3 models make their SpooledTemporaryFiles through their `tempfile` global: an ObjectSpool from now."""
    import moto.s3.models as s3_models

    with _lock:
        if getattr(s3_models.tempfile, "SpooledTemporaryFile", None) is ObjectSpool:
            return
        module = types.ModuleType("tempfile", tempfile.__doc__)
        module.__dict__.update(vars(tempfile))
        module.SpooledTemporaryFile = ObjectSpool  # type: ignore[attr-defined]
        s3_models.tempfile = module  # type: ignore[attr-defined]
