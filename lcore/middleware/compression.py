"""CompressionMiddleware: the Accept-Encoding negotiation, and gzip (brotli and zstd when
present) of every answer worth compressing, whole or streamed."""

from __future__ import annotations

import importlib
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from ..bodies import EncodedChunks, iter_file, result_chunks
from ..plugins import is_json_value
from ..response import HTTPError, HTTPResponse
from .base import Middleware, NextHandler, plain_call

if TYPE_CHECKING:
    from ..context import RequestContext
    from ..response import Response

__all__ = [
    "DEFAULT_COMPRESSIBLE_TYPES",
    "CompressedChunks",
    "CompressionMiddleware",
    "Compressor",
    "choose_encoding",
    "parse_accept_encoding",
]

#: The content types compressed by default (prefixes, matched case-insensitively).
DEFAULT_COMPRESSIBLE_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/xhtml+xml",
)

#: Types compressed already: never compressed again, whatever ``content_types`` says.
_COMPRESSED_TYPES = (
    "image/",
    "video/",
    "audio/",
    "font/woff",
    "application/zip",
    "application/gzip",
    "application/x-gzip",
    "application/zstd",
    "application/x-bzip2",
    "application/x-xz",
    "application/x-7z-compressed",
    "application/x-rar-compressed",
)
#: Image types that are text, and compress well.
_TEXT_IMAGES = ("image/svg+xml",)

#: The statuses never compressed: no body (204, 304) or a byte range of the identity (206).
_NEVER_STATUS = frozenset({204, 206, 304})

#: Chunks a large whole body is compressed in, as a stream.
_STREAM_CHUNK = 64 * 1024

#: Accept-Encoding values whose choice is remembered, per middleware.
_CHOICE_CACHE_SIZE = 64

# RFC 9110 §5.6.2 token, §12.4.2 qvalue.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
_QVALUE = re.compile(r"(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)\Z")
_OWS = " \t"


def parse_accept_encoding(header: str) -> dict[str, float]:
    """The codings of an ``Accept-Encoding`` value and their q-values (RFC 9110 §12.5.3).

    Codings are lowercased, ``x-gzip`` counts as ``gzip``, a coding listed twice keeps its
    first q-value, and a malformed part (not a token, a bad ``q``) is ignored.

    Args:
        header: The header's value.

    Returns:
        Each coding (``*`` and ``identity`` included) and its q-value, 0 to 1.
    """
    codings: dict[str, float] = {}
    for part in header.split(","):
        coding, _, params = part.partition(";")
        coding = coding.strip(_OWS).lower()
        if not _TOKEN.match(coding):
            continue
        quality: float | None = 1.0
        if params:
            for param in params.split(";"):
                name, equals, value = param.partition("=")
                if name.strip(_OWS).lower() == "q":
                    value = value.strip(_OWS)
                    quality = float(value) if equals and _QVALUE.match(value) else None
                    break
        if quality is None:
            continue
        codings.setdefault("gzip" if coding == "x-gzip" else coding, quality)
    return codings


def choose_encoding(codings: Mapping[str, float], available: Sequence[str]) -> str | None:
    """The coding to send, or ``None`` for the identity (no compression).

    Each available coding gets its own q-value, else that of ``*``, else 0; the highest
    above 0 wins, ties going to the earlier in ``available``. The identity is chosen when
    no coding is acceptable, or when it is listed with a higher q-value than the best.

    Args:
        codings: From :func:`parse_accept_encoding`.
        available: The server's codings, most preferred first.
    """
    star = codings.get("*")
    best: str | None = None
    best_quality = 0.0
    for coding in available:
        quality = codings.get(coding, 0.0 if star is None else star)
        if quality > best_quality:
            best, best_quality = coding, quality
    # NOTE: a client that lists a coding wants it: the identity, acceptable by default
    # (RFC 9110 §12.5.3), wins only when it is listed with a higher q-value.
    identity = codings.get("identity")
    return None if identity is not None and identity > best_quality else best


