"""Hostile values for typed parameters: strict grammars, huge numbers, wrong JSON types,
deep and large bodies. Each case pins the status and the error type (and never a 500)."""

from __future__ import annotations

import dataclasses
import sys
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import pytest

from lcore import Body, Header, Lcore
from tests.enums import Color
from tests.raw_wsgi import RawResult, expect_error, expect_json, send


@dataclasses.dataclass
class Item:
    name: str
    count: int
    ratio: float
    active: bool
    color: Color


@dataclasses.dataclass
class Node:
    name: str
    child: Node | None = None


@pytest.fixture
def typed() -> Lcore:
    app = Lcore()
    app.config["error.format"] = "json"

    @app.get("/int")
    def int_query(value: int) -> dict[str, Any]:
        return {"value": value}

    @app.get("/int/<value>")
    def int_path(value: int) -> dict[str, Any]:
        return {"value": value}

    @app.get("/header")
    def int_header(x_count: Annotated[int, Header()]) -> dict[str, Any]:
        return {"value": x_count}

    @app.get("/float")
    def float_query(value: float) -> dict[str, Any]:
        return {"value": value}

    @app.get("/bool")
    def bool_query(value: bool) -> dict[str, Any]:
        return {"value": value}

    @app.get("/uuid")
    def uuid_query(value: UUID) -> dict[str, Any]:
        return {"value": value}

    @app.get("/date")
    def date_query(value: date) -> dict[str, Any]:
        return {"value": value}

    @app.get("/color")
    def color_query(value: Color) -> dict[str, Any]:
        return {"value": value}

    @app.post("/item")
    def item(value: Item) -> Item:
        return value

    @app.post("/number")
    def number(value: Annotated[int, Body()]) -> dict[str, Any]:
        return {"value": value}

    @app.post("/real")
    def real(value: Annotated[float, Body()]) -> dict[str, Any]:
        return {"value": value}

    @app.post("/node")
    def node(value: Node) -> Node:
        return value

    @app.post("/numbers")
    def numbers(values: Annotated[list[int], Body()]) -> dict[str, Any]:
        return {"count": len(values), "sum": sum(values)}

    return app


def get(app: Lcore, path: str, query: str = "", **extra: Any) -> RawResult:
    return send(app, path, QUERY_STRING=query, **extra)


def post(app: Lcore, path: str, body: bytes) -> RawResult:
    return send(
        app, path, "POST", body, CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body))
    )


def only_problem(result: RawResult, status: int, kind: str) -> dict[str, Any]:
    payload = expect_error(result, status, kind)
    return payload["detail"][0]  # type: ignore[no-any-return]


ITEM = b'{"name": "n", "count": 1, "ratio": 0.5, "active": true, "color": "red"}'


# -- integers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("%2B5", id="plus-sign"),
        pytest.param("5_0", id="underscore"),
        pytest.param("%205", id="leading-space"),
        pytest.param("5%20", id="trailing-space"),
        pytest.param("%D9%A3", id="arabic-indic-digit"),
        pytest.param("%EF%BC%95", id="fullwidth-digit"),
        pytest.param("1e5", id="exponent"),
        pytest.param("0x10", id="hex"),
        pytest.param("5.0", id="decimal-point"),
        pytest.param("", id="empty"),
    ],
)
def test_int_query_strict_grammar(typed: Lcore, raw: str) -> None:
    problem = only_problem(get(typed, "/int", "value=" + raw), 422, "int_parsing")
    assert problem == {
        "loc": ["query", "value"],
        "msg": "expected an integer",
        "type": "int_parsing",
    }


def test_int_query_20_digits_is_accepted(typed: Lcore) -> None:
    assert expect_json(get(typed, "/int", "value=" + "9" * 20)) == {"value": int("9" * 20)}


def test_int_query_4300_digits_is_accepted(typed: Lcore) -> None:
    # Integers are unbounded in the schema; 4,300 digits is CPython's own conversion cap.
    assert expect_json(get(typed, "/int", "value=" + "9" * 4300)) == {"value": int("9" * 4300)}


def test_int_query_4301_digits(typed: Lcore) -> None:
    only_problem(get(typed, "/int", "value=" + "9" * 4301), 422, "int_parsing")


def test_int_query_10000_digits(typed: Lcore) -> None:
    only_problem(get(typed, "/int", "value=" + "9" * 10_000), 422, "int_parsing")


def test_int_path_10000_digits(typed: Lcore) -> None:
    problem = only_problem(get(typed, "/int/" + "9" * 10_000), 422, "int_parsing")
    assert problem["loc"] == ["path", "value"]


def test_int_path_non_ascii_digit(typed: Lcore) -> None:
    # PATH_INFO carries UTF-8 bytes as latin-1 (PEP 3333).
    path = "/int/" + "\u0663".encode().decode("latin-1")
    only_problem(get(typed, path), 422, "int_parsing")


