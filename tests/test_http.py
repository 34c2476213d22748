"""The pure HTTP parsers of lcore.http."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta, timezone

import pytest

from lcore import ClientError
from lcore.http import (
    decode_path,
    epoch_now,
    html_escape,
    html_quote,
    http_date,
    max_age_seconds,
    parse_auth,
    parse_content_length,
    parse_cookie_header,
    parse_date,
    parse_etag_list,
    parse_options_header,
    parse_qsl,
    parse_range_header,
    parse_transfer_encoding,
    quote_path,
    quote_url,
)

# -- Content-Length -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, -1), ("", -1), ("0", 0), ("5", 5), (" 5\t", 5), ("05", 5), ("9" * 18, int("9" * 18))],
)
def test_content_length_valid(value: str | None, expected: int) -> None:
    assert parse_content_length(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        *("+5", "-5", "-0", "5_0", "5 0", "5\t0", "0x5", "5.0", "1e3", "abc"),
        *("١٢", "٥", "1" * 19, "5\n", "\r5", "\x00", " ", "5\u00a0", "\u20075", "5,5"),
    ],
)
def test_content_length_invalid(value: str) -> None:
    with pytest.raises(ClientError) as info:
        parse_content_length(value)
    error = info.value
    assert (error.status, error.type) == (400, "content_length_invalid")
    assert error.detail == [
        {
            "loc": ["header", "Content-Length"],
            "msg": "Content-Length must be a non-negative integer",
            "type": "content_length_invalid",
        }
    ]


# -- Transfer-Encoding -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        ("chunked", True),
        ("Chunked", True),
        ("CHUNKED", True),
        (" chunked\t", True),
        (", chunked", True),  # empty list elements are ignored (RFC 9110 section 5.6.1)
        ("chunked, ", True),
    ],
)
def test_transfer_encoding_chunked(value: str | None, expected: bool) -> None:
    assert parse_transfer_encoding(value) is expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Transfer-Encoding names no coding"),
        (" , ,", "Transfer-Encoding names no coding"),
        ("gzip", "Transfer-Encoding must end with chunked"),
        ("identity", "Transfer-Encoding must end with chunked"),
        ("chunked, gzip", "Transfer-Encoding must end with chunked"),
        ("xchunked", "Transfer-Encoding must end with chunked"),
        ("chunked, chunked", "chunked must appear once, without parameters"),
        ("chunked;ext=1", "chunked must appear once, without parameters"),
        ("gzip, chunked; x", "chunked must appear once, without parameters"),
        ("chun ked", "Transfer-Encoding is not a list of codings"),
        ('"chunked"', "Transfer-Encoding is not a list of codings"),
        ("chunked\x00", "Transfer-Encoding is not a list of codings"),
        ("ch\u00fcnked", "Transfer-Encoding is not a list of codings"),
        (";chunked", "Transfer-Encoding is not a list of codings"),
        ('gzip;q="a,b", chunked', "Transfer-Encoding is not a list of codings"),
    ],
)
def test_transfer_encoding_malformed_is_400(value: str, message: str) -> None:
    with pytest.raises(ClientError) as info:
        parse_transfer_encoding(value)
    error = info.value
    assert (error.status, error.type, error.msg) == (400, "transfer_encoding_invalid", message)
    assert error.detail[0]["loc"] == ["header", "Transfer-Encoding"]


@pytest.mark.parametrize(
    ("value", "coding"),
    [
        ("gzip, chunked", "gzip"),
        ("GZIP,chunked", "gzip"),
        ("deflate, chunked", "deflate"),
        ("identity, chunked", "identity"),
        ("x-custom;level=9, chunked", "x-custom"),
        ("br, gzip, chunked", "br"),
    ],
)
def test_transfer_encoding_other_codings_are_501(value: str, coding: str) -> None:
    with pytest.raises(ClientError) as info:
        parse_transfer_encoding(value)
    error = info.value
    assert (error.status, error.type) == (501, "transfer_encoding_unsupported")
    assert error.msg == f"Transfer coding {coding!r} is not supported: only chunked is"
    assert error.detail[0]["loc"] == ["header", "Transfer-Encoding"]


# -- paths and query strings ----------------------------------------------------------------


def test_decode_path() -> None:
    assert decode_path("/plain") == "/plain"
    assert decode_path("/caf\xc3\xa9") == "/café"
    with pytest.raises(ClientError) as info:
        decode_path("/\xc3")
    assert (info.value.status, info.value.type) == (400, "path_invalid_utf8")


@pytest.mark.parametrize(
    ("qs", "pairs"),
    [
        ("", []),
        ("a=1", [("a", "1")]),
        ("a=1&a=2", [("a", "1"), ("a", "2")]),
        ("a=1&&b=2&", [("a", "1"), ("b", "2")]),
        ("a=%31&&b=2&", [("a", "1"), ("b", "2")]),
        ("flag", [("flag", "")]),
        ("=v", [("", "v")]),
        ("a=b=c", [("a", "b=c")]),
        ("x=a+b%20c", [("x", "a b c")]),
        ("%41%2B=%2b", [("A+", "+")]),
        ("bad=%zz", [("bad", "%zz")]),
        ("e=%C3%A9", [("e", "é")]),
        ("raw=\xc3\xa9", [("raw", "é")]),  # unencoded UTF-8 bytes carried as latin-1
    ],
)
def test_parse_qsl(qs: str, pairs: list[tuple[str, str]]) -> None:
    assert parse_qsl(qs, 1000) == pairs


def test_parse_qsl_field_limit() -> None:
    assert len(parse_qsl("&".join(["a=1"] * 3), 3)) == 3
    # Empty fields do not count against the limit.
    assert len(parse_qsl("a=1&&&&b=2&&&", 2)) == 2
    with pytest.raises(ClientError) as info:
        parse_qsl("a=1&b=2&c=3", 2)
    assert (info.value.status, info.value.type) == (413, "too_many_fields")
    assert info.value.detail[0]["loc"] == ["query"]
    with pytest.raises(ClientError) as info:
        parse_qsl("a=1&b=2&c=3", 2, "body")
    assert info.value.detail[0]["loc"] == ["body"]


@pytest.mark.parametrize(("qs", "where"), [("a=%ff", "query"), ("%c3=1", "body")])
def test_parse_qsl_invalid_utf8(qs: str, where: str) -> None:
    with pytest.raises(ClientError) as info:
        parse_qsl(qs, 10, where)
    assert (info.value.status, info.value.type) == (400, f"{where}_invalid_utf8")
    assert info.value.detail[0]["loc"] == [where]


# -- options headers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ("", {})),
        ("Text/HTML", ("text/html", {})),
        ("text/html; charset=UTF-8", ("text/html", {"charset": "UTF-8"})),
        ('text/html; Charset="utf-8"', ("text/html", {"charset": "utf-8"})),
        ("a/b; x; =y; k=v", ("a/b", {"k": "v"})),
        ('a/b; name="a;b"; c=d', ("a/b", {"name": "a;b", "c": "d"})),
        (r'a/b; n="q\"uote\\"', ("a/b", {"n": 'q"uote\\'})),
        ('a/b; n="', ("a/b", {"n": '"'})),
    ],
)
def test_parse_options_header(value: str, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_options_header(value) == expected


# A quadratic split takes seconds at this size; the tests assert only the result (timings
# are measured by hand, never asserted).
_BIG = 512 * 1024


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("text/plain" + ";" * _BIG, ("text/plain", {}), id="semicolons"),
        pytest.param("a/b" + "; k=v" * (_BIG // 5), ("a/b", {"k": "v"}), id="params"),
        pytest.param("a/b;" + '"' * _BIG, ("a/b", {}), id="quotes"),
        pytest.param("a/b;" + '"";' * (_BIG // 3), ("a/b", {}), id="empty-quoted"),
        pytest.param('a/b; k="' + ";" * _BIG, ("a/b", {"k": '"' + ";" * _BIG}), id="open-quote"),
        pytest.param(
            'a/b; k="' + "\\;" * (_BIG // 2),
            ("a/b", {"k": '"' + "\\;" * (_BIG // 2)}),
            id="escapes",
        ),
    ],
)
def test_parse_options_header_is_linear(value: str, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_options_header(value) == expected


# -- URL quoting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "quoted"),
    [
        ("/plain/path?q=1&r=2#top", "/plain/path?q=1&r=2#top"),
        (
            "https://user@host.example:8080/a;b=c?x=[1]",
            "https://user@host.example:8080/a;b=c?x=[1]",
        ),
        ("http://[::1]/", "http://[::1]/"),
        ("/a b", "/a%20b"),
        ("/a%20b", "/a%20b"),  # an escape is kept, not double-encoded
        ("/a%2fb%C3%A9", "/a%2fb%C3%A9"),
        ("/50%", "/50%25"),
        ("/%zz%2", "/%25zz%252"),
        ("/café", "/caf%C3%A9"),
        ("/日本", "/%E6%97%A5%E6%9C%AC"),
        ("/\x00\x01\t\x1f\x7f", "/%00%01%09%1F%7F"),
        ("/\x85\xa0", "/%C2%85%C2%A0"),
        ('/<"q">^`{|}', "/%3C%22q%22%3E%5E%60%7B%7C%7D"),
        ("/\\evil.example", "/%5Cevil.example"),
        ("/p#frag#more", "/p#frag%23more"),
        ("", ""),
    ],
)
def test_quote_url(url: str, quoted: str) -> None:
    assert quote_url(url) == quoted
    assert quote_url(quoted) == quoted


@pytest.mark.parametrize(
    ("path", "quoted"),
    [
        ("/plain/path", "/plain/path"),
        ("/a?b", "/a%3Fb"),
        ("/a#b", "/a%23b"),
        ("/a%20b", "/a%2520b"),  # decoded text: the "%" is a character
        ("/[x]", "/%5Bx%5D"),
        ("/;=:@!$&'()*+,-._~", "/;=:@!$&'()*+,-._~"),
        ("/café", "/caf%C3%A9"),
        ("/a\x00b\nc d", "/a%00b%0Ac%20d"),
        ("//evil.example/x", "/%2Fevil.example/x"),
        ("/", "/"),
    ],
)
def test_quote_path(path: str, quoted: str) -> None:
    assert quote_path(path) == quoted


@pytest.mark.parametrize("quote", [quote_url, quote_path])
def test_quoting_refuses_lone_surrogates(quote: object) -> None:
    with pytest.raises(ValueError):
        quote("/\udcff")  # type: ignore[operator]


# -- cookies -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "pairs"),
    [
        ("", []),
        ("a=1", [("a", "1")]),
        ("a=1; b=2", [("a", "1"), ("b", "2")]),
        ('a="quoted value"', [("a", "quoted value")]),
        ('a="', [("a", '"')]),
        ("bad; a=1", [("a", "1")]),  # a bad pair does not hide the next one
        ("=nameless; a=1", [("a", "1")]),
        ("c=d=e", [("c", "d=e")]),
        ("  d = 4 ", [("d", "4")]),
        ("a=1; a=2", [("a", "1"), ("a", "2")]),
        ("e=", [("e", "")]),
        ("n=caf\xc3\xa9", [("n", "café")]),
        ("bad=\xff; ok=1", [("ok", "1")]),
        ("\xff=1; ok=1", [("ok", "1")]),
    ],
)
def test_parse_cookie_header(header: str, pairs: list[tuple[str, str]]) -> None:
    assert parse_cookie_header(header, 100) == pairs


def test_parse_cookie_header_limit() -> None:
    header = "; ".join(f"c{i}={i}" for i in range(50))
    assert len(parse_cookie_header(header, 10)) == 10
    assert parse_cookie_header(header, 10)[-1] == ("c9", "9")


# -- auth --------------------------------------------------------------------------------------


def basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (basic(b"user:pass"), ("user", "pass")),
        (basic(b"user:pa:ss"), ("user", "pa:ss")),
        (basic(b":"), ("", "")),
        (basic("jürgen:ö".encode()), ("jürgen", "ö")),
        ("basic " + base64.b64encode(b"u:p").decode(), ("u", "p")),
        (basic(b"nocolon"), None),
        (basic(b"\xff:x"), None),
        ("Basic !!!notbase64", None),
        ("Basic", None),
        ("Basic ", None),
        ("Bearer token", None),
        ("", None),
        ("Basic é", None),
    ],
)
def test_parse_auth(header: str, expected: tuple[str, str] | None) -> None:
    assert parse_auth(header) == expected


# -- dates ---------------------------------------------------------------------------------------


def test_http_date_formats() -> None:
    assert http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert http_date(0.0) == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert http_date(date(2030, 1, 2)) == "Wed, 02 Jan 2030 00:00:00 GMT"
    assert http_date(datetime(2030, 1, 2, 3, 4, 5)) == "Wed, 02 Jan 2030 03:04:05 GMT"
    cet = timezone(timedelta(hours=1))
    assert http_date(datetime(2030, 1, 2, 3, 4, 5, tzinfo=cet)) == "Wed, 02 Jan 2030 02:04:05 GMT"
    assert http_date("already formatted") == "already formatted"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wed, 02 Jan 2030 00:00:00 GMT", 1893542400.0),
        ("Wednesday, 02-Jan-30 00:00:00 GMT", 1893542400.0),
        ("Wed Jan  2 00:00:00 2030", 1893542400.0),
        ("Wed, 02 Jan 2030 01:00:00 +0100", 1893542400.0),
        ("garbage", None),
        ("", None),
        ("Wed, 99 Foo 2030 00:00:00 GMT", None),
        ("Wed, 02 Jan 99999999999 00:00:00 GMT", None),  # past what the calendar holds
    ],
)
def test_parse_date(value: str, expected: float | None) -> None:
    assert parse_date(value) == expected


def test_parse_date_of_a_non_string() -> None:
    assert parse_date(None) is None  # type: ignore[arg-type]


def test_date_round_trip() -> None:
    assert parse_date(http_date(1234567890)) == 1234567890.0


# -- ranges and etags -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "ranges"),
    [
        ("bytes=0-9", [(0, 10)]),
        ("bytes=10-", [(10, 50)]),
        ("bytes=-5", [(45, 50)]),
        ("bytes=-500", [(0, 50)]),
        ("bytes=0-999", [(0, 50)]),
        ("Bytes = 0-0", [(0, 1)]),
        ("bytes=0-9, 20-29", [(0, 10), (20, 30)]),
        ("bytes=5-2", []),
        ("bytes=x-y", []),
        ("bytes=-", []),
        ("bytes=100-200", []),
        ("bytes=-0", []),
        ("bytes=٠-1", []),
        ("bytes=1-٢", []),
        ("items=0-1", []),
        ("bytes=", []),
        ("", []),
        ("bytes=0-1=2", []),
    ],
)
def test_parse_range_header(header: str, ranges: list[tuple[int, int]]) -> None:
    assert list(parse_range_header(header, 50)) == ranges


def test_parse_range_header_reads_at_most_100_specs() -> None:
    header = "bytes=" + ",".join("0-0" for _ in range(500))
    assert len(list(parse_range_header(header, 10))) == 100


def test_parse_etag_list() -> None:
    assert parse_etag_list(' "a", W/"b" ,, *') == ['"a"', 'W/"b"', "*"]
    assert parse_etag_list("") == []
    assert len(parse_etag_list(",".join(['"x"'] * 300))) == 100


# -- escaping and small helpers ------------------------------------------------------------------


def test_html_escape_and_quote() -> None:
    assert html_escape('<a href="x">\'&') == "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;"
    assert html_quote('a"\n\r\tb') == '"a&quot;&#10;&#13;&#9;b"'


def test_max_age_and_clock() -> None:
    assert max_age_seconds(timedelta(minutes=2)) == 120
    assert max_age_seconds(5) == 5
    assert isinstance(epoch_now(), float)
