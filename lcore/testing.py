"""TestClient: drive a WSGI app in-process, checking PEP 3333 conformance as it goes."""

from __future__ import annotations

import io
import json as jsonlib
import sys
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes, urlencode, urlsplit
from wsgiref.validate import validator

from ._wsgi import WSGIApp, WSGIEnviron
from .datastructures import HeaderDict, iter_pairs
from .http import parse_cookie_header

__all__ = ["TestClient", "TestResponse"]


class TestResponse:
    """What the app answered.

    Attributes:
        status: The status line (``"200 OK"``).
        status_code: The numeric status.
        headers: Case-insensitive, multi-valued headers (every ``Set-Cookie`` kept).
        body: The raw body.
    """

    __test__ = False

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status: str = status
        self.status_code: int = int(status.split(" ", 1)[0])
        self.headers: HeaderDict = HeaderDict(headers)
        self.body: bytes = body

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.body.decode("utf-8", "replace")

    @property
    def json(self) -> Any:
        """The body parsed as JSON.

        Raises:
            ValueError: The body is not JSON.
        """
        return jsonlib.loads(self.body)

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies set by this response (name -> value)."""
        jar: dict[str, str] = {}
        for line in self.headers.getall("Set-Cookie"):
            pairs = parse_cookie_header(line.split(";", 1)[0], 1)
            if pairs:
                jar[pairs[0][0]] = pairs[0][1]
        return jar

    def __repr__(self) -> str:
        return f"<TestResponse {self.status}>"


def _discard(data: bytes) -> None:
    del data


def _expired(line: str) -> bool:
    attributes = [a.strip().lower() for a in line.split(";")[1:]]
    return any(a in ("max-age=0",) or a.startswith("max-age=-") for a in attributes)


class TestClient:
    """Call a WSGI app in-process, keeping cookies across calls.

    Args:
        app: The WSGI app under test.
        validate: Wrap it in ``wsgiref.validate.validator`` (default) so every call also
            checks PEP 3333 conformance.
        remote_addr: ``REMOTE_ADDR`` of the simulated client.
        base_url: Scheme and host of the simulated requests.
    """

    __test__ = False

    def __init__(
        self,
        app: WSGIApp,
        validate: bool = True,
        remote_addr: str = "127.0.0.1",
        base_url: str = "http://localhost",
    ) -> None:
        self.app = app
        self._wsgi: WSGIApp = validator(app) if validate else app
        self.remote_addr = remote_addr
        parts = urlsplit(base_url)
        self._scheme = parts.scheme or "http"
        self._host = parts.netloc or "localhost"
        self.cookies: dict[str, str] = {}

    def build_environ(
        self,
        method: str,
        path: str,
        body: bytes,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
        query_string: str,
    ) -> WSGIEnviron:
        """The environ a server would build for this request."""
        split = urlsplit(path)
        query = query_string or split.query
        host, _, port = self._host.partition(":")
        environ: WSGIEnviron = {
            # NOTE: sent as given, as a server would: methods are case-sensitive.
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            # NOTE: PEP 3333: PATH_INFO carries the percent-decoded bytes as latin-1.
            "PATH_INFO": unquote_to_bytes(split.path or "/").decode("latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": host,
            "SERVER_PORT": port or ("443" if self._scheme == "https" else "80"),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.remote_addr,
            "HTTP_HOST": self._host,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": self._scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if body:
            environ["CONTENT_LENGTH"] = str(len(body))
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for name, value in iter_pairs(headers or ()):
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                environ["HTTP_" + key] = value
        return environ

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str = b"",
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        query_string: str = "",
        content_type: str | None = None,
        json: Any = None,
        data: Mapping[str, str] | bytes | str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> TestResponse:
        """Send one request.

        Args:
            method: The HTTP method, sent as given (``"get"`` is not ``"GET"``).
            path: The path, optionally with ``?query``.
            body: A raw body.
            headers: Request headers.
            query_string: A raw query string (overrides one in ``path``).
            content_type: The Content-Type of the body.
            json: A value to send as a JSON body (``application/json``).
            data: A form (dict, sent urlencoded) or a raw body.
            params: Query parameters to encode.
        """
        raw = body.encode() if isinstance(body, str) else body
        if json is not None:
            raw = jsonlib.dumps(json).encode()
            content_type = content_type or "application/json"
        elif isinstance(data, Mapping):
            raw = urlencode(list(data.items())).encode()
            content_type = content_type or "application/x-www-form-urlencoded"
        elif data is not None:
            raw = data.encode() if isinstance(data, str) else data
        if params:
            query_string = urlencode(list(params.items()))
        environ = self.build_environ(method, path, raw, headers, query_string)
        if content_type is not None:
            environ["CONTENT_TYPE"] = content_type
        captured: dict[str, Any] = {}

        def start_response(
            status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            del exc_info
            captured["status"], captured["headers"] = status, response_headers
            return _discard

        result = self._wsgi(environ, start_response)
        try:
            chunks = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if callable(close):
                close()
        response = TestResponse(captured["status"], captured["headers"], chunks)
        for line in response.headers.getall("Set-Cookie"):
            pairs = parse_cookie_header(line.split(";", 1)[0], 1)
            if not pairs:
                continue
            name, value = pairs[0]
            if _expired(line):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, path: str, **kw: Any) -> TestResponse:
        """Send a GET."""
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> TestResponse:
        """Send a POST."""
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> TestResponse:
        """Send a PUT."""
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> TestResponse:
        """Send a PATCH."""
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> TestResponse:
        """Send a DELETE."""
        return self.request("DELETE", path, **kw)

    def head(self, path: str, **kw: Any) -> TestResponse:
        """Send a HEAD."""
        return self.request("HEAD", path, **kw)

    def options(self, path: str, **kw: Any) -> TestResponse:
        """Send an OPTIONS."""
        return self.request("OPTIONS", path, **kw)
