"""Raw WSGI calls for tests: minimal environs, a call with a start_response that counts
its calls and checks the PEP 3333 contract (status line, header names and values), and
checks of the one JSON error shape."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class Vanishing(io.BytesIO):
    """A ``wsgi.input`` that hands out ``data``, then fails as a server's socket does."""

    def __init__(self, data: bytes, error: BaseException) -> None:
        super().__init__(data)
        self.error = error

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        if not data:
            raise self.error
        return data


class RecordingInput(io.BytesIO):
    """A ``wsgi.input`` that records the sizes asked for and the bytes it hands out.

    With ``step``, each read hands out at most that many bytes, as a socket might.
    """

    def __init__(self, data: bytes, step: int | None = None) -> None:
        super().__init__(data)
        self.step = step
        self.asked: list[int] = []
        self.total = 0

    def read(self, size: int | None = -1) -> bytes:
        asked = -1 if size is None else size
        self.asked.append(asked)
        if self.step is not None:
            asked = self.step if asked < 0 else min(asked, self.step)
        data = super().read(asked)
        self.total += len(data)
        return data


@dataclass
class RawResult:
    """What a WSGI app answered to a raw call."""

    calls: int = 0
    status: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    exc_info: Any = None
    body: bytes = b""

    @property
    def status_code(self) -> int:
        return int(self.status.split(" ", 1)[0])

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def make_environ(
    path: str = "/",
    method: str = "GET",
    body: bytes = b"",
    query: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """A minimal PEP 3333 environ; ``extra`` keys are set as given (CGI names)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    environ.update(extra)
    return environ


#: RFC 9110 section 5.6.2: a header name is a token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: PEP 3333 and RFC 9110 section 5.5: visible latin-1 characters, spaces and tabs.
_FIELD_TEXT = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


def assert_pep3333_head(status: str, headers: list[tuple[str, str]]) -> None:
    """Check what an app passed to ``start_response`` against PEP 3333: a status line of
    three digits, one space and a reason phrase; header names that are tokens; header
    values of latin-1 text without control characters (a tab is allowed)."""
    assert isinstance(status, str)
    code, _, reason = status.partition(" ")
    assert code.isascii() and code.isdigit() and len(code) == 3, status
    assert reason and reason == reason.strip() and _FIELD_TEXT.fullmatch(reason), status
    assert isinstance(headers, list)
    for name, value in headers:
        assert isinstance(name, str) and isinstance(value, str)
        assert _TOKEN.fullmatch(name), f"header name {name!r} is not a token"
        assert _FIELD_TEXT.fullmatch(value), f"header value {value!r} of {name}"


def call_raw(app: Any, environ: dict[str, Any]) -> RawResult:
    """Call ``app`` directly (no validator) and check the basic WSGI contract."""
    result = RawResult()

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        result.calls += 1
        result.status = status
        result.headers = headers
        result.exc_info = exc_info
        return lambda data: None

    body: Iterable[bytes] = app(environ, start_response)
    try:
        result.body = b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if callable(close):
            close()
    assert result.calls == 1, f"start_response called {result.calls} times"
    assert_pep3333_head(result.status, result.headers)
    length = result.header("Content-Length")
    if length is not None and environ.get("REQUEST_METHOD") != "HEAD":
        assert int(length) == len(result.body)
    return result


def assert_error_shape(payload: Any, status: int, error_type: str | None = None) -> None:
    """Check the one JSON error shape; ``error_type`` pins ``detail[0].type``."""
    from lcore import HTTP_CODES

    assert isinstance(payload, dict)
    assert payload["error"] == HTTP_CODES[status]
    assert payload["status"] == status
    if error_type is None:
        return
    assert set(payload) == {"error", "status", "detail"}
    detail = payload["detail"]
    assert isinstance(detail, list) and len(detail) == 1
    item = detail[0]
    assert set(item) == {"loc", "msg", "type"}
    assert isinstance(item["loc"], list)
    assert isinstance(item["msg"], str) and item["msg"]
    assert item["type"] == error_type


def send(
    app: Any, path: str = "/", method: str = "GET", body: bytes = b"", **extra: Any
) -> RawResult:
    """Call ``app`` directly with a raw environ (see :func:`make_environ`)."""
    return call_raw(app, make_environ(path, method, body, **extra))


def expect_error(result: RawResult, status: int, error_type: str | None = None) -> Any:
    """Check a JSON error answer; returns its payload."""
    import json

    assert result.status_code == status, result.body
    assert result.header("Content-Type") == "application/json"
    payload = json.loads(result.body)
    assert_error_shape(payload, status, error_type)
    return payload


def expect_json(result: RawResult, status: int = 200) -> Any:
    """Check a JSON success answer; returns its payload."""
    import json

    assert result.status_code == status, result.body
    return json.loads(result.body)
