"""The exception hierarchy, the registry of exception handlers by class, and the one error
shape (HTML or JSON error bodies)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypedDict

__all__ = [
    "HTTP_CODES",
    "ClientError",
    "ConfigError",
    "ErrorDetail",
    "ExceptionHandler",
    "ExceptionHandlers",
    "LcoreException",
    "MultipartError",
    "PluginError",
    "RouteBuildError",
    "RouteError",
    "RouteSyntaxError",
    "RouterUnknownModeError",
    "TemplateError",
    "error_page_parts",
    "error_payload",
    "render_error_html",
    "render_error_json",
]

#: Status code -> reason phrase (RFC 9110 section 15 plus the common WebDAV/extension codes).
HTTP_CODES: dict[int, str] = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi-Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    417: "Expectation Failed",
    418: "I'm a teapot",
    421: "Misdirected Request",
    422: "Unprocessable Entity",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    510: "Not Extended",
    511: "Network Authentication Required",
}


class ErrorDetail(TypedDict):
    """One problem in an error response: where (``loc``), what (``msg``), and a stable ``type``."""

    loc: list[str | int]
    msg: str
    type: str


class LcoreException(Exception):
    """Base class of every exception lcore raises on purpose."""


class RouteError(LcoreException):
    """A route could not be registered or built."""


class RouteSyntaxError(RouteError):
    """A route rule is malformed."""


class RouteBuildError(RouteError):
    """A URL could not be built for a named route."""


class RouterUnknownModeError(RouteError):
    """A wildcard names a filter the router does not know."""


class PluginError(LcoreException):
    """A plugin was installed or used the wrong way."""


class TemplateError(LcoreException):
    """A template could not be found or rendered."""


class ConfigError(LcoreException, ValueError):
    """Configuration values that do not fit their declared types.

    Attributes:
        errors: One message per bad key, e.g. ``"db.port: expected int, got 'abc'"``.
    """

    def __init__(self, errors: list[str]) -> None:
        super().__init__("invalid configuration:\n  " + "\n  ".join(errors))
        self.errors = errors


class ClientError(LcoreException):
    """Bad input from the client: raised by parsers, turned into a 4xx by the app.

    Args:
        status: The HTTP status to answer with (400, 413, 422, ...).
        msg: A human-readable description naming the limit or rule that failed.
        type: A stable, machine-readable error type (``"body_too_large"``).
        loc: Where the problem is, e.g. ``["body"]`` or ``["query", "limit"]``.
        detail: Several problems at once; replaces the single ``msg``/``type``/``loc``.
    """

    def __init__(
        self,
        status: int,
        msg: str,
        type: str = "bad_request",
        loc: Sequence[str | int] = (),
        detail: list[ErrorDetail] | None = None,
    ) -> None:
        super().__init__(msg)
        self.status = status
        self.msg = msg
        self.type = type
        self.detail: list[ErrorDetail] = (
            detail if detail is not None else [{"loc": list(loc), "msg": msg, "type": type}]
        )


class MultipartError(ClientError):
    """A multipart/form-data body is malformed (400)."""

    def __init__(self, msg: str, type: str = "multipart_invalid") -> None:
        super().__init__(400, msg, type, ("body",))


class ExceptionHandler:
    """One handler registered with ``app.exception_handler(exc_type)``.

    Args:
        exc_type: The exception class it answers (and its subclasses).
        func: Called with the exception; its result is the answer, as a route's is.
        status: The status of that answer, unless it is an ``HTTPResponse`` of its own.
        model: What the answer's body holds, for the OpenAPI document (``None``: the
            handler's return annotation, if any).
    """

    __slots__ = ("exc_type", "func", "model", "status")

    def __init__(
        self,
        exc_type: type[Exception],
        func: Callable[[Any], object],
        status: int = 500,
        model: object = None,
    ) -> None:
        self.exc_type: type[Exception] = exc_type
        self.func: Callable[[Any], object] = func
        self.status: int = status
        self.model: object = model

    def __repr__(self) -> str:
        name = getattr(self.func, "__qualname__", repr(self.func))
        return f"<ExceptionHandler {self.exc_type.__name__} -> {name} ({self.status})>"


class ExceptionHandlers:
    """An app's exception handlers by class; :meth:`find` walks an exception's MRO, so the
    most specific registered class answers.

    lcore's own client errors (:class:`ClientError`, its 4xx answers) are found only by a
    handler registered for ``ClientError`` or one of its subclasses: a handler for
    ``Exception`` leaves them to the default 4xx answer.
    """

    __slots__ = ("_by_class",)

    def __init__(self) -> None:
        # Keyed by class; typed object so an MRO entry (a plain type) looks up as is.
        self._by_class: dict[object, ExceptionHandler] = {}

    def add(self, handler: ExceptionHandler) -> None:
        """Register ``handler`` for its class, replacing any handler that class had."""
        self._by_class[handler.exc_type] = handler

    def find(self, exc_type: type[BaseException]) -> ExceptionHandler | None:
        """The handler for the most specific class of ``exc_type``'s MRO, or ``None``."""
        by_class = self._by_class
        for cls in exc_type.__mro__:
            handler = by_class.get(cls)
            if handler is not None:
                return handler
            if cls is ClientError:
                # NOTE: a ClientError is lcore's own 4xx answer: only a handler that names
                # it (or a subclass) takes it over.
                return None
        return None

    def __len__(self) -> int:
        return len(self._by_class)

    def __iter__(self) -> Iterator[ExceptionHandler]:
        return iter(self._by_class.values())

    def __contains__(self, exc_type: object) -> bool:
        return exc_type in self._by_class


