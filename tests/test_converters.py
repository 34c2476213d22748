"""Strict converters: every scalar grammar (text and JSON), containers, models, bounds."""

from __future__ import annotations

import dataclasses
import sys
import typing
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal, TypedDict
from uuid import UUID

import pytest

from lcore import Body, Query
from lcore.converters import (
    MAX_SCALAR_TEXT,
    NO_CONSTRAINTS,
    Constraints,
    Invalid,
    build_converter,
    is_typeddict,
    unwrap_annotated,
)
from tests.enums import Color, Level


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0


@dataclasses.dataclass
class Shape:
    name: str
    points: list[Point]
    origin: Point | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    area: float = dataclasses.field(default=0.0, init=False)


@dataclasses.dataclass
class Node:
    value: int
    children: list[Node] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Bounded:
    count: Annotated[int, Body(ge=0, le=10)]
    code: Annotated[str, Body(pattern=r"^[A-Z]{3}$")] = "ABC"


class Movie(TypedDict):
    title: str
    year: int


class Draft(TypedDict, total=False):
    title: str
    year: int


class Mixed(TypedDict):
    title: str
    note: typing.NotRequired[str]


class Sparse(TypedDict, total=False):
    title: typing.Required[str]
    note: str


class Tree(TypedDict):
    label: str
    kids: list[Tree]


def problems(convert: Any, value: Any) -> list[tuple[Any, str, str]]:
    """The problems a converter reports for ``value`` (it must fail)."""
    with pytest.raises(Invalid) as caught:
        convert(value)
    return caught.value.problems


def kinds(convert: Any, value: Any) -> list[str]:
    return [kind for _, _, kind in problems(convert, value)]


# -- scalars from text (query, header, cookie, path) --------------------------------------


