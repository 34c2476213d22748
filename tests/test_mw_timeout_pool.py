"""TimeoutMiddleware's own worker pool: threads made on demand up to ``max_workers``,
daemon threads (a runaway handler does not keep the process alive), the request's
context variables seen by the handler, failures that escape the chain re-raised in the
request's thread (or logged when nobody waits any more), and a pool that can be shut
down and used again."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from lcore import Lcore, Middleware, RequestContext, TestClient, TimeoutMiddleware
from lcore.middleware.base import NextHandler

tenant: contextvars.ContextVar[str] = contextvars.ContextVar("tenant", default="none")


class SetTenant(Middleware):
    order = -10  # outside the timeout: set in the request's own thread

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        token = tenant.set("acme")
        try:
            return next_handler(ctx)
        finally:
            tenant.reset(token)


class Explode(Middleware):
    """Raises out of the chain (inside the timeout), as a buggy middleware would."""

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        if ctx.request.path == "/explode":
            time.sleep(float(ctx.request.query.get("sleep", "0")))
            raise LookupError("a bug in a middleware")
        return next_handler(ctx)


@pytest.fixture
def timeout() -> Iterator[TimeoutMiddleware]:
    middleware = TimeoutMiddleware(timeout=0.3, max_workers=3)
    yield middleware
    middleware.shutdown(wait=True)


def make_app(timeout: TimeoutMiddleware) -> Lcore:
    app = Lcore()
    app.config["error.format"] = "json"
    app.use(SetTenant())
    app.use(timeout)
    app.use(Explode())

    @app.get("/tenant")
    def which() -> dict[str, Any]:
        return {"tenant": tenant.get(), "thread": threading.current_thread().name}

    @app.get("/sleep/<seconds:float>")
    def sleep(seconds: float) -> str:
        time.sleep(seconds)
        return "slept"

    return app


def workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("lcore-timeout")]


def test_the_handler_sees_the_requests_context_variables(timeout: TimeoutMiddleware) -> None:
    answer = TestClient(make_app(timeout)).get("/tenant")
    assert answer.json["tenant"] == "acme"
    assert answer.json["thread"].startswith("lcore-timeout")
    assert tenant.get() == "none"  # nothing leaks into the caller's context


def test_threads_are_made_on_demand_daemons_and_bounded(timeout: TimeoutMiddleware) -> None:
    client = TestClient(make_app(timeout))
    before = set(workers())  # other tests' pools may still have threads
    for _ in range(20):
        assert client.get("/tenant").status_code == 200
    assert len(set(workers()) - before) == 1  # one at a time: one thread, reused
    answers: list[int] = []
    threads = [
        threading.Thread(target=lambda: answers.append(client.get("/sleep/0.1").status_code))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(workers()) - before) <= 3
    assert all(t.daemon for t in workers())
    assert sorted(answers).count(200) >= 3  # the rest were refused with a 503 at once
    assert set(answers) <= {200, 503}


def test_a_failure_escaping_the_chain_is_raised_in_the_requests_thread(
    timeout: TimeoutMiddleware,
) -> None:
    answer = TestClient(make_app(timeout)).get("/explode")
    assert answer.status_code == 500  # the app's funnel got the LookupError


def test_a_late_failure_is_logged(
    timeout: TimeoutMiddleware, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(make_app(timeout))
    with caplog.at_level(logging.ERROR, logger="lcore"):
        assert client.get("/explode?sleep=0.5").status_code == 503
        deadline = time.monotonic() + 3
        while not any("past its deadline failed" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline
            time.sleep(0.02)
    record = next(r for r in caplog.records if "past its deadline" in r.getMessage())
    assert record.exc_info is not None and isinstance(record.exc_info[1], LookupError)


def test_the_pool_can_be_shut_down_and_used_again(timeout: TimeoutMiddleware) -> None:
    before = set(workers())  # other tests' pools may still have threads
    client = TestClient(make_app(timeout))
    assert client.get("/tenant").status_code == 200
    first = set(workers()) - before
    assert len(first) == 1
    timeout.shutdown(wait=True)
    assert not any(t.is_alive() for t in first)
    assert client.get("/tenant").status_code == 200
