"""What the embedded stack keeps in memory for work that is over: bounded here, in one place.

moto keeps the whole evaluation environment of every finished Step Functions execution for as long as the
process lives: the event history (each state's input and output), the context object, the variables. That is
the stack's steady memory growth under traffic (roughly 0.1-0.5 MB per execution). moto also keeps every worker
thread it ever started in a list (`TMP_THREADS`), several per execution.

The bound: the `keep` most recently finished executions stay as moto left them; an older one has its history
written to a file under the stack's home (`<home>/history/`) and its environment replaced by a small stand-in
that reads the history back from that file. DescribeExecution, ListExecutions and GetExecutionHistory answer
exactly as before (AWS keeps a history 90 days; here it lasts as long as the stack, like every other state), a
finished execution cannot take a task token anyway (SendTaskFailure/Success/Heartbeat find no callback, as
before). Finished threads are dropped from moto's list at the same time. Nothing here changes what the
workflows do or what AWS runs.
"""

from __future__ import annotations

import collections
import hashlib
import json
import shutil
import threading
from pathlib import Path
from typing import Any

KEEP_IN_MEMORY = 50  # finished executions whose environment stays in memory (the console lists the last 50)

_lock = threading.Lock()
_installed = False
_current: HistoryRetention | None = None


class SpilledHistory:
    """Stands in for moto's EventManager of a retired execution: the history, read back from its file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get_event_history(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = json.loads(self.path.read_text("utf-8"))
        return events


class RetiredEnvironment:
    """What moto's backend still reads of a finished execution's environment, and nothing more."""

    def __init__(self, path: Path) -> None:
        from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackPoolManager
        from moto.stepfunctions.parser.asl.eval.environment import MapRunRecordPoolManager

        self.event_manager = SpilledHistory(path)
        self.callback_pool_manager = CallbackPoolManager(activity_store={})  # a finished execution awaits no token
        self.map_run_record_pool_manager = MapRunRecordPoolManager()

    def set_stop(self, *args: Any, **kwargs: Any) -> None:
        """StopExecution of a finished execution changes nothing."""


class HistoryRetention:
    """Keeps the `keep` most recently finished executions in memory and spills the history of older ones."""

    def __init__(self, directory: Path, keep: int = KEEP_IN_MEMORY) -> None:
        if keep < 0:
            raise ValueError("keep must be >= 0")
        self.directory, self.keep = directory, keep
        self._finished: collections.deque[Any] = collections.deque()
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
        path.write_text(json.dumps(env.event_manager.get_event_history(), separators=(",", ":")), "utf-8")
        worker.env = RetiredEnvironment(path)
        self.retired += 1

    def in_memory(self) -> int:
        with self._lock:
            return len(self._finished)


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