@pytest.mark.parametrize(
    ("tp", "text", "expected"),
    [
        (int, "5", 5),
        (int, "-5", -5),
        (int, "007", 7),
        (int, "9" * 20, int("9" * 20)),
        (int, "9" * 4300, int("9" * 4300)),  # CPython's own int/str cap
        (int, "-" + "9" * 4300, -int("9" * 4300)),
        (float, "1.5", 1.5),
        (float, "-2", -2.0),
        (float, ".5", 0.5),
        (float, "5.", 5.0),
        (float, "1e3", 1000.0),
        (float, "1E-3", 0.001),
        (bool, "true", True),
        (bool, "TRUE", True),
        (bool, "1", True),
        (bool, "yes", True),
        (bool, "on", True),
        (bool, "false", False),
        (bool, "0", False),
        (bool, "No", False),
        (bool, "off", False),
        (str, "", ""),
        (str, "héllo", "héllo"),
        (Decimal, "1.50", Decimal("1.50")),
        (Decimal, "-3", Decimal(-3)),
        (Decimal, "1e3", Decimal("1e3")),
        (
            UUID,
            "12345678-1234-5678-1234-567812345678",
            UUID("12345678-1234-5678-1234-567812345678"),
        ),
        (UUID, "12345678123456781234567812345678", UUID("12345678-1234-5678-1234-567812345678")),
        (date, "2024-02-29", date(2024, 2, 29)),
        (datetime, "2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5)),
        (
            datetime,
            "2024-01-02T03:04:05+02:00",
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),
        ),
        (time, "12:30", time(12, 30)),
        (time, "12:30:15.5", time(12, 30, 15, 500000)),
        (Color, "red", Color.RED),
        (Level, "2", Level.HIGH),
        (Literal["a", "b"], "b", "b"),
        (Literal[1, 2], "2", 2),
        (Literal[True], "true", True),
        (int | None, "4", 4),
        (int | str, "x", "x"),
        (int | str, "4", 4),
        (list[int], ["1", "2"], [1, 2]),
        (tuple[int, ...], ["1"], (1,)),
        (set[str], ["a", "a"], {"a"}),
        (frozenset[int], ["1"], frozenset({1})),
        (Sequence[int], ["3"], [3]),
        (Any, "as is", "as is"),
        (object, "as is", "as is"),
    ],
)
def test_text_values_convert(tp: Any, text: Any, expected: Any) -> None:
    result = build_converter(tp, True)(text)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("tp", "text", "msg", "kind"),
    [
        (int, "+5", "expected an integer", "int_parsing"),
        (int, "5_0", "expected an integer", "int_parsing"),
        (int, " 5", "expected an integer", "int_parsing"),
        (int, "5 ", "expected an integer", "int_parsing"),
        (int, "\u0663", "expected an integer", "int_parsing"),
        (int, "1e5", "expected an integer", "int_parsing"),
        (int, "1.0", "expected an integer", "int_parsing"),
        (int, "", "expected an integer", "int_parsing"),
        (int, "9" * 4301, "expected an integer", "int_parsing"),
        (int, 5.0, "expected an integer", "int_type"),
        (float, "nan", "expected a number", "float_parsing"),
        (float, "inf", "expected a number", "float_parsing"),
        (float, "-Infinity", "expected a number", "float_parsing"),
        (float, "1e999", "expected a number", "float_parsing"),
        (float, "1e99999", "expected a number", "float_parsing"),
        (float, "0x10", "expected a number", "float_parsing"),
        (float, "1.5.2", "expected a number", "float_parsing"),
        (float, "", "expected a number", "float_parsing"),
        (float, "1" * (MAX_SCALAR_TEXT + 1), "expected a number", "float_parsing"),
        (
            bool,
            "maybe",
            "expected a boolean (true/false, 1/0, yes/no, on/off)",
            "bool_parsing",
        ),
        (bool, "", "expected a boolean (true/false, 1/0, yes/no, on/off)", "bool_parsing"),
        (Decimal, "NaN", "expected a decimal number", "decimal_parsing"),
        (Decimal, "Infinity", "expected a decimal number", "decimal_parsing"),
        (Decimal, "1,5", "expected a decimal number", "decimal_parsing"),
        (Decimal, "1" * (MAX_SCALAR_TEXT + 1), "expected a decimal number", "decimal_parsing"),
        (UUID, "not-a-uuid", "expected a UUID", "uuid_parsing"),
        (UUID, "12345678-1234-5678-1234-56781234567g", "expected a UUID", "uuid_parsing"),
        (UUID, "\uff11" * 32, "expected a UUID", "uuid_parsing"),
        (date, "2024-02-30", "expected an ISO 8601 date", "date_parsing"),
        (date, "20240101", "expected an ISO 8601 date", "date_parsing"),
        (date, "yesterday!", "expected an ISO 8601 date", "date_parsing"),
        (datetime, "tomorrow", "expected an ISO 8601 date-time", "datetime_parsing"),
        (datetime, "2024-01-02T25:00", "expected an ISO 8601 date-time", "datetime_parsing"),
        (time, "25:00", "expected an ISO 8601 time", "time_parsing"),
        (Color, "green", "expected one of 'red', 'blue'", "enum"),
        (Level, "3", "expected one of 1, 2", "enum"),
        (Literal["a", "b"], "c", "expected one of 'a', 'b'", "literal_error"),
        (Literal[1, 2], "01", "expected one of 1, 2", "literal_error"),
        (list[int], "1", "expected a list", "list_type"),
    ],
)
def test_text_values_refused(tp: Any, text: Any, msg: str, kind: str) -> None:
    assert problems(build_converter(tp, True), text) == [((), msg, kind)]


def test_a_10000_digit_number_is_refused_without_converting_it() -> None:
    digits = "7" * 10_000
    assert kinds(build_converter(int, True), digits) == ["int_parsing"]
    assert kinds(build_converter(float, True), digits) == ["float_parsing"]
    assert kinds(build_converter(Decimal, True), digits) == ["decimal_parsing"]


def test_text_list_reports_every_bad_item_with_its_index() -> None:
    convert = build_converter(list[int], True)
    assert problems(convert, ["1", "x", "3", "+4"]) == [
        ((1,), "expected an integer", "int_parsing"),
        ((3,), "expected an integer", "int_parsing"),
    ]


def test_union_reports_the_first_members_problem() -> None:
    assert problems(build_converter(int | float, True), "x") == [
        ((), "expected an integer", "int_parsing")
    ]


