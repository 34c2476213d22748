"""Too many query, form or cookie fields."""

from __future__ import annotations

from lcore import Lcore
from tests.raw_wsgi import RawResult, expect_error, expect_json, send


def many(count: int) -> str:
    return "&".join(f"f{i}={i}" for i in range(count))


def post_form(target: Lcore, text: str) -> RawResult:
    body = text.encode()
    return send(
        target,
        "/form",
        "POST",
        body,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(len(body)),
    )


def test_1001_query_fields(target: Lcore) -> None:
    payload = expect_error(send(target, "/query", QUERY_STRING=many(1001)), 413, "too_many_fields")
    assert payload["detail"][0]["msg"] == "More than 1000 fields (request.max_fields)"
    assert payload["detail"][0]["loc"] == ["query"]


def test_1000_query_fields_are_accepted(target: Lcore) -> None:
    assert expect_json(send(target, "/query", QUERY_STRING=many(1000)))["fields"] == 1000


def test_1001_repeated_query_fields(target: Lcore) -> None:
    expect_error(send(target, "/query", QUERY_STRING="a=1&" * 1001), 413, "too_many_fields")


def test_empty_query_fields_do_not_count(target: Lcore) -> None:
    result = send(target, "/query", QUERY_STRING="&" * 5000 + "a=1")
    assert expect_json(result)["query"] == {"a": "1"}


def test_1001_form_fields(target: Lcore) -> None:
    payload = expect_error(post_form(target, many(1001)), 413, "too_many_fields")
    assert payload["detail"][0]["loc"] == ["body"]


def test_1000_form_fields_are_accepted(target: Lcore) -> None:
    assert expect_json(post_form(target, many(1000)))["fields"] == 1000


def test_query_fields_over_a_configured_limit(target: Lcore) -> None:
    target.config["request.max_fields"] = 10
    payload = expect_error(send(target, "/query", QUERY_STRING=many(11)), 413, "too_many_fields")
    assert payload["detail"][0]["msg"] == "More than 10 fields (request.max_fields)"
