"""The request context and the request/response/ctx proxies."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from lcore import (
    Lcore,
    LocalContext,
    LocalRequest,
    LocalResponse,
    Request,
    RequestContext,
    Response,
    TestClient,
    ctx,
    request,
    response,
)
from lcore.context import bind_context, current_context, unbind_context
from tests.raw_wsgi import call_raw, make_environ


@pytest.mark.parametrize(
    "touch",
    [
        lambda: request.path,
        lambda: request.method,
        lambda: request["PATH_INFO"],
        lambda: "x" in request,  # type: ignore[operator]
        lambda: len(request),  # type: ignore[arg-type]
        lambda: iter(request),  # type: ignore[call-overload]
        lambda: response.status,
        lambda: response["X"],
        lambda: "X" in response,
        lambda: ctx.state,
        lambda: ctx.anything,
        lambda: current_context(),
    ],
)
def test_proxies_raise_runtime_error_outside_a_request(touch: Any) -> None:
    with pytest.raises(RuntimeError, match="outside of a request"):
        touch()


def test_proxy_writes_raise_outside_a_request() -> None:
    with pytest.raises(RuntimeError):
        ctx.user = 1
    with pytest.raises(RuntimeError):
        request["X"] = "1"
    with pytest.raises(RuntimeError):
        response["X"] = "1"
    with pytest.raises(RuntimeError):
        del response["X"]
    with pytest.raises(RuntimeError):
        response.status = 200
    with pytest.raises(RuntimeError):
        del ctx.user


def test_proxy_reprs_unbound_and_bound() -> None:
    assert repr(request) == "<request unbound>"
    assert repr(response) == "<response unbound>"
    assert repr(ctx) == "<ctx unbound>"
    context = RequestContext(Request(make_environ("/r")), Response())
    token = bind_context(context)
    try:
        assert repr(request) == "<Request: GET /r>"
        assert repr(response) == "<Response 200 OK>"
        assert repr(ctx) == "<ctx of <Request: GET /r>>"
    finally:
        unbind_context(token)
    assert repr(request) == "<request unbound>"


def test_proxy_types() -> None:
    assert isinstance(request, LocalRequest)
    assert isinstance(response, LocalResponse)
    assert isinstance(ctx, LocalContext)


def test_proxies_inside_a_handler() -> None:
    app = Lcore()

    @app.get("/p/<name>")
    def handler(name: str) -> dict[str, Any]:
        response["X-Name"] = name
        response.status = 201
        assert "X-Name" in response
        del response["X-Name"]
        response.set_header("X-Final", "1")
        request["lcore.custom"] = "stored"
        return {
            "same_request": request.path == ctx.request.path,
            "app": ctx.app is app,
            "route": ctx.route.rule if ctx.route else None,
            "custom": request["lcore.custom"],
            "has_path": "PATH_INFO" in request,
            "environ_keys": len(request) == len(list(request)),
        }

    result = TestClient(app).get("/p/z")
    assert result.status_code == 201
    assert "X-Name" not in result.headers
    assert result.headers["X-Final"] == "1"
    assert result.json == {
        "same_request": True,
        "app": True,
        "route": "/p/<name>",
        "custom": "stored",
        "has_path": True,
        "environ_keys": True,
    }


def test_ctx_state_and_attribute_storage_are_one_store() -> None:
    app = Lcore()

    @app.hook("before_request")
    def login() -> None:
        ctx.user = "alice"
        ctx.user_id = 7
        ctx.state["role"] = "admin"

    @app.get("/")
    def index() -> dict[str, Any]:
        del ctx.role
        return {
            "user": ctx.user,
            "user_id": ctx.state["user_id"],
            "role": ctx.state.get("role"),
            "request_id": ctx.request_id,
        }

    assert TestClient(app).get("/").json == {
        "user": "alice",
        "user_id": 7,
        "role": None,
        "request_id": None,
    }


def test_ctx_missing_attribute_is_attribute_error() -> None:
    context = RequestContext()
    token = bind_context(context)
    try:
        with pytest.raises(AttributeError, match="nope"):
            _ = ctx.nope
        assert getattr(ctx, "nope", "fallback") == "fallback"
    finally:
        unbind_context(token)


def test_ctx_lazy_values_are_computed_once() -> None:
    calls: list[int] = []
    context = RequestContext()

    def factory() -> str:
        calls.append(1)
        return "computed"

    context.lazy("db", factory)
    assert context.state == {}
    assert context.db == "computed"
    assert context.db == "computed"
    assert context.state == {"db": "computed"}
    assert calls == [1]


def test_ctx_on_close_runs_last_first_after_the_request() -> None:
    app = Lcore()
    order: list[str] = []

    @app.get("/")
    def index() -> str:
        ctx.on_close(lambda: order.append("first registered"))
        ctx.on_close(lambda: order.append("second registered"))
        order.append("handler")
        return "ok"

    TestClient(app).get("/")
    assert order == ["handler", "second registered", "first registered"]


def test_every_cleanup_runs_once_with_the_request_bound_and_failures_contained(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Regression: a failing cleanup escaped app() after start_response (a 500 for the
    # client of a successful handler), the cleanups registered before it never ran, and
    # cleanups ran with the request unbound.
    app = Lcore()
    seen: list[str] = []

    def broken() -> None:
        raise LookupError("cleanup failed")

    def late() -> None:
        seen.append("registered by a cleanup")

    @app.get("/page")
    def page() -> str:
        ctx.on_close(lambda: seen.append(f"first sees {request.path}"))
        ctx.on_close(broken)
        ctx.on_close(lambda: ctx.on_close(late))
        ctx.on_close(lambda: seen.append(f"last sees {request.path}"))
        return "fine"

    with caplog.at_level("ERROR", logger="lcore"):
        result = call_raw(app, make_environ("/page"))
    assert (result.status_code, result.body) == (200, b"fine")
    assert seen == ["last sees /page", "registered by a cleanup", "first sees /page"]
    failures = [r for r in caplog.records if r.name == "lcore"]
    assert len(failures) == 1 and "cleanup" in failures[0].getMessage()
    assert failures[0].exc_info is not None and failures[0].exc_info[0] is LookupError


def test_close_runs_each_cleanup_once_and_leaves_no_context_bound() -> None:
    context = RequestContext()
    calls: list[object] = []
    context.on_close(lambda: calls.append(current_context()))
    context.close()
    context.close()
    assert calls == [context]
    with pytest.raises(RuntimeError):
        current_context()


def test_context_defaults() -> None:
    context = RequestContext()
    assert context.app is None
    assert context.route is None
    assert context.user is None
    assert isinstance(context.request, Request)
    assert isinstance(context.response, Response)
    context.close()  # nothing registered: a no-op


def test_unbound_after_every_request_even_on_error() -> None:
    app = Lcore()
    app.get("/ok", callback=lambda: "ok")
    app.get("/fail", callback=lambda: 1 / 0)
    client = TestClient(app)
    for path in ("/ok", "/fail", "/missing"):
        client.get(path)
        with pytest.raises(RuntimeError):
            _ = request.path


def test_unbound_after_catchall_off_exception() -> None:
    app = Lcore()
    app.config["catchall"] = False
    app.get("/fail", callback=lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        TestClient(app, validate=False).get("/fail")
    with pytest.raises(RuntimeError):
        _ = request.path


def test_state_does_not_leak_between_requests() -> None:
    app = Lcore()

    @app.get("/")
    def index() -> str:
        seen = ctx.state.get("mark", "unset")
        ctx.mark = "set"
        return seen

    client = TestClient(app)
    assert client.get("/").text == "unset"
    assert client.get("/").text == "unset"


def test_contexts_are_per_thread() -> None:
    app = Lcore()
    barrier = threading.Barrier(4)

    @app.get("/<n>")
    def index(n: str) -> str:
        ctx.n = n
        barrier.wait(timeout=10)  # every thread is inside a request at once
        return f"{request.path}:{ctx.n}"

    results: dict[str, str] = {}

    def worker(n: str) -> None:
        results[n] = TestClient(app).get(f"/{n}").text

    threads = [threading.Thread(target=worker, args=(str(i),)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {str(i): f"/{i}:{i}" for i in range(4)}


def test_nested_bind_restores_the_outer_context() -> None:
    outer = RequestContext(Request(make_environ("/outer")))
    inner = RequestContext(Request(make_environ("/inner")))
    outer_token = bind_context(outer)
    try:
        inner_token = bind_context(inner)
        assert request.path == "/inner"
        unbind_context(inner_token)
        assert request.path == "/outer"
    finally:
        unbind_context(outer_token)


def test_request_proxy_attribute_write() -> None:
    context = RequestContext(Request(make_environ("/")))
    token = bind_context(context)
    try:
        request.tag = "t"  # type: ignore[attr-defined]
        assert context.request.tag == "t"  # type: ignore[attr-defined]
    finally:
        unbind_context(token)
