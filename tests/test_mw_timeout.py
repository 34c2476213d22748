"""TimeoutMiddleware: a 503 past the deadline, a handler that keeps running on its own
context (never writing into the answer sent), the deadline visible to handlers, a bounded
pool of workers, clean-ups run once the abandoned handler returns."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Annotated

import pytest

from lcore import Depends, Lcore, TestClient, TimeoutMiddleware, abort, ctx, response


@pytest.fixture
def app() -> Iterator[Lcore]:
    app = Lcore()
    app.config["error.format"] = "json"
    middleware = TimeoutMiddleware(timeout=0.3, max_workers=2)
    app.use(middleware)
    yield app
    middleware.shutdown(wait=True)


def test_a_fast_handler_answers_with_what_it_set(app: Lcore) -> None:
    @app.get("/fast")
    def fast() -> dict[str, object]:
        response.set_header("X-Set", "yes")
        ctx.request_id = "r-1"
        ctx.note = "kept"
        return {"left": ctx.deadline - time.monotonic() > 0, "timed_out": ctx.timed_out}

    seen: list[object] = []
    app.hook("after_request")(lambda: seen.append((ctx.request_id, ctx.note)))
    answer = TestClient(app).get("/fast")
    assert answer.json == {"left": True, "timed_out": False}
    assert answer.headers["X-Set"] == "yes"
    assert seen == [("r-1", "kept")]


def test_a_sleeping_handler_gets_a_503_and_its_late_writes_are_dropped(app: Lcore) -> None:
    finished = threading.Event()

    @app.get("/slow")
    def slow() -> str:
        time.sleep(1.0)
        response.set_header("X-Late", "1")
        finished.set()
        return "too late"

    answer = TestClient(app).get("/slow")
    assert not finished.is_set()  # answered while the handler still ran
    assert answer.status_code == 503
    assert answer.json["detail"][0]["type"] == "timeout"
    assert answer.headers["Retry-After"] == "1"
    assert "X-Late" not in answer.headers
    assert finished.wait(2)  # Python cannot stop it: it ran to its end


def test_a_spinning_handler_can_stop_itself(app: Lcore) -> None:
    stopped = threading.Event()

    @app.get("/spin")
    def spin() -> str:
        count = 0
        while not ctx.timed_out:
            count += 1  # busy work, checking its deadline
        stopped.set()
        return str(count)

    assert TestClient(app).get("/spin").status_code == 503
    assert stopped.wait(2)


def test_runaway_handlers_cannot_take_every_thread(app: Lcore) -> None:
    release = threading.Event()

    @app.get("/stuck")
    def stuck() -> str:
        release.wait(5)
        return "x"

    @app.get("/ok")
    def ok() -> str:
        return "ok"

    client = TestClient(app)
    assert client.get("/stuck").status_code == 503
    assert client.get("/stuck").status_code == 503
    busy = client.get("/ok")  # both workers still hold a stuck handler
    assert (busy.status_code, busy.json["detail"][0]["type"]) == (503, "server_busy")
    release.set()
    deadline = time.monotonic() + 3
    while client.get("/ok").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_clean_ups_of_an_abandoned_handler_run_when_it_returns(app: Lcore) -> None:
    events: list[str] = []
    done = threading.Event()

    def session() -> Iterator[str]:
        events.append("open")
        yield "s"
        events.append("close")
        done.set()

    @app.get("/late")
    def late(s: Annotated[str, Depends(session)]) -> str:
        time.sleep(0.5)
        events.append("handler returned")
        return s

    assert TestClient(app).get("/late").status_code == 503
    assert events == ["open"]  # not closed while the handler still runs
    assert done.wait(2)
    assert events == ["open", "handler returned", "close"]


def test_clean_ups_run_with_the_request_when_it_answers_in_time(app: Lcore) -> None:
    events: list[str] = []

    def session() -> Iterator[str]:
        yield "s"
        events.append("close")

    @app.get("/quick")
    def quick(s: Annotated[str, Depends(session)]) -> str:
        return s

    assert TestClient(app).get("/quick").text == "s"
    assert events == ["close"]


def test_error_answers_pass_through(app: Lcore) -> None:
    @app.get("/teapot")
    def teapot() -> str:
        abort(418)

    @app.get("/typed")
    def typed(n: int) -> str:
        return str(n)

    client = TestClient(app)
    assert client.get("/teapot").status_code == 418
    assert client.get("/typed?n=x").status_code == 422


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timeout": 0}, "positive"),
        ({"timeout": -1}, "positive"),
        ({"max_workers": 0}, "at least 1"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TimeoutMiddleware(**kwargs)  # type: ignore[arg-type]  # floats for both, on purpose


def test_it_is_a_post_middleware_outside_the_others() -> None:
    middleware = TimeoutMiddleware()
    assert (middleware.name, middleware.order, middleware.phase) == ("timeout", -5, "post")
    assert (middleware.timeout, middleware.max_workers) == (30.0, 32)
    assert "timeout=30" in repr(middleware)
