"""Limits and the bounded body readers."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pytest

from lcore import ClientError, Lcore, Limits
from lcore.limits import DEFAULT_LIMITS, BoundedInput, read_body
from tests.raw_wsgi import RecordingInput, Vanishing


class Trickle(io.BytesIO):
    """A stream that hands out at most ``step`` bytes per read and counts reads."""

    def __init__(self, data: bytes, step: int = 1) -> None:
        super().__init__(data)
        self.step = step
        self.requested: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.requested.append(-1 if size is None else size)
        if size is None or size < 0:
            size = self.step
        return super().read(min(size, self.step))


def check_error(info: pytest.ExceptionInfo[ClientError], status: int, error_type: str) -> None:
    assert (info.value.status, info.value.type) == (status, error_type)
    assert info.value.detail[0]["loc"] == ["body"]


def test_limits_defaults_and_frozen() -> None:
    assert DEFAULT_LIMITS == Limits(max_body=10 * 1024 * 1024, max_fields=1000, max_json_depth=64)
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_LIMITS.max_body = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("request.max_body", "max_body"),
        ("request.max_fields", "max_fields"),
        ("request.max_json_depth", "max_json_depth"),
    ],
)
def test_limits_follow_config_keys(key: str, field: str) -> None:
    app = Lcore()
    app.config[key] = 7
    assert getattr(app.limits, field) == 7
    other = {f.name for f in dataclasses.fields(Limits)} - {field}
    for name in other:
        assert getattr(app.limits, name) == getattr(DEFAULT_LIMITS, name)
    for bad in (0, -1, "x", 1.5):
        with pytest.raises(ValueError, match=key):
            app.config[key] = bad
    assert getattr(app.limits, field) == 7


# -- BoundedInput --------------------------------------------------------------------------------


def test_bounded_input_stops_at_content_length() -> None:
    stream = io.BytesIO(b"abcdefgh")
    reader = BoundedInput(stream, 5, 100)
    assert reader.read(2) == b"ab"
    assert reader.read() == b"cde"
    assert reader.read() == b""
    assert reader.read(10) == b""
    assert stream.read() == b"fgh"


def test_bounded_input_read_zero() -> None:
    assert BoundedInput(io.BytesIO(b"abc"), 3, 100).read(0) == b""


def test_bounded_input_gathers_short_reads() -> None:
    stream = Trickle(b"abcdef", step=2)
    assert BoundedInput(stream, 6, 100).read() == b"abcdef"
    assert BoundedInput(Trickle(b"abcdef", 2), 6, 100).read(5) == b"abcde"


def test_bounded_input_announced_length_over_limit() -> None:
    with pytest.raises(ClientError) as info:
        BoundedInput(io.BytesIO(b""), 101, 100)
    check_error(info, 413, "body_too_large")
    assert "100 bytes (request.max_body)" in info.value.msg


def test_bounded_input_truncated() -> None:
    reader = BoundedInput(io.BytesIO(b"abc"), 10, 100)
    with pytest.raises(ClientError) as info:
        reader.read()
    check_error(info, 400, "body_truncated")


def test_bounded_input_unsized_reads_to_eof_within_limit() -> None:
    assert BoundedInput(Trickle(b"x" * 10, 3), -1, 10).read() == b"x" * 10
    with pytest.raises(ClientError) as info:
        BoundedInput(io.BytesIO(b"x" * 11), -1, 10).read()
    check_error(info, 413, "body_too_large")


@pytest.mark.parametrize("step", [None, 1, 7])
def test_bounded_input_unsized_reads_at_most_limit_plus_one(step: int | None) -> None:
    stream = RecordingInput(b"x" * 100_000, step)
    with pytest.raises(ClientError) as info:
        BoundedInput(stream, -1, 10).read()
    check_error(info, 413, "body_too_large")
    assert stream.total == 11
    assert all(0 < size <= 11 for size in stream.asked)
    # Asked for less at a time, the reader still stops one byte past the limit.
    stream = RecordingInput(b"x" * 100_000, step)
    reader = BoundedInput(stream, -1, 10)
    assert reader.read(4) == b"xxxx"
    with pytest.raises(ClientError):
        reader.read(100)
    assert stream.total == 11


def test_bounded_input_large_body_in_several_reads() -> None:
    data = bytes(range(256)) * 1000  # larger than one internal read
    stream = Trickle(data, step=100_000)
    assert BoundedInput(stream, len(data), len(data)).read() == data
    assert all(0 < size <= 64 * 1024 for size in stream.requested)


# -- chunked ---------------------------------------------------------------------------------------


def chunked(body: bytes, limit: int = 1000) -> bytes:
    return read_body(io.BytesIO(body), -1, True, False, limit)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"0\r\n\r\n", b""),
        (b"3\r\nabc\r\n0\r\n\r\n", b"abc"),
        (b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", b"abcde"),
        (b"A\r\n0123456789\r\n0\r\n\r\n", b"0123456789"),
        (b"a;name=value\r\n0123456789\r\n0\r\n\r\n", b"0123456789"),
        (b"3 \r\nabc\r\n0\r\n\r\n", b"abc"),
        (b"0003\r\nabc\r\n0\r\n", b"abc"),
        (b"3\r\na\r\n\r\n0\r\n\r\n", b"a\r\n"),
    ],
)
def test_chunked_valid(raw: bytes, expected: bytes) -> None:
    assert chunked(raw) == expected
    assert read_body(Trickle(raw, 1), -1, True, False, 1000) == expected


@pytest.mark.parametrize(
    "raw",
    [
        b"zz\r\nabc\r\n0\r\n\r\n",  # not hex
        b"\r\nabc\r\n0\r\n\r\n",  # empty size
        b"-3\r\nabc\r\n0\r\n\r\n",
        b"0x3\r\nabc\r\n0\r\n\r\n",
        b"1" * 17 + b"\r\n",  # too many digits
        b"3\r\nabcXY0\r\n\r\n",  # data not followed by CRLF
        b"3\r\nab",  # ends inside data
        b"3\r\nabc\r\n",  # ends before the last chunk
        b"3",  # ends inside the size line
        b"",
        b"1" * 2000,  # a size line that never ends
    ],
)
def test_chunked_malformed(raw: bytes) -> None:
    with pytest.raises(ClientError) as info:
        chunked(raw)
    check_error(info, 400, "chunked_invalid")


@pytest.mark.parametrize("limit", [1000, 100_000])
@pytest.mark.parametrize("step", [None, 1, 100])
def test_chunked_size_line_length_is_the_same_however_it_arrives(
    step: int | None, limit: int
) -> None:
    longest = b"5;" + b"x" * 1022  # 1024 bytes: the longest size line accepted
    raw = longest + b"\r\nabcde\r\n0\r\n\r\n"
    assert read_body(RecordingInput(raw, step), -1, True, False, limit) == b"abcde"
    # One byte longer is refused, also when its CRLF and data arrive in the same read.
    with pytest.raises(ClientError) as info:
        read_body(RecordingInput(b"5;x" + raw[2:], step), -1, True, False, limit)
    check_error(info, 400, "chunked_invalid")
    assert info.value.msg == "Chunk size line too long"


@pytest.mark.parametrize("step", [None, 1, 100])
def test_chunked_reads_no_data_past_the_limit(step: int | None) -> None:
    body = b"x" * 10_000
    raw = b"".join(b"10\r\n" + body[i : i + 16] + b"\r\n" for i in range(0, len(body), 16))
    stream = RecordingInput(raw, step)
    with pytest.raises(ClientError) as info:
        read_body(stream, -1, True, False, 100)
    check_error(info, 413, "body_too_large")
    # 6 chunks (96 bytes) fit; the 7th size line is refused. Framing: 4 + 2 bytes a chunk.
    assert stream.total <= 100 + 1 + 7 * 6
    assert max(stream.asked) <= 100 + 2
    # One huge chunk: refused from its size line, with no more than the limit read.
    stream = RecordingInput(b"ffff\r\n" + b"x" * 0xFFFF, step)
    with pytest.raises(ClientError):
        read_body(stream, -1, True, False, 100)
    assert stream.total <= 101


def test_chunked_over_limit() -> None:
    with pytest.raises(ClientError) as info:
        chunked(b"5\r\nabcde\r\n6\r\nfghijk\r\n0\r\n\r\n", limit=10)
    check_error(info, 413, "body_too_large")
    # A huge announced chunk is refused before any of it is read.
    with pytest.raises(ClientError) as info:
        chunked(b"ffffffffffffffff\r\n", limit=10)
    check_error(info, 413, "body_too_large")
    assert chunked(b"5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n", limit=10) == b"abcdefghij"


# -- read_body ----------------------------------------------------------------------------------


def test_read_body_dispatch() -> None:
    assert read_body(io.BytesIO(b"abc"), 3, False, False, 100) == b"abc"
    assert read_body(io.BytesIO(b"abc"), 0, False, False, 100) == b""
    assert read_body(io.BytesIO(b"abc"), -1, False, False, 100) == b""
    # A server that de-chunked the body (wsgi.input_terminated): read to EOF.
    assert read_body(io.BytesIO(b"abc"), -1, True, True, 100) == b"abc"
    assert read_body(io.BytesIO(b"abc"), -1, False, True, 100) == b"abc"
    # With a Content-Length, it wins even when the input is terminated.
    assert read_body(io.BytesIO(b"abcdef"), 2, False, True, 100) == b"ab"


# -- a client that goes away ----------------------------------------------------------------------


class NoMoreData(IOError):
    """Like the error gunicorn's body readers raise when the client stops sending."""


