"""Bad request bodies: framing, Content-Length, truncation, size limits, chunked encoding."""

from __future__ import annotations

import io
import logging

import pytest

from lcore import Lcore, request
from tests.raw_wsgi import RawResult, RecordingInput, Vanishing, expect_error, expect_json, send

# -- Content-Length ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("abc", id="letters"),
        pytest.param("12a", id="digits-then-letters"),
        pytest.param("-1", id="negative"),
        pytest.param("+5", id="plus-sign"),
        pytest.param("5_0", id="underscore"),
        pytest.param("1" * 30, id="30-digits"),
        pytest.param("١٢", id="arabic-indic-digits"),
        pytest.param("５", id="fullwidth-digit"),
        pytest.param("0x10", id="hex"),
        pytest.param("5.0", id="decimal"),
        pytest.param("5, 5", id="repeated"),
        pytest.param("5 0", id="space-inside"),
        pytest.param("5\t0", id="tab-inside"),
        pytest.param(" ", id="only-space"),
        pytest.param("5\n", id="trailing-newline"),
        pytest.param("5\x00", id="nul"),
        pytest.param("-0", id="minus-zero"),
        pytest.param("+0", id="plus-zero"),
        pytest.param("1e3", id="exponent"),
        pytest.param("5\u00a0", id="trailing-nbsp"),
    ],
)
def test_malformed_content_length(target: Lcore, value: str) -> None:
    result = send(target, "/body", "POST", b"hello", CONTENT_LENGTH=value)
    payload = expect_error(result, 400, "content_length_invalid")
    assert payload["detail"][0]["loc"] == ["header", "Content-Length"]


@pytest.mark.parametrize("value", [" 5", "5 ", "\t5\t", "05"])
def test_content_length_with_surrounding_whitespace_or_leading_zeros(
    target: Lcore, value: str
) -> None:
    # NOTE: RFC 9110 section 5.5: the whitespace around a field value is not part of it.
    result = send(target, "/body", "POST", b"hello!", CONTENT_LENGTH=value)
    assert expect_json(result) == {"length": 5, "head": "hello"}


def test_truncated_body(target: Lcore) -> None:
    result = send(target, "/body", "POST", b"only ten b", CONTENT_LENGTH="100")
    expect_error(result, 400, "body_truncated")


def test_body_longer_than_content_length_is_cut(target: Lcore) -> None:
    result = send(target, "/body", "POST", b"abcdefgh", CONTENT_LENGTH="3")
    assert expect_json(result) == {"length": 3, "head": "abc"}


def test_body_over_max_body(target: Lcore) -> None:
    target.config["request.max_body"] = 64
    result = send(target, "/body", "POST", b"x" * 65, CONTENT_LENGTH="65")
    payload = expect_error(result, 413, "body_too_large")
    assert payload["detail"][0]["msg"] == "Request body exceeds 64 bytes (request.max_body)"


# -- how much is read ---------------------------------------------------------------------------

LIMIT = 1024
BIG = bytes(range(256)) * 256  # 64 KiB: one internal read's worth


def chunked_framing(body: bytes, size: int) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


@pytest.mark.parametrize("step", [None, 1, 1000], ids=["whole", "byte-by-byte", "1000-bytes"])
def test_unsized_body_over_max_body_reads_max_body_plus_one(
    target: Lcore, step: int | None
) -> None:
    target.config["request.max_body"] = LIMIT
    stream = RecordingInput(BIG, step)
    environ = {"wsgi.input": stream, "wsgi.input_terminated": True}
    expect_error(send(target, "/body", "POST", **environ), 413, "body_too_large")
    assert stream.total == LIMIT + 1
    assert max(stream.asked) <= LIMIT + 1


@pytest.mark.parametrize("step", [None, 1, 1000], ids=["whole", "byte-by-byte", "1000-bytes"])
def test_unsized_body_at_max_body_reads_one_byte_more_to_see_the_end(
    target: Lcore, step: int | None
) -> None:
    target.config["request.max_body"] = LIMIT
    stream = RecordingInput(BIG[:LIMIT], step)
    environ = {"wsgi.input": stream, "wsgi.input_terminated": True}
    assert expect_json(send(target, "/body", "POST", **environ))["length"] == LIMIT
    assert stream.total == LIMIT
    assert max(stream.asked) <= LIMIT + 1


@pytest.mark.parametrize("length", [1, LIMIT - 1, LIMIT])
def test_sized_body_reads_exactly_content_length(target: Lcore, length: int) -> None:
    target.config["request.max_body"] = LIMIT
    stream = RecordingInput(BIG)
    result = send(target, "/body", "POST", CONTENT_LENGTH=str(length), **{"wsgi.input": stream})
    assert expect_json(result)["length"] == length
    assert stream.total == length
    assert max(stream.asked) <= length


