"""Typed injection: Depends, Inject, Request parameters, resolved by the compiled binder,
documented in the OpenAPI operation, swappable through app.dependency_overrides."""

import dataclasses
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest

from lcore import (
    Body,
    Depends,
    Header,
    Inject,
    Lcore,
    Query,
    Request,
    RequestContext,
    Response,
    Security,
    TestClient,
    ctx,
)


def paging(limit: Annotated[int, Query(ge=1, le=100)] = 10, offset: int = 0) -> tuple[int, int]:
    """Paging read from the query."""
    return limit, offset


def token(x_token: Annotated[str, Header()]) -> str:
    return x_token


def json_errors(app: Lcore) -> Lcore:
    app.config["error.format"] = "json"
    return app


def test_a_dependency_reads_its_own_parameters() -> None:
    app = Lcore()

    @app.get("/items")
    def items(page: Annotated[tuple[int, int], Depends(paging)]) -> dict[str, int]:
        return {"limit": page[0], "offset": page[1]}

    client = TestClient(app)
    assert client.get("/items?limit=5&offset=2").json == {"limit": 5, "offset": 2}
    assert client.get("/items").json == {"limit": 10, "offset": 0}


def test_problems_of_dependencies_and_handler_are_reported_together() -> None:
    app = json_errors(Lcore())

    @app.get("/items")
    def items(
        page: Annotated[tuple[int, int], Depends(paging)],
        who: Annotated[str, Depends(token)],
        q: int,
    ) -> str:
        return "never"

    response = TestClient(app).get("/items?limit=0&q=x")
    assert response.status_code == 422
    locs = [problem["loc"] for problem in response.json["detail"]]
    assert locs == [["query", "limit"], ["header", "X-Token"], ["query", "q"]]


def test_one_value_per_request_unless_asked_otherwise() -> None:
    app = Lcore()
    made: list[int] = []

    def counter() -> int:
        made.append(1)
        return len(made)

    def uses_counter(n: Annotated[int, Depends(counter)]) -> int:
        return n

    @app.get("/cached")
    def cached(
        a: Annotated[int, Depends(counter)], b: Annotated[int, Depends(uses_counter)]
    ) -> list[int]:
        return [a, b]

    @app.get("/fresh")
    def fresh(
        a: Annotated[int, Depends(counter, use_cache=False)],
        b: Annotated[int, Depends(counter, use_cache=False)],
    ) -> list[int]:
        return [a, b]

    client = TestClient(app)
    assert client.get("/cached").json == [1, 1]
    assert client.get("/cached").json == [2, 2]  # a new request, a new value
    assert client.get("/fresh").json == [3, 4]


def test_generator_dependencies_clean_up_after_the_request_even_on_errors() -> None:
    app = Lcore()
    events: list[str] = []

    def session() -> Iterator[str]:
        events.append("open")
        yield "session"
        events.append("close")

    @app.get("/ok")
    def ok(s: Annotated[str, Depends(session)]) -> str:
        events.append(f"handler {s}")
        return s

    @app.get("/boom")
    def boom(s: Annotated[str, Depends(session)]) -> str:
        raise RuntimeError("handler failed")

    client = TestClient(app)
    assert client.get("/ok").text == "session"
    assert events == ["open", "handler session", "close"]
    events.clear()
    assert client.get("/boom").status_code == 500
    assert events == ["open", "close"]


def test_a_generator_that_yields_twice_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    app = Lcore()

    def twice() -> Iterator[int]:
        yield 1
        yield 2

    @app.get("/")
    def index(n: Annotated[int, Depends(twice)]) -> str:
        return str(n)

    with caplog.at_level(logging.ERROR, logger="lcore"):
        assert TestClient(app).get("/").text == "1"
    assert "yielded more than once" in caplog.text


def test_async_dependencies_are_awaited() -> None:
    app = Lcore()
    events: list[str] = []

    async def user(x_token: Annotated[str, Header()]) -> str:
        return f"user-{x_token}"

    async def resource() -> AsyncIterator[str]:
        events.append("open")
        yield "res"
        events.append("close")

    @app.get("/")
    def index(u: Annotated[str, Depends(user)], r: Annotated[str, Depends(resource)]) -> list[str]:
        return [u, r]

    assert TestClient(app).get("/", headers={"X-Token": "7"}).json == ["user-7", "res"]
    assert events == ["open", "close"]


@dataclasses.dataclass
class Filters:
    """A class as a dependency: its __init__ parameters are read."""

    name: str | None = None
    active: bool = True


