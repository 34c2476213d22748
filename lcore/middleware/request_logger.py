"""RequestLoggerMiddleware: one JSON access-log line per request on ``lcore.access``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from json.encoder import encode_basestring_ascii
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from .base import Middleware, NextHandler, plain_call

if TYPE_CHECKING:
    import logging

    from ..context import RequestContext

__all__ = ["RequestLoggerMiddleware", "access_line"]

#: A str as a JSON string, ASCII only (escapes for quotes, controls and non-ASCII).
_quote: Callable[[str], str] = encode_basestring_ascii


@plain_call
class RequestLoggerMiddleware(Middleware):
    """Log one JSON line per request (errors, 404s and streamed answers included) at
    ``INFO`` on ``logging.getLogger("lcore.access")``.

    The line is written when the server has sent the answer (a streamed body's last
    chunk included), with ``timestamp`` (ISO 8601, UTC, when the request reached this
    middleware), ``request_id`` (``ctx.request_id``, set by :class:`RequestIDMiddleware`,
    else ``null``), ``method``, ``path``, ``status`` (a number), ``duration_ms`` (to the
    last byte), ``bytes_sent`` (body bytes the server pulled) and ``remote_addr``. Every
    value is JSON-encoded (ASCII only): a header or path cannot forge a log line.

    Args:
        logger: Where the lines go; ``logging.getLogger("lcore.access")`` by default.
    """

    name: ClassVar[str | None] = "request_logger"
    order: int = 2
    phase: ClassVar[Literal["pre", "post"]] = "post"

    def __init__(self, logger: logging.Logger | None = None) -> None:
        import logging  # NOTE: on first use: `import lcore` stays light

        if logger is None:
            logger = logging.getLogger("lcore.access")
        self.logger: logging.Logger = logger
        self._logging: ModuleType = logging
        #: Per thread: (logger, a record logging made for it), the template of _record.
        self._templates = threading.local()

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        logger = self.logger
        # PERF: a disabled logger costs one test, no clock read (bench: as access_line's).
        if not logger.isEnabledFor(20):  # logging.INFO
            return next_handler(ctx)
        started = time.perf_counter()
        wall = time.time()
        # NOTE: registered before the handler runs, so that a handler's own on_sent
        # callbacks (run last registered first) run before the line is written.
        ctx.on_sent(lambda: self._write(ctx, started, wall))
        return next_handler(ctx)

    def _write(self, ctx: RequestContext, started: float, wall: float) -> None:
        """Write the request's line (an ``on_sent`` callback: the answer is sent)."""
        duration = (time.perf_counter() - started) * 1000.0
        sent = ctx.sent
        request = ctx.request
        line = access_line(
            _iso_utc(wall),
            ctx.request_id,
            request.environ.get("REQUEST_METHOD", "GET"),
            _path(ctx),
            None if sent is None else sent.status_code,
            round(duration, 3),
            None if sent is None else sent.bytes_sent,
            request.remote_addr,
        )
        self.logger.handle(self._record(line))

    def _record(self, line: str) -> logging.LogRecord:
        """The record of one access line, as ``self.logger.makeRecord`` makes it.

        PERF: ``LogRecord.__init__`` works out, for every line, what is the same for every
        line of a thread (the caller's file and module names, the thread and process
        names); here a record made by logging once per thread and logger is copied, and
        only the message and the times are set: ~0.6 us instead of ~2.4 (bench:
        middleware.py, RequestLoggerMiddleware). A custom record factory or
        ``makeRecord`` is used as it is.
        """
        module, logger = self._logging, self.logger
        if (
            module.getLogRecordFactory() is not module.LogRecord
            or type(logger).makeRecord is not module.Logger.makeRecord
        ):
            return logger.makeRecord(logger.name, 20, __file__, 0, "%s", (line,), None, "_write")
        kept: tuple[logging.Logger, dict[str, Any]] | None = getattr(self._templates, "kept", None)
        if kept is None or kept[0] is not logger or kept[1]["name"] != logger.name:
            first = logger.makeRecord(logger.name, 20, __file__, 0, "%s", (line,), None, "_write")
            self._templates.kept = (logger, first.__dict__.copy())
            return first
        template = kept[1]
        now = time.time()
        record: logging.LogRecord = module.LogRecord.__new__(module.LogRecord)
        record.__dict__ = fields = template.copy()
        fields["args"] = (line,)
        fields["created"] = now
        fields["msecs"] = int((now - int(now)) * 1000) + 0.0
        fields["relativeCreated"] = template["relativeCreated"] + (now - template["created"]) * 1000
        return record


def access_line(
    timestamp: str,
    request_id: str | None,
    method: str,
    path: str,
    status: int | None,
    duration_ms: float,
    bytes_sent: int | None,
    remote_addr: str | None,
) -> str:
    """The access-log line: what ``json.dumps`` makes of these fields as a dict, with
    ``separators=(",", ":")`` (ASCII only)."""
    # PERF: put together from pieces, strings through json's C encoder: ~3x cheaper than
    # json.dumps of a dict (bench: JSON GET through RequestIDMiddleware and
    # RequestLoggerMiddleware, thread CPU time). tests/test_mw_request_logger.py fuzzes
    # the equivalence.
    return (
        f'{{"timestamp":{_quote(timestamp)},'
        f'"request_id":{"null" if request_id is None else _quote(request_id)},'
        f'"method":{_quote(method)},'
        f'"path":{_quote(path)},'
        f'"status":{"null" if status is None else status},'
        f'"duration_ms":{duration_ms!r},'
        f'"bytes_sent":{"null" if bytes_sent is None else bytes_sent},'
        f'"remote_addr":{"null" if remote_addr is None else _quote(remote_addr)}}}'
    )


def _path(ctx: RequestContext) -> str:
    """The request's path, or the raw ``PATH_INFO`` when it cannot be decoded."""
    try:
        return ctx.request.path
    except Exception:  # a malformed path is answered 400, and logged as it came
        raw: str = ctx.request.environ.get("PATH_INFO", "")
        return raw


def _iso_utc(seconds: float) -> str:
    """``seconds`` since the epoch in ISO 8601, UTC, to the millisecond:
    ``2026-12-01T08:00:00.123Z``."""
    global _last_second
    whole = int(seconds)
    # PERF: the date and time are formatted once a second (bench: as access_line's).
    cached = _last_second
    if cached[0] != whole:
        # One tuple, replaced whole: threads racing here write the same value.
        cached = _last_second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    # PERF: the millisecond part from a table, no format spec (bench: as access_line's).
    return cached[1] + _MILLIS[int((seconds - whole) * 1000)]


#: The last second formatted by _iso_utc, and its text.
_last_second: tuple[int, str] = (-1, "")
#: ".000Z" to ".999Z".
_MILLIS = tuple(f".{ms:03d}Z" for ms in range(1000))