# -- JSON values (body) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tp", "value", "expected"),
    [
        (int, 5, 5),
        (int, -(10**20) + 1, -(10**20) + 1),
        (int, 10**100, 10**100),  # integers are unbounded, as in Python and the schema
        (int, 3.0, 3),
        (float, 1.5, 1.5),
        (float, 2, 2.0),
        (bool, True, True),
        (bool, False, False),
        (str, "x", "x"),
        (Decimal, 1, Decimal(1)),
        (Decimal, 1.5, Decimal("1.5")),
        (Decimal, "1.25", Decimal("1.25")),
        (
            UUID,
            "12345678-1234-5678-1234-567812345678",
            UUID("12345678-1234-5678-1234-567812345678"),
        ),
        (date, "2024-01-02", date(2024, 1, 2)),
        (datetime, "2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5)),
        (time, "03:04", time(3, 4)),
        (Color, "blue", Color.BLUE),
        (Level, 1, Level.LOW),
        (Level, "1", Level.LOW),
        (Literal[1, 2], 1, 1),
        (Literal["a"], "a", "a"),
        (int | None, None, None),
        (int | None, 3, 3),
        (list[int], [1, 2], [1, 2]),
        (dict[str, int], {"a": 1}, {"a": 1}),
        (Mapping[str, bool], {"a": True}, {"a": True}),
        (dict, {"any": [1]}, {"any": [1]}),
        (list, [1, "x"], [1, "x"]),
        (list[Any], [None], [None]),
    ],
)
def test_json_values_convert(tp: Any, value: Any, expected: Any) -> None:
    result = build_converter(tp, False)(value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("tp", "value", "msg", "kind"),
    [
        (int, True, "expected an integer", "int_type"),
        (int, "5", "expected an integer", "int_type"),
        (int, 1.5, "expected an integer", "int_type"),
        (int, float("inf"), "expected an integer", "int_type"),
        (int, 2.0**60, "expected an integer", "int_type"),
        (float, "1.5", "expected a number", "float_type"),
        (float, True, "expected a number", "float_type"),
        (float, None, "expected a number", "float_type"),
        (float, float("inf"), "expected a finite number", "finite_number"),
        (float, float("-inf"), "expected a finite number", "finite_number"),
        (float, float("nan"), "expected a finite number", "finite_number"),
        (float, 10**400, "expected a finite number", "finite_number"),
        (float, -(10**400), "expected a finite number", "finite_number"),
        (bool, 1, "expected a boolean", "bool_type"),
        (bool, "true", "expected a boolean", "bool_type"),
        (str, 5, "expected a string", "string_type"),
        (str, None, "expected a string", "string_type"),
        (Decimal, True, "expected a decimal number", "decimal_parsing"),
        (Decimal, float("inf"), "expected a decimal number", "decimal_parsing"),
        (Decimal, float("nan"), "expected a decimal number", "decimal_parsing"),
        (UUID, 5, "expected a UUID", "uuid_parsing"),
        (date, 20240102, "expected an ISO 8601 date", "date_parsing"),
        (Color, "RED", "expected one of 'red', 'blue'", "enum"),
        (Color, ["red"], "expected one of 'red', 'blue'", "enum"),
        (Level, True, "expected one of 1, 2", "enum"),
        (Literal[1], True, "expected one of 1", "literal_error"),
        (Literal["1"], 1, "expected one of '1'", "literal_error"),
        (list[int], {"a": 1}, "expected a list", "list_type"),
        (list[int], "12", "expected a list", "list_type"),
        (dict[str, int], [1], "expected an object", "dict_type"),
        (Point, [1, 2], "expected an object", "model_type"),
        (Movie, "title", "expected an object", "model_type"),
    ],
)
def test_json_values_refused(tp: Any, value: Any, msg: str, kind: str) -> None:
    assert problems(build_converter(tp, False), value) == [((), msg, kind)]


def test_dict_reports_every_bad_value_under_its_key() -> None:
    convert = build_converter(dict[str, list[int]], False)
    assert problems(convert, {"a": [1, "x"], "b": 2, "c": []}) == [
        (("a", 1), "expected an integer", "int_type"),
        (("b",), "expected a list", "list_type"),
    ]


# -- models -------------------------------------------------------------------------------


def test_dataclass_with_nesting_defaults_and_factories() -> None:
    convert = build_converter(Shape, False)
    shape = convert({"name": "tri", "points": [{"x": 1, "y": 2}, {"x": 3}]})
    assert shape == Shape("tri", [Point(1, 2), Point(3, 0)])
    assert shape.origin is None
    assert shape.tags == []
    assert shape.tags is not convert({"name": "t", "points": []}).tags


