"""schema: Python types -> JSON Schema 2020-12, checked with jsonschema against the JSON
lcore itself produces."""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal, NotRequired, Optional, Required, TypedDict, Union
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from lcore import Body, Param, Query, json_dumps, json_loads
from lcore.converters import Invalid, build_converter
from lcore.schema import (
    COMPONENTS_PREFIX,
    DEFS_PREFIX,
    DIALECT,
    NOT_JSON,
    SchemaRegistry,
    json_schema,
    json_value,
    nullable,
)
from tests.enums import Color, Level

COMPONENT_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


def check(schema: dict[str, Any], *valid: object, invalid: tuple[object, ...] = ()) -> None:
    """The schema is valid 2020-12; lcore's JSON of each ``valid`` value passes, each
    ``invalid`` JSON value fails."""
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for value in valid:
        validator.validate(json_loads(json_dumps(value)))
    for value in invalid:
        assert not validator.is_valid(value), value


def plain(tp: Any) -> dict[str, Any]:
    """The schema without the ``$schema`` marker."""
    schema = json_schema(tp)
    assert schema.pop("$schema") == DIALECT
    return schema


# -- types used below (module level: annotations are resolved from here) ---------------


class Mixed(enum.Enum):
    ONE = 1
    TWO = "two"


@dataclass
class Point:
    x: int
    y: int


@dataclass
class Item:
    """Something for sale.

    A longer description.

    Attributes:
        name: What it is called.
        price: In euros.
    """

    name: str
    price: Decimal
    tags: list[str] = field(default_factory=list)
    color: Color | None = None
    note: str = "n/a"
    extra: dict[str, int] = field(default_factory=dict[str, int])
    stock: int = field(default_factory=lambda: 3)
    when: date = date(2024, 1, 2)
    secret: object = field(default=object(), repr=False)
    computed: int = field(init=False, default=0)


@dataclass
class Node:
    """A tree."""

    value: int
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None


@dataclass
class Author:
    name: str
    books: list[Book] = field(default_factory=list)


@dataclass
class Book:
    title: str
    author: Author | None = None


class Movie(TypedDict):
    """A film."""

    title: str
    year: int


class Draft(TypedDict, total=False):
    title: Required[str]
    year: int
    rating: NotRequired[float]


@dataclass
class Bounded:
    count: Annotated[int, Param(ge=0, le=10, description="How many", example=3)]
    code: Annotated[str, Param(min_length=2, max_length=4, pattern="^[A-Z]+$")]
    old: Annotated[int, Param(deprecated=True)] = 0


@dataclass
class Broken:
    other: Missing  # noqa: F821  # on purpose: a name that does not exist


Twin1 = dataclasses.make_dataclass("Twin", [("a", int)])
Twin2 = dataclasses.make_dataclass("Twin", [("b", str)])
Twin1.__module__ = Twin2.__module__ = __name__  # make_dataclass says "types" before 3.12


class Outer:
    @dataclass
    class Point:
        z: float


# -- scalars -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tp", "expected", "valid", "invalid"),
    [
        (str, {"type": "string"}, ["a", ""], [1, None]),
        (int, {"type": "integer"}, [0, -5], [1.5, "1", True]),
        (float, {"type": "number"}, [1.5, 2], ["1.5"]),
        (bool, {"type": "boolean"}, [True, False], [0, "true"]),
        (
            Decimal,
            {
                "type": ["number", "string"],
                "format": "decimal",
                "pattern": r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,4})?$",
                "maxLength": 64,
            },
            [Decimal("1.10"), 1.5, 7, "-2.5e3", ".5"],
            [None, "abc", "1.2.3", "NaN", "+1", True],
        ),
        (UUID, {"type": "string", "format": "uuid"}, [UUID(int=7)], ["not-a-uuid"]),
        (date, {"type": "string", "format": "date"}, [date(2024, 2, 29)], ["2024-02-30"]),
        (
            datetime,
            {"type": "string", "format": "date-time"},
            [datetime(2024, 1, 1, 12, tzinfo=timezone.utc)],
            ["yesterday"],
        ),
        (time, {"type": "string", "format": "time"}, [time(8, 30, tzinfo=timezone.utc)], ["8h"]),
        (type(None), {"type": "null"}, [None], [0]),
        (Any, {}, [1, "x", None, [1]], []),
        (object, {}, [{"a": 1}], []),
    ],
    ids=str,
)
def test_scalars(tp: Any, expected: dict[str, Any], valid: list[Any], invalid: list[Any]) -> None:
    schema = plain(tp)
    assert schema == expected
    check(schema, *valid, invalid=tuple(invalid))