class Compressor(Protocol):
    """A body's compressor: chunks in (flushed, so that each reaches the client as it
    is sent), the end of the stream out of :meth:`finish`."""

    def compress(self, data: bytes, flush: bool) -> bytes:
        """Compress ``data``; with ``flush``, also all that is pending."""
        ...

    def finish(self) -> bytes:
        """End the stream: what is pending and the trailer."""
        ...


class _Gzip:
    __slots__ = ("_zobj",)

    def __init__(self, level: int) -> None:
        # NOTE: wbits 16 + 15: a gzip member (RFC 1952), as Content-Encoding: gzip means.
        self._zobj = zlib.compressobj(level, zlib.DEFLATED, 31)

    def compress(self, data: bytes, flush: bool) -> bytes:
        out = self._zobj.compress(data)
        return out + self._zobj.flush(zlib.Z_SYNC_FLUSH) if flush else out

    def finish(self) -> bytes:
        return self._zobj.flush()


class _Brotli:
    __slots__ = ("_compressor",)

    def __init__(self, module: ModuleType, level: int) -> None:
        self._compressor: Any = module.Compressor(quality=level)

    def compress(self, data: bytes, flush: bool) -> bytes:
        out: bytes = self._compressor.process(data)
        return out + self._compressor.flush() if flush else out

    def finish(self) -> bytes:
        return self._compressor.finish()  # type: ignore[no-any-return]  # brotli is untyped


class _Zstd:
    __slots__ = ("_compressor", "_flush_block", "_flush_frame")

    def __init__(self, module: ModuleType, level: int) -> None:
        kind: Any = module.ZstdCompressor
        self._compressor: Any = kind(level=level)
        self._flush_block: Any = kind.FLUSH_BLOCK
        self._flush_frame: Any = kind.FLUSH_FRAME

    def compress(self, data: bytes, flush: bool) -> bytes:
        if flush:
            return self._compressor.compress(data, mode=self._flush_block)  # type: ignore[no-any-return]  # typed only on 3.14
        return self._compressor.compress(data)  # type: ignore[no-any-return]  # typed only on 3.14

    def finish(self) -> bytes:
        return self._compressor.flush(mode=self._flush_frame)  # type: ignore[no-any-return]  # typed only on 3.14


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _load_compressors(level: int) -> dict[str, Callable[[], Compressor]]:
    """The codings this interpreter can send, most preferred first: zstd (Python 3.14's
    ``compression.zstd``), brotli (the ``brotli`` package), gzip (always)."""
    found: dict[str, Callable[[], Compressor]] = {}
    zstd = _optional_module("compression.zstd")
    if zstd is not None:
        found["zstd"] = lambda: _Zstd(zstd, level)
    brotli = _optional_module("brotli")
    if brotli is not None:
        found["br"] = lambda: _Brotli(brotli, level)
    found["gzip"] = lambda: _Gzip(level)
    return found


class CompressedChunks:
    """A streamed body, compressed chunk by chunk; ``close()`` closes the body it wraps
    (PEP 3333), so a generator's ``finally`` still runs.

    Args:
        chunks: The body's chunks.
        close: The wrapped body's ``close``, or ``None``.
        compressor: The compressor, fresh.
    """

    __slots__ = ("_chunks", "_close", "_compressor")

    def __init__(
        self,
        chunks: Iterator[bytes],
        close: Callable[[], object] | None,
        compressor: Compressor,
    ) -> None:
        self._chunks = chunks
        self._close = close
        self._compressor: Compressor | None = compressor

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        compressor = self._compressor
        if compressor is None:
            raise StopIteration
        for chunk in self._chunks:
            if chunk:
                out = compressor.compress(chunk, True)
                if out:
                    return out
        self._compressor = None
        return compressor.finish()

    def close(self) -> None:
        """Close the wrapped body."""
        close, self._close = self._close, None
        if close is not None:
            close()


