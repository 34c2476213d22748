"""BodyLimitMiddleware: the request body bound (``request.max_body``) set per request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..request import BodyBound
from .base import Middleware, NextHandler, plain_call

if TYPE_CHECKING:
    from ..context import RequestContext

__all__ = ["BodyLimitMiddleware"]


@plain_call
class BodyLimitMiddleware(Middleware):
    """Bound request bodies to ``max_size`` bytes: ``request.max_body``, set per request.

    A ``Content-Length`` over the limit is answered 413 before routing, whether or not the
    handler reads the body; a chunked or unsized body is cut off at the limit by the
    bounded reader (413 too), since the request's :attr:`~lcore.Request.limits` carry it.
    The limit replaces the app's ``request.max_body`` for the requests this middleware
    sees (scope it with ``app.use(mw, routes=...)`` to raise or lower it for some paths).

    Args:
        max_size: The largest body in bytes.

    Raises:
        ValueError: ``max_size`` is negative.
    """

    name: ClassVar[str | None] = "body_limit"
    order: int = 0
    phase: ClassVar[Literal["pre", "post"]] = "pre"

    def __init__(self, max_size: int = 10 * 1024 * 1024) -> None:
        self._bound = BodyBound(max_size)
        self.max_size: int = max_size

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        request = ctx.request
        bound = self._bound
        request.limits = bound.limits_for(request.limits)
        bound.check_declared(request.environ.get("CONTENT_LENGTH"))
        return next_handler(ctx)
