"""The one bridge from async code to lcore's synchronous (WSGI) world: ``run_coroutine``
runs a coroutine to completion, and ``resolve`` does so for a value that may be one.

Async handlers, async middleware and async shutdown callbacks all cross here, so they
behave alike inside and outside a running event loop.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Coroutine
from types import CoroutineType
from typing import Any

__all__ = ["resolve", "run_coroutine"]


def run_coroutine(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to completion from synchronous code and return its result.

    In a thread without a running loop this is ``asyncio.run``; inside a running loop (a
    test client called from async code, a server that runs one) the coroutine gets a fresh
    thread with a copy of the context, so ``request`` and ``ctx`` work in it.

    Raises:
        BaseException: Whatever the coroutine raised, re-raised in the calling thread.
    """
    import asyncio  # NOTE: imported on first use; it costs ~40 ms at import time

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}
    context = contextvars.copy_context()

    def runner() -> None:
        try:
            box["value"] = context.run(asyncio.run, coro)
        except BaseException as exc:  # re-raised in the calling thread
            box["error"] = exc

    thread = threading.Thread(target=runner, name="lcore-async")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


_COROUTINE: type[Any] = CoroutineType


def resolve(value: Any) -> Any:
    """``value`` itself, or, when it is a coroutine, its result (see :func:`run_coroutine`)."""
    # PERF: an exact type check, not inspect.iscoroutine: this runs once per middleware
    # call on every request (bench/run.py, the middleware scenarios).
    if type(value) is _COROUTINE:
        return run_coroutine(value)
    return value
