"""The Middleware base class, its phases and ordering, and the pipeline compiled once.

``phase = 'pre'`` middleware runs before routing: returning anything but ``None`` (or
raising an ``HTTPResponse``) answers the request without routing. ``phase = 'post'``
middleware wraps the route's handler chain and sees (and may replace) its result. Lower
``order`` runs earlier (outermost).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..concurrency import resolve
from ..response import HTTPResponse

if TYPE_CHECKING:
    from ..context import RequestContext
    from ..route import Route

__all__ = ["Middleware", "MiddlewareHook", "MiddlewarePipeline", "NextHandler", "plain_call"]

NextHandler = Callable[["RequestContext"], Any]


class Middleware:
    """Base class for middleware; override :meth:`__call__`.

    Attributes:
        name: Used by ``route(skip=[name])`` and in ``app.show_middleware()``.
        order: Lower runs earlier (outermost); the default is 50.
        phase: ``'pre'`` (before routing) or ``'post'`` (around the handler).
    """

    name: ClassVar[str | None] = None
    order: int = 50
    phase: ClassVar[Literal["pre", "post"]] = "post"

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        """Handle the request; call ``next_handler(ctx)`` to continue the chain."""
        return next_handler(ctx)


class MiddlewareHook(Middleware):
    """Middleware written as two optional methods instead of a wrapper.

    ``pre(ctx)`` runs first: returning an ``HTTPResponse`` (or any non-``None`` value)
    answers the request. ``post(ctx, result)`` runs after the handler and may return a
    replacement result (``None`` keeps it); it also sees an ``HTTPResponse`` or
    ``HTTPError`` the handler raised (``abort()``, ``redirect()``), so headers it adds
    reach error answers too. Either may be ``async def``.
    """

    def pre(self, ctx: RequestContext) -> Any:
        """Run before the rest of the chain."""
        del ctx

    def post(self, ctx: RequestContext, result: Any) -> Any:
        """Run after the rest of the chain."""
        del ctx, result

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        early = resolve(self.pre(ctx))
        if early is not None:
            return early
        try:
            result = next_handler(ctx)
        except HTTPResponse as answer:  # returned instead: the funnel treats both alike
            result = answer
        replaced = resolve(self.post(ctx, result))
        return result if replaced is None else replaced


@dataclass(frozen=True, slots=True)
class _Entry:
    middleware: Middleware
    order: int
    routes: re.Pattern[str] | None
    seq: int

    @property
    def name(self) -> str:
        return self.middleware.name or type(self.middleware).__name__


#: ``__call__`` methods known to return plain values, never a coroutine (lcore's own).
_PLAIN_CALLS: set[Callable[..., Any]] = set()


def plain_call(cls: type[Middleware]) -> type[Middleware]:
    """Mark ``cls.__call__`` as never returning a coroutine: the pipeline then calls it
    without a frame of its own (a subclass that overrides ``__call__`` is not marked)."""
    _PLAIN_CALLS.add(cls.__call__)
    return cls


plain_call(Middleware)  # its __call__ returns what next_handler returned: never a coroutine


def _link(entry: _Entry, inner: NextHandler) -> NextHandler:
    middleware, routes = entry.middleware, entry.routes
    if routes is None and type(middleware).__call__ in _PLAIN_CALLS:
        # PERF: no frame and no resolve() per layer for lcore's own middleware, ~0.2 us
        # each (bench: middleware.py, the stack).
        return partial(middleware.__call__, next_handler=inner)
    if routes is None:

        def call(ctx: RequestContext) -> Any:
            return resolve(middleware(ctx, inner))
    else:

        def call(ctx: RequestContext) -> Any:
            if routes.match(ctx.request.path) is None:
                return inner(ctx)
            return resolve(middleware(ctx, inner))

    return call


def _pre_end(ctx: RequestContext) -> None:
    del ctx


class MiddlewarePipeline:
    """The middleware of one app, in order. Chains are built once and rebuilt on change."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []
        self._seq = 0
        self._pre: NextHandler | None = None
        self._built = False
        self.on_change: Callable[[], None] | None = None
        #: Whether any post middleware is registered (read on error paths only).
        self.has_post: bool = False

    def add(
        self,
        middleware: Middleware,
        routes: str | re.Pattern[str] | None = None,
        order: int | None = None,
    ) -> Middleware:
        """Add middleware; ``routes`` scopes it to paths matching a regex (``re.match``);
        ``order`` overrides the middleware's own order for this pipeline only."""
        if not callable(middleware):
            raise TypeError("middleware must be callable as middleware(ctx, next_handler)")
        pattern = re.compile(routes) if isinstance(routes, str) else routes
        self._seq += 1
        self._entries.append(
            _Entry(middleware, middleware.order if order is None else order, pattern, self._seq)
        )
        self._entries.sort(key=lambda e: (e.order, e.seq))
        self._changed()
        return middleware

    def remove(self, middleware: Middleware) -> bool:
        """Remove a middleware instance; ``True`` when it was present."""
        before = len(self._entries)
        self._entries = [e for e in self._entries if e.middleware is not middleware]
        if len(self._entries) != before:
            self._changed()
            return True
        return False

    def _changed(self) -> None:
        self._built = False
        self.has_post = any(e.middleware.phase == "post" for e in self._entries)
        if self.on_change is not None:
            self.on_change()

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self, phase: Literal["pre", "post"]) -> list[_Entry]:
        """The entries of one phase, outermost first."""
        return [e for e in self._entries if e.middleware.phase == phase]

    def pre_chain(self) -> NextHandler | None:
        """The compiled pre-routing chain, or ``None`` when there is no pre middleware."""
        if not self._built:
            chain: NextHandler | None = None
            entries = self.entries("pre")
            if entries:
                chain = _pre_end
                for entry in reversed(entries):
                    chain = _link(entry, chain)
            self._pre = chain
            self._built = True
        return self._pre

    def wrap(self, handler: NextHandler, route: Route | None = None) -> NextHandler:
        """Wrap ``handler`` in the post middleware that applies to ``route``."""
        skip = route.skiplist if route is not None else ()
        for entry in reversed(self.entries("post")):
            if entry.middleware.name is not None and entry.middleware.name in skip:
                continue
            handler = _link(entry, handler)
        return handler

    def execute_pre_routing(self, ctx: RequestContext) -> Any:
        """Run the pre chain; a non-``None`` result answers the request."""
        chain = self.pre_chain()
        return None if chain is None else chain(ctx)

    def execute(self, ctx: RequestContext, handler: NextHandler) -> Any:
        """Run ``handler`` inside every post middleware."""
        return self.wrap(handler)(ctx)

    def describe(self) -> list[dict[str, Any]]:
        """One dict per middleware: name, order, routes pattern, phase."""
        return [
            {
                "name": e.name,
                "order": e.order,
                "routes": e.routes.pattern if e.routes is not None else "*",
                "type": e.middleware.phase,
            }
            for e in self._entries
        ]