DISCONNECTS = [
    pytest.param(ConnectionResetError(104, "Connection reset by peer"), id="reset"),
    pytest.param(BrokenPipeError(32, "Broken pipe"), id="broken-pipe"),
    pytest.param(TimeoutError("timed out"), id="timeout"),  # socket.timeout is TimeoutError
    pytest.param(NoMoreData("No more data"), id="server-own-ioerror"),
    pytest.param(OSError("server-specific I/O error"), id="oserror"),
]
FRAMINGS = [
    pytest.param((5, False, False), id="small-content-length"),
    pytest.param((100_000, False, False), id="large-content-length"),
    pytest.param((-1, False, True), id="input-terminated"),
    pytest.param((-1, True, False), id="chunked"),
]


@pytest.mark.parametrize("error", DISCONNECTS)
@pytest.mark.parametrize("framing", FRAMINGS)
def test_failed_read_is_client_disconnected(
    error: OSError, framing: tuple[int, bool, bool]
) -> None:
    length, is_chunked, terminated = framing
    data = b"3\r\nabc\r\n" if is_chunked else b"abc"
    with pytest.raises(ClientError) as info:
        read_body(Vanishing(data, error), length, is_chunked, terminated, 1_000_000)
    check_error(info, 400, "client_disconnected")
    assert info.value.msg.startswith("Request body is incomplete")
    assert info.value.__cause__ is error


