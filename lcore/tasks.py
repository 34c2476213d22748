"""``BackgroundTaskPool``: fire-and-forget work on a bounded pool of threads, its failures
logged on the ``lcore`` logger."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .concurrency import resolve

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["BackgroundTaskPool", "TaskQueueFull", "task_name"]


class TaskQueueFull(RuntimeError):
    """:meth:`BackgroundTaskPool.submit` found the pool's queue full."""


class BackgroundTaskPool:
    """A pool of threads for work the caller does not wait for (emails, cache warming).

    Tasks run in submission order on at most ``max_workers`` threads, each with a copy of
    the submitter's context (so ``request`` and ``ctx`` still read the request that
    submitted it). An ``async def`` task is run to completion (:mod:`lcore.concurrency`).
    A task that raises is logged on the ``lcore`` logger with its name and traceback; its
    future holds the exception too. The threads are made on first use.

    The queue is bounded: at most ``max_workers + max_queue`` tasks are pending (running
    or waiting) at once; :meth:`submit` past that raises :class:`TaskQueueFull` at once
    rather than block the request that submits (shed the work, or retry later).

    Args:
        max_workers: Threads that run tasks (1 or more).
        max_queue: Tasks that may wait for a thread beyond those running (0 or more).
        name: Prefix of the threads' names.

    Raises:
        ValueError: ``max_workers`` below 1 or ``max_queue`` below 0.
    """

    def __init__(
        self, max_workers: int = 4, max_queue: int = 1000, name: str = "lcore-task"
    ) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be 1 or more")
        if max_queue < 0:
            raise ValueError("max_queue must be 0 or more")
        self.max_workers: int = max_workers
        self.max_queue: int = max_queue
        self.name: str = name
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._pending = 0
        self._closed = False

    @property
    def pending(self) -> int:
        """Tasks submitted and not yet done (running or waiting)."""
        return self._pending

    @property
    def closed(self) -> bool:
        """Whether :meth:`shutdown` was called: no task is accepted any more."""
        return self._closed

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Schedule ``fn(*args, **kwargs)``; an ``async def`` one is run to completion.

        Returns:
            The task's future: its result, or the exception it raised (also logged).

        Raises:
            TaskQueueFull: ``max_workers + max_queue`` tasks are pending already.
            RuntimeError: The pool was shut down.
        """
        return self.submit_named(task_name(fn), fn, *args, **kwargs)

    def submit_named(
        self, label: str, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> Future[Any]:
        """:meth:`submit`, with the ``label`` its failure is logged under.

        Raises:
            TaskQueueFull: ``max_workers + max_queue`` tasks are pending already.
            RuntimeError: The pool was shut down.
        """
        context = contextvars.copy_context()

        def task() -> Any:
            return resolve(fn(*args, **kwargs))

        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self.name}: the pool is shut down; {label} was not run")
            if self._pending >= self.max_workers + self.max_queue:
                raise TaskQueueFull(
                    f"{self.name}: {self._pending} tasks pending (max_workers={self.max_workers}"
                    f" + max_queue={self.max_queue}); {label} was not run"
                )
            executor = self._executor
            if executor is None:
                from concurrent.futures import ThreadPoolExecutor  # NOTE: on first use

                executor = self._executor = ThreadPoolExecutor(
                    max_workers=self.max_workers, thread_name_prefix=self.name
                )
            self._pending += 1
            try:
                future = executor.submit(context.run, task)
            except BaseException:
                self._pending -= 1
                raise
        future.add_done_callback(lambda done: self._finished(label, done))
        return future

    def _finished(self, label: str, future: Future[Any]) -> None:
        with self._lock:
            self._pending -= 1
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            import logging  # NOTE: on first use: `import lcore` stays light

            logging.getLogger("lcore").error(
                "background task %s failed",
                label,
                exc_info=(type(error), error, error.__traceback__),
            )

    def shutdown(self, wait: bool = True, cancel_pending: bool = False) -> None:
        """Stop accepting tasks; with ``wait``, return once every pending task is done.

        Args:
            wait: Block until the pending tasks have run.
            cancel_pending: Drop the tasks still waiting for a thread (running ones finish).
        """
        with self._lock:
            self._closed = True
            executor = self._executor
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=cancel_pending)

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{self._pending} pending"
        return f"<BackgroundTaskPool {self.name!r} max_workers={self.max_workers} {state}>"


def task_name(fn: Callable[..., Any]) -> str:
    """``module.qualname`` of a task (its ``repr`` without a qualname), for log lines."""
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    if qualname is None:
        return repr(fn)
    return f"{module}.{qualname}" if module else str(qualname)
