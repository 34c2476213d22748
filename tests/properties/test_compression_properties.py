"""CompressionMiddleware: the Accept-Encoding parser never raises and reads back what was
written, the choice matches a brute-force reference, and every body (whole, streamed in
any chunks, over the stream threshold or not) decompresses to what lcore sends without
the middleware."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator

from hypothesis import example, given
from hypothesis import strategies as st

from lcore import CompressionMiddleware, Lcore, TestClient
from lcore.middleware.compression import (
    CompressedChunks,
    choose_encoding,
    parse_accept_encoding,
)

AVAILABLE = ("zstd", "br", "gzip")

any_text = st.one_of(
    st.text(st.characters(max_codepoint=255)),
    st.text(),
    st.lists(st.sampled_from(list("gzipbrstdxy*;,=q. \t01-"))).map("".join),
)

codings = st.one_of(
    st.sampled_from(["gzip", "x-gzip", "br", "zstd", "deflate", "identity", "*", "compress"]),
    st.from_regex(r"[a-z0-9!#$%&'*+.^_`|~-]{1,8}", fullmatch=True),
)
qvalues = st.one_of(
    st.integers(0, 1000).map(lambda n: (n / 1000, f"{n // 1000}.{n % 1000:03d}")),
    st.sampled_from([(1.0, "1"), (0.0, "0"), (0.5, "0.5"), (1.0, "1."), (0.0, "0.")]),
)
spaces = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def accept_encodings(draw: st.DrawFn) -> tuple[str, dict[str, float]]:
    """A well-formed header, randomly spaced and cased, and what it says."""
    parts: list[str] = []
    expected: dict[str, float] = {}
    for coding in draw(st.lists(codings, max_size=6)):
        written = "".join(char.upper() if draw(st.booleans()) else char for char in coding)
        quality = 1.0
        part = written
        if draw(st.booleans()):
            quality, text = draw(qvalues)
            q = "Q" if draw(st.booleans()) else "q"
            part += f"{draw(spaces)};{draw(spaces)}{q}={text}"
        parts.append(f"{draw(spaces)}{part}{draw(spaces)}")
        expected.setdefault("gzip" if coding == "x-gzip" else coding, quality)
    return ",".join(parts), expected


@given(any_text)
@example("gzip;q=0.5;q=1")
@example(";;,, ,")
def test_parse_never_raises_and_gives_q_values(header: str) -> None:
    parsed = parse_accept_encoding(header)
    for coding, quality in parsed.items():
        assert coding == coding.lower()
        assert coding.strip() == coding != ""
        assert 0.0 <= quality <= 1.0


@given(accept_encodings())
def test_parse_reads_back_what_was_written(case: tuple[str, dict[str, float]]) -> None:
    header, expected = case
    assert parse_accept_encoding(header) == expected


def reference_choice(codings: dict[str, float], available: tuple[str, ...]) -> str | None:
    """The choice, spelled out the long way."""
    star = codings.get("*", 0.0)
    ranked = [(codings.get(name, star), -index, name) for index, name in enumerate(available)]
    quality, _, best = max(ranked)
    if quality <= 0:
        return None
    identity = codings.get("identity")
    if identity is not None and identity > quality:
        return None
    return best


@given(
    st.one_of(accept_encodings().map(lambda case: case[0]), any_text), st.permutations(AVAILABLE)
)
def test_the_choice_matches_the_reference(header: str, available: list[str]) -> None:
    parsed = parse_accept_encoding(header)
    chosen = choose_encoding(parsed, tuple(available))
    assert chosen == reference_choice(parsed, tuple(available))
    if chosen is not None:
        assert parsed.get(chosen, parsed.get("*", 0.0)) > 0
    mw = CompressionMiddleware()
    assert mw.choose(header) == mw.choose(header) == choose_encoding(parsed, mw.encodings)


chunk_lists = st.lists(
    st.one_of(st.binary(max_size=300), st.text(max_size=100).map(lambda t: t * 3)), max_size=12
)


@given(chunk_lists, st.integers(0, 600), st.integers(0, 2000))
def test_compressed_bodies_decompress_to_the_plain_answer(
    chunks: list[bytes | str], min_size: int, threshold: int
) -> None:
    app = Lcore()
    app.use(CompressionMiddleware(min_size=min_size, stream_threshold=threshold), routes=r"/c")

    def stream() -> Iterator[bytes | str]:
        yield from chunks

    def whole() -> bytes:
        return b"".join(c.encode() if isinstance(c, str) else c for c in chunks)

    for prefix in ("/c", "/p"):
        app.get(f"{prefix}/stream")(stream)
        app.get(f"{prefix}/whole")(whole)
    client = TestClient(app)
    for kind in ("stream", "whole"):
        plain = client.get(f"/p/{kind}", headers={"Accept-Encoding": "gzip"})
        reply = client.get(f"/c/{kind}", headers={"Accept-Encoding": "gzip"})
        assert reply.status_code == plain.status_code
        if reply.headers.get("Content-Encoding") == "gzip":
            assert gzip.decompress(reply.body) == plain.body
            if "Content-Length" in reply.headers:
                assert int(reply.headers["Content-Length"]) == len(reply.body)
        else:
            assert reply.body == plain.body


@given(st.lists(st.binary(max_size=500), max_size=10), st.integers(1, 9))
def test_each_chunk_is_flushed(chunks: list[bytes], level: int) -> None:
    """Byte for byte, what the client can decompress after each compressed chunk is all
    the body sent so far: a streamed answer is never held back."""
    mw = CompressionMiddleware(level=level)
    body = CompressedChunks(iter(chunks), None, mw.compressor("gzip"))
    decompressor = zlib.decompressobj(31)
    sent = b""
    received = b""
    pending = [chunk for chunk in chunks if chunk]
    for out in body:
        received += decompressor.decompress(out)
        if pending:
            sent += pending.pop(0)
        assert received == sent
    assert decompressor.eof
    assert received == b"".join(chunks)
