"""CompressionMiddleware and lcore's own error answers: abort(), 404/405, the 422 of typed
parameters, a 401 of a security scheme, 500s and @error pages are rendered once (by
``Lcore.render_error``), compressed by the same rules as any answer, and round-trip to the
page the app sends without the middleware."""

from __future__ import annotations

import gzip
from typing import Annotated, Any

import pytest

from lcore import (
    CompressionMiddleware,
    HTTPBearer,
    HTTPError,
    HTTPResponse,
    Lcore,
    Middleware,
    Query,
    TestClient,
    TimeoutMiddleware,
    abort,
    response,
)
from lcore.context import RequestContext
from lcore.middleware.base import NextHandler

GZIP = {"Accept-Encoding": "gzip"}
LONG = "not allowed here. " * 60  # 1080 bytes


def error_app(*, compress: bool = True, json_errors: bool = False, **options: Any) -> Lcore:
    """An app whose routes answer each kind of error."""
    app = Lcore()
    if json_errors:
        app.config["error.format"] = "json"
    if compress:
        app.use(CompressionMiddleware(**options))
    bearer = HTTPBearer(lambda token: token if token == "good" else None)

    @app.get("/forbidden")
    def forbidden() -> str:
        abort(403, LONG)

    @app.get("/broken")
    def broken() -> str:
        raise RuntimeError("boom")

    @app.get("/typed")
    def typed(n: Annotated[int, Query(ge=1)], m: int = 0) -> str:
        return f"{n} {m}"

    @app.get("/secret", security=[bearer])
    def secret() -> str:
        return "secret"

    @app.get("/short")
    def short() -> str:
        abort(403, "no")

    return app


# path, method, status, content type of the page
KINDS = [
    ("/forbidden", "GET", 403, "text/html"),
    ("/nowhere/at/all", "GET", 404, "text/html"),
    ("/forbidden", "POST", 405, "text/html"),
    ("/broken", "GET", 500, "text/html"),
    ("/typed?n=zero&m=x", "GET", 422, "application/json"),
    ("/secret", "GET", 401, "text/html"),
]


def without_compression(path: str, method: str, json_errors: bool = False) -> Any:
    """The same request to the same app without the middleware."""
    app = error_app(compress=False, json_errors=json_errors)
    return TestClient(app).request(method, path, headers=GZIP)


@pytest.mark.parametrize("json_errors", [False, True])
@pytest.mark.parametrize(("path", "method", "status", "content_type"), KINDS)
def test_each_error_kind_is_compressed_and_round_trips(
    path: str, method: str, status: int, content_type: str, json_errors: bool
) -> None:
    client = TestClient(error_app(min_size=10, json_errors=json_errors))
    reply = client.request(method, path, headers=GZIP)
    plain = without_compression(path, method, json_errors)
    assert reply.status_code == plain.status_code == status
    assert reply.headers["Content-Encoding"] == "gzip"
    assert reply.headers["Vary"] == "Accept-Encoding"
    assert reply.headers["Content-Length"] == str(len(reply.body))
    assert reply.headers["Content-Type"] == plain.headers["Content-Type"]
    expected = "application/json" if json_errors else content_type
    assert reply.headers["Content-Type"].startswith(expected)
    assert gzip.decompress(reply.body) == plain.body
    for name in ("Allow", "WWW-Authenticate"):
        assert reply.headers.get(name) == plain.headers.get(name)


def test_the_example_of_the_issue_is_compressed() -> None:
    app = Lcore()
    app.use(CompressionMiddleware(min_size=10))

    @app.get("/")
    def page() -> str:
        abort(403, "no" * 400)

    reply = TestClient(app).get("/", headers=GZIP)
    assert reply.status_code == 403
    assert reply.headers["Content-Encoding"] == "gzip"
    assert len(reply.body) < 400
    assert b"nono" in gzip.decompress(reply.body)


def test_an_error_under_min_size_is_untouched() -> None:
    client = TestClient(error_app(min_size=100_000))
    reply = client.get("/forbidden", headers=GZIP)
    plain = without_compression("/forbidden", "GET")
    assert reply.status_code == 403
    assert "Content-Encoding" not in reply.headers
    assert "Vary" not in reply.headers
    assert reply.body == plain.body
    assert reply.headers["Content-Length"] == str(len(plain.body))


def test_a_short_error_is_untouched_and_a_client_without_gzip_gets_the_page() -> None:
    client = TestClient(error_app(json_errors=True))  # a JSON error of 48 bytes
    reply = client.get("/short", headers=GZIP)
    assert "Content-Encoding" not in reply.headers
    assert reply.body == without_compression("/short", "GET", json_errors=True).body
    client = TestClient(error_app())
    reply = client.get("/forbidden")  # no Accept-Encoding: the page, and Vary for caches
    assert "Content-Encoding" not in reply.headers
    assert reply.headers["Vary"] == "Accept-Encoding"
    assert reply.body == without_compression("/forbidden", "GET").body


def test_a_head_error_is_not_compressed() -> None:
    reply = TestClient(error_app()).head("/forbidden", headers=GZIP)
    assert reply.status_code == 403
    assert "Content-Encoding" not in reply.headers
    assert reply.headers["Vary"] == "Accept-Encoding"
    assert reply.body == b""


