"""Bad JSON bodies: nesting bombs, invalid documents, NaN, bad encodings."""

from __future__ import annotations

import pytest

from lcore import Lcore
from tests.raw_wsgi import RawResult, expect_error, expect_json, send


def post_json(target: Lcore, body: bytes, content_type: str = "application/json") -> RawResult:
    return send(
        target, "/json", "POST", body, CONTENT_TYPE=content_type, CONTENT_LENGTH=str(len(body))
    )


def test_json_over_max_json_depth(target: Lcore) -> None:
    target.config["request.max_json_depth"] = 8
    payload = expect_error(post_json(target, b"[" * 9 + b"]" * 9), 400, "json_too_deep")
    assert payload["detail"][0]["msg"] == "JSON nested deeper than 8 (request.max_json_depth)"
    assert payload["detail"][0]["loc"] == ["body"]


def test_json_at_max_json_depth_is_accepted(target: Lcore) -> None:
    target.config["request.max_json_depth"] = 8
    body = b'{"a":' * 7 + b"[]" + b"}" * 7
    assert expect_json(post_json(target, body))["json"]["a"]["a"]["a"]["a"]["a"]["a"]["a"] == []


def test_json_100000_deep_with_default_limit(target: Lcore) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    expect_error(post_json(target, body), 400, "json_too_deep")


def test_json_100000_deep_objects_with_default_limit(target: Lcore) -> None:
    body = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    expect_error(post_json(target, body), 400, "json_too_deep")


def test_json_100000_deep_with_the_limit_raised_never_raises_recursion_error(
    target: Lcore,
) -> None:
    target.config["request.max_json_depth"] = 1_000_000
    body = b"[" * 100_000 + b"]" * 100_000
    expect_error(post_json(target, body), 400, "json_invalid")


def test_json_unclosed_100000_deep(target: Lcore) -> None:
    expect_error(post_json(target, b"[" * 100_000), 400, "json_too_deep")


def test_json_brackets_in_strings_are_not_nesting(target: Lcore) -> None:
    body = b'["' + b"[" * 1000 + b'"]'
    assert expect_json(post_json(target, body))["json"] == ["[" * 1000]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{nope", id="malformed"),
        pytest.param(b'{"a": 1', id="unclosed-object"),
        pytest.param(b"[1, 2,]", id="trailing-comma"),
        pytest.param(b"{'a': 1}", id="single-quotes"),
        pytest.param(b'{"a": 1} extra', id="trailing-data"),
        pytest.param(b"[1] [2]", id="two-documents"),
        pytest.param(b'"unterminated', id="unterminated-string"),
        pytest.param(b'"\\x41"', id="bad-escape"),
        pytest.param(b"undefined", id="undefined"),
        pytest.param(b"   ", id="only-whitespace"),
    ],
)
def test_invalid_json(target: Lcore, body: bytes) -> None:
    expect_error(post_json(target, body), 400, "json_invalid")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"NaN", id="nan"),
        pytest.param(b'{"x": NaN}', id="nan-in-object"),
        pytest.param(b"[Infinity]", id="infinity"),
        pytest.param(b"[-Infinity]", id="minus-infinity"),
        pytest.param(b"1e999", id="overflow"),
        pytest.param(b'{"x": -1e999}', id="negative-overflow"),
        pytest.param(b"[1E+400]", id="overflow-upper-e"),
        pytest.param(b"[" + b"1" * 400 + b".0]", id="overflow-without-exponent"),
    ],
)
@pytest.mark.parametrize("backend", ["json", "ujson"])
def test_non_finite_numbers_in_json(target: Lcore, body: bytes, backend: str) -> None:
    target.config["json.backend"] = backend
    try:
        payload = expect_error(post_json(target, body), 400, "json_invalid")
        assert payload["detail"] == [
            {"loc": ["body"], "msg": "Invalid JSON", "type": "json_invalid"}
        ]
    finally:
        target.config["json.backend"] = "json"


@pytest.mark.parametrize("backend", ["json", "ujson"])
def test_json_values_read_are_echoed_back(target: Lcore, backend: str) -> None:
    target.config["json.backend"] = backend
    try:
        body = b'{"N": "I", "big": 1.7976931348623157e308, "tiny": 1e-999, "int": 1' + b"0" * 400
        body += b', "text": "1e999"}'
        assert expect_json(post_json(target, body))["json"] == {
            "N": "I",
            "big": 1.7976931348623157e308,
            "tiny": 0.0,
            "int": 10**400,
            "text": "1e999",
        }
    finally:
        target.config["json.backend"] = "json"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"a": "\xff"}', id="invalid-byte"),
        pytest.param(b'{"a": "\xc3"}', id="truncated-sequence"),
        pytest.param(b'{"a": "\xc0\xaf"}', id="overlong"),
        pytest.param(b'{"a": "\xed\xa0\x80"}', id="utf8-surrogate"),
        pytest.param('{"a": "é"}'.encode("utf-16"), id="utf-16"),
    ],
)
def test_json_body_not_utf8(target: Lcore, body: bytes) -> None:
    expect_error(post_json(target, body), 400, "json_invalid")


def test_json_unterminated_string_with_escaped_quotes(target: Lcore) -> None:
    body = b'"' + b'\\"' * 50_000 + b"[" * 65
    expect_error(post_json(target, body), 400, "json_invalid")


def test_json_media_type_suffix_is_parsed_and_checked(target: Lcore) -> None:
    expect_error(post_json(target, b"{nope", "application/problem+json"), 400, "json_invalid")


def test_json_with_other_content_type_is_not_parsed(target: Lcore) -> None:
    assert expect_json(post_json(target, b"{nope", "text/plain")) == {"json": None}


def test_json_body_over_max_body(target: Lcore) -> None:
    target.config["request.max_body"] = 16
    expect_error(post_json(target, b'{"a": "' + b"x" * 32 + b'"}'), 413, "body_too_large")
