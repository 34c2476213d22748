"""BodyLimitMiddleware: the request body bound (``request.max_body``) set per request."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..http import parse_content_length
from ..limits import DEFAULT_LIMITS, Limits, body_too_large
from .base import Middleware, NextHandler

if TYPE_CHECKING:
    from ..context import RequestContext

__all__ = ["BodyLimitMiddleware"]


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
        if max_size < 0:
            raise ValueError(f"max_size must not be negative, not {max_size}")
        self.max_size: int = max_size
        # PERF: the request's Limits are built once per app Limits, not per request
        # (bench: simple GET through BodyLimitMiddleware). A pair, replaced whole, so
        # that threads never see one app's bounds with another's limit.
        self._cached: tuple[Limits, Limits] = (
            DEFAULT_LIMITS,
            replace(DEFAULT_LIMITS, max_body=max_size),
        )

    def _limits_for(self, base: Limits) -> Limits:
        cached = self._cached
        if cached[0] is base:
            return cached[1]
        limits = replace(base, max_body=self.max_size)
        self._cached = (base, limits)
        return limits

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        request = ctx.request
        request.limits = self._limits_for(request.limits)
        length = request.environ.get("CONTENT_LENGTH")
        if length and parse_content_length(length) > self.max_size:
            raise body_too_large(self.max_size)
        return next_handler(ctx)