def test_no_transform_and_an_encoding_already_set_leave_the_error_alone() -> None:
    app = error_app()

    @app.get("/no-transform")
    def no_transform() -> str:
        response.set_header("Cache-Control", "no-transform")
        abort(403, LONG)

    @app.get("/encoded")
    def encoded() -> str:
        raise HTTPError(403, LONG, **{"Content-Encoding": "identity"})

    client = TestClient(app)
    for path in ("/no-transform", "/encoded"):
        reply = client.get(path, headers=GZIP)
        assert reply.status_code == 403
        assert reply.headers.get("Content-Encoding") in (None, "identity")
        assert LONG.encode() in reply.body


def test_an_error_handler_runs_once_and_its_page_is_compressed() -> None:
    app = Lcore()
    app.use(CompressionMiddleware())
    calls: list[int] = []

    @app.error(404)
    def not_found(error: HTTPError) -> dict[str, Any]:
        calls.append(error.status_code)
        return {"missing": True, "padding": "p" * 500}

    @app.error(403)
    def forbidden(error: HTTPError) -> HTTPResponse:
        calls.append(error.status_code)
        return HTTPResponse("go away. " * 100, 403, {"X-Handler": "own"})

    @app.get("/forbidden")
    def page() -> str:
        abort(403)

    client = TestClient(app)
    reply = client.get("/missing", headers=GZIP)
    assert calls == [404]
    assert reply.status_code == 404
    assert reply.headers["Content-Type"] == "application/json"
    assert gzip.decompress(reply.body) == b'{"missing":true,"padding":"' + b"p" * 500 + b'"}'
    reply = client.get("/forbidden", headers=GZIP)
    assert calls == [404, 403]
    assert reply.status_code == 403
    assert reply.headers["X-Handler"] == "own"
    assert gzip.decompress(reply.body) == ("go away. " * 100).encode()


def test_middleware_further_out_still_see_the_error_and_its_vary_is_kept() -> None:
    seen: list[Any] = []

    class Outer(Middleware):
        order = 10

        def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
            ctx.response.set_header("Vary", "Origin")
            result = next_handler(ctx)
            seen.append(result)
            return result

    app = error_app()
    app.use(Outer())

    @app.get("/own-vary")
    def own_vary() -> str:
        raise HTTPError(403, LONG, Vary="Cookie", ETag='"v1"')

    client = TestClient(app)
    reply = client.get("/broken", headers=GZIP)
    assert reply.status_code == 500
    assert reply.headers["Vary"] == "Origin, Accept-Encoding"
    assert gzip.decompress(reply.body).startswith(b"<!DOCTYPE html>")
    error = seen[-1]
    assert isinstance(error, HTTPError)
    assert isinstance(error.exception, RuntimeError)
    reply = client.get("/own-vary", headers=GZIP)
    assert reply.headers["Content-Encoding"] == "gzip"
    assert reply.headers["Vary"] == "Cookie, Accept-Encoding"
    assert reply.headers["ETag"] == 'W/"v1"'
    assert reply.headers.getall("Vary") == ["Cookie, Accept-Encoding"]


def test_render_error_renders_once_per_request() -> None:
    app = Lcore()
    calls: list[int] = []
    app.error(418)(lambda error: calls.append(1) or "teapot page")
    rendered: list[HTTPError] = []

    class Render(Middleware):
        def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
            result = next_handler(ctx)
            if isinstance(result, HTTPError):
                rendered.append(app.render_error(ctx, app.render_error(ctx, result)))
            return result

    app.use(Render())

    @app.get("/")
    def teapot() -> str:
        abort(418, "short and stout")

    reply = TestClient(app).get("/")
    assert reply.status_code == 418
    assert reply.text == "teapot page"
    assert calls == [1]
    assert rendered[0].rendered_for is not None
    assert rendered[0].body == "teapot page"


def test_an_error_kept_and_raised_again_is_rendered_anew_for_each_request() -> None:
    """An exception handler that answers with one HTTPError kept in a module: the first
    request's compressed page never goes out with the second answer."""
    kept = HTTPError(409, "conflict: " + LONG)
    app = Lcore()
    app.use(CompressionMiddleware())
    app.exception_handler(KeyError)(lambda exc: kept)

    @app.get("/")
    def conflict() -> str:
        raise KeyError("x")

    client = TestClient(app)
    first = client.get("/", headers=GZIP)
    assert first.headers["Content-Encoding"] == "gzip"
    page = gzip.decompress(first.body)
    for headers in ({}, GZIP, {}):
        reply = client.get("/", headers=headers)
        assert reply.status_code == 409
        body = gzip.decompress(reply.body) if headers else reply.body
        assert body.startswith(b"<!DOCTYPE html>")
        assert b"409 Conflict" in body
    assert b"conflict: not allowed here." in page


def test_an_error_compressed_on_a_timeout_workers_context_is_sent_as_compressed() -> None:
    app = error_app()
    app.use(TimeoutMiddleware(timeout=30))  # the rest of the chain runs on a copy of ctx
    reply = TestClient(app).get("/forbidden", headers=GZIP)
    assert reply.status_code == 403
    assert reply.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(reply.body) == without_compression("/forbidden", "GET").body
