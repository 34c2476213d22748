"""Text that is not UTF-8 in the path, the query string and urlencoded bodies."""

from __future__ import annotations

import pytest

from lcore import Lcore
from tests.raw_wsgi import expect_error, expect_json, send

# WSGI carries the raw bytes of the path and query as latin-1 text (PEP 3333).
NOT_UTF8 = [
    pytest.param("\xff", id="invalid-byte"),
    pytest.param("\xc3", id="truncated-sequence"),
    pytest.param("\xc0\xaf", id="overlong"),
    pytest.param("\xed\xa0\x80", id="utf8-surrogate"),
    pytest.param("\xf8\x88\x80\x80\x80", id="five-byte-form"),
]

PERCENT_NOT_UTF8 = [
    pytest.param("%ff", id="invalid-byte"),
    pytest.param("%c3", id="truncated-sequence"),
    pytest.param("%C0%AF", id="overlong"),
    pytest.param("%ED%A0%80", id="utf8-surrogate"),
]


@pytest.mark.parametrize("raw", NOT_UTF8)
def test_path_not_utf8(target: Lcore, raw: str) -> None:
    payload = expect_error(send(target, "/" + raw), 400, "path_invalid_utf8")
    assert payload["detail"][0]["loc"] == ["path"]


def test_path_utf8_is_decoded(target: Lcore) -> None:
    result = send(target, "/caf\xc3\xa9")
    assert expect_json(result) == {"name": "café", "path": "/café"}


@pytest.mark.parametrize("raw", NOT_UTF8 + PERCENT_NOT_UTF8)
def test_query_value_not_utf8(target: Lcore, raw: str) -> None:
    payload = expect_error(send(target, "/query", QUERY_STRING="q=" + raw), 400)
    assert payload["detail"][0]["type"] == "query_invalid_utf8"
    assert payload["detail"][0]["loc"] == ["query"]


def test_query_name_not_utf8(target: Lcore) -> None:
    expect_error(send(target, "/query", QUERY_STRING="%ff=1"), 400, "query_invalid_utf8")


def test_query_bad_percent_escapes_are_kept_verbatim(target: Lcore) -> None:
    result = send(target, "/query", QUERY_STRING="a=%zz&b=%4&c=100%")
    assert expect_json(result)["query"] == {"a": "%zz", "b": "%4", "c": "100%"}


@pytest.mark.parametrize("raw", PERCENT_NOT_UTF8)
def test_form_body_not_utf8(target: Lcore, raw: str) -> None:
    body = ("name=" + raw).encode("latin-1")
    result = send(
        target,
        "/form",
        "POST",
        body,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(len(body)),
    )
    payload = expect_error(result, 400, "body_invalid_utf8")
    assert payload["detail"][0]["loc"] == ["body"]


def test_form_body_raw_bytes_not_utf8(target: Lcore) -> None:
    body = b"name=\xff\xfe"
    result = send(
        target,
        "/form",
        "POST",
        body,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(len(body)),
    )
    expect_error(result, 400, "body_invalid_utf8")
