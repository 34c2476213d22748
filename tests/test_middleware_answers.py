"""Every answer passes the post middleware (issue 12, §20 item 10): handler results,
raised answers, lcore's own 4xx, 500s, 404/405, pre middleware answers and errors raised
before routing; skip lists hold where a route answers."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from lcore import HTTPError, HTTPResponse, Lcore, Middleware, MiddlewareHook, TestClient, abort
from lcore.context import RequestContext
from lcore.middleware.base import NextHandler


class Recorder(Middleware):
    """Records what next_handler gave, and stamps a header on every answer."""

    name = "recorder"

    def __init__(self) -> None:
        self.results: list[Any] = []

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        result = next_handler(ctx)
        self.results.append(result)
        ctx.response.set_header("X-Recorded", "yes")
        return result


class Gate(Middleware):
    """A pre middleware that answers /closed itself."""

    phase = "pre"

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        if ctx.request.path == "/closed":
            return HTTPResponse("closed", status=503)
        return next_handler(ctx)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def app(recorder: Recorder) -> Lcore:
    app = Lcore()
    app.use(recorder)
    app.use(Gate())

    @app.get("/ok")
    def ok() -> str:
        return "fine"

    @app.get("/abort")
    def aborted() -> str:
        abort(418, "teapot")

    @app.get("/typed")
    def typed(n: int) -> str:
        return str(n)

    @app.post("/json")
    def body(data: dict[str, int]) -> str:
        return "x"

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("broken")

    @app.get("/skipped", skip=["recorder"])
    def skipped() -> str:
        return "not recorded"

    return app


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/ok", 200),
        ("GET", "/abort", 418),
        ("GET", "/typed?n=x", 422),
        ("GET", "/nowhere", 404),
        ("DELETE", "/ok", 405),
        ("GET", "/closed", 503),
        ("GET", "/boom", 500),
    ],
)
def test_every_answer_passes_the_post_middleware(
    app: Lcore, recorder: Recorder, method: str, path: str, status: int
) -> None:
    logging.getLogger("lcore").disabled = True
    try:
        response = TestClient(app).request(method, path)
    finally:
        logging.getLogger("lcore").disabled = False
    assert response.status_code == status
    assert response.headers["X-Recorded"] == "yes"
    assert len(recorder.results) == 1
    result = recorder.results[0]
    if status == 200:
        assert result == "fine"
    else:
        assert isinstance(result, HTTPResponse)
        assert result.status_code == status


def test_a_bad_json_body_and_its_answer(app: Lcore, recorder: Recorder) -> None:
    client = TestClient(app)
    response = client.post("/json", body=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["X-Recorded"] == "yes"
    assert response.status_code == recorder.results[0].status_code


def test_a_500_carries_its_exception(app: Lcore, recorder: Recorder) -> None:
    logging.getLogger("lcore").disabled = True
    try:
        TestClient(app).get("/boom")
    finally:
        logging.getLogger("lcore").disabled = False
    error = recorder.results[0]
    assert isinstance(error, HTTPError)
    assert isinstance(error.exception, RuntimeError)


def test_skip_holds_where_a_route_answers(app: Lcore, recorder: Recorder) -> None:
    response = TestClient(app).get("/skipped")
    assert response.text == "not recorded"
    assert "X-Recorded" not in response.headers
    assert recorder.results == []


def test_an_error_raised_before_routing_passes_too(recorder: Recorder) -> None:
    app = Lcore()
    app.use(recorder)

    @app.hook("before_request")
    def refuse() -> None:
        abort(429, "slow down")

    app.get("/x")(lambda: "x")
    response = TestClient(app).get("/x")
    assert (response.status_code, response.headers["X-Recorded"]) == (429, "yes")
    assert [r.status_code for r in recorder.results] == [429]


def test_a_middleware_that_fails_is_not_run_again_on_its_own_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []

    class Broken(Middleware):
        def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
            calls.append(ctx.request.path)
            next_handler(ctx)
            raise RuntimeError("middleware bug")

    app = Lcore()
    app.use(Broken())
    app.get("/x")(lambda: "x")
    with caplog.at_level(logging.ERROR, logger="lcore"):
        assert TestClient(app).get("/x").status_code == 500
    assert calls == ["/x"]


def test_hooks_replace_and_post_see_errors() -> None:
    app = Lcore()
    exits: list[str] = []
    posts: list[object] = []

    class Post(MiddlewareHook):
        def post(self, ctx: RequestContext, result: object) -> object:
            posts.append(getattr(result, "status_code", result))
            return None

    app.use(Post())
    app.add_hook("on_handler_exit", lambda: exits.append("exit"))

    @app.get("/fine")
    def fine() -> str:
        return "fine"

    @app.get("/raised")
    def raised() -> str:
        abort(403)

    @app.get("/returned")
    def returned() -> HTTPResponse:
        return HTTPResponse("made", status=202)

    client = TestClient(app)
    assert client.get("/fine").text == "fine"
    assert client.get("/raised").status_code == 403
    assert client.get("/returned").status_code == 202
    assert exits == ["exit", "exit"]  # not for the raised answer
    assert posts == ["fine", 403, 202]


def test_apps_without_post_middleware_answer_as_before() -> None:
    app = Lcore()
    app.get("/x")(lambda: "x")
    client = TestClient(app)
    assert client.get("/nowhere").status_code == 404
    assert client.delete("/x").headers["Allow"] == "GET, HEAD"
