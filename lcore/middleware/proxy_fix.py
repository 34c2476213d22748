"""ProxyFixMiddleware: trust the reverse proxies in front of the app, request by request."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..http import TrustedProxies
from .base import Middleware, NextHandler, plain_call

if TYPE_CHECKING:
    from ..context import RequestContext

__all__ = ["ProxyFixMiddleware"]

#: The proxies trusted when none are named: a proxy on the same machine.
DEFAULT_TRUSTED_PROXIES = frozenset({"127.0.0.1", "::1"})


@plain_call
class ProxyFixMiddleware(Middleware):
    """Believe ``X-Forwarded-For``/``-Proto``/``-Host`` from the proxies in front of the app.

    It sets :attr:`Request.trusted_proxies <lcore.Request.trusted_proxies>` on each request
    it sees, the same mechanism as the ``proxy.trusted`` config key, so
    ``request.remote_addr``, ``request.url`` and ``request.urlparts`` read the forwarded
    headers. Nothing shared is changed: one instance may serve several apps.

    Args:
        trusted_proxies: IP addresses or networks of the proxies (default
            ``{'127.0.0.1', '::1'}``). The connecting peer must be one of them, or every
            forwarded header is ignored.
        num_proxies: Exactly this many proxies stand in front of the app: the client is
            the ``num_proxies``-th ``X-Forwarded-For`` entry from the right. ``None``
            walks the entries from the right, skipping trusted addresses.

    Raises:
        ValueError: An entry is not an IP address or network, or ``num_proxies`` < 1.
    """

    name: ClassVar[str | None] = "proxy_fix"
    order: int = -10
    phase: ClassVar[Literal["pre", "post"]] = "pre"

    def __init__(
        self,
        trusted_proxies: str | Iterable[str] | None = None,
        num_proxies: int | None = None,
    ) -> None:
        entries = DEFAULT_TRUSTED_PROXIES if trusted_proxies is None else trusted_proxies
        items = entries if isinstance(entries, str) else tuple(entries)
        #: The one :class:`TrustedProxies` every request this middleware sees is given.
        self.trusted_proxies: TrustedProxies = TrustedProxies(items, hops=num_proxies)

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        ctx.request.trusted_proxies = self.trusted_proxies
        return next_handler(ctx)
