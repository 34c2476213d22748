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

import contextvars
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..context import RequestContext, context_var, log_failure
from ..response import HTTPError, Response
from .base import Middleware, NextHandler

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["TimeoutMiddleware"]

#: The context's own attributes (its slots), copied to the worker's context and back.
_SLOTS = tuple(name for name in RequestContext.__slots__ if name != "__dict__")


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
        self._slots = threading.BoundedSemaphore(workers)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        pool = self._pool
        if pool is None:
            with self._pool_lock:
                pool = self._pool
                if pool is None:
                    pool = self._pool = ThreadPoolExecutor(
                        self.max_workers, thread_name_prefix="lcore-timeout"
                    )
        return pool

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        deadline = time.monotonic() + self.timeout
        worker_ctx = _clone(ctx)
        worker_ctx.state.update(deadline=deadline, timed_out=False)
        state = _Handover()
        if not self._slots.acquire(blocking=False):
            return _unavailable(
                "Every worker is busy with a request past its deadline", "server_busy"
            )
        try:
            future = self._executor().submit(_run, worker_ctx, next_handler, state, self._slots)
        except BaseException:  # the pool was shut down: nothing will release the slot
            self._slots.release()
            raise
        ctx.state.update(deadline=deadline, timed_out=False)
        return self._wait(ctx, worker_ctx, future, state)

    def _wait(
        self,
        ctx: RequestContext,
        worker_ctx: RequestContext,
        future: Future[Any],
        state: _Handover,
    ) -> Any:
        try:
            left = worker_ctx.state["deadline"] - time.monotonic()
            result = future.result(timeout=max(0.0, left))
        except FutureTimeout:
            with state.lock:
                if not state.done:
                    # NOTE: the worker's context keeps its own response object: what the
                    # handler still writes stays there, never in the answer sent here.
                    state.abandoned = True
                    worker_ctx.state["timed_out"] = True
                    ctx.state["timed_out"] = True
                    ctx.response = Response()
                    return _unavailable(
                        f"The request took longer than {self.timeout:g} seconds", "timeout"
                    )
            result = future.result()  # it finished while the deadline passed
        _adopt(ctx, worker_ctx)
        return result

    def shutdown(self, wait: bool = True) -> None:
        """Stop the worker threads (after the handlers still running, with ``wait``)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait)

    def __repr__(self) -> str:
        return f"TimeoutMiddleware(timeout={self.timeout:g}, max_workers={self.max_workers})"


class _Handover:
    """Who owns the worker's context: the waiting thread until the deadline, the worker
    after it (``abandoned``); ``done`` once the worker has returned."""

    __slots__ = ("abandoned", "done", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False
        self.abandoned = False


def _run(
    worker_ctx: RequestContext,
    next_handler: NextHandler,
    state: _Handover,
    slots: threading.BoundedSemaphore,
) -> Any:
    """The rest of the chain in a worker thread, with the worker's context bound."""

    def call() -> Any:
        context_var.set(worker_ctx)
        return next_handler(worker_ctx)

    try:
        return contextvars.copy_context().run(call)
    finally:
        with state.lock:
            state.done = True
            abandoned = state.abandoned
        slots.release()
        if abandoned:
            # Nobody will send what it answered: its clean-ups (scoped dependencies,
            # generator dependencies) run here, now that it has returned.
            try:
                worker_ctx.close()
            except Exception:
                log_failure("clean-up of a request past its deadline failed")


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