def test_dataclass_ignores_unknown_keys_and_init_false_fields() -> None:
    shape = build_converter(Shape, False)({"name": "n", "points": [], "area": 5, "extra": 1})
    assert shape.area == 0.0


def test_dataclass_reports_every_problem_with_its_path() -> None:
    convert = build_converter(Shape, False)
    value = {"points": [{"x": 1}, {"y": "2"}, 3], "origin": {"x": True}, "tags": [1]}
    assert problems(convert, value) == [
        (("name",), "field required", "missing"),
        (("points", 1, "x"), "field required", "missing"),
        (("points", 1, "y"), "expected an integer", "int_type"),
        (("points", 2), "expected an object", "model_type"),
        (("origin", "x"), "expected an integer", "int_type"),
        (("tags", 0), "expected a string", "string_type"),
    ]


def test_recursive_dataclass() -> None:
    convert = build_converter(Node, False)
    tree = convert({"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]})
    assert tree == Node(1, [Node(2, [Node(3)])])
    assert problems(convert, {"value": 1, "children": [{"children": [{"value": "x"}]}]}) == [
        (("children", 0, "value"), "field required", "missing"),
        (("children", 0, "children", 0, "value"), "expected an integer", "int_type"),
    ]


def test_dataclass_field_bounds_from_annotated_markers() -> None:
    convert = build_converter(Bounded, False)
    assert convert({"count": 10}) == Bounded(10, "ABC")
    assert problems(convert, {"count": 11, "code": "abc"}) == [
        (("count",), "must be <= 10", "less_than_equal"),
        (("code",), "must match '^[A-Z]{3}$'", "string_pattern_mismatch"),
    ]


def test_typeddict_total() -> None:
    convert = build_converter(Movie, False)
    assert convert({"title": "Heat", "year": 1995, "extra": 1}) == {"title": "Heat", "year": 1995}
    assert problems(convert, {"year": "1995"}) == [
        (("title",), "field required", "missing"),
        (("year",), "expected an integer", "int_type"),
    ]


def test_typeddict_total_false() -> None:
    convert = build_converter(Draft, False)
    assert convert({}) == {}
    assert convert({"year": 2000}) == {"year": 2000}


@pytest.mark.skipif(sys.version_info < (3, 11), reason="typing.Required is 3.11+")
@pytest.mark.parametrize("tp", [Mixed, Sparse])
def test_typeddict_required_and_not_required(tp: Any) -> None:
    # This module uses `from __future__ import annotations`, under which the classes'
    # own __required_keys__ miss the Required/NotRequired wrappers.
    convert = build_converter(tp, False)
    assert convert({"title": "t"}) == {"title": "t"}
    assert convert({"title": "t", "note": "n"}) == {"title": "t", "note": "n"}
    assert problems(convert, {"note": "n"}) == [(("title",), "field required", "missing")]


def test_typing_extensions_typeddict() -> None:
    te = pytest.importorskip("typing_extensions")
    Item = te.TypedDict("Item", {"name": str, "note": te.NotRequired[str]})
    assert is_typeddict(Item)
    convert = build_converter(Item, False)
    assert convert({"name": "x"}) == {"name": "x"}
    assert problems(convert, {"note": 1}) == [
        (("name",), "field required", "missing"),
        (("note",), "expected a string", "string_type"),
    ]


def test_recursive_typeddict() -> None:
    convert = build_converter(Tree, False)
    value = {"label": "a", "kids": [{"label": "b", "kids": []}]}
    assert convert(value) == value
    assert problems(convert, {"label": "a", "kids": [{"label": 1}]}) == [
        (("kids", 0, "label"), "expected a string", "string_type"),
        (("kids", 0, "kids"), "field required", "missing"),
    ]


def test_list_of_models() -> None:
    convert = build_converter(list[Point], False)
    assert convert([{"x": 1}, {"x": 2, "y": 3}]) == [Point(1), Point(2, 3)]
    assert problems(convert, [{"x": 1}, {}]) == [((1, "x"), "field required", "missing")]


# -- constraints --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marker", "tp", "text", "msg", "kind"),
    [
        (Query(ge=1), int, "0", "must be >= 1", "greater_than_equal"),
        (Query(gt=1), int, "1", "must be > 1", "greater_than"),
        (Query(le=10), int, "11", "must be <= 10", "less_than_equal"),
        (Query(lt=10), int, "10", "must be < 10", "less_than"),
        (Query(ge=0.5), float, "0.25", "must be >= 0.5", "greater_than_equal"),
        (Query(lt=1), Decimal, "1.0", "must be < 1", "less_than"),
        (Query(min_length=2), str, "a", "must have at least 2 items/characters", "too_short"),
        (Query(max_length=2), str, "abc", "must have at most 2 items/characters", "too_long"),
        (Query(pattern=r"^\d+$"), str, "12a", "must match '^\\\\d+$'", "string_pattern_mismatch"),
    ],
)
def test_constraints_refuse(marker: Query, tp: Any, text: str, msg: str, kind: str) -> None:
    convert = build_converter(Annotated[tp, marker], True)
    assert problems(convert, text) == [((), msg, kind)]


@pytest.mark.parametrize(
    ("marker", "tp", "text"),
    [
        (Query(ge=1), int, "1"),
        (Query(gt=1), int, "2"),
        (Query(le=10), int, "10"),
        (Query(lt=10), float, "9.5"),
        (Query(min_length=2), str, "ab"),
        (Query(max_length=2), str, "ab"),
        (Query(pattern="b"), str, "abc"),
    ],
)
def test_constraints_accept_the_boundary(marker: Query, tp: Any, text: str) -> None:
    assert build_converter(Annotated[tp, marker], True)(text) == tp(text)


def test_length_bounds_apply_to_lists() -> None:
    convert = build_converter(Annotated[list[int], Query(min_length=1, max_length=2)], True)
    assert convert(["1"]) == [1]
    assert kinds(convert, []) == ["too_short"]
    assert kinds(convert, ["1", "2", "3"]) == ["too_long"]


def test_bounds_skip_none_and_bools() -> None:
    assert build_converter(Annotated[int | None, Query(ge=1)], False)(None) is None
    assert build_converter(Annotated[bool, Query(ge=5)], True)("true") is True


def test_conversion_problems_come_before_bounds() -> None:
    convert = build_converter(Annotated[int, Query(ge=1)], True)
    assert kinds(convert, "x") == ["int_parsing"]


def test_bounds_are_found_among_other_metadata() -> None:
    convert = build_converter(Annotated[int, "a note", Query(ge=1)], True)
    assert kinds(convert, "0") == ["greater_than_equal"]


def test_text_converters_take_already_typed_values() -> None:
    # A wildcard filter may hand over a number or a bool rather than text.
    assert build_converter(float, True)(5) == 5.0
    assert build_converter(bool, True)(True) is True
    assert kinds(build_converter(bool, True), 1) == ["bool_parsing"]


def test_constraints_truthiness() -> None:
    assert not NO_CONSTRAINTS
    assert not Constraints()
    assert Constraints(ge=0)
    assert Constraints(pattern="")


# -- building -----------------------------------------------------------------------------


@pytest.mark.parametrize("tp", [complex, bytes, type(None) | complex, list[complex]])
def test_unsupported_types_raise_type_error(tp: Any) -> None:
    with pytest.raises(TypeError, match="lcore cannot validate values of type"):
        build_converter(tp, True)


def test_unresolvable_forward_reference_raises_name_error() -> None:
    @dataclasses.dataclass
    class Later:
        other: Missing  # noqa: F821 - the point of the test

    with pytest.raises(NameError):
        build_converter(Later, False)


def test_unwrap_annotated() -> None:
    marker = Query(ge=1)
    assert unwrap_annotated(Annotated[int, marker, "x"]) == (int, (marker, "x"))
    assert unwrap_annotated(int) == (int, ())


def test_is_typeddict() -> None:
    assert is_typeddict(Movie)
    assert not is_typeddict(dict)
    assert not is_typeddict(Point)
    assert not is_typeddict("Movie")


def test_invalid_details_are_error_shape_entries() -> None:
    invalid = Invalid([((), "bad", "x"), (("a", 0), "worse", "y")])
    assert invalid.details(("query", "q")) == [
        {"loc": ["query", "q"], "msg": "bad", "type": "x"},
        {"loc": ["query", "q", "a", 0], "msg": "worse", "type": "y"},
    ]
    assert Invalid.one("m", "k").problems == [((), "m", "k")]
