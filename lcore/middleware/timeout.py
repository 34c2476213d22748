"""TimeoutMiddleware: a deadline for the rest of the chain, answered with a 503 when it
passes.

Python cannot stop a thread, so this does not pretend to: the handler runs in a worker
thread of a bounded pool while the request's own thread waits for it up to the deadline.
Past it, the client gets a 503 at once, and the handler keeps running until it returns on
its own, on a copy of the request context, so whatever it still writes never reaches the
answer being sent. The handler can see its deadline (``ctx.deadline``, a
``time.monotonic()`` value) and whether it has passed (``ctx.timed_out``), so that long
work can stop itself. While every worker is busy with handlers that have not returned,
new requests get a 503 at once instead of queueing behind them.
"""

from __future__ import annotations

import _thread
import contextvars
import threading
import time
from queue import SimpleQueue
from typing import Any, ClassVar, Literal

from ..context import RequestContext, context_var, log_failure
from ..response import HTTPError, Response
from .base import Middleware, NextHandler, plain_call

__all__ = ["TimeoutMiddleware"]

#: The context's own attributes (its slots), copied to the worker's context and back.
_SLOTS = tuple(name for name in RequestContext.__slots__ if name != "__dict__")


@plain_call
class TimeoutMiddleware(Middleware):
    """Answer 503 when the rest of the chain takes longer than ``timeout`` seconds.

    Args:
        timeout: Seconds the handler (and the middleware inside this one) may take.
        max_workers: Threads that run handlers; also how many handlers past their
            deadline may still be running before new requests get a 503 at once. By
            default 32.

    Raises:
        ValueError: ``timeout`` is not positive, or ``max_workers`` below 1.
    """

    name: ClassVar[str | None] = "timeout"
    phase: ClassVar[Literal["pre", "post"]] = "post"
    order: int = -5

    def __init__(self, timeout: float = 30, max_workers: int | None = None) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
        workers = 32 if max_workers is None else max_workers
        if workers < 1:
            raise ValueError(f"max_workers must be at least 1, not {max_workers!r}")
        self.timeout: float = float(timeout)
        self.max_workers: int = workers
        self._workers: _Workers | None = None
        self._workers_lock = threading.Lock()

    def _pool(self) -> _Workers:
        workers = self._workers
        if workers is None:
            with self._workers_lock:
                workers = self._workers
                if workers is None:
                    workers = self._workers = _Workers(self.max_workers)
        return workers

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        deadline = time.monotonic() + self.timeout
        worker_ctx = _clone(ctx)
        worker_ctx.state.update(deadline=deadline, timed_out=False)
        pool = self._pool()
        job = _Job(worker_ctx, next_handler)
        if not pool.submit(job):
            return _unavailable(
                "Every worker is busy with a request past its deadline", "server_busy"
            )
        ctx.state.update(deadline=deadline, timed_out=False)
        # PERF: one lock as the signal, no Future, no Condition (bench: middleware.py,
        # TimeoutMiddleware).
        if not job.finished.acquire(timeout=max(0.0, deadline - time.monotonic())):
            with pool.lock:
                if not job.done:
                    # NOTE: the worker's context keeps its own response object: what the
                    # handler still writes stays there, never in the answer sent here.
                    job.abandoned = True
                    worker_ctx.state["timed_out"] = True
                    ctx.state["timed_out"] = True
                    ctx.response = Response()
                    return _unavailable(
                        f"The request took longer than {self.timeout:g} seconds", "timeout"
                    )
            job.finished.acquire()  # it finished while the deadline passed
        _adopt(ctx, worker_ctx)
        if job.error is not None:
            raise job.error
        return job.result

    def shutdown(self, wait: bool = True) -> None:
        """Stop the worker threads (after the handlers still running, with ``wait``)."""
        with self._workers_lock:
            workers, self._workers = self._workers, None
        if workers is not None:
            workers.shutdown(wait)

    def __repr__(self) -> str:
        return f"TimeoutMiddleware(timeout={self.timeout:g}, max_workers={self.max_workers})"