def test_int_header_10000_digits(typed: Lcore) -> None:
    problem = only_problem(get(typed, "/header", HTTP_X_COUNT="9" * 10_000), 422, "int_parsing")
    assert problem["loc"] == ["header", "X-Count"]


def test_json_int_21_digits_is_accepted(typed: Lcore) -> None:
    assert expect_json(post(typed, "/number", b"9" * 21)) == {"value": int("9" * 21)}


def test_json_int_10000_digits(typed: Lcore) -> None:
    result = post(typed, "/number", b"9" * 10_000)
    if hasattr(sys, "get_int_max_str_digits"):  # the interpreter refuses to parse it
        only_problem(result, 400, "json_invalid")
    else:  # older interpreters parse it; the value is an int like any other
        expect_json(result)


def test_json_true_for_an_int_field(typed: Lcore) -> None:
    body = ITEM.replace(b'"count": 1', b'"count": true')
    problem = only_problem(post(typed, "/item", body), 422, "int_type")
    assert problem == {"loc": ["body", "count"], "msg": "expected an integer", "type": "int_type"}


def test_json_string_for_an_int_field(typed: Lcore) -> None:
    body = ITEM.replace(b'"count": 1', b'"count": "1"')
    only_problem(post(typed, "/item", body), 422, "int_type")


def test_json_fraction_for_an_int_field(typed: Lcore) -> None:
    body = ITEM.replace(b'"count": 1', b'"count": 1.5')
    only_problem(post(typed, "/item", body), 422, "int_type")


# -- floats -----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-inf", "Infinity", "1e999", "-1e999"])
def test_float_query_non_finite(typed: Lcore, raw: str) -> None:
    problem = only_problem(get(typed, "/float", "value=" + raw), 422, "float_parsing")
    assert problem["msg"] == "expected a number"


def test_float_query_10000_digits(typed: Lcore) -> None:
    only_problem(get(typed, "/float", "value=" + "9" * 10_000), 422, "float_parsing")


def test_json_float_overflowing_to_infinity(typed: Lcore) -> None:
    # Not JSON lcore can write back: the body is invalid, as with NaN (issue 9).
    body = ITEM.replace(b'"ratio": 0.5', b'"ratio": 1e999')
    problem = only_problem(post(typed, "/item", body), 400, "json_invalid")
    assert problem == {"loc": ["body"], "msg": "Invalid JSON", "type": "json_invalid"}


def test_json_negative_infinity_body(typed: Lcore) -> None:
    only_problem(post(typed, "/real", b"-1e999"), 400, "json_invalid")


@pytest.mark.parametrize("sign", [b"", b"-"])
def test_json_integer_too_large_for_a_float_field(typed: Lcore, sign: bytes) -> None:
    # Valid JSON, read exactly as an int, but no float can hold it.
    body = ITEM.replace(b'"ratio": 0.5', b'"ratio": ' + sign + b"1" + b"0" * 400)
    problem = only_problem(post(typed, "/item", body), 422, "finite_number")
    assert problem == {
        "loc": ["body", "ratio"],
        "msg": "expected a finite number",
        "type": "finite_number",
    }
    only_problem(post(typed, "/real", sign + b"9" * 309), 422, "finite_number")


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_json_nan_literals_are_not_json(typed: Lcore, literal: bytes) -> None:
    only_problem(post(typed, "/real", literal), 400, "json_invalid")


def test_json_string_for_a_float_field(typed: Lcore) -> None:
    body = ITEM.replace(b'"ratio": 0.5', b'"ratio": "0.5"')
    only_problem(post(typed, "/item", body), 422, "float_type")


# -- booleans, UUIDs, dates, enums --------------------------------------------------------------


@pytest.mark.parametrize("raw", ["maybe", "2", "t", "y", "", "tru%C3%A9"])
def test_bool_query(typed: Lcore, raw: str) -> None:
    only_problem(get(typed, "/bool", "value=" + raw), 422, "bool_parsing")


def test_json_1_for_a_bool_field(typed: Lcore) -> None:
    body = ITEM.replace(b'"active": true', b'"active": 1')
    problem = only_problem(post(typed, "/item", body), 422, "bool_type")
    assert problem == {"loc": ["body", "active"], "msg": "expected a boolean", "type": "bool_type"}


def test_json_string_true_for_a_bool_field(typed: Lcore) -> None:
    body = ITEM.replace(b'"active": true', b'"active": "true"')
    only_problem(post(typed, "/item", body), 422, "bool_type")


@pytest.mark.parametrize(
    "raw",
    [
        "not-a-uuid",
        "12345678-1234-5678-1234-56781234567",
        "12345678-1234-5678-1234-5678123456789",
        "g2345678-1234-5678-1234-567812345678",
        "%EF%BC%91" * 32,
        "1" * 10_000,
    ],
)
def test_bad_uuid(typed: Lcore, raw: str) -> None:
    only_problem(get(typed, "/uuid", "value=" + raw), 422, "uuid_parsing")


