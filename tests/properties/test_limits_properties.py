"""The body readers: fed whole, byte by byte and in random chunks, the result is the same."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from lcore import ClientError
from lcore.limits import BoundedInput, read_body


class ChunkedStream(io.BytesIO):
    """A ``wsgi.input`` whose ``read()`` returns pieces of the given sizes, in turn, and
    counts the bytes it hands out."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        super().__init__(data)
        self.sizes = sizes or [1]
        self.turn = 0
        self.total = 0

    def read(self, size: int | None = -1) -> bytes:
        piece = self.sizes[self.turn % len(self.sizes)]
        self.turn += 1
        if size is not None and size >= 0:
            piece = min(piece, size)
        data = super().read(piece)
        self.total += len(data)
        return data


def whole(data: bytes) -> ChunkedStream:
    return ChunkedStream(data, [len(data) + 1])


def byte_by_byte(data: bytes) -> ChunkedStream:
    return ChunkedStream(data, [1])


Outcome = tuple[str, Any]


def outcome(read: Callable[[], bytes]) -> Outcome:
    try:
        return ("ok", read())
    except ClientError as error:
        return ("error", (error.status, error.type))


def feeds(data: bytes, sizes: list[int]) -> list[ChunkedStream]:
    return [whole(data), byte_by_byte(data), ChunkedStream(data, sizes)]


sizes_strategy = st.lists(st.integers(min_value=1, max_value=64), min_size=1, max_size=20)


def encode_chunked(body: bytes, cuts: list[int], extensions: bool) -> bytes:
    out = io.BytesIO()
    pos = 0
    for cut in [*cuts, len(body)]:
        end = min(max(cut, pos), len(body))
        if end > pos:
            ext = b";x=1" if extensions else b""
            out.write(b"%x%s\r\n%s\r\n" % (end - pos, ext, body[pos:end]))
            pos = end
    out.write(b"0\r\n\r\n")
    return out.getvalue()


@given(st.binary(max_size=500), st.integers(min_value=-1, max_value=600), sizes_strategy)
@example(b"abc", 10, [1])
@example(b"abcdef", 3, [2])
def test_content_length_body_is_the_same_however_it_arrives(
    data: bytes, length: int, sizes: list[int]
) -> None:
    results = {
        repr(outcome(lambda s=stream: read_body(s, length, False, False, 10_000)))
        for stream in feeds(data, sizes)
    }
    assert len(results) == 1
    expected: Outcome
    if length <= 0:
        expected = ("ok", b"")
    elif length > len(data):
        expected = ("error", (400, "body_truncated"))
    else:
        expected = ("ok", data[:length])
    assert results == {repr(expected)}


@given(st.binary(max_size=300), st.integers(min_value=1, max_value=400), sizes_strategy)
def test_limit_is_enforced_however_the_body_arrives(
    data: bytes, limit: int, sizes: list[int]
) -> None:
    for terminated_length in (len(data), -1):
        for stream in feeds(data, sizes):
            got = outcome(lambda s=stream: read_body(s, terminated_length, False, True, limit))
            if len(data) > limit:
                assert got == ("error", (413, "body_too_large"))
            else:
                assert got == ("ok", data)


@given(
    st.binary(max_size=600),
    st.integers(min_value=-1, max_value=700),
    st.booleans(),
    st.integers(min_value=1, max_value=400),
    sizes_strategy,
)
def test_read_never_exceeds_the_limit_plus_one(
    data: bytes, length: int, terminated: bool, limit: int, sizes: list[int]
) -> None:
    for stream in feeds(data, sizes):
        outcome(lambda s=stream: read_body(s, length, False, terminated, limit))
        assert stream.total <= limit + 1
        if length >= 0:
            assert stream.total <= length


@given(
    st.binary(max_size=600),
    st.lists(st.integers(min_value=0, max_value=600), max_size=20).map(sorted),
    st.booleans(),
    st.integers(min_value=0, max_value=400),
    sizes_strategy,
)
def test_chunked_read_never_exceeds_the_limit_plus_one_past_the_framing(
    body: bytes, cuts: list[int], extensions: bool, limit: int, sizes: list[int]
) -> None:
    raw = encode_chunked(body, cuts, extensions)
    framing = len(raw) - len(body)
    for stream in feeds(raw + b"trailing bytes", sizes):
        outcome(lambda s=stream: read_body(s, -1, True, False, limit))
        assert stream.total <= limit + 1 + framing


