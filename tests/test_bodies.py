"""Handler results turned into response bodies: JSON, text, bytes, streams and files,
HTTPResponse returned or raised, and the captured answer of a mounted WSGI app."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from typing import Any

import pytest

from lcore import HTTPResponse, Lcore, TestClient, ctx, request, response
from tests.raw_wsgi import call_raw, make_environ

# -- handler results -----------------------------------------------------------------------


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


def test_unsupported_result_is_a_500(app: Lcore, client: TestClient) -> None:
    app.get("/int", callback=lambda: 42)
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


def test_a_stream_closed_early_sees_the_request_and_contains_failures(
    app: Lcore, caplog: pytest.LogCaptureFixture
) -> None:
    # Regression: a streamed generator's `finally` (run when the server closes the body
    # early) and the cleanups ran with the request unbound; a failing close skipped them.
    events: list[str] = []

    @app.get("/stream")
    def stream() -> Iterator[str]:
        ctx.on_close(lambda: events.append(f"cleanup sees {request.path}"))
        try:
            yield "a"
            yield "b"
        finally:
            events.append(f"finally sees {request.path}")
            raise LookupError("generator cleanup failed")

    body = app(make_environ("/stream"), lambda status, headers, exc_info=None: lambda data: None)
    assert next(iter(body)) == b"a"
    with caplog.at_level("ERROR", logger="lcore"):
        body.close()  # type: ignore[attr-defined]
        body.close()  # type: ignore[attr-defined]  # a second close does nothing
    assert events == ["finally sees /stream", "cleanup sees /stream"]
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [LookupError]


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


def test_file_object_without_file_wrapper(app: Lcore, client: TestClient) -> None:
    handle = io.BytesIO(b"x" * 70000)
    text = io.StringIO("text file")
    app.get("/b", callback=lambda: handle)
    app.get("/t", callback=lambda: text)
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


def test_http_response_returned_or_raised(app: Lcore, client: TestClient) -> None:
    @app.get("/ret")
    def ret() -> HTTPResponse:
        response.set_header("X-Before", "1")
        return HTTPResponse("made", 201, X_Made="yes")

    @app.get("/raise")
    def rai() -> str:
        response.set_cookie("c", "1")
        raise HTTPResponse(b"raised", 202)

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


# -- rarer paths ---------------------------------------------------------------------------


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
