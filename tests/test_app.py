"""Lcore: hooks, middleware, plugins, mounting, error handling and handler results."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from lcore import (
    HTTPError,
    HTTPResponse,
    Lcore,
    TestClient,
    abort,
    ctx,
    request,
    response,
)
from tests.raw_wsgi import call_raw, make_environ

# -- construction and config ---------------------------------------------------------------


def test_constructor_config_keywords() -> None:
    app = Lcore(debug=True, error__format="json", autojson=False)
    assert app.debug is True
    assert app.config["error.format"] == "json"
    assert app.config["json.enable"] is False
    assert app.catchall is True
    assert [getattr(p, "name", None) for p in app.plugins] == ["json"]


def test_config_hook_and_validated_keys() -> None:
    app = Lcore()
    seen: list[tuple[str, Any]] = []
    app.add_hook("config", lambda key, value: seen.append((key, value)))
    app.config["debug"] = "yes"
    app.config["my.key"] = 1
    assert seen == [("debug", True), ("my.key", 1)]
    assert app.debug is True
    with pytest.raises(ValueError):
        app.config["error.format"] = "xml"
    with pytest.raises(ValueError):
        app.config["request.max_body"] = -1
    app.config["request.max_body"] = "123"
    assert app.limits.max_body == 123
    del app.config["request.max_body"]
    assert app.limits.max_body == 10 * 1024 * 1024


# -- errors ------------------------------------------------------------------------------------


def test_error_handler_return_kinds(app: Lcore) -> None:
    @app.error(404)
    def not_found(error: HTTPError) -> str:
        return f"custom 404 for {request.path}"

    @app.error(403)
    def forbidden(error: HTTPError) -> dict[str, str]:
        return {"why": str(error.body)}

    def teapot(error: HTTPError) -> HTTPResponse:
        return HTTPResponse("replaced", 299)

    app.error(418, teapot)
    app.get("/403", callback=lambda: abort(403, "nope"))
    app.get("/418", callback=lambda: abort(418))
    client = TestClient(app)
    result = client.get("/x")
    assert (result.status_code, result.text) == (404, "custom 404 for /x")
    result = client.get("/403")
    assert (result.status_code, result.json) == (403, {"why": "nope"})
    assert result.headers["Content-Type"] == "application/json"
    result = client.get("/418")
    assert (result.status_code, result.text) == (299, "replaced")


def test_failing_error_handler_gives_the_default_500(app: Lcore) -> None:
    @app.error(404)
    def broken(error: HTTPError) -> str:
        raise RuntimeError("handler bug")

    result = TestClient(app).get("/x")
    assert result.status_code == 500
    assert result.json == {"error": "Internal Server Error", "status": 500}


def test_error_handler_for_500_sees_the_exception(app: Lcore) -> None:
    seen: list[BaseException | None] = []

    @app.error(500)
    def oops(error: HTTPError) -> str:
        seen.append(error.exception)
        return "sorry"

    @app.get("/")
    def index() -> str:
        raise KeyError("missing")

    result = TestClient(app).get("/")
    assert (result.status_code, result.text) == (500, "sorry")
    assert isinstance(seen[0], KeyError)


def test_unhandled_exception_html_has_no_traceback_without_debug() -> None:
    app = Lcore()

    @app.get("/")
    def index() -> str:
        raise ValueError("secret detail")

    result = TestClient(app).get("/")
    assert result.status_code == 500
    assert "Internal Server Error" in result.text
    assert "Traceback" not in result.text
    assert "secret detail" not in result.text
    app.config["debug"] = True
    debug = TestClient(app).get("/")
    assert "Traceback" in debug.text
    assert "secret detail" in debug.text


def test_json_errors_traceback_only_in_debug(app: Lcore) -> None:
    app.get("/", callback=lambda: 1 / 0)
    result = TestClient(app).get("/")
    assert result.json == {"error": "Internal Server Error", "status": 500}
    app.config["debug"] = True
    debug = TestClient(app).get("/").json
    assert "ZeroDivisionError" in debug["traceback"]


def test_client_error_detail_in_json_and_422_always_json() -> None:
    from lcore import ClientError

    app = Lcore()

    @app.get("/bad")
    def bad() -> str:
        raise ClientError(422, "expected an integer", "int_parsing", ("query", "limit"))

    result = TestClient(app).get("/bad")
    assert result.status_code == 422
    assert result.json == {
        "error": "Unprocessable Entity",
        "status": 422,
        "detail": [
            {"loc": ["query", "limit"], "msg": "expected an integer", "type": "int_parsing"}
        ],
    }


def test_client_error_in_html_mode_shows_message() -> None:
    from lcore import ClientError

    app = Lcore()
    app.get("/bad", callback=lambda: (_ for _ in ()).throw(ClientError(400, "no <good>")))
    result = TestClient(app).get("/bad")
    assert result.status_code == 400
    assert "no &lt;good&gt;" in result.text


def test_catchall_off_lets_exceptions_propagate(app: Lcore) -> None:
    app.config["catchall"] = False
    app.get("/", callback=lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        TestClient(app, validate=False).get("/")


def test_http_error_with_unknown_status(app: Lcore) -> None:
    app.get("/", callback=lambda: abort(599, "odd"))
    result = TestClient(app).get("/")
    assert result.status_code == 599
    assert result.json == {"error": "Unknown", "status": 599, "message": "odd"}


# -- handler results -------------------------------------------------------------------------


@dataclasses.dataclass
class Point:
    x: int
    y: int


@pytest.mark.parametrize(
    ("value", "body", "content_type"),
    [
        ({"a": 1}, b'{"a":1}', "application/json"),
        ([1, "two"], b'[1,"two"]', "application/json"),
        ([], b"[]", "application/json"),
        ({}, b"{}", "application/json"),
        (Point(1, 2), b'{"x":1,"y":2}', "application/json"),
        ([Point(1, 2)], b'[{"x":1,"y":2}]', "application/json"),
        ("héllo", "héllo".encode(), "text/html; charset=UTF-8"),
        (b"\x00\xff", b"\x00\xff", "text/html; charset=UTF-8"),
        (bytearray(b"ba"), b"ba", "text/html; charset=UTF-8"),
        (None, b"", "text/html; charset=UTF-8"),
        ("", b"", "text/html; charset=UTF-8"),
    ],
)
def test_return_values(app: Lcore, value: Any, body: bytes, content_type: str) -> None:
    app.get("/", callback=lambda: value)
    result = TestClient(app).get("/")
    assert result.status_code == 200
    assert result.body == body
    assert result.headers["Content-Type"] == content_type
    assert result.headers["Content-Length"] == str(len(body))


def test_tuple_is_streamed(app: Lcore) -> None:
    app.get("/", callback=lambda: ("a", b"b", bytearray(b"c")))
    result = TestClient(app).get("/")
    assert result.body == b"abc"
    assert "Content-Length" not in result.headers


def test_str_is_encoded_with_the_response_charset(app: Lcore) -> None:
    @app.get("/")
    def index() -> str:
        response.content_type = "text/plain; charset=latin-1"
        return "é"

    assert TestClient(app).get("/").body == b"\xe9"


def test_unsupported_result_is_a_500(app: Lcore) -> None:
    app.get("/int", callback=lambda: 42)
    client = TestClient(app)
    assert client.get("/int").status_code == 500


def test_generator_is_streamed_and_closed(app: Lcore) -> None:
    events: list[str] = []

    @app.get("/")
    def stream() -> Iterator[str]:
        try:
            yield "a"
            events.append(request.path)  # the context is bound while streaming
            yield "b"
            yield b"c"
        finally:
            events.append("closed")

    result = TestClient(app).get("/")
    assert result.body == b"abc"
    assert "Content-Length" not in result.headers
    assert events == ["/", "closed"]


def test_generator_closed_when_the_server_stops_early(app: Lcore) -> None:
    events: list[str] = []
    cleanups: list[str] = []

    @app.get("/")
    def stream() -> Iterator[str]:
        ctx.on_close(lambda: cleanups.append("ctx"))
        try:
            for i in range(100):
                yield str(i)
        finally:
            events.append("closed")

    body = app(make_environ("/"), lambda status, headers, exc_info=None: lambda data: None)
    iterator = iter(body)
    assert next(iterator) == b"0"
    assert next(iterator) == b"1"
    assert events == [] and cleanups == []
    body.close()  # type: ignore[attr-defined]
    assert events == ["closed"]
    assert cleanups == ["ctx"]


def test_empty_generator(app: Lcore) -> None:
    closed: list[bool] = []

    def empty() -> Iterator[str]:
        try:
            return
            yield ""
        finally:
            closed.append(True)

    app.get("/", callback=empty)
    result = TestClient(app).get("/")
    assert result.body == b""
    assert result.headers["Content-Length"] == "0"
    assert closed == [True]


def test_generator_failing_before_first_chunk_is_a_500(app: Lcore) -> None:
    closed: list[bool] = []

    def failing() -> Iterator[str]:
        try:
            raise RuntimeError("early")
            yield ""
        finally:
            closed.append(True)

    app.get("/", callback=failing)
    result = TestClient(app).get("/")
    assert result.status_code == 500
    assert closed == [True]


def test_iterable_with_close_is_closed(app: Lcore) -> None:
    closed: list[bool] = []

    class Chunks:
        def __iter__(self) -> Iterator[bytes]:
            return iter([b"x", b"y"])

        def close(self) -> None:
            closed.append(True)

    app.get("/", callback=Chunks)
    assert TestClient(app).get("/").body == b"xy"
    assert closed == [True]


def test_head_closes_a_streamed_body(app: Lcore) -> None:
    closed: list[bool] = []

    def stream() -> Iterator[str]:
        try:
            yield "a"
            yield "b"
        finally:
            closed.append(True)

    app.get("/", callback=stream)
    result = TestClient(app).head("/")
    assert result.body == b""
    assert closed == [True]


def test_file_object_uses_wsgi_file_wrapper(app: Lcore) -> None:
    wrapped: list[tuple[Any, int]] = []

    class Wrapper:
        def __init__(self, handle: Any, size: int) -> None:
            wrapped.append((handle, size))
            self.handle = handle

        def __iter__(self) -> Iterator[bytes]:
            return iter([self.handle.read()])

        def close(self) -> None:
            self.handle.close()

    handle = io.BytesIO(b"file contents")
    app.get("/f", callback=lambda: handle)
    result = call_raw(app, make_environ("/f", **{"wsgi.file_wrapper": Wrapper}))
    assert result.body == b"file contents"
    assert wrapped[0][0] is handle
    assert handle.closed


def test_file_object_without_file_wrapper(app: Lcore) -> None:
    handle = io.BytesIO(b"x" * 70000)
    text = io.StringIO("text file")
    app.get("/b", callback=lambda: handle)
    app.get("/t", callback=lambda: text)
    client = TestClient(app)
    assert client.get("/b").body == b"x" * 70000
    assert handle.closed
    assert client.get("/t").body == b"text file"


def test_file_object_through_wsgiref_file_wrapper(app: Lcore, tmp_path: Any) -> None:
    from wsgiref.util import FileWrapper

    path = tmp_path / "data.bin"
    path.write_bytes(b"0123456789")
    app.get("/f", callback=lambda: open(path, "rb"))  # noqa: SIM115
    result = call_raw(app, make_environ("/f", **{"wsgi.file_wrapper": FileWrapper}))
    assert result.body == b"0123456789"


def test_http_response_returned_or_raised(app: Lcore) -> None:
    @app.get("/ret")
    def ret() -> HTTPResponse:
        response.set_header("X-Before", "1")
        return HTTPResponse("made", 201, X_Made="yes")

    @app.get("/raise")
    def rai() -> str:
        response.set_cookie("c", "1")
        raise HTTPResponse(b"raised", 202)

    client = TestClient(app)
    result = client.get("/ret")
    assert (result.status_code, result.text) == (201, "made")
    assert result.headers["X-Made"] == "yes"
    assert result.headers["X-Before"] == "1"
    result = client.get("/raise")
    assert (result.status_code, result.body) == (202, b"raised")
    assert result.cookies == {"c": "1"}


@pytest.mark.parametrize("code", [204, 304])
def test_no_body_statuses_send_no_body(app: Lcore, code: int) -> None:
    @app.get("/")
    def index() -> str:
        response.status = code
        return "dropped"

    result = TestClient(app).get("/")
    assert result.status_code == code
    assert result.body == b""


def test_header_injection_in_a_handler_is_a_500(app: Lcore) -> None:
    @app.get("/")
    def index() -> str:
        response.set_header("X-Evil", "a\r\nSet-Cookie: stolen=1")
        return "never"

    result = call_raw(app, make_environ("/"))
    assert result.status_code == 500
    assert all(name != "Set-Cookie" for name, _ in result.headers)


# -- async handlers -------------------------------------------------------------------------


def test_wsgi_alias() -> None:
    assert Lcore.wsgi is Lcore.__call__


# -- rarer paths ---------------------------------------------------------------------------------


def test_first_streamed_chunk_of_a_wrong_type_is_a_500(app: Lcore) -> None:
    app.get("/", callback=lambda: iter([42]))
    assert TestClient(app).get("/").status_code == 500


def test_wrong_chunk_type_mid_stream_raises_while_serving(app: Lcore) -> None:
    app.get("/", callback=lambda: iter(["ok", 42]))
    body = app(make_environ("/"), lambda status, headers, exc_info=None: lambda data: None)
    iterator = iter(body)
    assert next(iterator) == b"ok"
    with pytest.raises(TypeError, match="str or bytes"):
        next(iterator)
    body.close()  # type: ignore[attr-defined]


def test_last_resort_500_in_html() -> None:
    app = Lcore()

    @app.hook("on_response_send")
    def explode() -> None:
        raise RuntimeError("late")

    app.get("/", callback=lambda: "x")
    result = call_raw(app, make_environ("/"))
    assert result.status_code == 500
    assert result.header("Content-Type") == "text/html; charset=UTF-8"
    assert b"Traceback" not in result.body
    app.config["debug"] = True
    assert b"RuntimeError: late" in call_raw(app, make_environ("/")).body


def test_error_handlers_that_keep_failing_end_in_a_plain_500(app: Lcore) -> None:
    @app.error(500)
    def unsendable(error: HTTPError) -> Any:
        return 42  # not a body lcore can send: a new 500, again and again

    app.get("/", callback=lambda: 1 / 0)
    result = call_raw(app, make_environ("/"))
    assert result.status_code == 500
    assert json.loads(result.body) == {"error": "Internal Server Error", "status": 500}


def test_mounted_wsgi_app_may_replace_its_status_with_exc_info(app: Lcore) -> None:
    import sys

    def careful(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("failed after start_response")
        except ValueError:
            start_response(
                "503 Service Unavailable", [("Content-Type", "text/plain")], sys.exc_info()
            )
            return [b"inner error page"]

    app.mount("/c", careful)
    result = TestClient(app).get("/c/x")
    assert (result.status_code, result.text) == (503, "inner error page")


def test_mounted_wsgi_app_exc_info_after_sending_raises(app: Lcore) -> None:
    import sys

    def late(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"first"
        try:
            raise ValueError("too late")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())

    app.mount("/late", late)
    body = app(make_environ("/late/"), lambda status, headers, exc_info=None: lambda data: None)
    iterator = iter(body)
    assert next(iterator) == b"first"
    with pytest.raises(ValueError, match="too late"):
        next(iterator)


def test_mounted_wsgi_app_without_start_response_is_a_500(app: Lcore) -> None:
    app.mount("/silent", lambda environ, start_response: [])
    assert call_raw(app, make_environ("/silent/")).status_code == 500
