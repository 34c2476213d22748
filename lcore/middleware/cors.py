"""``CORSMiddleware``: the server side of the Fetch standard's CORS protocol.

Preflights are answered before routing; actual requests from an allowed origin get their
``Access-Control-*`` headers on ``ctx.response``, so every answer carries them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..response import HTTPError, HTTPResponse
from ..routing import MatchFailure
from .base import Middleware, NextHandler, plain_call

if TYPE_CHECKING:
    from ..app import Lcore
    from ..context import RequestContext
    from ..response import Response
    from ..route import Route

__all__ = ["CORSMiddleware"]

#: The methods offered when ``allow_methods`` is not given (api-contract section 7).
DEFAULT_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
#: The request headers allowed when ``allow_headers`` is not given.
DEFAULT_HEADERS = ("Content-Type", "Authorization", "X-Requested-With")
# NOTE: Fetch, "CORS-safelisted request-header": a browser may list these in
# Access-Control-Request-Headers (a JSON Content-Type, say); refusing them would refuse
# ordinary requests, so they are always allowed, as Starlette does.
_SAFELISTED_HEADERS = frozenset({"accept", "accept-language", "content-language", "content-type"})

#: RFC 9110 section 5.6.2: methods and header names are tokens.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: RFC 6454 section 6.1: an origin is "null" or scheme "://" host [ ":" port ], no path.
_ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#\s@]+")

_ALL = "*"


def _names(value: str | Iterable[str], what: str) -> tuple[str, ...]:
    """A str or an iterable of str, as a tuple; a lone str is one name."""
    items = (value,) if isinstance(value, str) else tuple(value)
    for item in items:
        if not isinstance(item, str):  # pyright: ignore[reportUnnecessaryIsInstance] - untyped callers
            raise TypeError(f"{what} must be strings, not {type(item).__name__}")
    return items


def _tokens(value: str | Iterable[str], what: str) -> tuple[str, ...]:
    """Names that must each be ``*`` or an RFC 9110 token."""
    items = _names(value, what)
    for item in items:
        if item != _ALL and _TOKEN.fullmatch(item) is None:
            raise ValueError(f"{what}: {item!r} is not a token (RFC 9110 section 5.6.2)")
    return items


def _origins(value: str | Iterable[str]) -> tuple[str, ...]:
    """Allowed origins, checked: ``*``, ``null`` or ``scheme://host[:port]``."""
    items = _names(value, "allow_origins")
    checked: list[str] = []
    for item in items:
        if item in (_ALL, "null"):
            checked.append(item)
        elif not (item.isascii() and item.isprintable()) or _ORIGIN.fullmatch(item) is None:
            raise ValueError(
                f"allow_origins: {item!r} is not an origin: write scheme://host[:port],"
                " without a path or a trailing slash (RFC 6454 section 6.1)"
            )
        else:
            # NOTE: browsers send the serialised origin, scheme and host in lower case
            # (RFC 6454 section 6.1); the configured one is compared in that form.
            checked.append(item.lower())
    return tuple(checked)