@given(
    st.binary(max_size=400),
    st.lists(st.integers(min_value=0, max_value=400), max_size=10).map(sorted),
    st.booleans(),
    sizes_strategy,
)
def test_chunked_round_trip_however_it_arrives(
    body: bytes, cuts: list[int], extensions: bool, sizes: list[int]
) -> None:
    raw = encode_chunked(body, cuts, extensions)
    for stream in feeds(raw, sizes):
        assert read_body(stream, -1, True, False, 10_000) == body


@given(st.binary(max_size=400), st.integers(min_value=0, max_value=400), sizes_strategy)
def test_chunked_limit_however_it_arrives(body: bytes, limit: int, sizes: list[int]) -> None:
    raw = encode_chunked(body, [7, 50, 51, 200], False)
    for stream in feeds(raw, sizes):
        got = outcome(lambda s=stream: read_body(s, -1, True, False, limit))
        if len(body) > limit:
            assert got == ("error", (413, "body_too_large"))
        else:
            assert got == ("ok", body)


chunk_noise = st.lists(
    st.sampled_from(
        [b"0", b"1", b"a", b"F", b"10", b";", b"\r\n", b"\r", b"\n", b"x", b" ", b"ab"]
    ),
    max_size=40,
).map(b"".join)


@given(st.one_of(st.binary(max_size=200), chunk_noise), sizes_strategy)
@example(b"3\r\nab", [1])
@example(b"zz\r\n", [2])
def test_chunked_garbage_gives_the_same_answer_however_it_arrives(
    raw: bytes, sizes: list[int]
) -> None:
    results = {
        repr(outcome(lambda s=stream: read_body(s, -1, True, False, 100)))
        for stream in feeds(raw, sizes)
    }
    assert len(results) == 1
    kind, value = outcome(lambda: read_body(io.BytesIO(raw), -1, True, False, 100))
    if kind == "error":
        assert value in ((400, "chunked_invalid"), (413, "body_too_large"))


@given(st.binary(max_size=300), st.integers(min_value=0, max_value=300), sizes_strategy, st.data())
def test_bounded_input_partial_reads_add_up(
    data: bytes, length: int, sizes: list[int], draw: st.DataObject
) -> None:
    length = min(length, len(data))
    reader = BoundedInput(ChunkedStream(data, sizes), length, 10_000)
    pieces = []
    while True:
        size = draw.draw(st.sampled_from([-1, 0]) | st.integers(min_value=1, max_value=50))
        piece = reader.read(size)
        if size > 0:
            assert len(piece) <= size
        if size == 0:
            assert piece == b""
            continue
        if not piece:
            break
        pieces.append(piece)
        if size < 0:
            assert reader.read() == b""
            break
    assert b"".join(pieces) == data[:length]


class FailingStream(ChunkedStream):
    """A ``ChunkedStream`` that raises ``error`` once ``fail_at`` bytes have been handed out."""

    def __init__(self, data: bytes, sizes: list[int], fail_at: int, error: OSError) -> None:
        super().__init__(data, sizes)
        self.fail_at = fail_at
        self.error = error

    def read(self, size: int | None = -1) -> bytes:
        if self.total >= self.fail_at:
            raise self.error
        return super().read(size)


@given(
    st.binary(max_size=300),
    st.integers(min_value=0, max_value=400),
    st.sampled_from(["content-length", "terminated", "chunked"]),
    st.sampled_from([ConnectionResetError(), TimeoutError(), BrokenPipeError(), OSError()]),
    sizes_strategy,
)
def test_a_failing_stream_is_a_client_error_never_an_os_error(
    body: bytes, fail_at: int, framing: str, error: OSError, sizes: list[int]
) -> None:
    raw = encode_chunked(body, [10, 100], False) if framing == "chunked" else body
    length = len(body) if framing == "content-length" else -1
    stream = FailingStream(raw, sizes, fail_at, error)
    got = outcome(
        lambda: read_body(stream, length, framing == "chunked", framing == "terminated", 200)
    )
    if got[0] == "ok":
        assert got[1] == body
    elif len(body) <= 200:
        assert got[1] == (400, "client_disconnected")
    else:
        assert got[1] in ((400, "client_disconnected"), (413, "body_too_large"))
