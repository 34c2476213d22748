"""Every bound on request input in one place, and BoundedInput, a reader that cannot overrun.

Each bound is a field of :class:`Limits` and a ``request.*`` config key of the same name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from .errors import ClientError

__all__ = [
    "DEFAULT_LIMITS",
    "BoundedInput",
    "InputStream",
    "Limits",
    "body_too_large",
    "read_body",
]


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
#: A chunk size: 1 to 16 hex digits, so it fits in 64 bits.
_CHUNK_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
_READ_SIZE = 64 * 1024


class InputStream(Protocol):
    """The part of ``wsgi.input`` lcore uses."""

    def read(self, size: int = ..., /) -> bytes:
        """Read up to ``size`` bytes (all remaining when omitted); ``b""`` at the end."""
        ...


def body_too_large(limit: int) -> ClientError:
    """The 413 for a body over ``limit`` bytes, in the one error shape."""
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


def _disconnected() -> ClientError:
    return ClientError(
        400,
        "Request body is incomplete: reading it failed (the client went away or timed out)",
        "client_disconnected",
        ("body",),
    )


class BoundedInput:
    """Reads at most ``length`` bytes of a stream; early EOF and failed reads are client errors.

    Args:
        stream: ``wsgi.input``.
        length: Bytes the client announced (Content-Length). ``-1`` reads to EOF, for
            servers that set ``wsgi.input_terminated``.
        limit: The most bytes that may be read in all (``request.max_body``).
    """

    __slots__ = ("_limit", "_read", "_remaining", "_stream")

    def __init__(self, stream: InputStream, length: int, limit: int) -> None:
        if length > limit:
            raise body_too_large(limit)
        self._stream = stream
        self._limit = limit
        self._remaining = length if length >= 0 else -1  # -1: until EOF
        self._read = 0

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (everything that is left when negative).

        Raises:
            ClientError: 400 ``body_truncated`` when the stream ends before Content-Length;
                400 ``client_disconnected`` when a read fails (``OSError``: a reset, a
                timeout); 413 ``body_too_large`` when an unsized stream passes the limit.
        """
        chunks: list[bytes] = []
        while size != 0:
            want = _READ_SIZE if size < 0 else min(size, _READ_SIZE)
            if self._remaining >= 0:
                want = min(want, self._remaining)
                if want == 0:
                    break
            else:
                # One byte past the limit tells a body at the limit from one over it.
                want = min(want, self._limit + 1 - self._read)
            try:
                data = self._stream.read(want)
            except OSError as exc:
                raise _disconnected() from exc
            if not data:
                if self._remaining > 0:
                    raise _truncated()
                break
            self._read += len(data)
            if self._read > self._limit:
                raise body_too_large(self._limit)
            if self._remaining >= 0:
                self._remaining -= len(data)
            chunks.append(data)
            if size > 0:
                size -= len(data)
        return b"".join(chunks)


def _chunked_invalid(msg: str) -> ClientError:
    return ClientError(400, msg, "chunked_invalid", ("body",))


