"""Headers: what the handler sets cannot split or corrupt the response (a 500, never a bad
header), and the request's headers read without error whatever the environ holds."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from lcore import HTTPError, HTTPResponse, Lcore, redirect, request, response
from tests.raw_wsgi import expect_error, expect_json, send


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("a\r\nSet-Cookie: stolen=1", id="crlf"),
        pytest.param("a\nX-Injected: 1", id="lf"),
        pytest.param("a\rX-Injected: 1", id="cr"),
        pytest.param("a\x00b", id="nul"),
        pytest.param("\r\n\r\n<html>smuggled body", id="double-crlf"),
        pytest.param("a\x7fb", id="del"),
        pytest.param("a\x01b", id="soh"),
        pytest.param("\x1b[2Jcleared", id="esc"),
        pytest.param("a\x0bb", id="vt"),
        pytest.param("price 5€", id="not-latin-1"),
    ],
)
def test_header_injection_via_set_header(target: Lcore, value: str) -> None:
    result = send(target, "/inject", QUERY_STRING="v=" + quote(value))
    expect_error(result, 500)
    names = [name.lower() for name, _ in result.headers]
    assert names == ["content-type", "content-length"]
    assert b"smuggled" not in result.body


@pytest.mark.parametrize(
    "action",
    [
        pytest.param(lambda: response.add_header("X-A", "1\r\nX-B: 2"), id="add_header"),
        pytest.param(lambda: response.set_header("X-A\r\nX-B", "2"), id="header-name"),
        pytest.param(lambda: setattr(response, "content_type", "text/html\r\nX: 1"), id="ctype"),
        pytest.param(lambda: response.set_cookie("c", "v", path="/\r\nX: 1"), id="cookie-path"),
        pytest.param(lambda: response.set_cookie("c", "v\r\nX: 1"), id="cookie-value"),
        pytest.param(lambda: setattr(response, "status", "200 OK\r\nX: 1"), id="status-line"),
        pytest.param(lambda: setattr(response, "status", "200 O\x7fK"), id="status-del"),
        pytest.param(lambda: response.set_header("X-A", "caf€"), id="not-latin-1"),
        pytest.param(lambda: response.set_header("X A", "1"), id="name-space"),
        pytest.param(lambda: response.set_header("X-Ä", "1"), id="name-non-ascii"),
        pytest.param(lambda: response.set_header("X:A", "1"), id="name-colon"),
        pytest.param(lambda: response.set_cookie("c", "v", domain="a; Secure"), id="cookie-attr"),
        pytest.param(lambda: response.set_cookie("c", "v\x7f"), id="cookie-del"),
        pytest.param(lambda: HTTPResponse(headers={"X-A": "\x00"}), id="http-response"),
        pytest.param(lambda: HTTPError(500, X_A="\x1b"), id="http-error"),
        pytest.param(lambda: redirect("/a\x00b"), id="redirect-nul"),
        pytest.param(lambda: redirect("/a\r\nX: 1"), id="redirect-crlf"),
    ],
)
def test_header_injection_via_other_setters(app: Lcore, action: object) -> None:
    @app.get("/")
    def index() -> str:
        action()  # type: ignore[operator]
        return "never sent"

    result = send(app, "/")
    expect_error(result, 500)
    assert [name for name, _ in result.headers] == ["Content-Type", "Content-Length"]


@pytest.mark.parametrize("error_format", ["html", "json"])
def test_the_500_page_after_a_refused_header_is_valid(error_format: str) -> None:
    app = Lcore(debug=True)  # a traceback in the page: still no bad header
    app.config["error.format"] = error_format

    @app.get("/")
    def index() -> str:
        response.set_header("X-Bad", "\x7f€\r\n")
        return "never sent"

    # call_raw checks the status line, token names and latin-1 values without controls.
    result = send(app, "/")
    assert result.status_code == 500
    assert [name for name, _ in result.headers] == ["Content-Type", "Content-Length"]
    assert b"never sent" not in result.body


@pytest.mark.parametrize(
    ("query", "value"),
    [
        ("v=fine%09value", "fine\tvalue"),  # RFC 9110 section 5.5 allows a tab inside
        ("v=caf%C3%A9", "caf\xe9"),  # latin-1
        ("v=%C2%80%C3%BF", "\x80\xff"),  # obs-text
    ],
)
def test_harmless_header_value_passes(target: Lcore, query: str, value: str) -> None:
    result = send(target, "/inject", QUERY_STRING=query)
    assert result.status_code == 200
    assert result.header("X-Echo") == value


# -- request headers ------------------------------------------------------------------------


def headers_app() -> Lcore:
    app = Lcore()
    app.config["error.format"] = "json"

    @app.get("/headers")
    def headers() -> dict[str, str]:
        return dict(request.headers)

    return app


@pytest.mark.parametrize(
    "key", ["HTTP_X_-A", "HTTP_", "HTTP__", "HTTP_x", "HTTP_É", "HTTP_\x00", "HTTP_CONTENT_TYPE"]
)
def test_request_headers_with_odd_environ_keys(key: str) -> None:
    result = send(headers_app(), "/headers", **{key: "odd", "HTTP_ACCEPT": "*/*"})
    assert expect_json(result)["Accept"] == "*/*"