@plain_call
class CompressionMiddleware(Middleware):
    """Compress answers for the clients that accept it: zstd, brotli or gzip, whichever
    the ``Accept-Encoding`` q-values prefer (zstd first, then brotli, on a tie).

    gzip is always there; zstd when the interpreter has ``compression.zstd`` (3.14), brotli
    when the ``brotli`` package is installed. An answer is compressed when its content
    type matches, it sets no ``Content-Encoding`` (so never twice) nor ``Cache-Control:
    no-transform``, its body has ``min_size`` bytes or more, its status is not 204, 206
    or 304, the method is not HEAD, and its type is not compressed already (images but
    SVG, audio, video, archives). The answer gets ``Content-Encoding``, the right
    ``Content-Length`` and a weak ``ETag``; every answer that could have been
    compressed gets ``Vary: Accept-Encoding``. Streamed bodies (generators, iterables,
    files) and bodies of ``stream_threshold`` bytes or more are compressed chunk by
    chunk, each chunk flushed, without ``Content-Length``. Error answers (``HTTPError``:
    ``abort()``, 404/405, lcore's 4xx, 500s) are rendered here by the app
    (``Lcore.render_error``: their ``@error`` handler or the default page, JSON or HTML)
    and compressed whole by the same rules; they stay ``HTTPError`` answers for
    middleware further out, and the app sends them without rendering them again.

    Args:
        min_size: The smallest body compressed, in bytes.
        level: The compression level, 1 (fast) to 9 (small), for every coding.
        content_types: Content-type prefixes to compress; ``DEFAULT_COMPRESSIBLE_TYPES``
            when ``None``.
        stream_threshold: Whole bodies this large are compressed as a stream.

    Raises:
        ValueError: ``level`` is not 1 to 9, or a size is negative.
    """

    name: ClassVar[str | None] = "compression"
    order: int = 90
    phase: ClassVar[Literal["pre", "post"]] = "post"

    def __init__(
        self,
        min_size: int = 256,
        level: int = 6,
        content_types: Iterable[str] | None = None,
        stream_threshold: int = 256 * 1024,
    ) -> None:
        if not 1 <= level <= 9:
            raise ValueError(f"level must be 1 to 9, not {level}")
        if min_size < 0 or stream_threshold < 0:
            raise ValueError("min_size and stream_threshold must not be negative")
        self.min_size = min_size
        self.level = level
        self.stream_threshold = stream_threshold
        #: The content-type prefixes compressed, lowercased.
        self.content_types: tuple[str, ...] = tuple(
            prefix.lower()
            for prefix in (DEFAULT_COMPRESSIBLE_TYPES if content_types is None else content_types)
        )
        self._compressors = _load_compressors(level)
        #: The codings this middleware can send, most preferred first.
        self.encodings: tuple[str, ...] = tuple(self._compressors)
        self._choices: dict[str, str | None] = {}
        self._compressible: dict[str, bool] = {}

    def choose(self, accept_encoding: str) -> str | None:
        """The coding for an ``Accept-Encoding`` value, or ``None`` for no compression."""
        # PERF: browsers send a handful of distinct values: each is parsed once (bench:
        # compression/json_2k).
        choices = self._choices
        # NOTE: one look-up, never `in` then `[]`: another thread may clear the cache.
        known = choices.get(accept_encoding, "")  # "" is no coding: not chosen yet
        if known != "":
            return known
        chosen = choose_encoding(parse_accept_encoding(accept_encoding), self.encodings)
        if len(choices) >= _CHOICE_CACHE_SIZE:
            choices.clear()
        choices[accept_encoding] = chosen
        return chosen

    def compressor(self, encoding: str) -> Compressor:
        """A fresh compressor for ``encoding`` (one of :attr:`encodings`).

        Raises:
            KeyError: This middleware cannot send ``encoding``.
        """
        return self._compressors[encoding]()

    def compressible(self, content_type: str) -> bool:
        """Whether bodies of ``content_type`` are compressed."""
        # PERF: an app sends a handful of content types: each is matched once (bench:
        # compression/json_2k).
        known = self._compressible.get(content_type)
        if known is not None:
            return known
        media = content_type.partition(";")[0].strip().lower()
        verdict = media.startswith(self.content_types) and not (
            media.startswith(_COMPRESSED_TYPES) and not media.startswith(_TEXT_IMAGES)
        )
        if len(self._compressible) >= _CHOICE_CACHE_SIZE:
            self._compressible.clear()
        self._compressible[content_type] = verdict
        return verdict

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        result = next_handler(ctx)
        if isinstance(result, HTTPError):
            return self._error(ctx, result)
        response = ctx.response
        answer = result if isinstance(result, HTTPResponse) else None
        status = response.status_code if answer is None else answer.status_code
        if status < 200 or status in _NEVER_STATUS:
            return result
        # PERF: a response with no header set has neither (bench: compression/json_2k).
        if answer is not None or response._headers is not None or response._flat is not None:
            if _header(answer, response, "Content-Encoding") is not None:
                return result
            cache_control = _header(answer, response, "Cache-Control")
            if cache_control is not None and "no-transform" in cache_control.lower():
                return result
        body: Any = result if answer is None else answer.body
        if type(body) is bytes and answer is None:
            # PERF: the JSON plugin's output, and bytes results, are the body already; the
            # finish sets Content-Length (bench: compression/json_2k).
            data = body
        elif body is None or isinstance(body, str | bytes | bytearray) or is_json_value(body):
            if is_json_value(body) and not _json_results(ctx):
                return result  # the app's finish refuses it
            if answer is not None:
                answer.apply(response)
            # The finish's own conversion: charset, JSON, Content-Type and Content-Length.
            data = b"".join(result_chunks(body, ctx, True))
        else:
            return self._stream(ctx, response, answer, result, body)
        if not data or len(data) < self.min_size or not self.compressible(response.content_type):
            return _answer(answer, data)
        return _answer(answer, self._compress_whole(ctx, response, data))

    def _error(self, ctx: RequestContext, error: HTTPError) -> HTTPError:
        """An error answer: its page rendered now by the app (``Lcore.render_error``, so
        the app sends it as it is, never rendering it twice), then compressed by the same
        rules as any answer; it stays the ``HTTPError`` it was for middleware further out.
        """
        app = ctx.app
        status = error.status_code
        if app is None or status < 200 or status in _NEVER_STATUS:
            return error
        app.render_error(ctx, error)
        response = ctx.response
        # PERF: a rendered abort() or 404 holds no header but its content type, and the
        # response often none: nothing to look up (bench: abort(403) with compression).
        own_headers = error._headers is not None or error._flat is not None
        if own_headers or response._headers is not None or response._flat is not None:
            if _header(error, response, "Content-Encoding") is not None:
                return error
            cache_control = _header(error, response, "Cache-Control")
            if cache_control is not None and "no-transform" in cache_control.lower():
                return error
        # The error's headers go out over the response's: its content type, else theirs.
        own_type = error.get_header("Content-Type") if own_headers else error._content_type
        body = error.body
        try:
            if type(body) is str:
                data = body.encode(response.charset if own_type is None else error.charset)
            elif isinstance(body, bytes | bytearray):
                data = bytes(body)
            else:
                return error  # an @error handler's stream: sent as it is
        except (LookupError, UnicodeError):
            return error  # the app's finish turns it into the 500 it is
        content_type = response.content_type if own_type is None else own_type
        if len(data) < self.min_size or not data or not self.compressible(content_type):
            return error
        encoding = self._encoding_for(ctx, response)
        # The error's own headers are sent over the response's: they get the same marks.
        if own_headers and error.get_header("Vary") is not None:
            _add_vary(error)
        if encoding is None:
            return error
        compressor = self.compressor(encoding)
        error.body = compressor.compress(data, False) + compressor.finish()
        self._mark(response, encoding)
        if own_headers:
            _weaken_etag(error)
        return error

    def _stream(
        self,
        ctx: RequestContext,
        response: Response,
        answer: HTTPResponse | None,
        result: Any,
        body: Any,
    ) -> Any:
        """A streamed body (an iterable, a file): compressed chunk by chunk."""
        if not (hasattr(body, "read") or isinstance(body, Iterable)):
            return result  # the app's finish refuses it
        content_type = _header(answer, response, "Content-Type") or response.default_content_type
        if not self.compressible(content_type):
            return result
        if answer is not None:
            answer.apply(response)
        return _answer(answer, self._compress_stream(ctx, response, body))

    def _encoding_for(self, ctx: RequestContext, response: Response) -> str | None:
        """Add ``Vary: Accept-Encoding`` and choose the coding (``None`` on HEAD)."""
        _add_vary(response)
        environ = ctx.request.environ
        accept = environ.get("HTTP_ACCEPT_ENCODING")
        if accept is None or environ.get("REQUEST_METHOD") == "HEAD":
            return None
        return self.choose(accept)

    def _mark(self, response: Response, encoding: str) -> None:
        response.set_header("Content-Encoding", encoding)
        _weaken_etag(response)

    def _compress_whole(self, ctx: RequestContext, response: Response, data: bytes) -> Any:
        encoding = self._encoding_for(ctx, response)
        if encoding is None:
            return data
        self._mark(response, encoding)
        compressor = self.compressor(encoding)
        if len(data) >= self.stream_threshold:
            if "Content-Length" in response:
                del response["Content-Length"]
            view = memoryview(data)
            slices = (
                bytes(view[start : start + _STREAM_CHUNK])
                for start in range(0, len(data), _STREAM_CHUNK)
            )
            return CompressedChunks(slices, None, compressor)
        compressed = compressor.compress(data, False) + compressor.finish()
        response.set_header("Content-Length", str(len(compressed)))
        return compressed

    def _compress_stream(self, ctx: RequestContext, response: Response, body: Any) -> Any:
        encoding = self._encoding_for(ctx, response)
        if encoding is None:
            return body
        chunks: Iterator[bytes]
        close: Callable[[], object] | None
        if hasattr(body, "read"):
            chunks = iter_file(body)
            close = _closer(chunks, body)
        else:
            iterable: Iterable[Any] = body
            found = getattr(iterable, "close", None)
            close = found if callable(found) else None
            chunks = EncodedChunks(iter(iterable), response.charset)
        self._mark(response, encoding)
        if "Content-Length" in response:
            del response["Content-Length"]
        return CompressedChunks(chunks, close, self.compressor(encoding))


