"""The incoming request: lazy, cached, bounded views of the WSGI environ."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from io import BytesIO
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult

from ._wsgi import WSGIEnviron
from .datastructures import FormsDict, WSGIHeaderDict
from .errors import ClientError
from .http import (
    TrustedProxies,
    decode_path,
    parse_auth,
    parse_content_length,
    parse_cookie_header,
    parse_options_header,
    parse_qs_lists,
    parse_transfer_encoding,
    path_shift,
    quote_path,
)
from .jsonutil import load_json_body
from .limits import DEFAULT_LIMITS, Limits, body_too_large, read_body
from .security import UNSIGNED, DigestMod, unsign_cookie

if TYPE_CHECKING:
    from .app import Lcore
    from .route import Route

__all__ = [
    "BaseRequest",
    "BodyBound",
    "Request",
    "TrustedProxies",
    "require_app",
    "require_route",
]


_NO_PROXIES = TrustedProxies()
_UNSET: Any = object()
_NO_ARGS: dict[str, Any] = {}
_JSON_TYPES = frozenset({"application/json", "application/json-rpc"})
_new_forms = FormsDict.__new__


class Request:
    """A view of one WSGI request. Every parsed value is computed on first use and cached.

    Args:
        environ: The WSGI environ.
        app: The application handling the request (gives limits and proxy trust).
    """

    # PERF: caches start as None (json as _UNSET) and are filled on first use; a sentinel
    # test is ~4x cheaper than catching AttributeError from an unset slot (bench: query
    # string read, POST JSON echo).
    __slots__ = (
        "__dict__",
        "_body",
        "_cookies",
        "_forms",
        "_json",
        "_limits",
        "_path",
        "_proxies",
        "_query",
        "app",
        "environ",
        "route",
        "url_args",
    )

    MEMFILE_MAX = 102400

    def __init__(self, environ: WSGIEnviron | None = None, app: Lcore | None = None) -> None:
        self.environ: WSGIEnviron = {} if environ is None else environ
        self.app: Lcore | None = app
        self.route: Route | None = None
        self.url_args: dict[str, Any] = _NO_ARGS
        self._path: str | None = None
        self._query: FormsDict | None = None
        self._forms: FormsDict | None = None
        self._cookies: FormsDict | None = None
        self._body: bytes | None = None
        self._json: Any = _UNSET
        self._limits: Limits | None = None
        self._proxies: TrustedProxies | None = None

    @property
    def limits(self) -> Limits:
        """The input bounds in force: the app's (``request.*`` config) unless this request
        was given its own (``BodyLimitMiddleware`` does, before the body is read)."""
        limits = self._limits
        if limits is not None:
            return limits
        app = self.app
        return DEFAULT_LIMITS if app is None else app.limits

    @limits.setter
    def limits(self, value: Limits) -> None:
        self._limits = value

    @property
    def trusted_proxies(self) -> TrustedProxies:
        """The proxies whose ``X-Forwarded-*`` headers this request believes: the app's
        (``proxy.trusted``) unless this request was given its own (``ProxyFixMiddleware``
        does, before routing)."""
        return self._trusted()

    @trusted_proxies.setter
    def trusted_proxies(self, value: TrustedProxies) -> None:
        self._proxies = value

    @property
    def bound_app(self) -> Lcore:
        """:attr:`app`, typed without ``None``: the app whose configuration holds for this
        request (a mounted sub-app's own while its route runs).

        Raises:
            RuntimeError: The request is not bound to an app (built by hand, without one).
        """
        return require_app(self.app, "request", "Request")

    @property
    def bound_route(self) -> Route:
        """:attr:`route`, typed without ``None``: the route that matched this request.

        Raises:
            RuntimeError: No route matched (yet): the request is not routed, e.g. in a
                ``before_request`` hook, on a 404, or built by hand.
        """
        return require_route(self.route, "request")

    # -- the request line ---------------------------------------------------------------

    @property
    def method(self) -> str:
        """The request method exactly as sent: ``get`` is not ``GET`` (methods are
        case-sensitive, RFC 9110 section 9.1)."""
        method: str = self.environ.get("REQUEST_METHOD", "GET")
        return method

    @property
    def path(self) -> str:
        """The path (``PATH_INFO``) decoded as UTF-8, always starting with ``/``.

        Raises:
            ClientError: 400 when the path bytes are not UTF-8.
        """
        path = self._path
        if path is None:
            raw: str = self.environ.get("PATH_INFO") or "/"
            path = self._path = decode_path(raw if raw.startswith("/") else "/" + raw)
        return path

    @property
    def script_name(self) -> str:
        """The mount prefix (``SCRIPT_NAME``) with leading and trailing ``/``."""
        script: str = self.environ.get("SCRIPT_NAME", "")
        script = script.strip("/")
        return "/" + script + "/" if script else "/"

    @property
    def fullpath(self) -> str:
        """``SCRIPT_NAME`` plus the path."""
        return self.script_name.rstrip("/") + self.path

    @property
    def query_string(self) -> str:
        """The raw query string."""
        query: str = self.environ.get("QUERY_STRING", "")
        return query

    @property
    def urlparts(self) -> SplitResult:
        """The URL as parts; ``X-Forwarded-Proto``/``-Host`` count only from trusted proxies."""
        env = self.environ
        trusted = self._peer_is_trusted()
        scheme = (env.get("HTTP_X_FORWARDED_PROTO") if trusted else None) or env.get(
            "wsgi.url_scheme", "http"
        )
        host = (env.get("HTTP_X_FORWARDED_HOST") if trusted else None) or env.get("HTTP_HOST")
        if not host:
            host = env.get("SERVER_NAME", "127.0.0.1")
            port = env.get("SERVER_PORT")
            if port and port != ("80" if scheme == "http" else "443"):
                host += ":" + port
        # NOTE: the path is decoded text: a "%" in it is a character, escaped like "?".
        path = quote_path(self.fullpath)
        return SplitResult(scheme.split(",")[0].strip(), host, path, self.query_string, "")

    @property
    def url(self) -> str:
        """The full URL as the client (or a trusted proxy) asked for it."""
        return self.urlparts.geturl()

    # -- headers and cookies ------------------------------------------------------------

    @property
    def headers(self) -> WSGIHeaderDict:
        """The request headers, read-only and case-insensitive."""
        return WSGIHeaderDict(self.environ)

    def get_header(self, name: str, default: str | None = None) -> str | None:
        """One request header's value, or ``default``."""
        return self.headers.raw(name, default)

    @property
    def content_type(self) -> str:
        """The lower-cased ``Content-Type`` header, or ``''``."""
        content_type: str = self.environ.get("CONTENT_TYPE", "")
        return content_type.lower()

    @property
    def content_length(self) -> int:
        """``Content-Length`` as an int, ``-1`` when absent.

        Raises:
            ClientError: 400 for a malformed value.
        """
        return parse_content_length(self.environ.get("CONTENT_LENGTH"))

    @property
    def chunked(self) -> bool:
        """Whether the body uses ``Transfer-Encoding: chunked``.

        Raises:
            ClientError: 400 ``transfer_encoding_invalid`` for another or a malformed
                ``Transfer-Encoding``; 501 ``transfer_encoding_unsupported`` for codings
                before ``chunked`` (see :func:`lcore.http.parse_transfer_encoding`).
        """
        return parse_transfer_encoding(self.environ.get("HTTP_TRANSFER_ENCODING"))

    @property
    def is_xhr(self) -> bool:
        """Whether ``X-Requested-With: XMLHttpRequest`` was sent."""
        requested_with: str = self.environ.get("HTTP_X_REQUESTED_WITH", "")
        return requested_with.lower() == "xmlhttprequest"

    is_ajax = is_xhr

    @property
    def cookies(self) -> FormsDict:
        """Cookies as sent (no signature check; see :meth:`get_cookie`)."""
        cookies = self._cookies
        if cookies is None:
            header: str = self.environ.get("HTTP_COOKIE", "")
            pairs = parse_cookie_header(header, self.limits.max_fields) if header else ()
            cookies = self._cookies = FormsDict(pairs)
        return cookies

    def get_cookie(
        self,
        key: str,
        default: Any = None,
        secret: str | bytes | None = None,
        digestmod: DigestMod = hashlib.sha256,
    ) -> Any:
        """A cookie's value; with ``secret``, the verified value of a signed cookie.

        A missing, tampered, renamed or unsigned cookie reads as ``default`` when a
        secret is given. An empty cookie is ``''``, not missing.
        """
        value = self.cookies.get(key)
        if value is None:
            return default
        if secret is None:
            return value
        decoded = unsign_cookie(key, value, secret, digestmod)
        return default if decoded is UNSIGNED else decoded

    @property
    def auth(self) -> tuple[str, str | None] | None:
        """HTTP Basic ``(user, password)``, or ``(REMOTE_USER, None)``, or ``None``."""
        header = self.environ.get("HTTP_AUTHORIZATION")
        if header:
            parsed = parse_auth(header)
            if parsed is not None:
                return parsed
        user: str | None = self.environ.get("REMOTE_USER")
        return (user, None) if user else None

    # -- client address -----------------------------------------------------------------

    def _trusted(self) -> TrustedProxies:
        proxies = self._proxies
        if proxies is not None:
            return proxies
        app = self.app
        return _NO_PROXIES if app is None else app.trusted_proxies

    def _peer_is_trusted(self) -> bool:
        trusted = self._trusted()
        return bool(trusted) and self.environ.get("REMOTE_ADDR") in trusted

    @property
    def remote_route(self) -> list[str]:
        """``X-Forwarded-For`` entries then ``REMOTE_ADDR`` (client first)."""
        forwarded: str = self.environ.get("HTTP_X_FORWARDED_FOR", "")
        route = [ip.strip() for ip in forwarded.split(",") if ip.strip()] if forwarded else []
        remote = self.environ.get("REMOTE_ADDR")
        if remote:
            route.append(remote)
        return route

    @property
    def remote_addr(self) -> str | None:
        """The client's IP address.

        Without trusted proxies (``proxy.trusted``) this is ``REMOTE_ADDR``: an
        ``X-Forwarded-For`` from an untrusted peer is ignored. From a trusted peer,
        ``X-Forwarded-For`` is read as :meth:`TrustedProxies.client_address` says.
        """
        remote: str | None = self.environ.get("REMOTE_ADDR")
        trusted = self._trusted()
        if not trusted:
            return remote
        return trusted.client_address(remote, self.environ.get("HTTP_X_FORWARDED_FOR", ""))

    # -- the body -----------------------------------------------------------------------

    def _raw_body(self) -> bytes:
        if self._body is not None:
            return self._body
        env = self.environ
        length = parse_content_length(env.get("CONTENT_LENGTH"))
        encoding = env.get("HTTP_TRANSFER_ENCODING")
        chunked = False if encoding is None else parse_transfer_encoding(encoding)
        if chunked and length >= 0 and not env.get("wsgi.input_terminated"):
            # NOTE: RFC 9112 section 6.3: both framings at once is a smuggling signal.
            raise ClientError(
                400,
                "Content-Length and Transfer-Encoding must not both be sent",
                "body_framing_invalid",
                ("header", "Transfer-Encoding"),
            )
        stream = env.get("wsgi.input")
        if stream is None:
            data = b""
        else:
            data = read_body(
                stream,
                length,
                chunked,
                bool(env.get("wsgi.input_terminated")),
                self.limits.max_body,
            )
            # Let other WSGI layers read the body again.
            env["wsgi.input"] = BytesIO(data)
            env["CONTENT_LENGTH"] = str(len(data))
        self._body = data
        return data

    @property
    def body(self) -> BytesIO:
        """The raw body as a seekable file, rewound on every access (bounded read)."""
        return BytesIO(self._raw_body())

    @property
    def body_bytes(self) -> bytes:
        """The raw body as bytes (bounded by ``request.max_body``)."""
        return self._raw_body()

    @property
    def json(self) -> Any:
        """The body parsed as JSON for JSON media types (``application/json``, ``*+json``).

        ``None`` for other types or an empty body.

        Raises:
            ClientError: 400 ``json_invalid`` / ``json_too_deep``; 413 ``body_too_large``.
        """
        if self._json is not _UNSET:
            return self._json
        content_type: str = self.environ.get("CONTENT_TYPE", "")
        # PERF: the usual exact value skips the header parser (bench: POST JSON echo).
        media = (
            content_type
            if content_type == "application/json"
            else (parse_options_header(content_type)[0])
        )
        value: Any = None
        if media in _JSON_TYPES or (media.startswith("application/") and media.endswith("+json")):
            data = self._raw_body()
            if data:
                value = load_json_body(data, self.limits.max_json_depth)
        self._json = value
        return value

    @property
    def query(self) -> FormsDict:
        """The query string's fields (bounded by ``request.max_fields``)."""
        query = self._query
        if query is None:
            text: str = self.environ.get("QUERY_STRING", "")
            limits = self._limits
            if limits is None:
                app = self.app
                limits = DEFAULT_LIMITS if app is None else app.limits
            # PERF: FormsDict.from_lists inlined, and the limits read without the property:
            # ~0.15 us of the ~1.2 us a query read costs (bench: query string read).
            data = parse_qs_lists(text, limits.max_fields) if text else {}
            query = _new_forms(FormsDict)
            query._data = data
            self._query = query
        return query

    GET = query

    @property
    def forms(self) -> FormsDict:
        """Fields of an ``application/x-www-form-urlencoded`` body."""
        if self._forms is not None:
            return self._forms
        media = parse_options_header(self.environ.get("CONTENT_TYPE", ""))[0]
        forms = FormsDict()
        if media == "application/x-www-form-urlencoded":
            text = self._raw_body().decode("latin-1")
            forms = FormsDict.from_lists(parse_qs_lists(text, self.limits.max_fields, "body"))
        self._forms = forms
        return forms

    @property
    def POST(self) -> FormsDict:
        """All body fields."""
        return self.forms

    @property
    def params(self) -> FormsDict:
        """Query fields, then form fields, in one dict."""
        params = FormsDict(self.query.allitems())
        for key, value in self.forms.allitems():
            params.append(key, value)
        return params

    # -- environ as a mapping -----------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        """An environ value."""
        return self.environ.get(key, default)

    def keys(self) -> list[str]:
        """The environ keys."""
        return list(self.environ)

    def __getitem__(self, key: str) -> Any:
        return self.environ[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.environ[key] = value
        self._drop_caches(key)

    def __delitem__(self, key: str) -> None:
        del self.environ[key]
        self._drop_caches(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.environ)

    def __len__(self) -> int:
        return len(self.environ)

    def _drop_caches(self, key: str) -> None:
        if key == "wsgi.input" or key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            self._body = self._forms = None
            self._json = _UNSET
        elif key == "QUERY_STRING":
            self._query = None
        elif key == "PATH_INFO":
            self._path = None
        elif key == "HTTP_COOKIE":
            self._cookies = None

    def copy(self) -> Request:
        """A new Request over a shallow copy of the environ."""
        copy = type(self)(dict(self.environ), self.app)
        copy._limits, copy._proxies = self._limits, self._proxies
        return copy

    def path_shift(self, shift: int = 1) -> None:
        """Move ``shift`` path segments from ``PATH_INFO`` to ``SCRIPT_NAME`` (or back)."""
        script, path = path_shift(
            self.environ.get("SCRIPT_NAME", "/"), self.environ.get("PATH_INFO", "/"), shift
        )
        self.environ["SCRIPT_NAME"] = script
        self["PATH_INFO"] = path

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.method} {self.environ.get('PATH_INFO', '/')}>"


BaseRequest = Request


class BodyBound:
    """One ``max_body`` set for some requests (``BodyLimitMiddleware``, the route option
    ``max_body``): the :class:`Limits` that carry it, and the early check of a declared
    ``Content-Length``. Both ways share this, so they agree with ``request.max_body``.

    Args:
        max_size: The largest body in bytes.

    Raises:
        ValueError: ``max_size`` is negative.
    """

    __slots__ = ("_cached", "max_size")

    def __init__(self, max_size: int) -> None:
        if max_size < 0:
            raise ValueError(f"max_size must not be negative, not {max_size}")
        self.max_size: int = max_size
        # PERF: built once per base Limits, not per request (bench: a GET through
        # BodyLimitMiddleware). A pair replaced whole: threads never see one app's bounds
        # with another's limit.
        self._cached: tuple[Limits, Limits] = (
            DEFAULT_LIMITS,
            replace(DEFAULT_LIMITS, max_body=max_size),
        )

    def limits_for(self, base: Limits) -> Limits:
        """``base`` with this ``max_body``."""
        cached = self._cached
        if cached[0] is base:
            return cached[1]
        limits = replace(base, max_body=self.max_size)
        self._cached = (base, limits)
        return limits

    def check_declared(self, content_length: str | None) -> None:
        """Refuse a declared ``Content-Length`` over the limit, before any byte is read.

        Raises:
            ClientError: 413 ``body_too_large``.
        """
        if content_length and parse_content_length(content_length) > self.max_size:
            raise body_too_large(self.max_size)


def require_app(app: Lcore | None, owner: str, kind: str) -> Lcore:
    """``app``, or the error saying that ``owner`` (``request``, ``ctx``), a ``kind``, has
    none."""
    if app is None:
        raise RuntimeError(
            f"{owner}.bound_app: this {kind} is not bound to an app"
            " (it was built without one, outside Lcore's handling of a request)"
        )
    return app


def require_route(route: Route | None, owner: str) -> Route:
    """``route``, or the error saying that no route has matched ``owner``'s request."""
    if route is None:
        raise RuntimeError(
            f"{owner}.bound_route: no route has matched this request"
            " (read it in a handler, not before routing or on a 404)"
        )
    return route
