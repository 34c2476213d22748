"""Middleware: pre-routing and post phases, order, scoping by route and by name,
MiddlewareHook, and the compiled pipeline."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from lcore import HTTPResponse, Lcore, Middleware, MiddlewareHook, RequestContext, TestClient, abort
from tests.recorders import Recorder, record_hooks


def test_post_middleware_wraps_the_handler_in_order(app: Lcore) -> None:
    log: list[str] = []
    app.use(Recorder(log, "late", order=90))
    app.use(Recorder(log, "early", order=10))
    app.use(Recorder(log, "mid"))

    @app.get("/")
    def index() -> str:
        log.append("handler")
        return "ok"

    assert TestClient(app).get("/").text == "ok"
    assert log == ["early>", "mid>", "late>", "handler", "<late", "<mid", "<early"]


def test_use_order_overrides_without_mutating_the_instance(app: Lcore) -> None:
    log: list[str] = []
    shared = Recorder(log, "shared", order=50)
    app.use(Recorder(log, "other", order=20))
    app.use(shared, order=1)
    assert shared.order == 50
    app.get("/", callback=lambda: "ok")
    TestClient(app).get("/")
    assert log[:2] == ["shared>", "other>"]
    assert [m["order"] for m in app.show_middleware()] == [1, 20]


def test_pre_middleware_runs_before_routing(app: Lcore) -> None:
    log: list[str] = []
    record_hooks(app, log)
    app.use(Recorder(log, "pre", phase="pre"))
    app.get("/", callback=lambda: log.append("handler") or "ok")
    TestClient(app).get("/")
    assert log[:5] == ["on_request_start", "before_request", "pre>", "<pre", "on_auth_resolved"]
    log.clear()
    assert TestClient(app).get("/missing").status_code == 404
    assert "pre>" in log


@pytest.mark.parametrize(
    ("answer", "status", "body"),
    [
        ("", 200, b""),
        ("blocked", 200, b"blocked"),
        (HTTPResponse("teapot", 418), 418, b"teapot"),
        ({"early": True}, 200, b'{"early":true}'),
    ],
)
def test_pre_middleware_short_circuits(app: Lcore, answer: Any, status: int, body: bytes) -> None:
    log: list[str] = []
    app.use(Recorder(log, "gate", phase="pre", answer=answer))
    app.get("/", callback=lambda: log.append("handler") or "ok")
    result = TestClient(app).get("/")
    assert (result.status_code, result.body) == (status, body)
    assert "handler" not in log


def test_pre_middleware_raising_http_response(app: Lcore, client: TestClient) -> None:
    class Deny(Middleware):
        phase = "pre"

        def __call__(self, ctx: RequestContext, next_handler: Any) -> Any:
            if ctx.request.get_header("X-Key") != "yes":
                abort(401, "key please")
            return next_handler(ctx)

    app.use(Deny())
    app.get("/", callback=lambda: "in")
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"X-Key": "yes"}).text == "in"


def test_post_middleware_transforms_the_result(app: Lcore) -> None:
    class Upper(Middleware):
        def __call__(self, ctx: RequestContext, next_handler: Any) -> Any:
            result = next_handler(ctx)
            ctx.response.set_header("X-Seen", "1")
            return result.upper()

    app.use(Upper())
    app.get("/", callback=lambda: "quiet")
    result = TestClient(app).get("/")
    assert result.text == "QUIET"
    assert result.headers["X-Seen"] == "1"


def test_middleware_scoped_by_route_regex(app: Lcore, client: TestClient) -> None:
    log: list[str] = []
    app.use(Recorder(log, "api"), routes=r"/api/")
    app.use(Recorder(log, "pre-api", phase="pre"), routes=re.compile(r"/api/"))
    app.get("/api/x", callback=lambda: "api")
    app.get("/web", callback=lambda: "web")
    client.get("/web")
    assert log == []
    client.get("/api/x")
    assert log == ["pre-api>", "<pre-api", "api>", "<api"]
    assert app.show_middleware()[0]["routes"] == "/api/"


def test_route_skip_by_middleware_name(app: Lcore, client: TestClient) -> None:
    log: list[str] = []
    app.use(Recorder(log, "timing", name="timing"))
    app.get("/fast", skip=["timing"], callback=lambda: "fast")
    app.get("/slow", callback=lambda: "slow")
    client.get("/fast")
    assert log == []
    client.get("/slow")
    assert log == ["timing>", "<timing"]


def test_middleware_added_after_first_request_is_compiled_in(
    app: Lcore, client: TestClient
) -> None:
    log: list[str] = []
    app.get("/", callback=lambda: "ok")
    client.get("/")
    app.use(Recorder(log, "late"))
    app.use(Recorder(log, "late-pre", phase="pre"))
    client.get("/")
    assert log == ["late-pre>", "<late-pre", "late>", "<late"]
    assert app.middleware.remove(app.middleware.entries("post")[0].middleware)
    log.clear()
    client.get("/")
    assert log == ["late-pre>", "<late-pre"]


def test_middleware_hook_pre_and_post(app: Lcore, client: TestClient) -> None:
    class Guard(MiddlewareHook):
        def pre(self, ctx: RequestContext) -> Any:
            if ctx.request.query.get("deny"):
                return HTTPResponse("denied", 403)
            return None

        def post(self, ctx: RequestContext, result: Any) -> Any:
            return result + "!" if ctx.request.query.get("shout") else None

    app.use(Guard())
    app.get("/", callback=lambda: "hi")
    assert client.get("/").text == "hi"
    assert client.get("/?shout=1").text == "hi!"
    assert client.get("/?deny=1").status_code == 403


def test_async_middleware_hook(app: Lcore) -> None:
    class AsyncTag(MiddlewareHook):
        async def post(self, ctx: RequestContext, result: Any) -> Any:
            await asyncio.sleep(0)
            return result + " (async)"

    app.use(AsyncTag())
    app.get("/", callback=lambda: "hi")
    assert TestClient(app).get("/").text == "hi (async)"


def test_default_middleware_passes_through(app: Lcore) -> None:
    app.use(Middleware())
    app.get("/", callback=lambda: "through")
    assert TestClient(app).get("/").text == "through"
    assert app.show_middleware() == [
        {"name": "Middleware", "order": 50, "routes": "*", "type": "post"}
    ]


def test_use_refuses_non_callables(app: Lcore) -> None:
    with pytest.raises(TypeError):
        app.use(object())  # type: ignore[arg-type]


def test_pipeline_execute_helpers(app: Lcore) -> None:
    log: list[str] = []
    app.use(Recorder(log, "pre", phase="pre"))
    app.use(Recorder(log, "post"))
    context = RequestContext(app=app)
    assert app.middleware.execute_pre_routing(context) is None
    assert app.middleware.execute(context, lambda c: "done") == "done"
    assert log == ["pre>", "<pre", "post>", "<post"]
    assert len(app.middleware) == 2


# -- rarer paths ---------------------------------------------------------------------------


def test_middleware_hook_with_only_pre(app: Lcore) -> None:
    class Count(MiddlewareHook):
        seen = 0

        def pre(self, ctx: RequestContext) -> Any:
            Count.seen += 1
            return None

    app.use(Count())
    app.get("/", callback=lambda: "kept")
    assert TestClient(app).get("/").text == "kept"
    assert Count.seen == 1


def test_pipeline_remove_unknown_middleware(app: Lcore) -> None:
    assert app.middleware.remove(Middleware()) is False


def test_middleware_hook_post_sees_aborts_so_error_answers_get_its_headers() -> None:
    from lcore import HTTPError, MiddlewareHook, abort, response

    seen: list[object] = []

    class Stamp(MiddlewareHook):
        def post(self, ctx, result):
            seen.append(type(result).__name__)
            response.set_header("X-Stamp", "yes")

    app = Lcore()
    app.use(Stamp())

    @app.get("/fail")
    def fail() -> str:
        abort(403, "no")

    @app.get("/ok")
    def ok() -> str:
        return "fine"

    client = TestClient(app)
    denied = client.get("/fail")
    assert denied.status_code == 403
    assert denied.headers["X-Stamp"] == "yes"
    assert client.get("/ok").headers["X-Stamp"] == "yes"
    assert seen == [HTTPError.__name__, "str"]
