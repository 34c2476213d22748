"""Every bound on request input in one place, and BoundedInput, a reader that cannot overrun.

Each bound is a field of :class:`Limits` and a ``request.*`` config key of the same name.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Protocol

from .errors import ClientError

__all__ = ["DEFAULT_LIMITS", "BoundedInput", "InputStream", "Limits", "read_body"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds applied while reading a request.

    Attributes:
        max_body: Largest request body in bytes (``request.max_body``); over it -> 413.
        max_fields: Most query, form or cookie fields (``request.max_fields``); over it -> 413.
        max_json_depth: Deepest JSON nesting (``request.max_json_depth``); over it -> 400.
    """

    max_body: int = 10 * 1024 * 1024
    max_fields: int = 1000
    max_json_depth: int = 64


DEFAULT_LIMITS = Limits()

#: Longest chunk-size line accepted in a chunked body (hex digits plus extensions).
_MAX_CHUNK_LINE = 1024
_READ_SIZE = 64 * 1024


class InputStream(Protocol):
    """The part of ``wsgi.input`` lcore uses."""

    def read(self, size: int = ..., /) -> bytes:
        """Read up to ``size`` bytes (all remaining when omitted); ``b""`` at the end."""
        ...


def _too_large(limit: int) -> ClientError:
    return ClientError(
        413,
        f"Request body exceeds {limit} bytes (request.max_body)",
        "body_too_large",
        ("body",),
    )


def _truncated() -> ClientError:
    return ClientError(
        400, "Request body is shorter than its Content-Length", "body_truncated", ("body",)
    )


class BoundedInput:
    """Reads at most ``length`` bytes of a stream and reports early EOF as a client error.

    Args:
        stream: ``wsgi.input``.
        length: Bytes the client announced (Content-Length). ``-1`` reads to EOF, for
            servers that set ``wsgi.input_terminated``.
        limit: The most bytes that may be read in all (``request.max_body``).
    """

    __slots__ = ("_limit", "_read", "_remaining", "_stream")

    def __init__(self, stream: InputStream, length: int, limit: int) -> None:
        if length > limit:
            raise _too_large(limit)
        self._stream = stream
        self._limit = limit
        self._remaining = length if length >= 0 else -1  # -1: until EOF
        self._read = 0

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (everything that is left when negative).

        Raises:
            ClientError: 400 ``body_truncated`` when the stream ends before Content-Length;
                413 ``body_too_large`` when an unsized stream passes the limit.
        """
        chunks: list[bytes] = []
        while size != 0:
            want = _READ_SIZE if size < 0 else min(size, _READ_SIZE)
            if self._remaining >= 0:
                want = min(want, self._remaining)
                if want == 0:
                    break
            data = self._stream.read(want)
            if not data:
                if self._remaining > 0:
                    raise _truncated()
                break
            self._read += len(data)
            if self._read > self._limit:
                raise _too_large(self._limit)
            if self._remaining >= 0:
                self._remaining -= len(data)
            chunks.append(data)
            if size > 0:
                size -= len(data)
        return b"".join(chunks)


def _read_chunked(stream: InputStream, limit: int) -> bytes:
    """Decode a ``Transfer-Encoding: chunked`` body (RFC 9112 section 7.1), bounded."""
    body = io.BytesIO()
    buffer = b""

    def fill(needed: int) -> None:
        nonlocal buffer
        while len(buffer) < needed:
            data = stream.read(_READ_SIZE)
            if not data:
                raise ClientError(
                    400, "Chunked request body ended early", "chunked_invalid", ("body",)
                )
            buffer += data

    while True:
        while b"\r\n" not in buffer:
            if len(buffer) > _MAX_CHUNK_LINE:
                raise ClientError(400, "Chunk size line too long", "chunked_invalid", ("body",))
            fill(len(buffer) + 1)
        line, _, buffer = buffer.partition(b"\r\n")
        size_text = line.split(b";", 1)[0].strip()
        if (
            not size_text
            or len(size_text) > 16
            or not all(c in b"0123456789abcdefABCDEF" for c in size_text)
        ):
            raise ClientError(400, "Malformed chunk size", "chunked_invalid", ("body",))
        size = int(size_text, 16)
        if size == 0:
            return body.getvalue()
        if body.tell() + size > limit:
            raise _too_large(limit)
        fill(size + 2)
        if buffer[size : size + 2] != b"\r\n":
            raise ClientError(400, "Chunk not followed by CRLF", "chunked_invalid", ("body",))
        body.write(buffer[:size])
        buffer = buffer[size + 2 :]


def read_body(
    stream: InputStream, content_length: int, chunked: bool, terminated: bool, limit: int
) -> bytes:
    """Read a whole request body once, bounded by ``limit``.

    Args:
        stream: ``wsgi.input``.
        content_length: The parsed Content-Length, ``-1`` when absent.
        chunked: ``Transfer-Encoding`` names ``chunked`` and the server left it encoded.
        terminated: The server set ``wsgi.input_terminated`` (it already de-chunked).
        limit: ``request.max_body``.
    """
    if terminated and content_length < 0:
        return BoundedInput(stream, -1, limit).read()
    if chunked and content_length < 0:
        return _read_chunked(stream, limit)
    if content_length <= 0:
        return b""
    if content_length <= min(limit, _READ_SIZE):
        # PERF: small bodies usually arrive in one read (bench: POST JSON echo).
        data = stream.read(content_length)
        if len(data) == content_length:
            return data
        return data + BoundedInput(stream, content_length - len(data), limit).read()
    return BoundedInput(stream, content_length, limit).read()
