"""Header injection: CR, LF or NUL in a header set by the handler is a 500, never a split header."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from lcore import Lcore, response
from tests.raw_wsgi import expect_error, send


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