class _Job:
    """One handing over of the rest of the chain to a worker. ``finished`` is held until
    the worker has returned; ``done`` and ``abandoned`` (read and written under the
    pool's lock) tell who owns the worker's context: the waiting thread until the
    deadline, the worker after it."""

    __slots__ = (
        "abandoned",
        "context",
        "done",
        "error",
        "finished",
        "next_handler",
        "result",
        "worker_ctx",
    )

    def __init__(self, worker_ctx: RequestContext, next_handler: NextHandler) -> None:
        self.worker_ctx = worker_ctx
        self.next_handler = next_handler
        # The waiting thread's context variables, as the handler would have seen them.
        self.context = contextvars.copy_context()
        self.finished = _thread.allocate_lock()
        self.finished.acquire()
        self.done = False
        self.abandoned = False
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> Any:
        """The rest of the chain, with the worker's context bound (in the worker)."""
        context_var.set(self.worker_ctx)
        return self.next_handler(self.worker_ctx)


class _Workers:
    """At most ``size`` daemon threads, started when a job finds none idle, taking jobs
    from one queue. A job is refused (``submit`` is false) while ``size`` jobs have not
    returned, so handlers past their deadline cannot take more threads than that.
    Daemon threads: a handler that never returns does not keep the process alive."""

    # PERF: a SimpleQueue and plain locks instead of ThreadPoolExecutor, Future and a
    # semaphore: about half the handing over's CPU time (bench: middleware.py,
    # TimeoutMiddleware).

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = _thread.allocate_lock()
        self._jobs: SimpleQueue[_Job | None] = SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._busy = 0

    def submit(self, job: _Job) -> bool:
        """Queue ``job`` for a worker, starting one if none is idle; false when ``size``
        jobs are still running."""
        with self.lock:
            if self._busy >= self.size:
                return False
            self._busy += 1
            if self._idle:
                self._idle -= 1
                start = False
            else:
                start = True
        if start:
            thread = threading.Thread(
                target=self._work, name=f"lcore-timeout-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        self._jobs.put(job)
        return True

    def _work(self) -> None:
        jobs, lock = self._jobs, self.lock
        while True:
            job = jobs.get()
            if job is None:
                return
            try:
                job.result = job.context.run(job.run)
            except BaseException as exc:  # re-raised in the waiting thread
                job.error = exc
            with lock:
                job.done = True
                abandoned = job.abandoned
                self._busy -= 1
                self._idle += 1
            if abandoned:
                # Nobody will send what it answered: its clean-ups (scoped dependencies,
                # generator dependencies) run here, now that it has returned.
                if job.error is not None:
                    error, job.error = job.error, None
                    _log_late_failure(error, "a request past its deadline failed")
                try:
                    job.worker_ctx.close()
                except Exception:
                    log_failure("clean-up of a request past its deadline failed")
            job.finished.release()

    def shutdown(self, wait: bool) -> None:
        """Let every thread finish its job and stop (joined with ``wait``)."""
        for _ in self._threads:
            self._jobs.put(None)
        if wait:
            for thread in self._threads:
                thread.join()


def _log_late_failure(error: BaseException, message: str) -> None:
    """Log ``error`` (not being handled here) on the ``lcore`` logger, with its traceback."""
    import logging

    logging.getLogger("lcore").error(message, exc_info=error)


def _clone(ctx: RequestContext) -> RequestContext:
    """The worker's context: the request's attributes and state, its own clean-ups (run
    with the request's when it answers in time, by the worker itself when it does not,
    never while it still runs)."""
    clone = RequestContext.__new__(RequestContext)
    for name in _SLOTS:
        setattr(clone, name, getattr(ctx, name))
    clone.state.update(ctx.state)
    clone._cleanups = None
    return clone


def _adopt(ctx: RequestContext, worker_ctx: RequestContext) -> None:
    """What the chain set on the worker's context becomes the request's own."""
    before = ctx._cleanups
    for name in _SLOTS:
        setattr(ctx, name, getattr(worker_ctx, name))
    ctx.__dict__.update(worker_ctx.__dict__)
    added = worker_ctx._cleanups
    ctx._cleanups = (before or []) + (added or []) or None


def _unavailable(message: str, error_type: str) -> HTTPError:
    error = HTTPError(503, message, detail=[{"loc": [], "msg": message, "type": error_type}])
    error.set_header("Retry-After", "1")
    return error
