"""RequestIDMiddleware: one id per request, on ``ctx.request_id`` and a response header."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..datastructures import check_header_name
from .base import Middleware, NextHandler, plain_call

if TYPE_CHECKING:
    from ..context import RequestContext

__all__ = ["RequestIDMiddleware", "new_request_id"]

#: What an incoming id may hold: letters, digits and ``-_.:``, at most 128 characters.
#: NOTE: the id is logged and echoed in a header: nothing that could forge a log line,
#: break a header, or smuggle markup gets through.
_SANE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


#: Fresh ids made ahead, taken with ``list.pop`` (atomic); refilled 256 at a time.
_POOL: list[str] = []
_POOL_SIZE = 256
#: uuid4's fixed bits (RFC 9562 section 5.4), byte by byte: byte 6 carries the version
#: (4) in its high nibble, byte 8 the variant (binary 10) in its two high bits.
_VERSION = bytes((b & 0x0F) | 0x40 for b in range(256))
_VARIANT = bytes((b & 0x3F) | 0x80 for b in range(256))


def _refill() -> None:
    raw = bytearray(os.urandom(16 * _POOL_SIZE))
    raw[6::16] = raw[6::16].translate(_VERSION)
    raw[8::16] = raw[8::16].translate(_VARIANT)
    text = raw.hex()
    _POOL.extend([text[i : i + 32] for i in range(0, len(text), 32)])


def new_request_id() -> str:
    """A fresh random id: a version 4 UUID as 32 hex digits (as ``uuid.uuid4().hex``)."""
    # PERF: ids are made 256 at a time from one os.urandom call, ~10x cheaper each than
    # uuid.uuid4().hex, which makes a system call and a UUID per id (bench: simple GET
    # through RequestIDMiddleware). tests/test_mw_request_id.py checks that uuid reads
    # them back as version 4, RFC 4122 variant.
    while True:
        try:
            return _POOL.pop()
        except IndexError:
            _refill()


if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    # NOTE: a forked worker must not hand out the ids its parent still holds.
    os.register_at_fork(after_in_child=_POOL.clear)


@plain_call
class RequestIDMiddleware(Middleware):
    """Give each request an id: ``ctx.request_id``, and a response header on every answer.

    An incoming id in the header is kept when it is sane (1 to 128 characters out of
    letters, digits and ``-_.:``), so a proxy's or a caller's id follows the request
    through; otherwise (or with ``trust_incoming=False``) a new uuid4 hex is made. An id
    an outer layer already put on ``ctx.request_id`` is kept as it is.

    Args:
        header_name: The request and response header holding the id.
        trust_incoming: Whether to keep a sane incoming id.

    Raises:
        ValueError: ``header_name`` is not a valid header name.
    """

    name: ClassVar[str | None] = "request_id"
    order: int = 1
    phase: ClassVar[Literal["pre", "post"]] = "post"

    def __init__(self, header_name: str = "X-Request-ID", trust_incoming: bool = True) -> None:
        check_header_name(header_name)
        self.header_name: str = header_name
        self.trust_incoming: bool = trust_incoming
        self._environ_key = "HTTP_" + header_name.upper().replace("-", "_")

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        request_id = ctx.request_id
        if request_id is None:
            incoming = ctx.request.environ.get(self._environ_key) if self.trust_incoming else None
            if incoming is not None and _SANE_ID.fullmatch(incoming) is not None:
                request_id = incoming
            else:
                request_id = new_request_id()
            ctx.request_id = request_id
        # Set before the handler runs: headers on ctx.response go out with every answer,
        # errors included, and a handler may still replace it.
        ctx.response.set_header(self.header_name, request_id)
        return next_handler(ctx)
