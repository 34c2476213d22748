"""The per-request context, the ``request``, ``response`` and ``ctx`` proxies, and
``redirect`` (which reads the current request).

The current context lives in a ContextVar, so the proxies are right under threads,
greenlets (with contextvars support) and the thread that runs an async handler.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, NoReturn, cast
from urllib.parse import urljoin

from .datastructures import HeaderDict
from .http import quote_path, quote_url
from .request import Request, require_app, require_route
from .response import _STATUS_PAIRS, HTTPResponse, Response, _status_pair
from .tasks import task_name

_new_response = HTTPResponse.__new__

if TYPE_CHECKING:
    from .app import Lcore
    from .bodies import SentBody
    from .route import Route

__all__ = [
    "LocalContext",
    "LocalRequest",
    "LocalResponse",
    "RequestContext",
    "bind_context",
    "context_var",
    "ctx",
    "current_context",
    "log_failure",
    "redirect",
    "redirect_location",
    "request",
    "response",
    "unbind_context",
]

#: The context of the request being handled in this thread, greenlet or task (``None``
#: outside a request). ``Lcore.__call__`` sets and resets it; read it through
#: :func:`current_context` or the proxies unless a hot path needs the raw variable.
context_var: ContextVar[RequestContext | None] = ContextVar("lcore.context", default=None)


class RequestContext:
    """Everything about the request being handled: app, request, response, route, state.

    Unknown attributes live in :attr:`state`: ``ctx.user_id = 3`` is ``ctx.state['user_id']``.
    """

    # NOTE: "__dict__" is the state dict, so attribute storage and ctx.state are one store
    # and cost nothing until used.
    __slots__ = (
        "__dict__",
        "_cleanups",
        "_lazy",
        "_sent_callbacks",
        "app",
        "request",
        "request_id",
        "response",
        "route",
        "route_chain_ran",
        "sent",
        "user",
    )

    def __init__(
        self,
        request: Request | None = None,
        response: Response | None = None,
        app: Lcore | None = None,
    ) -> None:
        self.app: Lcore | None = app
        self.request: Request = request if request is not None else Request(app=app)
        self.response: Response = response if response is not None else Response()
        self.route: Route | None = None
        #: Whether the post middleware have seen (or are seeing) this request's answer.
        self.route_chain_ran: bool = False
        self.user: Any = None
        self.request_id: str | None = None
        self._lazy: dict[str, Callable[[], Any]] | None = None
        self._cleanups: list[Callable[[], object]] | None = None
        self._sent_callbacks: list[Callable[[], object]] | None = None
        #: What the server was handed (status, headers, bytes pulled so far); set only
        #: for a request with :meth:`on_sent` callbacks, once the answer is built.
        self.sent: SentBody | None = None

    @property
    def state(self) -> dict[str, Any]:
        """Per-request storage shared by middleware, hooks and the handler."""
        return self.__dict__

    @property
    def bound_app(self) -> Lcore:
        """:attr:`app`, typed without ``None``: the app the request came in through.

        Raises:
            RuntimeError: The context is not bound to an app (built by hand, without one).
        """
        return require_app(self.app, "ctx", "RequestContext")

    @property
    def bound_route(self) -> Route:
        """:attr:`route`, typed without ``None``: the route that matched the request.

        Raises:
            RuntimeError: No route matched (yet): the request is not routed, e.g. in a
                ``before_request`` hook, on a 404, or built by hand.
        """
        return require_route(self.route, "ctx")

    def lazy(self, key: str, factory: Callable[[], Any]) -> None:
        """Compute ``ctx.<key>`` with ``factory()`` on first access, then keep it."""
        if self._lazy is None:
            self._lazy = {}
        self._lazy[key] = factory

    def on_close(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` when the request ends (after the response is built)."""
        if self._cleanups is None:
            self._cleanups = []
        self._cleanups.append(callback)

    def on_sent(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the server has sent the answer: when it closes the body,
        after its last byte (a streamed body's too); :attr:`sent` then tells what was
        sent (status, headers, bytes). Run in the server's thread, after the
        :meth:`on_close` callbacks, last registered first: keep it short, and hand slow
        work to :meth:`after_response`. A server that never closes the body never runs
        it. When the app fails before any answer reaches the server, it runs as the app
        returns, with :attr:`sent` ``None``."""
        if self._sent_callbacks is None:
            self._sent_callbacks = []
        self._sent_callbacks.append(callback)

    def after_response(self, fn: Callable[..., object], /, *args: Any, **kwargs: Any) -> None:
        """Run ``fn(*args, **kwargs)`` after the response has been sent, on the app's
        :attr:`~lcore.Lcore.tasks` pool: after the last byte (a streamed body's too),
        never delaying the client. An ``async def`` ``fn`` is run to completion; a
        failure is logged on the ``lcore`` logger with the request id.

        Raises:
            RuntimeError: The context is not bound to an app.
        """
        pool = self.bound_app.tasks
        environ = self.request.environ
        # The raw method and path: the log line must not fail on a malformed one.
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        label = f"{task_name(fn)} after {method} {path!r}"

        def submit() -> None:
            if self.request_id is not None:
                name = f"{label} (request_id {self.request_id!r})"
            else:
                name = label
            pool.submit_named(name, fn, *args, **kwargs)

        self.on_sent(submit)

    def __getattr__(self, name: str) -> Any:
        lazy = self._lazy
        if lazy is not None and name in lazy:
            value = lazy.pop(name)()
            self.__dict__[name] = value
            return value
        # Injected dependencies (app.inject): the app whose route answers first (a mounted
        # sub-app's own), then the app the request came in through.
        for app in (self.request.app, self.app):
            if app is not None and name in app.dependencies:
                return app.dependencies.resolve(name, self)
        raise AttributeError(f"request context has no attribute {name!r}")

    def close_sent(self) -> None:
        """Run the :meth:`on_sent` callbacks, as :meth:`close` runs the cleanups."""
        callbacks = self._sent_callbacks
        if not callbacks:
            return
        token = context_var.set(self)
        try:
            _run_callbacks(self, callbacks)
            self._sent_callbacks = None
        finally:
            context_var.reset(token)

    def close(self) -> None:
        """Run the registered cleanups, last registered first, each exactly once.

        The request stays readable while they run (this context is bound). A cleanup that
        raises is logged on the ``lcore`` logger and the others still run: the response
        has been built already, so a failure here must not turn it into an error.
        """
        token = context_var.set(self)
        try:
            # A cleanup may register another one: it runs too, in the same pass.
            while self._cleanups:
                callback = self._cleanups.pop()
                try:
                    callback()
                except Exception:
                    log_failure("cleanup %r of %s failed", callback, self.request)
            self._cleanups = None
        finally:
            context_var.reset(token)


def _run_callbacks(context: RequestContext, callbacks: list[Callable[[], object]]) -> None:
    """Run ``callbacks`` (which may add more), last first, each failure logged."""
    while callbacks:
        callback = callbacks.pop()
        try:
            callback()
        except Exception:
            log_failure("cleanup %r of %s failed", callback, context.request)


def log_failure(message: str, *args: object) -> None:
    """Log the exception being handled on the ``lcore`` logger, with its traceback
    (``logging`` is imported on first use: ``import lcore`` stays light)."""
    import logging

    logging.getLogger("lcore").exception(message, *args)


def current_context() -> RequestContext:
    """The context of the request being handled.

    Raises:
        RuntimeError: Called outside a request.
    """
    context = context_var.get()
    if context is None:
        raise RuntimeError(
            "lcore's request/response/ctx were used outside of a request: they are bound"
            " only while a handler, hook or middleware runs"
        )
    return context


def redirect(url: str, code: int | None = None) -> NoReturn:
    """Stop the handler and redirect the client to ``url``.

    The ``Location`` never takes its host from the request's ``Host`` header: absolute URLs
    are sent as given, and relative ones are resolved against the request path only
    (RFC 9110 section 10.2.2 allows a relative Location).

    ``url`` is URL text: what a URL may not hold (non-ASCII, spaces, controls, ``"<>\\^`{|}``,
    a ``%`` that starts no escape) is percent-encoded, and valid escapes and reserved
    characters are kept. A target that starts with the request's own path
    (``request.path + "/"``) reads that part as the decoded path it is: a ``%``, ``?``,
    ``#``, NUL or line break in it (sent escaped by the client) is escaped again and stays
    part of the path. A Location never starts with ``//`` unless ``url`` does, with a host.

    Args:
        url: Target URL, absolute or relative.
        code: 303 for HTTP/1.1 clients by default, 302 otherwise.

    Raises:
        HTTPResponse: Always, unless ``url`` is refused.
        ValueError: ``url`` holds NUL, CR or LF (outside the request's own path, which
            is encoded), or a lone surrogate.
    """
    context = current_context()
    request, response = context.request, context.response
    location = redirect_location(url, request)
    if code is None:
        code = 303 if request.environ.get("SERVER_PROTOCOL") == "HTTP/1.1" else 302
    # PERF: raised as built (see abort), never held by this frame (bench: redirect).
    raise _redirect_response(code, location, response)


def _redirect_response(code: int, location: str, response: Response) -> HTTPResponse:
    """The HTTPResponse :func:`redirect` raises: the status, ``Location``, and the headers
    and cookies already set on ``response``."""
    # PERF: HTTPResponse.__init__'s work for a status and an empty body, without its
    # frame: args set by the exception's __new__ as a call would set them (bench: redirect).
    result = _new_response(HTTPResponse, "", code)
    result.body = ""
    pair = _STATUS_PAIRS.get(code) if type(code) is int else None
    result._status_code, result._status_line = _status_pair(code) if pair is None else pair
    if response._cookies:
        result._cookies = list(response._cookies)
    if response._headers is not None or response._flat is not None:
        result._headers = HeaderDict(response.headers.allitems())
        result.set_header("Location", location)
    else:
        # PERF: set_header's storage write without its checks: redirect_location's
        # result is quoted URL text, a valid header value (bench: redirect).
        result._flat = {"Location": location}
    return result


def redirect_location(url: str, request: Request) -> str:
    """The ``Location`` that :func:`redirect` sends for ``url`` while answering ``request``.

    Raises:
        ValueError: ``url`` holds NUL, CR or LF outside the request's own path, or a
            lone surrogate.
    """
    # PERF: a plain absolute path is its own Location; no request path to read and
    # nothing to quote (bench: redirect). Targets are mostly constants of the code: the
    # plain ones seen are remembered (bounded), so the pattern runs once each.
    if url in _PLAIN_SEEN:
        return url
    if _PLAIN_TARGET.match(url) is not None:
        if len(_PLAIN_SEEN) >= _MAX_PLAIN_SEEN:
            _PLAIN_SEEN.clear()
        _PLAIN_SEEN.add(url)
        return url
    return _resolve_location(url, request)


#: Plain redirect targets already matched by _PLAIN_TARGET.
_PLAIN_SEEN: set[str] = set()
_MAX_PLAIN_SEEN = 256


#: An absolute path of characters URL text holds as they are, without "//" at its start
#: (a host), "%", "?" or "#" (which the request's own path may hold decoded).
_PLAIN_TARGET = re.compile(r"/(?!/)[A-Za-z0-9\-._~!$&'()*+,;=:@/]*\Z")


def _resolve_location(url: str, request: Request) -> str:
    """:func:`redirect_location` for any target."""
    own = ""
    if url.startswith("/"):
        for path in (request.fullpath, request.path):
            # NOTE: the request's path is decoded text; only where URL text would read it
            # otherwise (or refuse it) must it be told apart from the URL text after it.
            if url.startswith(path) and _READ_OTHERWISE.search(path) is not None:
                own = path
                break
    rest = url[len(own) :]
    if "\0" in rest or "\r" in rest or "\n" in rest:
        raise ValueError(f"a redirect target must not contain NUL, CR or LF: {url!r}")
    try:
        location = quote_path(own) + quote_url(rest)
    except UnicodeEncodeError:
        raise ValueError(f"a redirect target must be valid Unicode: {url!r}") from None
    if not url.startswith("/") and "://" not in url:
        location = urljoin(quote_path(request.fullpath), location)
    if location[:2] == "//" and (url[:2] != "//" or location[2:3] in ("", "/", "?", "#")):
        # NOTE: a Location that starts with "//" names a host (RFC 3986 section 4.2). Only
        # a target written so, with a host after it, means one: "//" alone names none,
        # browsers read "///evil.example" as the host evil.example (WHATWG URL, special
        # authority ignore slashes state), and a resolved relative target is a path.
        location = "/%2F" + location[2:]
    return location


#: What URL text reads otherwise than decoded path text: an escape, the query, the
#: fragment, a host (a leading "//"), and what redirect() refuses in URL text.
_READ_OTHERWISE = re.compile(r"[%?#\x00\r\n]|^//")


def bind_context(context: RequestContext) -> Token[RequestContext | None]:
    """Make ``context`` current; pass the token to :func:`unbind_context`."""
    return context_var.set(context)


def unbind_context(token: Token[RequestContext | None]) -> None:
    """Restore the context that was current before :func:`bind_context`."""
    context_var.reset(token)


class LocalContext:
    """The ``ctx`` proxy: attribute access goes to the current :class:`RequestContext`."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        context = context_var.get()
        if context is None:
            _unbound()
        return getattr(context, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(current_context(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(current_context(), name)

    def __repr__(self) -> str:
        context = context_var.get()
        return "<ctx unbound>" if context is None else f"<ctx of {context.request!r}>"


class LocalRequest:
    """The ``request`` proxy: attribute access goes to the current :class:`Request`."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        context = context_var.get()
        if context is None:
            _unbound()
        return getattr(context.request, name)

    def __setattr__(self, name: str, value: Any) -> None:
        context = context_var.get()
        if context is None:
            _unbound()
        setattr(context.request, name, value)

    def __getitem__(self, key: str) -> Any:
        return current_context().request[key]

    def __setitem__(self, key: str, value: Any) -> None:
        current_context().request[key] = value

    def __contains__(self, key: str) -> bool:
        return key in current_context().request.environ

    def __iter__(self) -> Iterator[str]:
        return iter(current_context().request)

    def __len__(self) -> int:
        return len(current_context().request)

    def __repr__(self) -> str:
        context = context_var.get()
        return "<request unbound>" if context is None else repr(context.request)


class LocalResponse:
    """The ``response`` proxy: attribute access goes to the current :class:`Response`."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        context = context_var.get()
        if context is None:
            _unbound()
        return getattr(context.response, name)

    def __setattr__(self, name: str, value: Any) -> None:
        context = context_var.get()
        if context is None:
            _unbound()
        setattr(context.response, name, value)

    def __getitem__(self, key: str) -> str:
        return current_context().response[key]

    def __setitem__(self, key: str, value: str) -> None:
        current_context().response[key] = value

    def __delitem__(self, key: str) -> None:
        del current_context().response[key]

    def __contains__(self, key: str) -> bool:
        return key in current_context().response

    def __repr__(self) -> str:
        context = context_var.get()
        return "<response unbound>" if context is None else repr(context.response)


def _unbound() -> NoReturn:
    current_context()  # raises the RuntimeError that names the mistake
    raise AssertionError("unreachable")  # pragma: no cover


def _forwarding_property(name: str, target: str | None) -> property:
    """A read-only property that reads ``name`` from the current context (``target``
    None) or from its ``request``/``response``."""
    # PERF: one closure per target rather than getattr(getattr(context, target), name):
    # the second look-up would run on every read (bench: plaintext with one set_header).
    if target is None:

        def read_context(proxy: object) -> Any:
            context = context_var.get()
            if context is None:
                _unbound()
            return getattr(context, name)

        return property(read_context)
    if target == "request":

        def read_request(proxy: object) -> Any:
            context = context_var.get()
            if context is None:
                _unbound()
            return getattr(context.request, name)

        return property(read_request)

    def read_response(proxy: object) -> Any:
        context = context_var.get()
        if context is None:
            _unbound()
        return getattr(context.response, name)

    return property(read_response)


def _forward_class_attributes(proxy: type, cls: type, target: str | None) -> None:
    """Give ``proxy`` a forwarding property for every public attribute ``cls`` defines.

    Only reads are forwarded this way: the proxies' ``__setattr__`` still handles writes,
    and ``__getattr__`` anything else (instance state, attributes added later).
    """
    # PERF: a read of an attribute the class defines no longer goes through a failed
    # look-up and __getattr__ (~0.5 us less per request.x/response.x; bench: plaintext
    # with a content type / one set_header).
    for name in dir(cls):
        if name.startswith("__") or name in vars(proxy):
            continue
        setattr(proxy, name, _forwarding_property(name, target))


_forward_class_attributes(LocalRequest, Request, "request")
_forward_class_attributes(LocalResponse, Response, "response")
_forward_class_attributes(LocalContext, RequestContext, None)

# The proxies are typed as the objects they stand for, so IDEs and type checkers see the
# real attributes of Request, Response and RequestContext.
request: Request = cast(Request, LocalRequest())
response: Response = cast(Response, LocalResponse())
ctx: RequestContext = cast(RequestContext, LocalContext())
