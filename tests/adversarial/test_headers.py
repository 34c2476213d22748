"""Headers: what the handler sets cannot split or corrupt the response (a 500, never a bad
header), and the request's headers read without error whatever the environ holds."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from lcore import Lcore, request, response
from tests.raw_wsgi import expect_error, expect_json, send


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("a\r\nSet-Cookie: stolen=1", id="crlf"),
        pytest.param("a\nX-Injected: 1", id="lf"),
        pytest.param("a\rX-Injected: 1", id="cr"),
        pytest.param("a\x00b", id="nul"),
        pytest.param("\r\n\r\n<html>smuggled body", id="double-crlf"),
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


def test_harmless_header_value_passes(target: Lcore) -> None:
    result = send(target, "/inject", QUERY_STRING="v=fine%09value")
    assert result.status_code == 200
    assert result.header("X-Echo") == "fine\tvalue"


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
