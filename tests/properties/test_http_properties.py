"""The pure parsers of lcore.http: nothing but ClientError escapes; round trips hold."""

from __future__ import annotations

import base64
from urllib.parse import unquote, urlencode, urlsplit

from hypothesis import assume, example, given
from hypothesis import strategies as st

from lcore import ClientError
from lcore.http import (
    decode_path,
    http_date,
    parse_auth,
    parse_content_length,
    parse_cookie_header,
    parse_date,
    parse_etag_list,
    parse_options_header,
    parse_qs_lists,
    parse_qsl,
    parse_range_header,
    parse_transfer_encoding,
    quote_path,
    quote_url,
)

# WSGI hands over header and query text as latin-1-carried bytes; anything else may
# still reach a parser through a buggy server or a test, so both are generated.
latin1 = st.text(st.characters(max_codepoint=255))
any_text = st.one_of(latin1, st.text())
http_text = st.one_of(
    any_text,
    st.lists(st.sampled_from(list('=&;,%+"\\ -0123456789abcdefABCDEF\xff\xc3\x00\r\n'))).map(
        "".join
    ),
)
no_surrogates = st.text(st.characters(blacklist_categories=("Cs",)))


# -- parse_qsl -------------------------------------------------------------------------------


@given(http_text, st.integers(min_value=1, max_value=50), st.sampled_from(["query", "body"]))
@example("a=%ff", 10, "query")
@example("&".join(["a"] * 60), 50, "body")
def test_parse_qsl_raises_only_client_errors(qs: str, max_fields: int, where: str) -> None:
    try:
        pairs = parse_qsl(qs, max_fields, where)
    except ClientError as error:
        assert error.status in (400, 413)
        assert error.type in (f"{where}_invalid_utf8", "too_many_fields")
        assert error.detail[0]["loc"] == [where]
        return
    assert len(pairs) <= max_fields
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in pairs)


@given(http_text, st.integers(min_value=1, max_value=50))
@example("a=1&b=2&a=3&&c", 10)
@example("a=%ff", 10)
@example("x+y=%41&x+y=b", 10)
@example("&".join(["a"] * 60), 50)
def test_parse_qs_lists_groups_what_parse_qsl_reads(qs: str, max_fields: int) -> None:
    # The one-pass dict builder the request uses must read exactly what parse_qsl reads.
    try:
        pairs = parse_qsl(qs, max_fields)
    except ClientError as error:
        try:
            parse_qs_lists(qs, max_fields)
        except ClientError as same:
            assert (same.status, same.type) == (error.status, error.type)
            return
        raise AssertionError("parse_qs_lists accepted what parse_qsl refused") from None
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    lists = parse_qs_lists(qs, max_fields)
    assert lists == grouped
    assert list(lists) == list(grouped)  # first-seen order, as MultiDict keeps it


@given(st.lists(st.tuples(no_surrogates, no_surrogates), max_size=30))
def test_parse_qsl_round_trip(pairs: list[tuple[str, str]]) -> None:
    encoded = urlencode(pairs)
    assert parse_qsl(encoded, 30) == pairs


@given(st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=40))
def test_parse_qsl_field_limit(count: int, max_fields: int) -> None:
    assume(max_fields > 0)
    qs = "&".join(f"k{i}=v" for i in range(count))
    if count > max_fields:
        try:
            parse_qsl(qs, max_fields)
        except ClientError as error:
            assert (error.status, error.type) == (413, "too_many_fields")
        else:
            raise AssertionError("the field limit was not enforced")
    else:
        assert len(parse_qsl(qs, max_fields)) == count


# -- cookies ---------------------------------------------------------------------------------


@given(http_text, st.integers(min_value=1, max_value=20))
def test_parse_cookie_header_never_raises(header: str, max_cookies: int) -> None:
    pairs = parse_cookie_header(header, max_cookies)
    assert len(pairs) <= max_cookies
    for name, _value in pairs:
        assert name and name == name.strip()


cookie_name = st.text(
    st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters='=;",\\'),
    min_size=1,
)
cookie_value = st.text(
    st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters='";,\\'),
)


@given(st.lists(st.tuples(cookie_name, cookie_value), max_size=20))
def test_parse_cookie_header_round_trip(cookies: list[tuple[str, str]]) -> None:
    assume(all(not (len(v) >= 2 and v[0] == v[-1] == '"') for _, v in cookies))
    header = "; ".join(f"{name}={value}" for name, value in cookies)
    assert parse_cookie_header(header, 20) == cookies


# -- Content-Length --------------------------------------------------------------------------


@given(st.one_of(st.none(), http_text, st.integers().map(str)))
@example("+5")
@example("5_0")
@example("١٢")
def test_parse_content_length_raises_only_client_errors(value: str | None) -> None:
    try:
        length = parse_content_length(value)
    except ClientError as error:
        assert (error.status, error.type) == (400, "content_length_invalid")
        return
    assert length >= -1
    if length >= 0:
        assert value is not None
        assert value.strip(" \t").isdigit()


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_parse_content_length_round_trip(length: int) -> None:
    assert parse_content_length(str(length)) == length


# -- Transfer-Encoding -------------------------------------------------------------------------

coding_lists = st.lists(
    st.one_of(
        st.sampled_from(["chunked", "Chunked", "gzip", "identity", "x-y", "", " ", "chunked;a=1"]),
        http_text,
    ),
    max_size=5,
).map(",".join)