def test_decimal_is_a_string_because_lcore_sends_one() -> None:
    assert json_loads(json_dumps(Decimal("0.1"))) == "0.1"
    # ... and the converter reads that string back (a JSON number is accepted too).
    assert build_converter(Decimal, False)("0.1") == Decimal("0.1")


# -- enums and literals --------------------------------------------------------------------


def test_enum_is_a_named_definition() -> None:
    schema = plain(Color)
    assert schema["$ref"] == "#/$defs/Color"
    assert schema["$defs"]["Color"] == {
        "title": "Color",
        "description": "A primary colour.",
        "type": "string",
        "enum": ["red", "blue"],
    }
    check(schema, Color.RED, invalid=("green",))


def test_int_enum_and_mixed_enum() -> None:
    assert plain(Level)["$defs"]["Level"] == {"title": "Level", "type": "integer", "enum": [1, 2]}
    mixed = plain(Mixed)["$defs"]["Mixed"]
    assert mixed == {"title": "Mixed", "enum": [1, "two"]}  # no single type to name
    check(plain(Mixed), Mixed.ONE, Mixed.TWO, invalid=("1",))


@pytest.mark.parametrize(
    ("tp", "expected"),
    [
        (Literal["a"], {"type": "string", "const": "a"}),
        (Literal["a", "b"], {"type": "string", "enum": ["a", "b"]}),
        (Literal[1, 2], {"type": "integer", "enum": [1, 2]}),
        (Literal[True], {"type": "boolean", "const": True}),
        (Literal[1, "x"], {"enum": [1, "x"]}),
        (Literal[Color.RED], {"type": "string", "const": "red"}),
        (Literal["a", None], {"enum": ["a", None]}),
    ],
)
def test_literals(tp: Any, expected: dict[str, Any]) -> None:
    schema = plain(tp)
    assert schema == expected
    check(schema)


# -- unions and null -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tp", "expected", "valid"),
    [
        (int | None, {"type": ["integer", "null"]}, [1, None]),
        (Optional[str], {"type": ["string", "null"]}, ["a", None]),  # noqa: UP045 - the spelling under test
        (
            Literal["a", "b"] | None,
            {"type": ["string", "null"], "enum": ["a", "b", None]},
            ["a", None],
        ),
        (Literal["a"] | None, {"type": ["string", "null"], "enum": ["a", None]}, ["a", None]),
        (list[int] | None, {"type": ["array", "null"], "items": {"type": "integer"}}, [[1], None]),
        (Any | None, {}, [None, 1]),
        (int | str, {"anyOf": [{"type": "integer"}, {"type": "string"}]}, [1, "a"]),
        (
            Union[int, str, None],  # noqa: UP007 - the spelling under test
            {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]},
            [1, "a", None],
        ),
    ],
    ids=str,
)
def test_unions_and_null(tp: Any, expected: dict[str, Any], valid: list[Any]) -> None:
    schema = plain(tp)
    assert schema == expected
    nullable_type = "null" in str(expected) or expected == {}
    check(schema, *valid, invalid=() if nullable_type else (None,))


def test_optional_reference_uses_any_of_with_null() -> None:
    schema = plain(Point | None)
    assert schema["anyOf"] == [{"$ref": "#/$defs/Point"}, {"type": "null"}]
    check(schema, None, Point(1, 2), invalid=({"x": 1},))


def test_nullable_keeps_schemas_that_already_allow_null() -> None:
    assert nullable({}) == {}
    assert nullable({"type": ["string", "null"]}) == {"type": ["string", "null"]}
    assert nullable({"not": {"type": "string"}}) == {
        "anyOf": [{"not": {"type": "string"}}, {"type": "null"}]
    }