class Prefixed:
    """A callable object as a dependency."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, word: str) -> str:
        return self.prefix + word


def test_classes_and_callable_objects_are_dependencies() -> None:
    app = Lcore()
    shout = Prefixed("!")

    @app.get("/")
    def index(
        f: Annotated[Filters, Depends(Filters)], w: Annotated[str, Depends(shout)]
    ) -> dict[str, Any]:
        return {"name": f.name, "active": f.active, "w": w}

    assert TestClient(app).get("/?name=x&active=false&word=hi").json == {
        "name": "x",
        "active": False,
        "w": "!hi",
    }


def test_request_context_and_response_parameters() -> None:
    app = Lcore()

    def client_ip(request: Request) -> str:
        return request.remote_addr or "?"

    def mark(response: Response) -> None:
        response.set_header("X-Marked", "yes")

    @app.get("/<name>")
    def index(
        name: str,
        request: Request,
        context: RequestContext,
        ip: Annotated[str, Depends(client_ip)],
        _: Annotated[None, Depends(mark)],
    ) -> dict[str, Any]:
        return {
            "name": name,
            "path": request.path,
            "same": context.request is request,
            "ip": ip,
        }

    response = TestClient(app).get("/bob")
    assert response.json == {"name": "bob", "path": "/bob", "same": True, "ip": "127.0.0.1"}
    assert response.headers["X-Marked"] == "yes"


def test_a_dependency_can_read_a_url_wildcard() -> None:
    app = Lcore()

    def book(book_id: int) -> dict[str, int]:
        return {"id": book_id}

    @app.get("/books/<book_id:int>")
    def show(book_id: int, found: Annotated[dict[str, int], Depends(book)]) -> dict[str, Any]:
        return {"wildcard": book_id, "found": found}

    assert TestClient(app).get("/books/7").json == {"wildcard": 7, "found": {"id": 7}}


@dataclasses.dataclass
class Item:
    name: str
    price: float


def test_a_body_read_by_handler_and_dependency_is_split_by_key() -> None:
    app = json_errors(Lcore())

    def audit(note: Annotated[str, Body()]) -> str:
        return note.upper()

    @app.post("/items")
    def create(item: Item, note: Annotated[str, Depends(audit)]) -> dict[str, Any]:
        return {"name": item.name, "note": note}

    client = TestClient(app)
    body = {"item": {"name": "pen", "price": 1.5}, "note": "gift"}
    assert client.post("/items", json=body).json == {"name": "pen", "note": "GIFT"}
    schema = app.openapi()["paths"]["/items"]["post"]["requestBody"]["content"]
    assert set(schema["application/json"]["schema"]["properties"]) == {"item", "note"}


def test_cycles_are_refused_at_registration() -> None:
    app = Lcore()

    def first(value: Annotated[int, Depends(lambda: 1)]) -> int:
        return value

    def a(value: Annotated[int, Depends(first)]) -> int:
        return value

    def b(value: Annotated[int, Depends(a)]) -> int:
        return value

    # Close the loop after the fact: a -> b -> a.
    a.__annotations__["value"] = Annotated[int, Depends(b)]
    with pytest.raises(TypeError, match=r"dependency cycle: .*a -> .*b -> .*a"):
        app.get("/")(a)


def test_a_dependency_parameter_lcore_cannot_read_is_refused() -> None:
    app = Lcore()

    def needs(thing):  # type: ignore[no-untyped-def]  # the point: no annotation
        return thing

    with pytest.raises(TypeError, match=r"handler .*index .*dependency .*needs parameter 'thing'"):

        @app.get("/")
        def index(x: Annotated[Any, Depends(needs)]) -> str:
            return "x"


def test_security_scopes_need_a_scheme() -> None:
    app = Lcore()

    @app.get("/")
    def index(x: Annotated[str, Security(token, scopes=["read"])]) -> str:
        return x

    with pytest.raises(TypeError, match="needs a security scheme"):
        app.routes[0].prepare()


def test_inject_reads_the_container() -> None:
    app = Lcore()
    app.inject("settings", lambda: {"name": "shop"})
    closed: list[str] = []

    class Db:
        def close(self) -> None:
            closed.append("db")

    app.inject("db", Db, lifetime="scoped")

    @app.get("/")
    def index(
        settings: Annotated[dict[str, str], Inject()],
        database: Annotated[Db, Inject("db")],
    ) -> str:
        assert ctx.db is database  # the same scoped value
        return settings["name"]

    assert TestClient(app).get("/").text == "shop"
    assert closed == ["db"]


def test_inject_of_an_unknown_name_is_a_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    app = Lcore()

    @app.get("/")
    def index(db: Annotated[object, Inject()]) -> str:
        return "x"

    with caplog.at_level(logging.ERROR, logger="lcore"):
        assert TestClient(app).get("/").status_code == 500
    assert "no dependency named 'db'" in caplog.text


def test_overrides_swap_a_dependency_for_one_app() -> None:
    app = Lcore()
    other = Lcore()

    def current_user(x_token: Annotated[str, Header()]) -> str:
        return f"real-{x_token}"

    def fake_user(name: str = "tester") -> str:
        return f"fake-{name}"

    for each in (app, other):

        @each.get("/me")
        def me(user: Annotated[str, Depends(current_user)]) -> str:
            return user

    app.dependency_overrides[current_user] = fake_user
    client = TestClient(app)
    assert client.get("/me").text == "fake-tester"  # no header needed any more
    assert client.get("/me?name=ann").text == "fake-ann"  # the fake's own parameters
    assert TestClient(other).get("/me", headers={"X-Token": "1"}).text == "real-1"
    app.dependency_overrides.clear()
    assert client.get("/me", headers={"X-Token": "2"}).text == "real-2"


def test_mounted_sub_app_dependencies_and_overrides() -> None:
    sub = Lcore()
    sub.inject("greeting", lambda: "hello")

    def who(name: str = "world") -> str:
        return name

    @sub.get("/hi")
    def hi(greeting: Annotated[str, Inject()], name: Annotated[str, Depends(who)]) -> str:
        return f"{greeting} {name}"

    app = Lcore()
    app.mount("/sub", sub)
    client = TestClient(app)
    assert client.get("/sub/hi?name=ann").text == "hello ann"
    app.dependency_overrides[who] = lambda: "override"
    assert client.get("/sub/hi").text == "hello override"
    assert TestClient(sub).get("/hi").text == "hello world"  # the sub-app alone: no override


def test_the_document_lists_what_dependencies_read() -> None:
    app = Lcore()

    def page(limit: Annotated[int, Query(ge=1, description="How many")] = 10) -> int:
        return limit

    def user(x_token: Annotated[str, Header()], page_size: Annotated[int, Depends(page)]) -> str:
        return x_token

    @app.get("/items")
    def items(
        q: str = "",
        who: Annotated[str, Depends(user)] = "",
        limit: Annotated[int, Depends(page)] = 0,
    ) -> list[str]:
        return [q, who]

    operation = app.openapi()["paths"]["/items"]["get"]
    names = [(p["in"], p["name"]) for p in operation["parameters"]]
    assert names == [("query", "q"), ("header", "X-Token"), ("query", "limit")]
    limit = operation["parameters"][2]
    assert limit["schema"]["minimum"] == 1 and limit["description"] == "How many"
    assert "422" in operation["responses"]


def test_dependencies_without_inputs_add_no_422() -> None:
    app = Lcore()
    app.inject("clock", lambda: "now")

    @app.get("/")
    def index(clock: Annotated[str, Inject()]) -> str:
        return clock

    assert "422" not in app.openapi()["paths"]["/"]["get"]["responses"]


def test_overrides_are_per_app_and_another_app_never_looks_them_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import lcore.params

    def current_user() -> str:
        return "real"

    apps = [Lcore(), Lcore()]
    for each in apps:

        @each.get("/me")
        def me(user: Annotated[str, Depends(current_user)]) -> str:
            return user

    overridden, other = apps
    overridden.dependency_overrides[current_user] = lambda: "fake"
    assert TestClient(overridden).get("/me").text == "fake"
    # The other app is not replaced, and made no overrides of its own: its resolver
    # reads the class's None and never asks for the current context.
    asked: list[object] = []

    class CountingVar:
        def get(self) -> object:
            asked.append(None)
            return None

    client = TestClient(other)
    monkeypatch.setattr(lcore.params, "context_var", CountingVar())
    assert client.get("/me").text == "real"
    assert asked == []
    monkeypatch.undo()
    assert "_dependency_overrides" not in vars(other)
    # Clearing the overrides gives the real dependency back.
    overridden.dependency_overrides.clear()
    assert TestClient(overridden).get("/me").text == "real"
    overridden.dependency_overrides[current_user] = lambda: "fake again"
    assert TestClient(overridden).get("/me").text == "fake again"
    assert TestClient(other).get("/me").text == "real"


def test_an_outer_apps_override_reaches_a_mounted_apps_route_and_not_the_sub_app_alone() -> None:
    def source() -> str:
        return "real"

    sub = Lcore()

    @sub.get("/value")
    def value(found: Annotated[str, Depends(source)]) -> str:
        return found

    outer = Lcore()
    outer.mount("/sub", sub)
    outer.dependency_overrides[source] = lambda: "outer's"
    assert TestClient(outer).get("/sub/value").text == "outer's"
    assert TestClient(sub).get("/value").text == "real"
    sub.dependency_overrides[source] = lambda: "sub's"
    assert TestClient(outer).get("/sub/value").text == "sub's"  # the answering app's first
    assert TestClient(sub).get("/value").text == "sub's"