@pytest.mark.parametrize("chunk", [100, LIMIT, 0x8000], ids=["small", "limit", "large"])
@pytest.mark.parametrize("step", [None, 1, 1000], ids=["whole", "byte-by-byte", "1000-bytes"])
def test_chunked_body_over_max_body_reads_no_data_past_the_limit(
    target: Lcore, chunk: int, step: int | None
) -> None:
    target.config["request.max_body"] = LIMIT
    raw = chunked_framing(BIG, chunk)
    stream = RecordingInput(raw, step)
    environ = {"wsgi.input": stream, "HTTP_TRANSFER_ENCODING": "chunked"}
    expect_error(send(target, "/body", "POST", **environ), 413, "body_too_large")
    # Past the size lines and CRLFs of the chunks up to the limit, at most LIMIT + 1 bytes.
    line = len(b"%x\r\n" % chunk)
    framing = (LIMIT // chunk + 1) * (line + 2)
    assert stream.total <= LIMIT + 1 + framing
    # A chunk's data and its CRLF are asked for together, never more.
    assert max(stream.asked) <= LIMIT + 2


def test_chunked_body_at_max_body_is_read_to_its_last_chunk(target: Lcore) -> None:
    target.config["request.max_body"] = LIMIT
    raw = chunked_framing(BIG[:LIMIT], 100)
    stream = RecordingInput(raw)
    environ = {"wsgi.input": stream, "HTTP_TRANSFER_ENCODING": "chunked"}
    assert expect_json(send(target, "/body", "POST", **environ))["length"] == LIMIT
    assert stream.total <= len(raw)
    assert max(stream.asked) <= LIMIT + 2


def test_announced_length_over_max_body_is_refused_before_reading(target: Lcore) -> None:
    target.config["request.max_body"] = 64

    class NeverRead(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise AssertionError("the body must not be read")

    result = send(
        target, "/body", "POST", CONTENT_LENGTH=str(10**15), **{"wsgi.input": NeverRead()}
    )
    expect_error(result, 413, "body_too_large")


def test_body_at_max_body_is_accepted(target: Lcore) -> None:
    target.config["request.max_body"] = 64
    result = send(target, "/body", "POST", b"x" * 64, CONTENT_LENGTH="64")
    assert expect_json(result)["length"] == 64


def test_content_length_without_input_stream(target: Lcore) -> None:
    environ_input = {"wsgi.input": io.BytesIO(b"")}
    result = send(target, "/body", "POST", CONTENT_LENGTH="5", **environ_input)
    expect_error(result, 400, "body_truncated")


# -- chunked -----------------------------------------------------------------------------------


def chunked(target: Lcore, raw: bytes) -> RawResult:
    return send(target, "/body", "POST", raw, HTTP_TRANSFER_ENCODING="chunked")


def test_chunked_valid(target: Lcore) -> None:
    result = chunked(target, b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\n")
    assert expect_json(result) == {"length": 9, "head": "Wikipedia"}


def test_chunked_malformed_size(target: Lcore) -> None:
    expect_error(chunked(target, b"zz\r\nWiki\r\n0\r\n\r\n"), 400, "chunked_invalid")


def test_chunked_size_too_many_digits(target: Lcore) -> None:
    expect_error(chunked(target, b"1" * 40 + b"\r\n"), 400, "chunked_invalid")


def test_chunked_missing_crlf_after_data(target: Lcore) -> None:
    expect_error(chunked(target, b"4\r\nWikiXX0\r\n\r\n"), 400, "chunked_invalid")


def test_chunked_early_end(target: Lcore) -> None:
    expect_error(chunked(target, b"10\r\nshort"), 400, "chunked_invalid")


def test_chunked_without_last_chunk(target: Lcore) -> None:
    expect_error(chunked(target, b"4\r\nWiki\r\n"), 400, "chunked_invalid")


def test_chunked_endless_size_line(target: Lcore) -> None:
    expect_error(chunked(target, b"a" * 5000), 400, "chunked_invalid")


def test_chunked_over_max_body(target: Lcore) -> None:
    target.config["request.max_body"] = 8
    raw = b"5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n"
    expect_error(chunked(target, raw), 413, "body_too_large")


def test_chunked_huge_announced_chunk(target: Lcore) -> None:
    expect_error(chunked(target, b"fffffffffff\r\n"), 413, "body_too_large")


@pytest.mark.parametrize(
    "encoding",
    [
        pytest.param("gzip", id="gzip-alone"),
        pytest.param("identity", id="identity"),
        pytest.param("chunked, gzip", id="chunked-not-last"),
        pytest.param("chunked, chunked", id="chunked-twice"),
        pytest.param("chunked;x=1", id="chunked-with-parameters"),
        pytest.param("", id="empty"),
        pytest.param("chunked\x00", id="nul"),
    ],
)
def test_transfer_encoding_malformed_is_400_never_identity(target: Lcore, encoding: str) -> None:
    # Read as identity, these bodies would be the 5 bytes of "hello".
    for extra in ({}, {"CONTENT_LENGTH": "5"}, {"wsgi.input_terminated": True}):
        result = send(target, "/body", "POST", b"hello", HTTP_TRANSFER_ENCODING=encoding, **extra)
        payload = expect_error(result, 400, "transfer_encoding_invalid")
        assert payload["detail"][0]["loc"] == ["header", "Transfer-Encoding"]


@pytest.mark.parametrize("encoding", ["gzip, chunked", "deflate, chunked", "x-zip, chunked"])
def test_transfer_encoding_unknown_coding_is_501(target: Lcore, encoding: str) -> None:
    raw = b"5\r\nhello\r\n0\r\n\r\n"
    for extra in ({}, {"wsgi.input_terminated": True}):
        result = send(target, "/body", "POST", raw, HTTP_TRANSFER_ENCODING=encoding, **extra)
        payload = expect_error(result, 501, "transfer_encoding_unsupported")
        assert payload["detail"][0]["loc"] == ["header", "Transfer-Encoding"]


def test_transfer_encoding_is_checked_when_the_body_is_read(target: Lcore) -> None:
    result = send(target, "/gzip", HTTP_TRANSFER_ENCODING="gzip")
    assert expect_json(result) == {"name": "gzip", "path": "/gzip"}


def test_chunked_is_case_insensitive(target: Lcore) -> None:
    result = send(
        target, "/body", "POST", b"2\r\nhi\r\n0\r\n\r\n", HTTP_TRANSFER_ENCODING="Chunked"
    )
    assert expect_json(result) == {"length": 2, "head": "hi"}


def test_content_length_and_chunked_together(target: Lcore) -> None:
    result = send(
        target,
        "/body",
        "POST",
        b"5\r\nabcde\r\n0\r\n\r\n",
        CONTENT_LENGTH="15",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    payload = expect_error(result, 400, "body_framing_invalid")
    assert payload["detail"][0]["loc"] == ["header", "Transfer-Encoding"]


def test_server_dechunked_body_with_input_terminated(target: Lcore) -> None:
    result = send(
        target,
        "/body",
        "POST",
        b"already decoded",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input_terminated": True},
    )
    assert expect_json(result)["length"] == len(b"already decoded")


def test_input_terminated_over_max_body(target: Lcore) -> None:
    target.config["request.max_body"] = 4
    result = send(target, "/body", "POST", b"too long", **{"wsgi.input_terminated": True})
    expect_error(result, 413, "body_too_large")


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(ConnectionResetError(104, "Connection reset by peer"), id="reset"),
        pytest.param(TimeoutError("timed out"), id="stalled-past-the-server-timeout"),
        pytest.param(OSError("client went away"), id="oserror"),
    ],
)
@pytest.mark.parametrize(
    "framing",
    [
        pytest.param({"CONTENT_LENGTH": "5"}, id="content-length"),
        pytest.param({"wsgi.input_terminated": True}, id="input-terminated"),
        pytest.param({"HTTP_TRANSFER_ENCODING": "chunked"}, id="chunked"),
    ],
)
def test_client_gone_mid_body_is_a_400_logged_as_one_line(
    target: Lcore, caplog: pytest.LogCaptureFixture, error: OSError, framing: dict[str, object]
) -> None:
    caplog.set_level(logging.DEBUG, logger="lcore")
    stream = Vanishing(b"2\r\nab" if "HTTP_TRANSFER_ENCODING" in framing else b"ab", error)
    result = send(target, "/body", "POST", **{"wsgi.input": stream}, **framing)
    payload = expect_error(result, 400, "client_disconnected")
    assert payload["detail"][0]["loc"] == ["body"]
    assert payload["detail"][0]["msg"].startswith("Request body is incomplete")
    # Not "unhandled error in handler" with a traceback: one line, below WARNING.
    (record,) = caplog.records
    assert (record.name, record.levelno, record.exc_info) == ("lcore", logging.INFO, None)
    line = record.getMessage()
    assert "\n" not in line
    assert line.startswith("incomplete request body: 'POST /body': Request body is incomplete")
    assert line.endswith("(client_disconnected)")


def test_body_ending_early_is_logged_as_one_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="lcore")
    app = Lcore()
    app.config["error.format"] = "json"
    app.post("/<name:path>", callback=lambda name: request.body_bytes)
    result = send(app, "/body\nforged: line", "POST", b"ab", CONTENT_LENGTH="5")
    expect_error(result, 400, "body_truncated")
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage() == (
        "incomplete request body: 'POST /body\\nforged: line': "
        "Request body is shorter than its Content-Length (body_truncated)"
    )


def test_other_client_errors_are_not_logged(
    target: Lcore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="lcore")
    expect_error(send(target, "/body", "POST", b"x", CONTENT_LENGTH="x"), 400)
    assert caplog.records == []


def test_input_stream_with_a_bug_is_still_a_500(
    target: Lcore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="lcore")
    stream = Vanishing(b"", ValueError("not an I/O error"))
    result = send(target, "/body", "POST", CONTENT_LENGTH="5", **{"wsgi.input": stream})
    expect_error(result, 500)
    (record,) = caplog.records
    assert (record.levelno, record.getMessage()) == (logging.ERROR, "unhandled error in handler")
