"""Response bodies: streamed bodies that keep the request context and honour PEP 3333's
``close()``, str chunks encoded on the way out, files read in chunks, and the capture of
a mounted WSGI app's answer."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ._wsgi import WSGIApp, WSGIEnviron
from .context import RequestContext, context_var, log_failure
from .jsonutil import json_dumps
from .plugins import is_json_value
from .response import HTTPResponse

__all__ = [
    "EncodedChunks",
    "SentBody",
    "StreamedBody",
    "call_wsgi",
    "close_body",
    "iter_file",
    "result_chunks",
]


class StreamedBody:
    """A response body that re-binds the request context while the server pulls chunks
    (so streaming generators can use ``request``) and, on ``close()``, closes the
    handler's iterable and runs the request's cleanups, the context bound for both.

    Args:
        iterator: The chunks.
        close: The handler's iterable's ``close`` (a generator's), or ``None``.
        context: The request the body answers.
    """

    __slots__ = ("_close", "_context", "_iterator")

    def __init__(
        self,
        iterator: Iterator[bytes],
        close: Callable[[], object] | None,
        context: RequestContext,
    ) -> None:
        self._iterator = iterator
        self._close = close
        self._context = context

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        token = context_var.set(self._context)
        try:
            return next(self._iterator)
        finally:
            context_var.reset(token)

    def close(self) -> None:
        """Close the handler's iterable (its ``finally`` may read ``request``), then run
        the cleanups. A failure is logged, not raised: the server has sent the answer."""
        close, self._close = self._close, None
        if close is not None:
            token = context_var.set(self._context)
            try:
                close()
            except Exception:
                log_failure("closing the body of %s failed", self._context.request)
            finally:
                context_var.reset(token)
        self._context.close()


class SentBody:
    """The body handed to the server for a request with :meth:`RequestContext.on_sent`
    callbacks: counts the bytes the server pulls, and on ``close()`` (after the last
    byte) closes the body, then runs those callbacks, which read it as ``ctx.sent``.

    Args:
        body: The body as built.
        status: The status line sent.
        headers: The headers sent.
        context: The request the body answers.
    """

    __slots__ = ("_body", "_context", "_iterator", "bytes_sent", "closed", "headers", "status")

    def __init__(
        self,
        body: Iterable[bytes],
        status: str,
        headers: list[tuple[str, str]],
        context: RequestContext,
    ) -> None:
        self._body = body
        self._iterator: Iterator[bytes] | None = None
        self._context = context
        #: The status line, e.g. ``"200 OK"``.
        self.status: str = status
        #: The response headers.
        self.headers: list[tuple[str, str]] = headers
        #: Body bytes the server has pulled so far (all of them once :attr:`closed`).
        self.bytes_sent: int = 0
        #: Whether the server has closed the body (the answer is over).
        self.closed: bool = False

    @property
    def status_code(self) -> int:
        """The status as a number."""
        return int(self.status[:3])

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        iterator = self._iterator
        if iterator is None:
            iterator = self._iterator = iter(self._body)
        chunk = next(iterator)
        self.bytes_sent += len(chunk)
        return chunk

    def close(self) -> None:
        """Close the body (a streamed one runs the ``on_close`` callbacks), then run the
        ``on_sent`` callbacks, once."""
        if self.closed:
            return
        self.closed = True
        try:
            close_body(self._body)
        except Exception:
            log_failure("closing the body of %s failed", self._context.request)
        finally:
            self._context.close_sent()


class EncodedChunks:
    """Encode str chunks of a streamed body."""

    __slots__ = ("_charset", "_iterator")

    def __init__(self, iterator: Iterator[Any], charset: str) -> None:
        self._iterator = iterator
        self._charset = charset

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        chunk = next(self._iterator)
        if isinstance(chunk, str):
            return chunk.encode(self._charset)
        if isinstance(chunk, bytes):
            return chunk
        if isinstance(chunk, bytearray):
            return bytes(chunk)
        raise TypeError(f"streamed chunks must be str or bytes, not {type(chunk).__name__}")


def iter_file(handle: Any, size: int = 65536) -> Iterator[bytes]:
    try:
        while True:
            chunk = handle.read(size)
            if not chunk:
                return
            yield chunk.encode() if isinstance(chunk, str) else chunk
    finally:
        if hasattr(handle, "close"):
            handle.close()


def close_body(chunks: Iterable[bytes]) -> None:
    close = getattr(chunks, "close", None)
    if callable(close):
        close()


def call_wsgi(app: WSGIApp, environ: WSGIEnviron) -> HTTPResponse:
    """Call a WSGI app and capture its answer as an HTTPResponse."""
    captured: dict[str, Any] = {}
    written: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        # NOTE: PEP 3333: with exc_info, start_response replaces the status and headers
        # until they are sent; they count as sent once the HTTPResponse is built.
        if exc_info and "sent" in captured:
            raise exc_info[1].with_traceback(exc_info[2])
        captured["status"], captured["headers"] = status, headers
        return written.append

    result = app(environ, start_response)
    iterator = iter(result)
    first: list[bytes] = []
    if "status" not in captured:
        for chunk in iterator:
            first.append(chunk)
            if "status" in captured:
                break
    response = HTTPResponse(status=captured.get("status", "500 Internal Server Error"))
    for name, value in captured.get("headers", []):
        response.add_header(name, value)
    captured["sent"] = True

    def body() -> Iterator[bytes]:
        try:
            yield from written
            yield from first
            yield from iterator
        finally:
            close = getattr(result, "close", None)
            if callable(close):
                close()

    response.body = body()
    return response


def result_chunks(result: Any, context: RequestContext, json_enabled: bool) -> Iterable[bytes]:
    """Turn a handler result into body chunks and set Content-Length when known.

    Args:
        result: What the handler (or an error handler) returned.
        context: The request being answered; its response gets the headers.
        json_enabled: dict/list/dataclass results become JSON (the JSON plugin is on).

    Raises:
        TypeError: A result lcore cannot send (a 500).
    """
    response = context.response
    # NOTE: no `result in {"", b""}`: a dict or list result (from middleware, which
    # the JSON plugin does not wrap) is unhashable.
    if result is None or (isinstance(result, str | bytes | bytearray) and not result):
        if response.get_header("Content-Length") is None:
            response.set_header("Content-Length", "0")
        return []
    if isinstance(result, str):
        result = result.encode(response.charset)
    if isinstance(result, bytes | bytearray):
        response.set_header("Content-Length", str(len(result)))
        return [bytes(result)]
    if is_json_value(result):
        if not json_enabled:
            if isinstance(result, dict):
                raise TypeError("Unsupported response type: dict (the JSON plugin is off)")
        else:
            response.content_type = "application/json"
            data = json_dumps(result).encode()
            response.set_header("Content-Length", str(len(data)))
            return [data]
    if hasattr(result, "read"):
        wrapper = context.request.environ.get("wsgi.file_wrapper")
        if wrapper is not None:
            return wrapper(result, 65536)  # type: ignore[no-any-return]  # server-supplied callable
        return iter_file(result)
    if isinstance(result, Iterable):
        iterable: Iterable[Any] = result  # pyright: ignore[reportUnknownVariableType]  # the handler chose the item type
        iterator: Iterator[Any] = iter(iterable)
        found = getattr(iterable, "close", None)
        close: Callable[[], object] | None = found if callable(found) else None
        encoded = EncodedChunks(iterator, response.charset)
        # The first chunk is pulled here, inside the error funnel: a generator that
        # fails before yielding anything still gets a proper error response.
        try:
            first = next(encoded)
        except StopIteration:
            if close is not None:
                close()
            response.set_header("Content-Length", "0")
            return []
        except BaseException:
            if close is not None:
                close()
            raise
        return StreamedBody(itertools.chain((first,), encoded), close, context)
    raise TypeError(f"Unsupported response type: {type(result).__name__}")
