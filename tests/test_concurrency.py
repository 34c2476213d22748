"""concurrency: the one async-to-sync bridge, used alike by async handlers, async
middleware and async shutdown callbacks, inside and outside a running event loop."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from lcore import Lcore, Middleware, MiddlewareHook, RequestContext, TestClient, ctx, request
from lcore.concurrency import resolve, run_coroutine
from lcore.middleware.base import NextHandler


async def _answer(value: int) -> int:
    await asyncio.sleep(0)
    return value


async def _fail() -> None:
    await asyncio.sleep(0)
    raise LookupError("from the coroutine")


def test_run_coroutine_without_a_loop_runs_in_this_thread() -> None:
    async def where() -> str:
        return threading.current_thread().name

    assert run_coroutine(where()) == threading.current_thread().name


def test_run_coroutine_inside_a_running_loop_uses_another_thread() -> None:
    async def where() -> str:
        return threading.current_thread().name

    async def main() -> str:
        return run_coroutine(where())

    assert asyncio.run(main()) == "lcore-async"


@pytest.mark.parametrize("inside_a_loop", [False, True])
def test_run_coroutine_raises_what_the_coroutine_raised(inside_a_loop: bool) -> None:
    async def main() -> None:
        run_coroutine(_fail())

    with pytest.raises(LookupError, match="from the coroutine"):
        if inside_a_loop:
            asyncio.run(main())
        else:
            run_coroutine(_fail())


def test_resolve_passes_plain_values_through_and_runs_coroutines() -> None:
    marker = object()
    assert resolve(marker) is marker
    assert resolve(None) is None
    assert resolve(_answer(7)) == 7


class _AsyncHook(MiddlewareHook):
    async def pre(self, ctx: RequestContext) -> Any:
        await asyncio.sleep(0)
        ctx.seen_by_pre = request.path

    async def post(self, ctx: RequestContext, result: Any) -> Any:
        await asyncio.sleep(0)
        return f"{result} via {ctx.seen_by_pre}"


class _AsyncWrapper(Middleware):
    phase = "pre"

    async def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:  # type: ignore[override]  # an async middleware, resolved by the pipeline
        await asyncio.sleep(0)
        return next_handler(ctx)


def _app_with_async_middleware() -> Lcore:
    app = Lcore()
    app.use(_AsyncHook())
    app.use(_AsyncWrapper())

    @app.get("/sync")
    def sync_handler() -> str:
        return f"sync {ctx.seen_by_pre}"

    return app


def test_async_middleware_outside_a_loop() -> None:
    response = TestClient(_app_with_async_middleware()).get("/sync")
    assert (response.status_code, response.text) == (200, "sync /sync via /sync")


def test_async_middleware_inside_a_running_loop() -> None:
    # Regression: the middleware's own bridge called asyncio.run() in the loop's thread,
    # which raises, so the request answered 500 where an async handler answered 200.
    app = _app_with_async_middleware()

    async def main() -> tuple[int, str]:
        response = TestClient(app).get("/sync")
        return response.status_code, response.text

    assert asyncio.run(main()) == (200, "sync /sync via /sync")