@pytest.mark.parametrize("error", DISCONNECTS)
def test_bounded_input_failed_read_is_client_disconnected(error: OSError) -> None:
    reader = BoundedInput(Vanishing(b"abc", error), 10, 100)
    assert reader.read(3) == b"abc"
    with pytest.raises(ClientError) as info:
        reader.read()
    check_error(info, 400, "client_disconnected")


def test_other_stream_errors_are_not_client_errors() -> None:
    # A bug in the server's stream is a server error: it is not turned into a 400.
    with pytest.raises(ValueError, match="bug"):
        read_body(Vanishing(b"", ValueError("bug")), 5, False, False, 100)


# -- servers that de-chunk bodies themselves ----------------------------------------------


def _cheroot_chunked(data: bytes) -> object:
    from cheroot.server import ChunkedRFile

    return ChunkedRFile(io.BytesIO(data), 1000)


def _gunicorn_chunked(data: bytes) -> object:
    from gunicorn.http.body import Body, ChunkedReader
    from gunicorn.http.unreader import IterUnreader

    class Request:
        trailers: list[tuple[str, str]] = []

    return Body(ChunkedReader(Request(), IterUnreader([data])))


@pytest.mark.parametrize("stream_of", [_cheroot_chunked, _gunicorn_chunked])
@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"zz\r\nab\r\n0\r\n\r\n", id="bad-size"),
        pytest.param(b"3\r\nabcX0\r\n\r\n", id="no-terminator"),
        pytest.param(b"5\r\nabcde", id="cut-off-after-data"),
    ],
)
def test_a_servers_own_chunked_framing_error_is_a_400(stream_of: Any, data: bytes) -> None:
    # Regression: cheroot reports the client's bad or cut-off chunked framing with a
    # ValueError, gunicorn with its ParseException family: a 500 with a traceback before.
    stream = stream_of(data)
    with pytest.raises(ClientError) as info:
        read_body(stream, -1, False, True, 1000)
    assert (info.value.status, info.value.type) in {
        (400, "chunked_invalid"),
        (400, "client_disconnected"),  # gunicorn's NoMoreData is an IOError
    }


def test_a_servers_own_stream_reads_well_formed_chunks() -> None:
    body = b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    assert read_body(_cheroot_chunked(body), -1, False, True, 1000) == b"abcde"
    assert read_body(_gunicorn_chunked(body), -1, False, True, 1000) == b"abcde"


def test_only_known_servers_framing_errors_become_400() -> None:
    # The same ValueError from another stream stays a server error (a bug, not input).
    with pytest.raises(ValueError, match="bug"):
        read_body(Vanishing(b"", ValueError("bug")), 5, False, True, 100)


@pytest.mark.parametrize("length", [1, 64 * 1024 + 1, 3 * 1024 * 1024])
def test_body_of_announced_length_is_asked_for_in_one_read(length: int) -> None:
    data = bytes(range(256)) * (length // 256) + b"x" * (length % 256)
    stream = Trickle(data + b"after", step=len(data) + 10)
    assert read_body(stream, length, False, False, 4 * 1024 * 1024) == data
    assert stream.requested == [length]
    # A stream that hands it over in pieces still gives the whole body, and no byte more.
    stream = Trickle(data + b"after", step=50_000)
    assert read_body(stream, length, False, False, length) == data
    assert stream.tell() == length
