"""CompressionMiddleware: gzip (brotli, zstd) round trips whole and streamed, every case
it never compresses, the q-value choice, HEAD, error answers, ETags and Vary, and a large
streamed body through a real wsgiref server."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import io
import sys
import threading
import time
import types
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lcore import (
    CompressionMiddleware,
    HTTPResponse,
    Lcore,
    Middleware,
    TestClient,
    abort,
    response,
)
from lcore.context import RequestContext
from lcore.middleware.base import NextHandler
from lcore.middleware.compression import (
    DEFAULT_COMPRESSIBLE_TYPES,
    CompressedChunks,
    choose_encoding,
    parse_accept_encoding,
)
from lcore.servers import WSGIRefServer

TEXT = "lcore compresses this line of text.\n" * 40  # 1440 bytes
GZIP = {"Accept-Encoding": "gzip"}


@dataclass
class Book:
    title: str
    pages: int


def make_app(**options: Any) -> tuple[Lcore, list[str]]:
    """An app with the middleware and one route per kind of result; the list records
    which streamed bodies were closed."""
    app = Lcore()
    app.use(CompressionMiddleware(**options))
    closed: list[str] = []

    @app.get("/text")
    def text() -> str:
        return TEXT

    @app.get("/bytes")
    def raw() -> bytes:
        response.content_type = "text/plain"
        return TEXT.encode()

    @app.get("/json")
    def json_list() -> list[dict[str, Any]]:
        return [{"id": n, "name": f"item {n}"} for n in range(60)]

    @app.get("/book")
    def book() -> Book:
        return Book("x" * 400, 3)

    @app.get("/answer")
    def answer() -> HTTPResponse:
        return HTTPResponse(TEXT, 201, {"X-Kind": "answer", "Content-Type": "text/plain"})

    @app.get("/stream")
    def stream() -> Iterator[str]:
        try:
            for n in range(50):
                yield f"chunk {n} " * 20
        finally:
            closed.append("stream")

    @app.get("/file")
    def file() -> io.BytesIO:
        response.content_type = "text/plain"
        handle = io.BytesIO(TEXT.encode())
        original = handle.close

        def close() -> None:
            closed.append("file")
            original()

        handle.close = close  # type: ignore[method-assign]  # record the close
        return handle

    @app.get("/small")
    def small() -> str:
        return "short"

    return app, closed


def decode(encoding: str | None, body: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        import brotli  # type: ignore[import-untyped]  # optional, untyped

        return brotli.decompress(body)  # type: ignore[no-any-return]  # untyped
    assert encoding is None
    return body


def test_declares_name_order_phase_and_defaults() -> None:
    mw = CompressionMiddleware()
    assert (mw.name, mw.order, mw.phase) == ("compression", 90, "post")
    assert (mw.min_size, mw.level, mw.stream_threshold) == (256, 6, 256 * 1024)
    assert mw.content_types == DEFAULT_COMPRESSIBLE_TYPES
    assert mw.encodings[-1] == "gzip"


@pytest.mark.parametrize("options", [{"level": 0}, {"level": 10}, {"min_size": -1}])
def test_bad_options_are_refused(options: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="level|negative"):
        CompressionMiddleware(**options)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/text", TEXT.encode()),
        ("/bytes", TEXT.encode()),
        ("/answer", TEXT.encode()),
        ("/json", None),
        ("/book", None),
    ],
)
def test_whole_bodies_round_trip_with_gzip(path: str, expected: bytes | None) -> None:
    app, _ = make_app()
    client = TestClient(app)
    plain = client.get(path)
    reply = client.get(path, headers=GZIP)
    assert reply.status_code == plain.status_code
    assert reply.headers["Content-Encoding"] == "gzip"
    assert reply.headers["Vary"] == "Accept-Encoding"
    assert reply.headers["Content-Type"] == plain.headers["Content-Type"]
    assert int(reply.headers["Content-Length"]) == len(reply.body) < len(plain.body)
    assert gzip.decompress(reply.body) == plain.body
    if expected is not None:
        assert plain.body == expected


def test_a_returned_answer_keeps_its_status_and_headers() -> None:
    app, _ = make_app()
    reply = TestClient(app).get("/answer", headers=GZIP)
    assert reply.status_code == 201
    assert reply.headers["X-Kind"] == "answer"
    assert reply.headers["Content-Type"] == "text/plain"


@pytest.mark.parametrize("path", ["/stream", "/file"])
def test_streamed_bodies_are_compressed_without_content_length(path: str) -> None:
    app, closed = make_app()
    client = TestClient(app)
    plain = client.get(path)
    closed.clear()
    reply = client.get(path, headers=GZIP)
    assert reply.headers["Content-Encoding"] == "gzip"
    assert "Content-Length" not in reply.headers
    assert gzip.decompress(reply.body) == plain.body
    assert closed == [path.strip("/")]


def test_a_large_whole_body_is_streamed() -> None:
    app, _ = make_app(stream_threshold=1000)
    reply = TestClient(app).get("/text", headers=GZIP)
    assert reply.headers["Content-Encoding"] == "gzip"
    assert "Content-Length" not in reply.headers
    assert gzip.decompress(reply.body) == TEXT.encode()


def test_streamed_chunks_are_flushed_as_they_come() -> None:
    """Each chunk decompresses as soon as it is sent: a client sees data as it streams."""
    mw = CompressionMiddleware()
    body = CompressedChunks(iter([b"first " * 50, b"second " * 50]), None, mw.compressor("gzip"))
    decompressor = zlib.decompressobj(31)
    assert decompressor.decompress(next(body)) == b"first " * 50
    assert decompressor.decompress(next(body)) == b"second " * 50
    assert decompressor.decompress(next(body)) == b""
    assert decompressor.eof
    with pytest.raises(StopIteration):
        next(body)


def test_closing_an_unfinished_stream_closes_the_handler_s_generator() -> None:
    closed: list[bool] = []

    def chunks() -> Iterator[bytes]:
        try:
            yield b"a" * 100
            yield b"b" * 100
        finally:
            closed.append(True)

    generator = chunks()
    body = CompressedChunks(generator, generator.close, CompressionMiddleware().compressor("gzip"))
    next(body)
    body.close()
    body.close()
    assert closed == [True]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", "gzip"),
        ("GZIP", "gzip"),
        ("x-gzip", "gzip"),
        ("gzip;q=0", None),
        ("gzip;q=0.000", None),
        ("*", "zstd"),
        ("gzip, *;q=0.5", "gzip"),
        ("*;q=0", None),
        ("*;q=0, identity", None),
        ("identity", None),
        ("", None),
        ("deflate", None),
        ("gzip;q=0.5, identity", None),
        ("gzip;q=0.5, identity;q=0.5", "gzip"),
        ("gzip, identity;q=0", "gzip"),
        ("  gzip ;  q=0.8 , br;q=0.9", "br"),
        ("br;q=0.5, gzip", "gzip"),
        ("br, gzip", "br"),
        ("gzip, br", "br"),
        ("zstd, br, gzip", "zstd"),
        ("zstd;q=0.1, br;q=0.2, gzip;q=0.3", "gzip"),
        ("*;q=0.5, gzip;q=0", "zstd"),
        ("gzip;q=2", None),
        ("gzip;q=abc", None),
        ("gzip;q=", None),
        ("gzip;q", None),
        ("gz ip, br", "br"),
        ("gzip;level=9", "gzip"),
        ("gzip;q=0, gzip", None),
        (",,;, gzip;;", "gzip"),
    ],
)
def test_the_coding_follows_the_q_values(header: str, expected: str | None) -> None:
    assert choose_encoding(parse_accept_encoding(header), ("zstd", "br", "gzip")) == expected


def test_parse_gives_each_coding_and_its_q_value() -> None:
    parsed = parse_accept_encoding("gzip;q=0.8, BR, *;Q=0.1, identity;q=0, bad coding;q=1")
    assert parsed == {"gzip": 0.8, "br": 1.0, "*": 0.1, "identity": 0.0}


def test_the_choice_of_a_header_is_remembered() -> None:
    mw = CompressionMiddleware()
    assert mw.choose("gzip;q=0") is None
    assert mw.choose("gzip;q=0") is None
    for n in range(200):
        assert mw.choose(f"gzip;q=0.{n % 10}, x{n}") == ("gzip" if n % 10 else None)


def never_app(**options: Any) -> Lcore:
    app = Lcore()
    app.use(CompressionMiddleware(**options))

    @app.get("/png")
    def png() -> bytes:
        response.content_type = "image/png"
        return b"\x89PNG" + b"\0" * 1000

    @app.get("/svg")
    def svg() -> str:
        response.content_type = "image/svg+xml"
        return "<svg>" + " " * 1000 + "</svg>"

    @app.get("/zip")
    def archive() -> bytes:
        response.content_type = "application/zip"
        return b"PK" + b"\0" * 1000

    @app.get("/octets")
    def octets() -> bytes:
        response.content_type = "application/octet-stream"
        return b"\0" * 1000

    @app.get("/encoded")
    def encoded() -> bytes:
        response.set_header("Content-Encoding", "gzip")
        response.content_type = "text/plain"
        return gzip.compress(TEXT.encode())

    @app.get("/no-transform")
    def no_transform() -> str:
        response.set_header("Cache-Control", "public, No-Transform")
        return TEXT

    @app.get("/partial")
    def partial() -> str:
        response.status = 206
        response.set_header("Content-Range", f"bytes 0-{len(TEXT) - 1}/5000")
        return TEXT

    @app.get("/not-modified")
    def not_modified() -> HTTPResponse:
        return HTTPResponse("", 304)

    @app.get("/empty")
    def empty() -> HTTPResponse:
        return HTTPResponse(TEXT, 204)

    @app.get("/small")
    def small() -> str:
        return "x" * 255

    @app.get("/text")
    def text() -> str:
        return TEXT

    return app


@pytest.mark.parametrize(
    ("path", "vary"),
    [
        ("/png", False),
        ("/zip", False),
        ("/octets", False),
        ("/encoded", False),
        ("/no-transform", False),
        ("/partial", False),
        ("/not-modified", False),
        ("/empty", False),
        ("/small", False),
    ],
)
def test_never_compresses(path: str, vary: bool) -> None:
    client = TestClient(never_app())
    plain = client.get(path)
    reply = client.get(path, headers={"Accept-Encoding": "gzip, br, zstd"})
    assert reply.status_code == plain.status_code
    assert reply.body == plain.body
    assert reply.headers.get("Content-Encoding") == plain.headers.get("Content-Encoding")
    assert ("Vary" in reply.headers) is vary


def test_even_when_every_type_is_asked_for_compressed_types_are_left_alone() -> None:
    client = TestClient(never_app(content_types=[""]))
    assert "Content-Encoding" not in client.get("/png", headers=GZIP).headers
    assert client.get("/octets", headers=GZIP).headers["Content-Encoding"] == "gzip"
    assert client.get("/svg", headers=GZIP).headers["Content-Encoding"] == "gzip"


def test_content_types_choose_what_is_compressed() -> None:
    client = TestClient(never_app(content_types=["IMAGE/SVG"]))
    assert client.get("/svg", headers=GZIP).headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in client.get("/text", headers=GZIP).headers


def test_min_size_is_the_smallest_body_compressed() -> None:
    client = TestClient(never_app(min_size=255))
    assert client.get("/small", headers=GZIP).headers["Content-Encoding"] == "gzip"


@pytest.mark.parametrize("header", [None, "identity", "gzip;q=0", "deflate"])
def test_an_uncompressed_answer_that_could_have_been_says_vary(header: str | None) -> None:
    client = TestClient(never_app())
    reply = client.get("/text", headers={} if header is None else {"Accept-Encoding": header})
    assert "Content-Encoding" not in reply.headers
    assert reply.headers["Vary"] == "Accept-Encoding"
    assert reply.body == TEXT.encode()


def test_head_is_never_compressed_but_says_vary() -> None:
    app, closed = make_app()
    client = TestClient(app)
    for path in ("/text", "/stream"):
        reply = client.head(path, headers=GZIP)
        assert reply.body == b""
        assert "Content-Encoding" not in reply.headers
        assert reply.headers["Vary"] == "Accept-Encoding"
    assert int(client.head("/text", headers=GZIP).headers["Content-Length"]) == len(TEXT)
    assert closed == ["stream"]


def test_never_compresses_twice() -> None:
    app, _ = make_app()
    app.use(CompressionMiddleware(), order=80)
    app.use(CompressionMiddleware(), order=95)
    for path in ("/text", "/stream"):
        reply = TestClient(app).get(path, headers=GZIP)
        assert reply.headers.getall("Content-Encoding") == ["gzip"]
        assert reply.headers.getall("Vary") == ["Accept-Encoding"]
        assert gzip.decompress(reply.body).startswith((TEXT[:10].encode(), b"chunk 0"))


@pytest.mark.parametrize(
    ("etag", "expected"), [('"v1"', 'W/"v1"'), ('W/"v1"', 'W/"v1"'), (None, None)]
)
def test_a_strong_etag_becomes_weak_when_the_body_is_compressed(
    etag: str | None, expected: str | None
) -> None:
    app = Lcore()
    app.use(CompressionMiddleware())

    @app.get("/")
    def page() -> str:
        if etag is not None:
            response.set_header("ETag", etag)
        return TEXT

    client = TestClient(app)
    assert client.get("/", headers=GZIP).headers.get("ETag") == expected
    assert client.get("/").headers.get("ETag") == etag


def test_vary_adds_to_the_existing_value() -> None:
    app = Lcore()
    app.use(CompressionMiddleware())

    @app.get("/")
    def page() -> str:
        response.set_header("Vary", "Origin")
        return TEXT

    @app.get("/both")
    def both() -> str:
        response.set_header("Vary", "accept-encoding, Origin")
        return TEXT

    client = TestClient(app)
    assert client.get("/", headers=GZIP).headers["Vary"] == "Origin, Accept-Encoding"
    assert client.get("/both", headers=GZIP).headers["Vary"] == "accept-encoding, Origin"


def test_error_answers_and_a_large_returned_one_are_compressed() -> None:
    app = Lcore()
    app.use(CompressionMiddleware())

    @app.get("/missing")
    def missing() -> str:
        abort(404, "x" * 1000)

    @app.get("/broken")
    def broken() -> str:
        raise RuntimeError("boom")

    @app.get("/gone")
    def gone() -> HTTPResponse:
        return HTTPResponse(TEXT, 410)

    @app.get("/typed/<n:int>")
    def typed(n: int) -> str:
        return TEXT

    client = TestClient(app)
    for path, status in (("/missing", 404), ("/broken", 500), ("/nowhere", 404), ("/typed/x", 404)):
        plain = client.get(path)
        reply = client.get(path, headers=GZIP)
        assert reply.status_code == plain.status_code == status
        assert gzip.decompress(reply.body) == plain.body
    reply = client.get("/gone", headers=GZIP)
    assert reply.status_code == 410
    assert gzip.decompress(reply.body) == TEXT.encode()


def test_a_post_middleware_s_result_is_compressed_too() -> None:
    class Replace(Middleware):
        order = 95

        def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
            next_handler(ctx)
            return {"replaced": "y" * 500}

    app = Lcore()
    app.use(CompressionMiddleware())
    app.use(Replace())
    app.get("/")(lambda: "original")
    reply = TestClient(app).get("/", headers=GZIP)
    assert reply.headers["Content-Type"] == "application/json"
    assert gzip.decompress(reply.body) == b'{"replaced":"' + b"y" * 500 + b'"}'


def test_a_route_can_skip_it() -> None:
    app = Lcore()
    app.use(CompressionMiddleware())
    app.route("/raw", skip=["compression"])(lambda: TEXT)
    reply = TestClient(app).get("/raw", headers=GZIP)
    assert "Content-Encoding" not in reply.headers
    assert "Vary" not in reply.headers


def test_brotli_round_trips_whole_and_streamed() -> None:
    pytest.importorskip("brotli", reason="the optional brotli package is not installed")
    app, _ = make_app()
    client = TestClient(app)
    for path in ("/text", "/json", "/stream"):
        plain = client.get(path)
        reply = client.get(path, headers={"Accept-Encoding": "gzip, br"})
        assert reply.headers["Content-Encoding"] == "br"
        assert decode("br", reply.body) == plain.body


class FakeZstdCompressor:
    """The shape of Python 3.14's ``compression.zstd.ZstdCompressor``, on raw deflate."""

    CONTINUE = 0
    FLUSH_BLOCK = 1
    FLUSH_FRAME = 2

    def __init__(self, level: int) -> None:
        self.level = level
        self._zobj = zlib.compressobj(level, zlib.DEFLATED, -15)

    def compress(self, data: bytes, mode: int = CONTINUE) -> bytes:
        out = self._zobj.compress(data)
        if mode == self.FLUSH_BLOCK:
            out += self._zobj.flush(zlib.Z_SYNC_FLUSH)
        return out

    def flush(self, mode: int = FLUSH_FRAME) -> bytes:
        assert mode == self.FLUSH_FRAME
        return self._zobj.flush()