def _header(answer: HTTPResponse | None, response: Response, name: str) -> str | None:
    """A header of the answer being built: the returned answer's, else the response's."""
    if answer is not None:
        value = answer.get_header(name)
        if value is not None:
            return value
    return response.get_header(name)


def _answer(answer: HTTPResponse | None, body: Any) -> Any:
    """The result to return: the body, or an answer carrying it (its status kept; its
    headers were applied to the response)."""
    return body if answer is None else HTTPResponse(body, answer.status_code)


def _weaken_etag(response: Response) -> None:
    etag = response.get_header("ETag")
    if etag is not None and etag.startswith('"'):
        # NOTE: RFC 9110 §8.8.1: the coded body is another representation; a strong
        # validator would claim byte equality with the identity's.
        response.set_header("ETag", "W/" + etag)


def _add_vary(response: Response) -> None:
    vary = response.get_header("Vary")
    if vary is None:
        response.set_header("Vary", "Accept-Encoding")
        return
    tokens = {token.strip().lower() for token in vary.split(",")}
    if "accept-encoding" not in tokens and "*" not in tokens:
        response.set_header("Vary", f"{vary}, Accept-Encoding")


def _closer(chunks: Iterator[bytes], handle: Any) -> Callable[[], None]:
    """Close the reading generator and the file (a generator never started has no
    ``finally`` to run)."""

    def close() -> None:
        close_chunks = getattr(chunks, "close", None)
        if callable(close_chunks):
            close_chunks()
        close_handle = getattr(handle, "close", None)
        if callable(close_handle) and not getattr(handle, "closed", False):
            close_handle()

    return close


def _json_results(ctx: RequestContext) -> bool:
    """Whether the app's finish turns dict/list/dataclass results into JSON."""
    app = ctx.app
    # NOTE: the finish's own switch, so that the body is the one the finish would send.
    return app is not None and app._json_results