# -- containers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tp", "expected", "valid", "invalid"),
    [
        (list[int], {"type": "array", "items": {"type": "integer"}}, [[1, 2], []], [["a"], {}]),
        (Sequence[str], {"type": "array", "items": {"type": "string"}}, [("a", "b")], [[1]]),
        (
            set[int],
            {"type": "array", "items": {"type": "integer"}, "uniqueItems": True},
            [{1, 2}],
            [[1, 1]],
        ),
        (
            frozenset[str],
            {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            [frozenset({"a"})],
            [["a", "a"]],
        ),
        (tuple[int, ...], {"type": "array", "items": {"type": "integer"}}, [(1, 2, 3)], [["x"]]),
        (
            tuple[int, str],
            {
                "type": "array",
                "prefixItems": [{"type": "integer"}, {"type": "string"}],
                "items": False,
                "minItems": 2,
                "maxItems": 2,
            },
            [(1, "a")],
            [[1], [1, "a", 2], ["a", 1]],
        ),
        (list, {"type": "array"}, [[1, "a"]], [{}]),
        (dict, {"type": "object"}, [{"a": 1}], [[]]),
        (
            dict[str, int],
            {"type": "object", "additionalProperties": {"type": "integer"}},
            [{"a": 1}],
            [{"a": "x"}],
        ),
        (Mapping[str, Any], {"type": "object", "additionalProperties": {}}, [{"a": [1]}], [1]),
        (
            list[list[float]],
            {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
            [[[1.5]]],
            [[1.5]],
        ),
    ],
    ids=str,
)
def test_containers(
    tp: Any, expected: dict[str, Any], valid: list[Any], invalid: list[Any]
) -> None:
    schema = plain(tp)
    assert schema == expected
    check(schema, *valid, invalid=tuple(invalid))


# -- dataclasses and TypedDicts ------------------------------------------------------------


def test_dataclass_definition() -> None:
    schema = plain(Item)
    assert schema["$ref"] == "#/$defs/Item"
    item = schema["$defs"]["Item"]
    assert item["title"] == "Item"
    assert item["description"] == "Something for sale.\n\nA longer description."
    assert item["type"] == "object"
    assert item["required"] == ["name", "price"]
    props = item["properties"]
    assert props["name"] == {"type": "string", "description": "What it is called."}
    assert props["price"] == {**plain(Decimal), "description": "In euros."}
    assert props["tags"] == {"type": "array", "items": {"type": "string"}, "default": []}
    assert props["color"] == {
        "anyOf": [{"$ref": "#/$defs/Color"}, {"type": "null"}],
        "default": None,
    }
    assert props["note"]["default"] == "n/a"
    assert props["extra"]["default"] == {}
    assert "default" not in props["stock"]  # a factory that is not a plain container
    assert props["when"]["default"] == "2024-01-02"  # as lcore sends it
    assert "default" not in props["secret"]  # no JSON form
    assert props["computed"] == {"type": "integer", "default": 0}  # sent, never read
    check(
        schema,
        Item("tea", Decimal("2.50"), secret="s"),  # the default has no JSON form
        Item("pen", Decimal("1"), ["office"], Color.BLUE, secret=None),
        invalid=({"price": "1"}, {"name": "x", "price": "1", "color": "green"}),
    )


def test_dataclass_without_docstring_has_no_description() -> None:
    point = plain(Point)["$defs"]["Point"]
    assert point == {
        "title": "Point",
        "type": "object",
        "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
        "required": ["x", "y"],
    }


def test_typeddict_definitions() -> None:
    movie = plain(Movie)
    assert movie["$defs"]["Movie"] == {
        "title": "Movie",
        "description": "A film.",
        "type": "object",
        "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
        "required": ["title", "year"],
    }
    check(movie, Movie(title="Heat", year=1995), invalid=({"title": "Heat"},))
    draft = plain(Draft)["$defs"]["Draft"]
    assert draft["required"] == ["title"]
    assert draft["properties"] == {
        "title": {"type": "string"},
        "year": {"type": "integer"},
        "rating": {"type": "number"},
    }


def test_typing_extensions_typeddict() -> None:
    typing_extensions = pytest.importorskip("typing_extensions")
    namespace: dict[str, Any] = {"te": typing_extensions, "__name__": "pets"}
    source = "class Pet(te.TypedDict):\n    name: str\n    age: te.NotRequired[int]\n"
    exec(compile(source, "pets", "exec", dont_inherit=True), namespace)
    pet = plain(namespace["Pet"])["$defs"]["Pet"]
    assert pet["required"] == ["name"]
    assert pet["properties"] == {"name": {"type": "string"}, "age": {"type": "integer"}}


def test_list_of_models() -> None:
    schema = plain(list[Point])
    assert schema["items"] == {"$ref": "#/$defs/Point"}
    check(schema, [Point(1, 2), Point(3, 4)], invalid=([{"x": 1}],))


# -- recursion -----------------------------------------------------------------------------


def test_self_recursive_dataclass() -> None:
    schema = plain(Node)
    node = schema["$defs"]["Node"]
    assert node["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert node["properties"]["parent"]["anyOf"][0] == {"$ref": "#/$defs/Node"}
    tree = Node(1, [Node(2), Node(3, [Node(4)])])
    check(schema, tree, invalid=({"value": 1, "children": [{"value": "x"}]},))


def test_mutually_recursive_dataclasses() -> None:
    schema = plain(Author)
    assert set(schema["$defs"]) == {"Author", "Book"}
    assert schema["$defs"]["Book"]["properties"]["author"]["anyOf"][0] == {"$ref": "#/$defs/Author"}
    author = Author("Ann", [Book("One"), Book("Two", Author("Bo"))])
    check(schema, author, invalid=({"name": "Ann", "books": [{"author": None}]},))


# -- names ---------------------------------------------------------------------------------


def test_same_name_different_types_get_distinct_stable_names() -> None:
    def names() -> list[str]:
        registry = SchemaRegistry()
        refs = [registry.schema(tp)["$ref"] for tp in (Point, Outer.Point, Twin1, Twin2)]
        assert all(ref.startswith(COMPONENTS_PREFIX) for ref in refs)
        found = [ref.removeprefix(COMPONENTS_PREFIX) for ref in refs]
        assert list(registry.components) == found
        return found

    first = names()
    assert first == ["Point", "tests_test_schema_Outer_Point", "Twin", "tests_test_schema_Twin"]
    assert names() == first  # the same types in the same order: the same names
    assert all(COMPONENT_NAME.match(name) for name in first)
    assert len(set(first)) == 4


def test_a_third_type_with_the_same_qualified_name_is_numbered() -> None:
    Twin3 = dataclasses.make_dataclass("Twin", [("c", bool)])
    Twin3.__module__ = __name__
    registry = SchemaRegistry(DEFS_PREFIX)
    refs = [registry.schema(tp)["$ref"] for tp in (Twin1, Twin2, Twin3, Twin1)]
    assert refs == [
        "#/$defs/Twin",
        "#/$defs/tests_test_schema_Twin",
        "#/$defs/tests_test_schema_Twin_2",
        "#/$defs/Twin",
    ]


def test_reserved_names_are_not_given_out() -> None:
    registry = SchemaRegistry(reserved=["Point"])
    assert registry.schema(Point) == {"$ref": "#/components/schemas/tests_test_schema_Point"}
    assert registry.name_of(Point) == "tests_test_schema_Point"


def test_rollback_forgets_definitions_added_since_the_mark() -> None:
    registry = SchemaRegistry()
    registry.schema(Point)
    mark = registry.snapshot()
    with pytest.raises(NameError):
        registry.schema(list[Broken])
    registry.schema(Color)
    registry.rollback(mark)
    assert list(registry.components) == ["Point"]
    assert registry.name_of(Color) is None
    assert registry.schema(Color) == {"$ref": "#/components/schemas/Color"}


# -- constraints ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tp", "expected", "valid", "invalid"),
    [
        (
            Annotated[int, Query(ge=1, le=100)],
            {"type": "integer", "minimum": 1, "maximum": 100},
            [1, 100],
            [0, 101],
        ),
        (
            Annotated[float, Query(gt=0, lt=1)],
            {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            [0.5],
            [0, 1],
        ),
        (
            Annotated[str, Query(min_length=2, max_length=3, pattern="^[a-z]+$")],
            {"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^[a-z]+$"},
            ["ab", "abc"],
            ["a", "abcd", "AB"],
        ),
        (
            Annotated[str, Query(pattern="[0-9]")],  # searched, as the converter does
            {"type": "string", "pattern": "[0-9]"},
            ["a1b"],
            ["abc"],
        ),
        (
            Annotated[list[int], Body(min_length=1, max_length=2)],
            {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2},
            [[1], [1, 2]],
            [[], [1, 2, 3]],
        ),
        (
            Annotated[dict[str, int], Body(max_length=1)],
            {"type": "object", "additionalProperties": {"type": "integer"}, "maxProperties": 1},
            [{"a": 1}],
            [{"a": 1, "b": 2}],
        ),
        (
            Annotated[str | None, Query(min_length=1)],
            {"type": ["string", "null"], "minLength": 1},
            [None, "a"],
            [""],
        ),
        (Annotated[int, "unrelated metadata"], {"type": "integer"}, [1], ["1"]),
    ],
    ids=str,
)
def test_constraints(
    tp: Any, expected: dict[str, Any], valid: list[Any], invalid: list[Any]
) -> None:
    schema = plain(tp)
    assert schema == expected
    check(schema, *valid, invalid=tuple(invalid))
    converter = build_converter(tp, False)
    for value in valid:
        converter(value)  # the converter agrees with the schema on every case


def test_field_markers_document_the_property() -> None:
    schema = plain(Bounded)
    props = schema["$defs"]["Bounded"]["properties"]
    assert props["count"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 10,
        "description": "How many",
        "examples": [3],
    }
    assert props["code"] == {
        "type": "string",
        "minLength": 2,
        "maxLength": 4,
        "pattern": "^[A-Z]+$",
    }
    assert props["old"] == {"type": "integer", "deprecated": True, "default": 0}
    check(
        schema, Bounded(3, "AB"), invalid=({"count": 11, "code": "AB"}, {"count": 1, "code": "a"})
    )


# -- errors and helpers --------------------------------------------------------------------


@pytest.mark.parametrize("tp", [bytes, complex, re.Pattern, list[bytes]], ids=str)
def test_unsupported_types_raise_type_error(tp: Any) -> None:
    with pytest.raises(TypeError, match="cannot describe"):
        json_schema(tp)


def test_unresolvable_annotation_raises_name_error() -> None:
    with pytest.raises(NameError):
        json_schema(Broken)


def test_json_value_is_what_lcore_sends() -> None:
    assert json_value(Color.RED) == "red"
    assert json_value((1, Decimal("2.5"))) == [1, "2.5"]
    assert json_value(object()) is NOT_JSON
    assert json_value(float("nan")) is NOT_JSON


def test_standalone_schema_has_dialect_and_defs() -> None:
    schema = json_schema(list[Point])
    assert schema == {
        "$schema": DIALECT,
        "type": "array",
        "items": {"$ref": "#/$defs/Point"},
        "$defs": {
            "Point": {
                "title": "Point",
                "type": "object",
                "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
                "required": ["x", "y"],
            }
        },
    }
    assert "$defs" not in json_schema(int)


# -- properties: the schema accepts every value lcore produces, and the converter reads it


@dataclass
class Shape:
    label: str
    size: int
    ratio: float
    flag: bool
    amount: Decimal
    ident: UUID
    day: date
    color: Color
    kind: Literal["a", "b"]
    tags: list[str]
    counts: dict[str, int]
    point: Point | None
    level: Level = Level.LOW


SHAPES = st.builds(
    Shape,
    label=st.text(),
    size=st.integers(min_value=-(10**15), max_value=10**15),
    ratio=st.floats(allow_nan=False, allow_infinity=False),
    flag=st.booleans(),
    amount=st.decimals(
        allow_nan=False, allow_infinity=False, places=2, max_value=10**9, min_value=-(10**9)
    ),
    ident=st.uuids(),
    day=st.dates(),
    color=st.sampled_from(Color),
    kind=st.sampled_from(["a", "b"]),
    tags=st.lists(st.text(max_size=5), max_size=4),
    counts=st.dictionaries(st.text(max_size=5), st.integers(-100, 100), max_size=3),
    point=st.none() | st.builds(Point, st.integers(-9, 9), st.integers(-9, 9)),
    level=st.sampled_from(Level),
)
SHAPE_VALIDATOR = Draft202012Validator(
    json_schema(Shape), format_checker=Draft202012Validator.FORMAT_CHECKER
)
SHAPE_CONVERTER = build_converter(Shape, False)


@given(SHAPES)
def test_generated_instances_validate_and_round_trip(shape: Shape) -> None:
    sent = json_loads(json_dumps(shape))
    SHAPE_VALIDATOR.validate(sent)
    assert SHAPE_CONVERTER(sent) == shape


@given(
    st.one_of(
        st.text(alphabet="0123456789.-+eE ax\u0661", max_size=12),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.none(),
    )
)
def test_the_decimal_schema_accepts_what_the_converter_accepts(value: object) -> None:
    # The document and the server agree: schemathesis-valid input is accepted, and input
    # the document refuses is refused.
    validator = Draft202012Validator(plain(Decimal))
    convert = build_converter(Decimal, False)
    try:
        convert(value)
    except Invalid:
        accepted = False
    else:
        accepted = True
    assert validator.is_valid(value) is accepted