def _read_chunked(stream: InputStream, limit: int) -> bytes:
    """Decode a ``Transfer-Encoding: chunked`` body (RFC 9112 section 7.1), bounded.

    Chunk data is read exactly, never past its chunk. A size line is looked for in reads no
    larger than what the limit leaves (at least one byte), so all that is read beyond the
    framing (size lines and CRLFs) is at most ``limit + 1`` bytes.
    """
    parts: list[bytes] = []
    decoded = 0
    buffer = b""  # bytes read and not decoded yet: buffer[pos:]
    pos = 0
    while True:
        end = buffer.find(b"\r\n", pos)
        while end < 0:
            buffer, pos = buffer[pos:], 0  # a partial size line: short
            if len(buffer) > _MAX_CHUNK_LINE + 1:  # + 1: a CR whose LF is still to come
                raise _chunked_invalid("Chunk size line too long")
            data = stream.read(max(1, min(_READ_SIZE, limit + 1 - decoded - len(buffer))))
            if not data:
                raise _chunked_invalid("Chunked request body ended early")
            searched = max(len(buffer) - 1, 0)
            buffer += data
            end = buffer.find(b"\r\n", searched)
        if end - pos > _MAX_CHUNK_LINE:  # found in one read with what follows it
            raise _chunked_invalid("Chunk size line too long")
        size_text = buffer[pos:end].split(b";", 1)[0].strip()
        pos = end + 2
        if _CHUNK_SIZE.fullmatch(size_text) is None:
            raise _chunked_invalid("Malformed chunk size")
        size = int(size_text, 16)
        if size == 0:
            return b"".join(parts)
        if decoded + size > limit:
            raise body_too_large(limit)
        need = size + 2  # the data and its CRLF
        if len(buffer) - pos >= need:
            chunk = buffer[pos : pos + need]
            pos += need
        else:
            pieces = [buffer[pos:]]
            missing = need - len(pieces[0])
            buffer, pos = b"", 0
            while missing:
                data = stream.read(min(missing, _READ_SIZE))
                if not data:
                    raise _chunked_invalid("Chunked request body ended early")
                pieces.append(data)
                missing -= len(data)
            chunk = b"".join(pieces)
        if chunk[size:] != b"\r\n":
            raise _chunked_invalid("Chunk not followed by CRLF")
        parts.append(chunk[:size])
        decoded += size


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

    Raises:
        ClientError: 413 ``body_too_large``; 400 ``body_truncated`` or ``chunked_invalid``
            when the body ends early; 400 ``client_disconnected`` when the server's stream
            fails (``OSError``: the client reset the connection, or stalled past the
            server's timeout); 400 ``chunked_invalid`` when a server that de-chunks the
            body itself (cheroot, gunicorn) reports the client's framing as malformed or
            cut off.
    """
    # NOTE: a read that fails because the client went away (a reset, or a stall past the
    # server's timeout) is not a server error: a ClientError, which the app logs as one
    # line rather than a traceback.
    try:
        if terminated and content_length < 0:
            return BoundedInput(stream, -1, limit).read()
        if chunked and content_length < 0:
            return _read_chunked(stream, limit)
        if content_length <= 0:
            return b""
        if content_length <= limit:
            # PERF: a body of announced length is asked for in one read: no chunks joined
            # into a fresh copy (a fresh megabyte costs ~1 ms of page faults here), and a
            # BytesIO hands its buffer over as it is (bench: POST JSON echo, POST 100 KB
            # JSON, POST 1 MB JSON). NOTE: the length is within request.max_body, and a
            # BufferedReader that reserves n bytes for read(n) only touches the pages
            # the client fills: a client that announces a length and sends nothing does
            # not make the server hold it.
            data = stream.read(content_length)
            if len(data) == content_length:
                return data
            return data + BoundedInput(stream, content_length - len(data), limit).read()
        return BoundedInput(stream, content_length, limit).read()
    except OSError as exc:
        raise _disconnected() from exc
    except Exception as exc:
        if _is_framing_error(stream, exc):
            raise _chunked_invalid(
                "the server could not read the chunked body: it is malformed or ends early"
            ) from exc
        raise


#: Servers whose ``wsgi.input`` de-chunks the body itself and reports the client's
#: malformed or cut-off framing with an exception of its own rather than an ``OSError``:
#: the stream's module, and the exception classes it raises for that (module and
#: qualified name, matched along the exception's MRO; nothing is imported).
_FRAMING_ERRORS: dict[str, frozenset[str]] = {
    # ChunkedRFile: "Bad chunked transfer size", "Bad chunked transfer coding".
    "cheroot.server": frozenset({"builtins.ValueError"}),
    # ChunkedReader: InvalidChunkSize, ChunkMissingTerminator, InvalidChunkExtension, ...
    "gunicorn.http.body": frozenset({"gunicorn.http.errors.ParseException"}),
}


def _is_framing_error(stream: object, exc: Exception) -> bool:
    """Whether ``exc`` is the server's own report of the client's bad body framing."""
    names = _FRAMING_ERRORS.get(type(stream).__module__)
    if names is None:
        return False
    return any(f"{cls.__module__}.{cls.__qualname__}" in names for cls in type(exc).__mro__)
