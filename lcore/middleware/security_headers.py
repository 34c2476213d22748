"""SecurityHeadersMiddleware: the browser-hardening response headers, on every answer."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..datastructures import _header_key, check_header_name, check_header_value
from ..response import checked_headers
from .base import Middleware, NextHandler, plain_call

if TYPE_CHECKING:
    from ..context import RequestContext

__all__ = ["SecurityHeadersMiddleware"]

#: Names set with set_header, not among the checked constant headers.
_SPECIAL = frozenset({"Content-Type", "Content-Length"})
_FRAME_ANCESTORS = {"SAMEORIGIN": "'self'", "DENY": "'none'"}
_HAS_FRAME_ANCESTORS = re.compile(r"(?:^|;)\s*frame-ancestors(?:\s|;|$)", re.IGNORECASE)


@plain_call
class SecurityHeadersMiddleware(Middleware):
    """Add the usual security headers to every answer, errors included.

    Defaults: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: SAMEORIGIN``,
    ``Referrer-Policy: strict-origin-when-cross-origin`` and
    ``Cross-Origin-Opener-Policy: same-origin``. Each is replaced by its argument and
    removed by passing ``None``. They are set before the handler runs: a header the
    handler sets (or an answer it returns sets) replaces them, never the other way round.

    Args:
        hsts: Add ``Strict-Transport-Security`` (serve the site over HTTPS only first).
        hsts_max_age: Its ``max-age`` in seconds.
        hsts_include_subdomains: Add ``includeSubDomains``.
        hsts_preload: Add ``preload`` (for the browsers' preload lists).
        content_security_policy: A ``Content-Security-Policy``; none by default. When
            given without ``frame-ancestors``, the one matching ``frame_options`` is
            added (``'self'`` or ``'none'``).
        frame_options: ``'SAMEORIGIN'``, ``'DENY'`` or ``None``.
        content_type_options: ``X-Content-Type-Options``.
        referrer_policy: ``Referrer-Policy``.
        cross_origin_opener_policy: ``Cross-Origin-Opener-Policy``.
        xss_protection: ``X-XSS-Protection``, only when asked for: browsers dropped the
            filter, and where it remains it can open cross-site leaks. Prefer a CSP.
        **overrides: More headers by name (``**{'Permissions-Policy': 'camera=()'}``);
            ``None`` removes a default.

    Raises:
        ValueError: ``frame_options`` is not one of its values, ``hsts_max_age`` is
            negative, or a header name or value is invalid.
    """

    name: ClassVar[str | None] = "security_headers"
    order: int = 5
    phase: ClassVar[Literal["pre", "post"]] = "post"

    def __init__(
        self,
        hsts: bool = False,
        hsts_max_age: int = 31536000,
        *,
        hsts_include_subdomains: bool = True,
        hsts_preload: bool = False,
        content_security_policy: str | None = None,
        frame_options: Literal["SAMEORIGIN", "DENY"] | None = "SAMEORIGIN",
        content_type_options: str | None = "nosniff",
        referrer_policy: str | None = "strict-origin-when-cross-origin",
        cross_origin_opener_policy: str | None = "same-origin",
        xss_protection: str | None = None,
        **overrides: str | None,
    ) -> None:
        if frame_options is not None and frame_options not in _FRAME_ANCESTORS:
            raise ValueError(
                f"frame_options must be 'SAMEORIGIN', 'DENY' or None, not {frame_options!r}"
            )
        if hsts_max_age < 0:
            raise ValueError(f"hsts_max_age must not be negative, not {hsts_max_age}")
        headers: dict[str, str | None] = {
            "X-Content-Type-Options": content_type_options,
            "X-Frame-Options": frame_options,
            "Referrer-Policy": referrer_policy,
            "Cross-Origin-Opener-Policy": cross_origin_opener_policy,
            "X-XSS-Protection": xss_protection,
        }
        if content_security_policy is not None:
            if frame_options is not None and not _HAS_FRAME_ANCESTORS.search(
                content_security_policy
            ):
                # NOTE: CSP Level 2 frame-ancestors supersedes X-Frame-Options in the
                # browsers that read it; both are sent for the ones that do not.
                policy = content_security_policy.rstrip().rstrip(";")
                ancestors = f"frame-ancestors {_FRAME_ANCESTORS[frame_options]}"
                content_security_policy = f"{policy}; {ancestors}" if policy else ancestors
            headers["Content-Security-Policy"] = content_security_policy
        if hsts:
            hsts_value = f"max-age={hsts_max_age}"
            if hsts_include_subdomains:
                hsts_value += "; includeSubDomains"
            if hsts_preload:
                hsts_value += "; preload"
            headers["Strict-Transport-Security"] = hsts_value
        for header, override in overrides.items():
            lowered = {name.lower(): name for name in headers}
            headers[lowered.get(header.lower(), header)] = override
        for header, checked in headers.items():
            check_header_name(header)
            if checked is not None:
                check_header_value(checked)
        #: The headers added, in order (read-only: build another middleware to change).
        self.headers: tuple[tuple[str, str], ...] = tuple(
            (header, value) for header, value in headers.items() if value is not None
        )
        self._checked = checked_headers(
            pair for pair in self.headers if _header_key(pair[0]) not in _SPECIAL
        )
        self._special = tuple(pair for pair in self.headers if _header_key(pair[0]) in _SPECIAL)

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        # NOTE: set before the handler runs, so that the handler's own set_header (or an
        # answer it returns with the header) replaces them, `del response[name]` drops
        # one for a route, and every answer, errors included, carries them: headers on
        # ctx.response go out with every answer.
        # PERF: checked at construction, set in one dict update, no look-up of what is
        # there (bench: middleware.py, SecurityHeadersMiddleware).
        response = ctx.response
        response._set_checked(self._checked)
        for header, value in self._special:  # Content-Type or -Length given as overrides
            response.set_header(header, value)
        return next_handler(ctx)