def error_payload(status: int, detail: Sequence[ErrorDetail] | None = None) -> dict[str, object]:
    """Build the one error shape: ``{"error": reason, "status": code[, "detail": [...]]}``."""
    payload: dict[str, object] = {"error": HTTP_CODES.get(status, "Unknown"), "status": status}
    if detail:
        payload["detail"] = list(detail)
    return payload


def render_error_json(status: int, detail: Sequence[ErrorDetail] | None = None) -> bytes:
    """Render the JSON error body."""
    return json.dumps(error_payload(status, detail)).encode()


_HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Error: {title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#222}}
pre{{background:#f4f4f4;padding:1rem;overflow:auto}}</style></head>
<body><h1>Error: {title}</h1><p>Sorry, the requested URL <tt>{url}</tt> caused an error:</p>
<pre>{message}</pre>{extra}</body></html>
"""


#: What html.escape() changes (quote=True).
_HTML_SPECIAL = re.compile("[&<>\"']")
#: The page around the URL: the only part that changes from request to request.
_HTML_HEAD, _HTML_TAIL = _HTML_PAGE.split("{url}")
#: Rendered (head, tail) of pages without a traceback, by (status line, message).
_PAGE_PARTS: dict[tuple[str, str], tuple[bytes, bytes]] = {}
#: abort() messages may carry request data: the cache holds this many pages at most.
_PAGE_PARTS_MAX = 256


def render_error_html(
    status_line: str, url: str, message: str, debug_text: str | None = None
) -> bytes:
    """Render the HTML error page; ``debug_text`` (a traceback) is shown only when given."""
    if not debug_text:
        head, tail = error_page_parts(status_line, message)
        # PERF: a URL with nothing to escape (the usual one) skips html.escape's five
        # replace() calls (bench: 404, 405, abort(403)).
        if _HTML_SPECIAL.search(url) is None:
            return head + url.encode() + tail
        return head + html.escape(url).encode() + tail
    extra = "<h2>Traceback:</h2>\n<pre>" + html.escape(debug_text) + "</pre>"
    return _HTML_PAGE.format(
        title=html.escape(status_line),
        url=html.escape(url),
        message=html.escape(message),
        extra=extra,
    ).encode()


def error_page_parts(status_line: str, message: str) -> tuple[bytes, bytes]:
    """The HTML error page without a traceback, as the bytes before and after its URL.

    The page is ``head + html.escape(url).encode() + tail``.
    """
    key = (status_line, message)
    parts = _PAGE_PARTS.get(key)
    if parts is None:
        # PERF: rendered once per status and message, not per request (bench: 404,
        # 405, abort(403)); the template's format and escapes cost ~2 us.
        parts = (
            _HTML_HEAD.format(title=html.escape(status_line)).encode(),
            _HTML_TAIL.format(message=html.escape(message), extra="").encode(),
        )
        if len(_PAGE_PARTS) >= _PAGE_PARTS_MAX:
            _PAGE_PARTS.clear()
        _PAGE_PARTS[key] = parts
    return parts