@given(st.one_of(st.none(), http_text, coding_lists))
@example("gzip, chunked")
@example(" , chunked ,")
def test_parse_transfer_encoding_raises_only_client_errors(value: str | None) -> None:
    try:
        chunked = parse_transfer_encoding(value)
    except ClientError as error:
        assert (error.status, error.type) in (
            (400, "transfer_encoding_invalid"),
            (501, "transfer_encoding_unsupported"),
        )
        assert value is not None
        return
    # Accepted only when absent, or when chunked is the one coding named.
    assert chunked is (value is not None)
    if value is not None:
        names = [part.strip(" \t").lower() for part in value.split(",")]
        assert [name for name in names if name] == ["chunked"]


# -- options headers -------------------------------------------------------------------------

token = st.text(
    st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters='()<>@,;:\\"/[]?={}'),
    min_size=1,
)


@given(http_text)
def test_parse_options_header_never_raises(value: str) -> None:
    head, params = parse_options_header(value)
    assert head == head.strip().lower()
    assert all(key == key.strip().lower() and key for key in params)


@given(
    token,
    token,
    st.dictionaries(
        token.map(str.lower), st.text(st.characters(min_codepoint=32, max_codepoint=126))
    ),
)
def test_parse_options_header_round_trip(kind: str, sub: str, params: dict[str, str]) -> None:
    def quote(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    header = f"{kind}/{sub}" + "".join(f"; {key}={quote(value)}" for key, value in params.items())
    assert parse_options_header(header) == (f"{kind}/{sub}".lower(), params)


def split_params_by_hand(text: str) -> list[str]:
    """The ``;``-separated items of ``text``, quoted strings honoured: one character at a
    time, the plainest statement of the rule, to compare the parser with."""
    items: list[str] = []
    current: list[str] = []
    in_quote = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\" and in_quote:
            escaped = True
        elif ch == '"':
            in_quote = not in_quote
        elif ch == ";" and not in_quote:
            items.append("".join(current))
            current = []
            continue
        current.append(ch)
    items.append("".join(current))
    return items


def options_by_hand(value: str) -> tuple[str, dict[str, str]]:
    head, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for item in split_params_by_hand(rest) if rest else []:
        key, eq, val = item.partition("=")
        key, val = key.strip().lower(), val.strip()
        if key and eq:
            if len(val) >= 2 and val[0] == val[-1] == '"':
                val = val[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            params[key] = val
    return head.strip().lower(), params


@given(st.lists(st.sampled_from(['"', ";", "\\", "=", "k", " ", "v", "K"])).map("".join))
@example('a; k="x;\\"y"; j=2')
@example('a; k="unterminated; j=2')
def test_parse_options_header_splits_as_by_hand(value: str) -> None:
    assert parse_options_header(value) == options_by_hand(value)


# -- URL quoting -------------------------------------------------------------------------------


def is_url_text(text: str) -> bool:
    """Printable ASCII with no space: what a Location header can carry as it is."""
    return text.isascii() and text.isprintable() and " " not in text


@given(no_surrogates)
def test_quote_url_gives_url_text_and_keeps_it(url: str) -> None:
    quoted = quote_url(url)
    assert is_url_text(quoted)
    assert quote_url(quoted) == quoted
    if "%" not in url:
        assert unquote(quoted) == url


@given(no_surrogates)
def test_quote_path_round_trips_as_a_path(path: str) -> None:
    quoted = quote_path("/" + path)
    assert is_url_text(quoted)
    parts = urlsplit(quoted)
    assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", "")
    assert unquote(parts.path) == "/" + path


# -- ranges ----------------------------------------------------------------------------------


@given(http_text, st.integers(min_value=0, max_value=10**6))
def test_parse_range_header_yields_only_satisfiable_ranges(header: str, size: int) -> None:
    for start, end in parse_range_header(header, size):
        assert 0 <= start < end <= size


@given(st.integers(min_value=1, max_value=10**9), st.data())
def test_parse_range_header_round_trip(size: int, data: st.DataObject) -> None:
    start = data.draw(st.integers(min_value=0, max_value=size - 1))
    end = data.draw(st.integers(min_value=start + 1, max_value=size))
    assert list(parse_range_header(f"bytes={start}-{end - 1}", size)) == [(start, end)]
    suffix = size - start
    assert list(parse_range_header(f"bytes=-{suffix}", size)) == [(start, size)]
    assert list(parse_range_header(f"bytes={start}-", size)) == [(start, size)]


# -- auth ------------------------------------------------------------------------------------


@given(any_text)
def test_parse_auth_never_raises(header: str) -> None:
    result = parse_auth(header)
    assert result is None or (isinstance(result[0], str) and isinstance(result[1], str))


@given(st.binary())
def test_parse_auth_never_raises_on_any_credentials(raw: bytes) -> None:
    parse_auth("Basic " + base64.b64encode(raw).decode())


@given(no_surrogates.filter(lambda u: ":" not in u), no_surrogates)
def test_parse_auth_round_trip(user: str, password: str) -> None:
    header = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    assert parse_auth(header) == (user, password)


# -- paths, dates, etags ---------------------------------------------------------------------


@given(any_text)
def test_decode_path_raises_only_client_errors(raw: str) -> None:
    try:
        decode_path(raw)
    except ClientError as error:
        assert (error.status, error.type) == (400, "path_invalid_utf8")


@given(no_surrogates)
def test_decode_path_round_trip(path: str) -> None:
    assert decode_path(path.encode("utf-8").decode("latin-1")) == path


@given(st.integers(min_value=0, max_value=253402300799))
def test_http_date_round_trip(stamp: int) -> None:
    assert parse_date(http_date(stamp)) == float(stamp)


@given(any_text)
def test_parse_date_never_raises(value: str) -> None:
    result = parse_date(value)
    assert result is None or isinstance(result, float)


@given(any_text)
def test_parse_etag_list_never_raises(value: str) -> None:
    tags = parse_etag_list(value)
    assert len(tags) <= 100
    assert all(tag and tag == tag.strip() for tag in tags)