@pytest.fixture
def fake_zstd(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.14's ``compression.zstd`` faked (this interpreter may lack it)."""
    package = types.ModuleType("compression")
    module = types.ModuleType("compression.zstd")
    module.ZstdCompressor = FakeZstdCompressor  # type: ignore[attr-defined]  # the fake's shape
    package.zstd = module  # type: ignore[attr-defined]  # as the import system sets it
    monkeypatch.setitem(sys.modules, "compression", package)
    monkeypatch.setitem(sys.modules, "compression.zstd", module)


@pytest.mark.usefixtures("fake_zstd")
def test_zstd_is_preferred_when_the_interpreter_has_it() -> None:
    encodings = CompressionMiddleware().encodings
    assert (encodings[0], encodings[-1]) == ("zstd", "gzip")
    app, _ = make_app(level=3)
    client = TestClient(app)
    for path in ("/text", "/stream"):
        plain = client.get(path)
        reply = client.get(path, headers={"Accept-Encoding": "gzip, br, zstd"})
        assert reply.headers["Content-Encoding"] == "zstd"
        assert zlib.decompress(reply.body, -15) == plain.body


@pytest.mark.skipif(
    sys.version_info < (3, 14), reason="compression.zstd is in the standard library from 3.14"
)
def test_zstd_round_trips_with_the_real_module() -> None:  # pragma: no cover - 3.14 only
    from compression import zstd  # type: ignore[import-not-found,unused-ignore]  # 3.14

    app, _ = make_app()
    client = TestClient(app)
    for path in ("/text", "/stream"):
        plain = client.get(path)
        reply = client.get(path, headers={"Accept-Encoding": "zstd"})
        assert reply.headers["Content-Encoding"] == "zstd"
        assert zstd.decompress(reply.body) == plain.body


@contextlib.contextmanager
def wsgiref_serving(app: Lcore) -> Iterator[int]:
    """Serve ``app`` with wsgiref in a thread until the block ends; yields the port."""
    adapter = WSGIRefServer("127.0.0.1", 0)
    adapter.quiet = True
    thread = threading.Thread(target=adapter.run, args=(app,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not adapter.is_bound:
        assert time.monotonic() < deadline, "wsgiref never listened"
        time.sleep(0.01)
    try:
        yield adapter.port
    finally:
        adapter.shutdown()
        thread.join(10)


def test_a_large_streamed_body_through_wsgiref() -> None:
    app = Lcore()
    app.use(CompressionMiddleware())
    closed: list[bool] = []
    line = "".join(chr(ord("a") + n % 26) for n in range(1000)) + "\n"

    @app.get("/big")
    def big() -> Iterator[str]:
        try:
            for n in range(4000):  # about 4 MB
                yield f"{n:05d} {line}"
        finally:
            closed.append(True)

    with wsgiref_serving(app) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/big", headers=GZIP)
        reply = connection.getresponse()
        assert reply.status == 200
        assert reply.getheader("Content-Encoding") == "gzip"
        assert reply.getheader("Content-Length") is None
        body = reply.read()
        connection.close()
    expected = "".join(f"{n:05d} {line}" for n in range(4000)).encode()
    assert len(body) < len(expected) // 10
    assert gzip.decompress(body) == expected
    assert closed == [True]


def test_a_returned_answer_s_etag_and_vary_are_kept_and_adjusted() -> None:
    app = Lcore()
    app.use(CompressionMiddleware())

    @app.get("/")
    def page() -> HTTPResponse:
        return HTTPResponse(TEXT, 200, {"ETag": '"abc"', "Vary": "Cookie"})

    reply = TestClient(app).get("/", headers=GZIP)
    assert reply.headers["ETag"] == 'W/"abc"'
    assert reply.headers["Vary"] == "Cookie, Accept-Encoding"
    assert gzip.decompress(reply.body) == TEXT.encode()


def test_a_mounted_wsgi_app_s_answer_is_compressed_as_a_stream() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield TEXT.encode()
            yield TEXT.encode()

        def close(self) -> None:
            closed.append(True)

    def legacy(environ: dict[str, Any], start_response: Any) -> Body:
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(2 * len(TEXT)))]
        )
        return Body()

    app = Lcore()
    app.use(CompressionMiddleware())
    app.mount("/legacy", legacy)
    reply = TestClient(app).get("/legacy/page", headers=GZIP)
    assert reply.headers["Content-Encoding"] == "gzip"
    assert "Content-Length" not in reply.headers
    assert gzip.decompress(reply.body) == 2 * TEXT.encode()
    assert closed == [True]


def test_a_body_the_finish_refuses_is_left_to_it() -> None:
    app = Lcore()
    app.use(CompressionMiddleware())
    app.get("/number")(lambda: 42)
    plain = Lcore()
    plain.get("/number")(lambda: 42)
    reply = TestClient(app).get("/number", headers=GZIP)
    assert reply.status_code == TestClient(plain).get("/number").status_code == 500
