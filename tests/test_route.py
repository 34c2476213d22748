"""Route: introspection, compilation and reset, the path helpers, mounting sub-apps and
WSGI apps, and async handlers."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from lcore import (
    HTTPError,
    HTTPResponse,
    Lcore,
    Route,
    TestClient,
    abort,
    ctx,
    path_shift,
    request,
    yieldroutes,
)
from tests.recorders import LIFECYCLE, CountingPlugin, Recorder, record_hooks

# -- Route helpers -------------------------------------------------------------------------


def test_route_introspection(app: Lcore) -> None:
    import functools

    def handler(a: int, b: str = "x", *rest: Any, c: int = 0, **kw: Any) -> str:
        return ""

    @functools.wraps(handler)
    def decorated(*args: Any, **kwargs: Any) -> str:
        return handler(*args, **kwargs)

    route = Route(app, "/r/<a>", "get", decorated, name="r", flag=True)
    assert route.method == "GET"
    assert route.get_undecorated_callback() is handler
    assert route.get_callback_args() == ["a", "b", "c"]
    assert route.get_config("flag") is True
    assert route.get_config("error.format") == "json"
    assert route.get_config("nope", 3) == 3
    assert repr(route) == "<Route GET '/r/<a>' -> handler>"


def test_reset_one_route_by_object_or_index(app: Lcore, client: TestClient) -> None:
    plugin = app.install(CountingPlugin())
    app.get("/a", callback=lambda: "a")
    app.get("/b", callback=lambda: "b")
    client.get("/a")
    client.get("/b")
    app.reset(0)
    client.get("/a")
    client.get("/b")
    app.reset(app.routes[1])
    client.get("/b")
    assert plugin.applied == ["/a", "/b", "/a", "/b"]


def test_path_shift() -> None:
    assert path_shift("/a", "/b/c", 1) == ("/a/b", "/c")
    assert path_shift("/a/b", "/c/", -1) == ("/a", "/b/c/")
    assert path_shift("/", "/x/", 1) == ("/x", "/")
    assert path_shift("/a", "/b", 0) == ("/a", "/b")
    with pytest.raises(AssertionError):
        path_shift("/a", "/b", 2)
    with pytest.raises(AssertionError):
        path_shift("/a", "/b", -2)


def test_yieldroutes() -> None:
    def index() -> None: ...

    def api__items(item: str, page: int = 1, size: int = 10) -> None: ...

    assert list(yieldroutes(index)) == ["/index"]
    assert list(yieldroutes(api__items)) == [
        "/api/items/<item>",
        "/api/items/<item>/<page>",
        "/api/items/<item>/<page>/<size>",
    ]


def test_merge_routes(app: Lcore) -> None:
    other = Lcore()
    other.get("/merged", callback=lambda: "m")
    app.merge(other)
    app.merge([])
    assert TestClient(app).get("/merged").text == "m"


# -- mounting ------------------------------------------------------------------------------


def make_sub(log: list[str]) -> Lcore:
    sub = Lcore()
    record_hooks(sub, log, "sub:")
    sub.use(Recorder(log, "sub-pre", phase="pre"))
    sub.use(Recorder(log, "sub-post"))

    @sub.get("/")
    def sub_index() -> str:
        log.append("sub-handler")
        return "sub index"

    @sub.get("/item/<id:int>", name="item")
    def sub_item(id: int) -> dict[str, int]:
        log.append("sub-handler")
        return {"id": id}

    @sub.get("/fail")
    def sub_fail() -> str:
        abort(409, "sub conflict")

    return sub


def test_mount_lcore_sub_app_routes(app: Lcore, client: TestClient) -> None:
    log: list[str] = []
    sub = make_sub(log)
    app.mount("/sub/", sub)
    assert client.get("/sub/").text == "sub index"
    assert client.get("/sub/item/4").json == {"id": 4}
    assert client.get("/sub").status_code == 404
    assert [r.rule for r in sub.routes] == ["/", "/item/<id:int>", "/fail"]  # unchanged
    assert app.router.build("item", id=5) == "/sub/item/5"


def test_mount_sub_app_hooks_and_middleware_only_for_its_routes(
    app: Lcore, client: TestClient
) -> None:
    log: list[str] = []
    sub = make_sub(log)
    parent_log: list[str] = []
    app.use(Recorder(parent_log, "parent-post"))
    app.mount("/sub", sub)
    app.get("/own", callback=lambda: "own")
    assert client.get("/own").text == "own"
    assert log == []
    assert parent_log == ["parent-post>", "<parent-post"]
    parent_log.clear()
    assert client.get("/sub/item/1").json == {"id": 1}
    assert log == [
        "sub:on_request_start",
        "sub:before_request",
        "sub-pre>",
        "<sub-pre",
        "sub:on_auth_resolved",
        "sub:on_handler_enter",
        "sub-post>",
        "sub-handler",
        "<sub-post",
        "sub:on_handler_exit",
        "sub:on_response_build",
        "sub:after_request",
        "sub:on_response_send",
    ]
    assert parent_log == ["parent-post>", "<parent-post"]


def test_mount_runs_parent_hooks_for_sub_routes(app: Lcore) -> None:
    sub = make_sub([])
    log: list[str] = []
    record_hooks(app, log)
    app.mount("/sub", sub)
    TestClient(app).get("/sub/")
    assert log == list(LIFECYCLE)


def test_mount_sub_app_pre_middleware_can_short_circuit(app: Lcore, client: TestClient) -> None:
    sub = Lcore()
    sub.use(Recorder([], "deny", phase="pre", answer=HTTPResponse("no", 403)))
    sub.get("/x", callback=lambda: "x")
    app.mount("/s", sub)
    app.get("/x", callback=lambda: "parent x")
    assert client.get("/s/x").status_code == 403
    assert client.get("/x").text == "parent x"


def test_mount_module_hooks(app: Lcore, client: TestClient) -> None:
    mounted: list[tuple[str, Lcore]] = []
    requests: list[tuple[str, str]] = []
    app.add_hook("on_module_mount", lambda prefix, sub: mounted.append((prefix, sub)))
    app.add_hook(
        "on_module_request", lambda prefix, context: requests.append((prefix, context.request.path))
    )
    sub = make_sub([])
    app.mount("/m/", sub)
    app.get("/top", callback=lambda: "t")
    client.get("/top")
    client.get("/m/item/2")
    assert mounted == [("/m/", sub)]
    assert requests == [("/m/", "/m/item/2")]
    assert sub.config["_mount.prefix"] == "/m/"


def test_mount_sub_app_error_handler_and_context(app: Lcore, client: TestClient) -> None:
    sub = Lcore()

    @sub.error(409)
    def conflict(error: HTTPError) -> str:
        return f"sub handled: {error.body}"

    @sub.get("/fail")
    def fail() -> str:
        abort(409, "clash")

    @sub.get("/who")
    def who() -> str:
        return f"{ctx.route.rule if ctx.route else None} {request.path}"

    app.mount("/s", sub)
    result = client.get("/s/fail")
    assert (result.status_code, result.text) == (409, "sub handled: clash")
    assert client.get("/s/who").text == "/s/who /s/who"


def test_mount_sub_app_twice_and_its_plugins(app: Lcore, client: TestClient) -> None:
    sub = Lcore()
    sub.install(CountingPlugin())
    sub.get("/p", callback=lambda: "p")
    app.mount("/one", sub)
    app.mount("/two/", sub)
    app.get("/p", callback=lambda: "parent")
    assert client.get("/one/p").text == "[p]"
    assert client.get("/two/p").text == "[p]"
    assert client.get("/p").text == "parent"


def test_mounted_route_is_compiled_once(app: Lcore, client: TestClient) -> None:
    sub = Lcore()
    plugin = sub.install(CountingPlugin())
    sub.get("/p", callback=lambda: "p")
    app.mount("/one", sub)
    for _ in range(3):
        assert client.get("/one/p").text == "[p]"
    assert plugin.applied == ["/p"]


def test_mount_prefix_must_start_with_slash(app: Lcore) -> None:
    with pytest.raises(ValueError):
        app.mount("sub", Lcore())


def wsgi_echo(environ: dict[str, Any], start_response: Any) -> Any:
    body = f"{environ['SCRIPT_NAME']}|{environ['PATH_INFO']}|{environ['REQUEST_METHOD']}"
    start_response("201 Created", [("Content-Type", "text/plain"), ("X-Wsgi", "1")])
    return [body.encode()]


def test_mount_plain_wsgi_app(app: Lcore, client: TestClient) -> None:
    app.mount("/legacy", wsgi_echo)
    result = client.get("/legacy/a/b")
    assert result.status_code == 201
    assert result.text == "/legacy|/a/b|GET"
    assert result.headers["X-Wsgi"] == "1"
    assert result.headers["Content-Type"] == "text/plain"
    assert client.post("/legacy").text == "/legacy|/|POST"
    assert client.delete("/legacy/").text == "/legacy|/|DELETE"
    assert client.get("/legacyx").status_code == 404


def test_mount_wsgi_app_close_and_write_are_honoured(app: Lcore) -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"-iterated"

        def close(self) -> None:
            closed.append(True)

    def legacy(environ: dict[str, Any], start_response: Any) -> Any:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written")
        return Body()

    app.mount("/l/", legacy)
    assert TestClient(app).get("/l/x").text == "written-iterated"
    assert closed == [True]


def test_mount_wsgi_app_that_starts_late(app: Lcore) -> None:
    def lazy(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("202 Accepted", [("Content-Type", "text/plain")])
        yield b"late"

    app.mount("/lazy", lazy)
    result = TestClient(app).get("/lazy/")
    assert (result.status_code, result.text) == (202, "late")


def test_mount_wsgi_at_root_is_refused(app: Lcore) -> None:
    with pytest.raises(ValueError):
        app.mount("/", wsgi_echo)


# -- async handlers ------------------------------------------------------------------------


def test_async_handler_warns_and_runs(app: Lcore) -> None:
    with pytest.warns(UserWarning, match="async handler 'coro'"):

        @app.get("/a")
        async def coro() -> dict[str, str]:
            await asyncio.sleep(0)
            return {"path": request.path}

    assert TestClient(app).get("/a").json == {"path": "/a"}


def test_async_handler_inside_a_running_loop(app: Lcore) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)

        @app.get("/a")
        async def coro() -> str:
            await asyncio.sleep(0)
            return f"in {request.path}"

        @app.get("/boom")
        async def boom() -> str:
            raise LookupError("async failure")

    async def main() -> tuple[int, str, int]:
        client = TestClient(app)
        ok = client.get("/a")
        failed = client.get("/boom")
        return ok.status_code, ok.text, failed.status_code

    assert asyncio.run(main()) == (200, "in /a", 500)


# -- rarer paths ---------------------------------------------------------------------------


def test_route_call_compiles_on_first_direct_use(app: Lcore) -> None:
    plugin = app.install(CountingPlugin())
    app.get("/c", callback=lambda: "c")
    route = app.routes[0]
    assert route.call() == "[c]"
    assert route.call() == "[c]"
    assert plugin.applied == ["/c"]


def test_a_mounted_sub_app_keeps_its_own_configuration() -> None:
    from lcore import TestClient, abort, request

    parent, sub = Lcore(), Lcore()
    sub.config["error.format"] = "json"
    sub.config["request.max_body"] = 10

    @sub.post("/echo")
    def sub_echo() -> str:
        return str(len(request.json))

    @sub.get("/gone")
    def sub_gone() -> str:
        abort(410, "gone for good")

    @sub.get("/config")
    def sub_config() -> str:
        return str(request.app.config["request.max_body"])

    @parent.post("/echo")
    def parent_echo() -> str:
        return str(len(request.json))

    @parent.get("/gone")
    def parent_gone() -> str:
        abort(410, "gone for good")

    parent.mount("/shop", sub)
    client = TestClient(parent)
    big = list(range(20))
    assert client.post("/echo", json=big).text == "20"  # the parent's limit
    refused = client.post("/shop/echo", json=big)  # the sub-app's request.max_body
    assert refused.status_code == 413 and refused.json["status"] == 413
    assert client.get("/shop/config").text == "10"
    sub_error = client.get("/shop/gone")  # the sub-app's error.format
    assert sub_error.headers["Content-Type"] == "application/json"
    assert sub_error.json == {"error": "Gone", "status": 410, "message": "gone for good"}
    assert client.get("/gone").headers["Content-Type"].startswith("text/html")
    # Tested alone, the sub-app behaves the same.
    assert TestClient(sub).post("/echo", json=big).status_code == 413


def test_get_url_of_a_mounted_app_includes_its_prefix_during_its_requests() -> None:
    from lcore import TestClient

    parent, shop, books = Lcore(), Lcore(), Lcore()

    @books.get("/<id:int>", name="book")
    def book(id: int) -> str:
        return books.get_url("book", id=id + 1) + " " + shop.get_url("home")

    @shop.get("/", name="home")
    def home() -> str:
        return shop.get_url("home")

    shop.mount("/books", books)
    parent.mount("/shop", shop)

    @parent.get("/elsewhere")
    def elsewhere() -> str:
        return shop.get_url("home")  # not routed through the shop: no prefix to add

    client = TestClient(parent)
    assert client.get("/shop/").text == "/shop/"
    assert client.get("/shop/books/1").text == "/shop/books/2 /shop/"
    assert client.get("/elsewhere").text == "/"
    assert TestClient(books).get("/1").text == "/2 /"