@plain_call
class CORSMiddleware(Middleware):
    """Answer CORS preflights and mark cross-origin answers (the Fetch standard's CORS
    protocol).

    A preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is
    answered before routing: ``204`` with the methods the route at that path really
    serves (intersected with ``allow_methods``), the allowed headers and ``Max-Age``; a
    preflight that cannot succeed gets a ``403`` (or a ``404`` when no route serves the
    path) in the app's one error shape, naming what was refused. Any other request with an
    allowed ``Origin`` gets ``Access-Control-Allow-Origin`` (and ``-Allow-Credentials``,
    ``-Expose-Headers``) on every answer, errors included. Requests without ``Origin``
    are untouched. A route with ``skip=["cors"]`` gets no CORS handling.

    Args:
        allow_origins: ``"*"`` (any origin), one origin, or a list of exact origins
            (``"https://app.example.com"``; ``"null"`` only when listed).
        allow_methods: Methods a cross-origin request may use (default
            ``GET, POST, PUT, DELETE, PATCH, OPTIONS``); ``"*"`` for any.
        allow_headers: Request headers a cross-origin request may send (default
            ``Content-Type, Authorization, X-Requested-With``; the CORS-safelisted ones
            are always allowed); ``"*"`` for any.
        expose_headers: Response headers the page's script may read.
        allow_credentials: Send ``Access-Control-Allow-Credentials: true`` (cookies and
            HTTP auth); not with ``allow_origins="*"``.
        max_age: Seconds a browser may cache a preflight's answer (``0`` or more).
        allow_origin_regex: Also allow every origin this regex matches in full.
        allow_private_network: Answer ``Access-Control-Request-Private-Network: true``
            with ``Access-Control-Allow-Private-Network: true``.

    Raises:
        ValueError: ``"*"`` with credentials, an origin that is not
            ``scheme://host[:port]``, a method or header name that is not a token, or a
            negative ``max_age``.
        TypeError: An option of the wrong type.
    """

    name: ClassVar[str | None] = "cors"
    order: int = 3
    phase: ClassVar[Literal["pre", "post"]] = "pre"

    def __init__(
        self,
        allow_origins: str | Iterable[str] = "*",
        allow_methods: str | Iterable[str] | None = None,
        allow_headers: str | Iterable[str] | None = None,
        expose_headers: str | Iterable[str] | None = None,
        allow_credentials: bool = False,
        max_age: int = 86400,
        *,
        allow_origin_regex: str | re.Pattern[str] | None = None,
        allow_private_network: bool = False,
    ) -> None:
        origins = _origins(allow_origins)
        methods = _tokens(
            DEFAULT_METHODS if allow_methods is None else allow_methods, "allow_methods"
        )
        headers = _tokens(
            DEFAULT_HEADERS if allow_headers is None else allow_headers, "allow_headers"
        )
        exposed = _tokens(() if expose_headers is None else expose_headers, "expose_headers")
        is_int = isinstance(max_age, int)  # pyright: ignore[reportUnnecessaryIsInstance] - untyped callers
        if isinstance(max_age, bool) or not is_int:
            raise TypeError("max_age must be an int (seconds)")
        if max_age < 0:
            raise ValueError("max_age must be 0 or more seconds")
        self.allow_all_origins: bool = _ALL in origins
        if allow_credentials and self.allow_all_origins:
            # NOTE: Fetch, CORS check: with credentials a browser refuses a "*"
            # Access-Control-Allow-Origin, so this configuration could never work.
            raise ValueError(
                "allow_origins='*' cannot be used with allow_credentials=True: list the"
                " origins, or use allow_origin_regex"
            )
        self.allow_origins: frozenset[str] = frozenset(origins) - {_ALL}
        self.allow_origin_regex: re.Pattern[str] | None = (
            re.compile(allow_origin_regex)
            if isinstance(allow_origin_regex, str)
            else allow_origin_regex
        )
        self.allow_methods: frozenset[str] = frozenset(methods)
        self.allow_headers: frozenset[str] = (
            frozenset(h.lower() for h in headers) | _SAFELISTED_HEADERS
        )
        self.allow_credentials: bool = bool(allow_credentials)
        self.allow_private_network: bool = bool(allow_private_network)
        self.max_age: int = max_age
        self._any_method = _ALL in self.allow_methods
        self._any_header = _ALL in headers
        # NOTE: "*" in Expose-Headers is a wildcard only without credentials (Fetch,
        # Access-Control-Expose-Headers); it is sent as given and the browser decides.
        self._expose = ", ".join(exposed)
        # "*" for everyone only when no answer depends on the origin.
        self._star = self.allow_all_origins and not self.allow_credentials
        self._allow_header_list = ", ".join(sorted(self.allow_headers))
        echo: list[tuple[str, str]] = []
        if self.allow_credentials:
            echo.append(("Access-Control-Allow-Credentials", "true"))
        if self._expose:
            echo.append(("Access-Control-Expose-Headers", self._expose))
        self._echo_headers = tuple(echo)
        self._skip_cache: tuple[Lcore, int, bool] | None = None

    # -- the request path -------------------------------------------------------------

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        environ = ctx.request.environ
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            return next_handler(ctx)
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ:
            return self._preflight(ctx, origin, environ)
        # PERF: the usual case (no route skips CORS, the answer known) in one test, without
        # a call (bench: bench/cors.py, GET with an allowed Origin).
        known = self._skip_cache
        if (
            known is None or known[2] or known[0] is not ctx.app or known[1] != len(known[0].routes)
        ) and self._skips(ctx, method):
            return next_handler(ctx)
        # PERF: the origin tests and the constant headers are decided at construction;
        # each header is one set_header on the fresh response (bench: bench/cors.py, GET
        # with an allowed Origin).
        response = ctx.response
        if self._star:
            response.set_header("Access-Control-Allow-Origin", "*")
            if self._expose:
                response.set_header("Access-Control-Expose-Headers", self._expose)
        elif origin in self.allow_origins or self._regex_allows(origin):
            response.set_header("Access-Control-Allow-Origin", origin)
            _add_vary_origin(response)
            for name, value in self._echo_headers:
                response.set_header(name, value)
        else:
            # The answer depends on the origin: a cache must not give it to another.
            _add_vary_origin(response)
        return next_handler(ctx)

    def _regex_allows(self, origin: str) -> bool:
        regex = self.allow_origin_regex
        # NOTE: a serialised origin is printable ASCII (RFC 6454 section 6.2, hosts in
        # punycode); anything else is never echoed, whatever the regex says.
        return (
            regex is not None
            and origin.isascii()
            and origin.isprintable()
            and regex.fullmatch(origin) is not None
        )

    def origin_allowed(self, origin: str) -> bool:
        """Whether ``origin`` (an ``Origin`` header's value) may make CORS requests."""
        return self.allow_all_origins or origin in self.allow_origins or self._regex_allows(origin)

    # -- preflights -------------------------------------------------------------------

    def _preflight(self, ctx: RequestContext, origin: str, environ: dict[str, Any]) -> Any:
        """Answer a preflight: 204 with the CORS headers, or a refusal naming why."""
        method = environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"].strip()
        path = ctx.request.path
        vary = "Origin" if not self._star else None
        if not self.origin_allowed(origin):
            return self._refuse(403, f"origin {origin!r} is not allowed", vary)
        if _TOKEN.fullmatch(method) is None:
            return self._refuse(403, f"{method!r} is not a method", vary)
        router = _serving_app(ctx).router
        served = router.allowed_methods(path)
        try:
            found = router.resolve(method, path)
        except MatchFailure:  # a converter refused the path: the request will get its 400
            found = None
        if not served:
            return self._refuse(404, f"no route serves {path!r}", vary)
        if isinstance(found, tuple) and _route_skips(found[0]):
            return None  # the route opted out: routing answers the OPTIONS
        offered = self._offered(served, method)
        if method not in offered:
            return self._refuse(403, f"method {method!r} is not allowed at {path!r}", vary)
        requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
        names = [name.strip().lower() for name in requested.split(",")]
        names = [name for name in names if name]
        if not self._any_header:
            refused = [n for n in names if n not in self.allow_headers]
            if refused:
                return self._refuse(
                    403, f"request header(s) {', '.join(refused)} not allowed", vary
                )
        elif any(_TOKEN.fullmatch(n) is None for n in names):
            return self._refuse(403, "Access-Control-Request-Headers is malformed", vary)
        headers: dict[str, str] = {
            "Access-Control-Allow-Origin": "*" if self._star else origin,
            "Access-Control-Allow-Methods": ", ".join(sorted(offered)),
            "Access-Control-Max-Age": str(self.max_age),
        }
        if self._any_header:
            # Echoed: Fetch's "*" does not cover Authorization, nor any name with credentials.
            if names:
                headers["Access-Control-Allow-Headers"] = ", ".join(names)
        else:
            headers["Access-Control-Allow-Headers"] = self._allow_header_list
        if self.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        if (
            self.allow_private_network
            and environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", "").strip().lower()
            == "true"
        ):
            headers["Access-Control-Allow-Private-Network"] = "true"
        if vary is not None:
            headers["Vary"] = vary
        return HTTPResponse("", 204, headers)

    def _offered(self, served: frozenset[str], requested: str) -> set[str]:
        """The methods offered at a path: those its routes serve, within ``allow_methods``."""
        if "ANY" in served:
            routed = {requested} if self._any_method else set(self.allow_methods)
            routed |= served - {"ANY"}
        else:
            routed = set(served)
        if "GET" in routed:
            routed.add("HEAD")
        if self._any_method:
            return routed - {_ALL}
        return routed & self.allow_methods

    @staticmethod
    def _refuse(status: int, why: str, vary: str | None) -> HTTPError:
        error = HTTPError(status, f"CORS preflight refused: {why}")
        if vary is not None:
            error.set_header("Vary", vary)
        return error

    # -- skip -------------------------------------------------------------------------

    def _skips(self, ctx: RequestContext, method: str) -> bool:
        """Whether the route this request goes to has ``skip=["cors"]``."""
        app = _serving_app(ctx)
        cache = self._skip_cache
        # PERF: routing is repeated here only when some route of the app skips CORS,
        # known from one look at the routes per change of their number (bench: bench/cors.py).
        if cache is None or cache[0] is not app or cache[1] != len(app.routes):
            cache = (app, len(app.routes), any(_route_skips(r) for r in app.routes))
            self._skip_cache = cache
        if not cache[2]:
            return False
        try:
            found = app.router.resolve(method, ctx.request.path)
        except MatchFailure:
            return False
        return isinstance(found, tuple) and _route_skips(found[0])


def _serving_app(ctx: RequestContext) -> Lcore:
    """The app whose router holds the request's full path: the one the server called
    (a mounted sub-app's routes are copied into it under their prefix)."""
    app = ctx.app if ctx.app is not None else ctx.request.app
    assert app is not None
    return app


def _route_skips(route: Route) -> bool:
    """Whether ``route`` (or the sub-app route it was mounted from) skips ``cors``."""
    current: Route | None = route
    while current is not None:
        if "cors" in current.skiplist:
            return True
        current = current.mounted_from
    return False


def _add_vary_origin(response: Response) -> None:
    """Add ``Origin`` to the response's ``Vary`` (RFC 9110 section 12.5.5)."""
    vary = response.get_header("Vary")
    if vary is None:
        response.set_header("Vary", "Origin")
    elif "origin" not in {v.strip().lower() for v in vary.split(",")}:
        response.set_header("Vary", f"{vary}, Origin")
