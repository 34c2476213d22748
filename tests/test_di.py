"""Dependency injection: app.inject, the three lifetimes, ctx.<name>, overrides."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from lcore import DependencyContainer, Lcore, TestClient, ctx
from lcore.context import RequestContext


class Resource:
    """A value that counts how often it was closed."""

    made = 0

    def __init__(self) -> None:
        Resource.made += 1
        self.number = Resource.made
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


class AsyncResource(Resource):
    async def close(self) -> None:  # type: ignore[override]  # an async close is awaited
        self.closed += 1


@pytest.mark.parametrize(
    ("name", "lifetime", "error"),
    [
        ("db", "forever", "unknown lifetime 'forever'"),
        ("request", "singleton", "'request' is a request context attribute"),
        ("state", "scoped", "'state' is a request context attribute"),
        ("lazy", "scoped", "'lazy' is a request context attribute"),
        ("user", "scoped", "'user' is a request context attribute"),
        ("not a name", "scoped", "must be an identifier"),
    ],
)
def test_register_refuses_what_could_never_work(name: str, lifetime: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        DependencyContainer().register(name, Resource, lifetime)


def test_register_refuses_a_factory_that_cannot_be_called() -> None:
    with pytest.raises(TypeError, match="must be callable"):
        DependencyContainer().register("db", 42)  # type: ignore[arg-type]  # the point


def test_the_container_answers_what_it_holds() -> None:
    container = DependencyContainer()
    assert container.register("db", Resource) is Resource
    assert "db" in container and "cache" not in container and len(container) == 1
    with pytest.raises(KeyError):
        container.resolve("cache")
    container.register("session", Resource, DependencyContainer.SCOPED)
    with pytest.raises(RuntimeError, match="scoped to a request"):
        container.resolve("session")


def test_a_singleton_is_made_on_first_use_and_shared() -> None:
    made: list[int] = []

    def factory() -> list[int]:
        made.append(1)
        return made

    app = Lcore()
    app.inject("pool", factory)

    @app.get("/")
    def index() -> str:
        return str(id(ctx.pool))

    client = TestClient(app)
    assert client.get("/health").status_code == 404 and made == []  # not made up front
    first, second = client.get("/").text, client.get("/").text
    assert first == second and made == [1]


def test_a_singleton_is_made_once_when_threads_race_for_it() -> None:
    calls: list[int] = []

    def slow() -> object:
        calls.append(1)
        time.sleep(0.05)
        return object()

    container = DependencyContainer()
    container.register("slow", slow)
    seen: list[object] = []
    threads = [
        threading.Thread(target=lambda: seen.append(container.resolve("slow"))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len({id(value) for value in seen}) == 1


def test_a_failing_singleton_is_tried_again() -> None:
    attempts: list[int] = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("down")
        return "up"

    container = DependencyContainer()
    container.register("service", flaky)
    with pytest.raises(ConnectionError):
        container.resolve("service")
    assert container.resolve("service") == "up" and container.resolve("service") == "up"


def scoped_app(factory: type[Resource] = Resource) -> tuple[Lcore, list[Resource]]:
    app = Lcore()
    seen: list[Resource] = []

    def make() -> Resource:
        value = factory()
        seen.append(value)
        return value

    app.inject("conn", make, "scoped")

    @app.get("/twice")
    def twice() -> str:
        return str(ctx.conn is ctx.conn)

    @app.get("/fail")
    def fail() -> str:
        _ = ctx.conn
        raise RuntimeError("handler failed")

    @app.get("/stream")
    def stream() -> Iterator[bytes]:
        def chunks() -> Iterator[bytes]:
            yield b"a"
            yield str(ctx.conn.closed).encode()  # still open while the body is sent

        _ = ctx.conn
        return chunks()

    return app, seen


def test_a_scoped_value_is_one_per_request_and_closed_at_its_end() -> None:
    app, seen = scoped_app()
    client = TestClient(app)
    assert client.get("/twice").text == "True"
    assert client.get("/twice").text == "True"
    assert len(seen) == 2 and seen[0] is not seen[1]
    assert [value.closed for value in seen] == [1, 1]


def test_a_scoped_value_is_closed_when_the_handler_fails_and_after_a_stream() -> None:
    app, seen = scoped_app()
    client = TestClient(app)
    assert client.get("/fail").status_code == 500
    assert seen[-1].closed == 1
    assert client.get("/stream").body == b"a0"
    assert seen[-1].closed == 1


def test_an_async_close_is_awaited() -> None:
    app, seen = scoped_app(AsyncResource)
    assert TestClient(app).get("/twice").text == "True"
    assert seen[0].closed == 1


def test_a_transient_value_is_new_on_every_access() -> None:
    app = Lcore()
    app.inject("token", object, "transient")

    @app.get("/")
    def index() -> str:
        return str(ctx.token is ctx.token)

    assert TestClient(app).get("/").text == "False"


def test_an_override_serves_tests_and_goes_away() -> None:
    app = Lcore()
    app.inject("greeting", lambda: "hello")

    @app.get("/")
    def index() -> str:
        return str(ctx.greeting)

    client = TestClient(app)
    assert client.get("/").text == "hello"
    with app.dependencies.override("greeting", lambda: "test double"):
        assert client.get("/").text == "test double"
    assert client.get("/").text == "hello"


def test_a_mounted_sub_app_reaches_its_own_dependencies() -> None:
    parent, sub = Lcore(), Lcore()
    sub.inject("store", lambda: "the sub-app's store")
    parent.inject("store", lambda: "the parent's store")

    @sub.get("/")
    def show() -> str:
        return str(ctx.store)

    @parent.get("/")
    def home() -> str:
        return str(ctx.store)

    parent.mount("/sub", sub)
    client = TestClient(parent)
    assert client.get("/sub/").text == "the sub-app's store"
    assert client.get("/").text == "the parent's store"


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    context = RequestContext(app=Lcore())
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = context.nothing
    helper: Any = context
    helper.extra = 1  # free slots still work
    assert context.state["extra"] == 1