@pytest.mark.parametrize(
    "raw", ["2024-13-01", "2024-02-30", "24-01-01", "2024/01/01", "20240101", "2024-01-01T00:00"]
)
def test_bad_date(typed: Lcore, raw: str) -> None:
    only_problem(get(typed, "/date", "value=" + raw), 422, "date_parsing")


def test_unknown_enum_value_in_the_query(typed: Lcore) -> None:
    problem = only_problem(get(typed, "/color", "value=green"), 422, "enum")
    assert problem["msg"] == "expected one of 'red', 'blue'"


def test_enum_matching_is_case_sensitive(typed: Lcore) -> None:
    only_problem(get(typed, "/color", "value=RED"), 422, "enum")


def test_unknown_enum_value_in_the_body(typed: Lcore) -> None:
    body = ITEM.replace(b'"color": "red"', b'"color": "green"')
    problem = only_problem(post(typed, "/item", body), 422, "enum")
    assert problem["loc"] == ["body", "color"]


def test_unhashable_enum_value_in_the_body(typed: Lcore) -> None:
    body = ITEM.replace(b'"color": "red"', b'"color": ["red"]')
    only_problem(post(typed, "/item", body), 422, "enum")


# -- the shape of the body ------------------------------------------------------------------------


def test_array_instead_of_an_object(typed: Lcore) -> None:
    problem = only_problem(post(typed, "/item", b"[" + ITEM + b"]"), 422, "model_type")
    assert problem == {"loc": ["body"], "msg": "expected an object", "type": "model_type"}


@pytest.mark.parametrize("body", [b'"text"', b"42", b"true", b"null"])
def test_scalar_instead_of_an_object(typed: Lcore, body: bytes) -> None:
    result = post(typed, "/item", body)
    if body == b"null":  # JSON null is no body at all
        only_problem(result, 422, "missing")
    else:
        only_problem(result, 422, "model_type")


def test_object_instead_of_a_list(typed: Lcore) -> None:
    only_problem(post(typed, "/numbers", b'{"0": 1}'), 422, "list_type")


def test_body_not_utf8(typed: Lcore) -> None:
    only_problem(post(typed, "/item", b'{"name": "\xff"}'), 400, "json_invalid")


def test_body_with_trailing_data(typed: Lcore) -> None:
    only_problem(post(typed, "/item", ITEM + b" {}"), 400, "json_invalid")


def test_body_under_a_form_content_type(typed: Lcore) -> None:
    result = send(
        typed,
        "/item",
        "POST",
        ITEM,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(len(ITEM)),
    )
    only_problem(result, 415, "unsupported_media_type")


def test_deeply_nested_body_within_the_limit(typed: Lcore) -> None:
    depth = 63  # request.max_json_depth is 64
    body = b'{"name": "n", "child": ' * depth + b'{"name": "leaf"}' + b"}" * depth
    result = expect_json(post(typed, "/node", body))
    for _ in range(depth):
        result = result["child"]
    assert result == {"name": "leaf", "child": None}


def test_deeply_nested_body_with_a_problem_at_the_bottom(typed: Lcore) -> None:
    depth = 63
    body = b'{"name": "n", "child": ' * depth + b'{"name": 1}' + b"}" * depth
    problem = only_problem(post(typed, "/node", body), 422, "string_type")
    assert problem["loc"] == ["body", *["child"] * depth, "name"]


def test_nested_body_over_the_limit(typed: Lcore) -> None:
    depth = 64
    body = b'{"name": "n", "child": ' * depth + b'{"name": "leaf"}' + b"}" * depth
    only_problem(post(typed, "/node", body), 400, "json_too_deep")


def test_huge_list_within_max_body(typed: Lcore) -> None:
    count = 200_000
    body = b"[" + b",".join([b"1"] * count) + b"]"
    assert expect_json(post(typed, "/numbers", body)) == {"count": count, "sum": count}


def test_huge_list_over_max_body(typed: Lcore) -> None:
    typed.config["request.max_body"] = 100_000
    body = b"[" + b",".join([b"1"] * 100_000) + b"]"
    problem = only_problem(post(typed, "/numbers", body), 413, "body_too_large")
    assert problem["msg"] == "Request body exceeds 100000 bytes (request.max_body)"


def test_every_bad_item_of_a_list_is_reported(typed: Lcore) -> None:
    body = b'[1, "2", 3, true, 5.5]'
    payload = expect_error(post(typed, "/numbers", body), 422)
    assert [(d["loc"], d["type"]) for d in payload["detail"]] == [
        (["body", 1], "int_type"),
        (["body", 3], "int_type"),
        (["body", 4], "int_type"),
    ]
