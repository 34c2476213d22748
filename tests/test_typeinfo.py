"""typeinfo: Annotated metadata split from its type, declared bounds (Constraints) and
TypedDict detection, as params, converters and schema read them."""

from __future__ import annotations

import dataclasses
import enum
import re
import typing
from typing import (
    Annotated,
    Any,
    Literal,
    NamedTuple,
    NotRequired,
    Optional,
    Required,
    TypedDict,
)

import pytest

from lcore import Body, Cookie, Header, Param, Path, Query, converters, params, schema, typeinfo
from lcore.typeinfo import NO_CONSTRAINTS, Constraints, is_typeddict, unwrap_annotated


class Movie(TypedDict):
    title: str
    year: int


class Draft(TypedDict, total=False):
    title: str


class Release(Movie):
    studio: NotRequired[str]


class Mixed(TypedDict, total=False):
    title: Required[str]
    year: int


Functional = TypedDict("Functional", {"title": str})  # noqa: UP013 - the call syntax is the point


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Pair(NamedTuple):
    left: int
    right: int


class Titled:
    """Annotations alone do not make a TypedDict."""

    title: str


# -- Constraints ----------------------------------------------------------------------------

BOUNDS = [field.name for field in dataclasses.fields(Constraints)]


def test_constraints_declare_the_seven_bounds() -> None:
    assert BOUNDS == ["ge", "gt", "le", "lt", "min_length", "max_length", "pattern"]
    assert all(getattr(NO_CONSTRAINTS, name) is None for name in BOUNDS)
    assert Constraints() == NO_CONSTRAINTS


@pytest.mark.parametrize(
    ("bound", "value"),
    [
        ("ge", 0),
        ("gt", 0.0),
        ("le", 0),
        ("lt", 0),
        ("min_length", 0),
        ("max_length", 0),
        ("pattern", ""),
    ],
)
def test_a_zero_or_empty_bound_is_still_a_bound(bound: str, value: Any) -> None:
    rules = Constraints(**{bound: value})
    assert rules
    assert rules != NO_CONSTRAINTS
    assert getattr(rules, bound) == value


def test_constraints_are_frozen_slotted_values() -> None:
    rules = Constraints(ge=1, pattern="^a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.ge = 2  # type: ignore[misc]
    assert not hasattr(rules, "__dict__")
    assert rules == Constraints(ge=1, pattern="^a")
    assert rules != Constraints(ge=1)
    assert {rules: "found"}[Constraints(ge=1, pattern="^a")] == "found"


@pytest.mark.parametrize("marker", [Query, Header, Cookie, Path, Body])
def test_markers_keep_each_bound_in_its_own_field(marker: type[Param]) -> None:
    # Param builds Constraints positionally: a reordered field would swap two bounds.
    declared = marker(ge=1, gt=2, le=3, lt=4, min_length=5, max_length=6, pattern="x")
    assert declared.constraints == Constraints(
        ge=1, gt=2, le=3, lt=4, min_length=5, max_length=6, pattern="x"
    )
    assert marker().constraints == NO_CONSTRAINTS
    assert not marker().constraints


# -- unwrap_annotated -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annotation", "inner", "metadata"),
    [
        (Annotated[int, "a"], int, ("a",)),
        (Annotated[int, "a", 2, None], int, ("a", 2, None)),
        (Annotated[Annotated[int, "inner"], "outer"], int, ("inner", "outer")),
        (Annotated[int | None, "m"], int | None, ("m",)),
        (Annotated[list[int], "m"], list[int], ("m",)),
        (Annotated[Movie, "m"], Movie, ("m",)),
    ],
)
def test_unwrap_annotated_splits_the_type_from_its_metadata(
    annotation: Any, inner: Any, metadata: tuple[Any, ...]
) -> None:
    assert unwrap_annotated(annotation) == (inner, metadata)


def test_unwrap_annotated_keeps_marker_objects_themselves() -> None:
    marker = Query(ge=1)
    tp, metadata = unwrap_annotated(Annotated[int, marker])
    assert tp is int
    assert metadata[0] is marker
    assert metadata[0].constraints == Constraints(ge=1)


@pytest.mark.parametrize(
    "annotation",
    [
        int,
        int | None,
        Optional[Annotated[int, "m"]],  # noqa: UP045 - the Optional spelling is the point
        list[Annotated[int, "m"]],
        Any,
        None,
        "Annotated[int, 'm']",
        Movie,
    ],
)
def test_unwrap_annotated_passes_other_annotations_through(annotation: Any) -> None:
    # Only a top-level Annotated is split; one nested in a union or a container is not.
    tp, metadata = unwrap_annotated(annotation)
    assert tp is annotation
    assert metadata == ()


def test_unwrap_annotated_reads_typing_extensions_annotated() -> None:
    typing_extensions = pytest.importorskip("typing_extensions")
    assert unwrap_annotated(typing_extensions.Annotated[str, "m"]) == (str, ("m",))


# -- is_typeddict -------------------------------------------------------------------------------


@pytest.mark.parametrize("tp", [Movie, Draft, Release, Mixed, Functional])
def test_typeddict_classes_are_detected(tp: Any) -> None:
    assert is_typeddict(tp)


def test_typing_extensions_typeddict_is_detected() -> None:
    typing_extensions = pytest.importorskip("typing_extensions")

    class Extended(typing_extensions.TypedDict):
        title: str

    assert is_typeddict(Extended)


@pytest.mark.parametrize(
    "tp",
    [
        dict,
        dict[str, int],
        typing.Dict,  # noqa: UP006 - the typing alias is the point
        Point,
        Pair,
        Titled,
        Annotated[Movie, "m"],  # callers unwrap first
        Movie | None,
        int,
        None,
        "Movie",
    ],
)
def test_other_types_are_not_typeddicts(tp: Any) -> None:
    assert not is_typeddict(tp)


def test_a_typeddict_value_is_not_a_typeddict_class() -> None:
    value = Movie(title="Alien", year=1979)
    assert isinstance(value, dict)
    assert not is_typeddict(value)


# -- one reader -------------------------------------------------------------------------------


@pytest.mark.parametrize("module", [params, converters, schema])
def test_modules_that_name_typeinfo_objects_share_them(module: Any) -> None:
    # A second copy of Constraints or Param would make isinstance() checks miss bounds.
    shared = [name for name in typeinfo.__all__ if hasattr(module, name)]
    assert shared, module
    for name in shared:
        assert getattr(module, name) is getattr(typeinfo, name), name


def test_schema_reads_annotations_only_through_typeinfo() -> None:
    assert not hasattr(schema, "params") and not hasattr(schema, "converters")


# -- markers and bounds among metadata ------------------------------------------------------


def test_marker_of_finds_the_first_param_marker() -> None:
    first, second = Query(alias="a"), Header()
    assert typeinfo.marker_of(("doc", first, second)) is first
    assert typeinfo.marker_of(("doc", 3)) is None
    assert typeinfo.marker_of(()) is None


def test_constraints_of_reads_the_first_marker_with_bounds() -> None:
    marker = Query(max_length=3)
    assert typeinfo.constraints_of(("doc", Constraints(ge=1), marker)) is marker.constraints
    assert typeinfo.constraints_of((marker, Cookie(ge=2))) == Constraints(max_length=3)
    found = typeinfo.constraints_of(("doc",))
    assert found is NO_CONSTRAINTS and not found


# -- shapes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tp", "union", "optional", "stripped"),
    [
        (int, False, False, int),
        (int | None, True, True, int),
        (Optional[str], True, True, str),  # noqa: UP045 - the typing spelling is the point
        (int | str, True, False, int | str),
        (int | str | None, True, True, int | str | None),
        (list[int] | None, True, True, list[int]),
    ],
)
def test_union_optional_and_strip(tp: Any, union: bool, optional: bool, stripped: Any) -> None:
    assert typeinfo.is_union(tp) is union
    assert typeinfo.is_optional(tp) is optional
    assert typeinfo.strip_optional(tp) == stripped


@pytest.mark.parametrize(
    ("tp", "expected"),
    [
        (list[int], True),
        (list[int] | None, True),
        (tuple[str, ...], True),
        (set[str], True),
        (frozenset[int], True),
        (typing.Sequence[int], True),
        (int, False),
        (str, False),
        (dict[str, int], False),
    ],
)
def test_is_list_type(tp: Any, expected: bool) -> None:
    assert typeinfo.is_list_type(tp) is expected


@pytest.mark.parametrize(
    ("tp", "expected"),
    [
        (Point, True),
        (Point | None, True),
        (list[Point], True),
        (Movie, True),
        (list[Movie], True),
        (dict, True),
        (dict[str, int], True),
        (Annotated[Point, Body()], True),
        (int, False),
        (list[int], False),
        (Point(1, 2), False),
        (str | None, False),
    ],
)
def test_is_model_is_what_a_body_reads(tp: Any, expected: bool) -> None:
    assert typeinfo.is_model(tp) is expected


def test_is_dataclass_type_wants_the_class() -> None:
    assert typeinfo.is_dataclass_type(Point)
    assert not typeinfo.is_dataclass_type(Point(1, 2))
    assert not typeinfo.is_dataclass_type(Movie)


# -- model fields -------------------------------------------------------------------------


@dataclasses.dataclass
class Order:
    item: str
    count: Annotated[int, Query(ge=1)] = 1
    tags: list[str] = dataclasses.field(default_factory=list)
    total: float = dataclasses.field(init=False, default=0.0)


def test_model_fields_of_a_dataclass() -> None:
    fields = {f.name: f for f in typeinfo.model_fields(Order)}
    assert list(fields) == ["item", "count", "tags", "total"]
    assert fields["item"].required and fields["item"].default is dataclasses.MISSING
    assert not fields["count"].required and fields["count"].default == 1
    assert typeinfo.unwrap_annotated(fields["count"].annotation)[0] is int  # metadata kept
    assert fields["tags"].default_factory is list and not fields["tags"].required
    assert not fields["total"].init and not fields["total"].required


def test_model_fields_of_typeddicts_follow_required_and_not_required() -> None:
    def required(tp: type[Any]) -> dict[str, bool]:
        return {f.name: f.required for f in typeinfo.model_fields(tp)}

    assert required(Movie) == {"title": True, "year": True}
    assert required(Draft) == {"title": False}
    assert required(Release) == {"title": True, "year": True, "studio": False}
    assert required(Mixed) == {"title": True, "year": False}
    release = {f.name: f.annotation for f in typeinfo.model_fields(Release)}
    assert release["studio"] is str  # the NotRequired wrapper is removed


def test_model_fields_refuses_other_types() -> None:
    with pytest.raises(TypeError, match="neither a dataclass nor a TypedDict"):
        typeinfo.model_fields(int)


def test_required_wrappers_map_each_wrapper_to_its_meaning() -> None:
    wrappers = typeinfo.required_wrappers()
    assert wrappers[Required] is True and wrappers[NotRequired] is False


# -- shapes read once for every consumer ----------------------------------------------------


class Colour(enum.Enum):
    RED = "red"


@pytest.mark.parametrize(
    ("tp", "kind", "args", "container"),
    [
        (Any, "any", (), list),
        (object, "any", (), list),
        (int, "class", (), list),
        (Annotated[int, Query(ge=1)], "class", (), list),
        (int | None, "union", (int,), list),
        (int | str, "union", (int, str), list),
        (Literal["a", 1], "literal", ("a", 1), list),
        (tuple[int, str], "tuple", (int, str), list),
        (tuple[int, ...], "list", (int,), tuple),
        (list[int], "list", (int,), list),
        (typing.Sequence[str], "list", (str,), list),
        (set[int], "list", (int,), set),
        (frozenset[int], "list", (int,), frozenset),
        (list, "list", (), list),
        (tuple, "list", (), tuple),
        (dict[str, int], "dict", (int,), list),
        (typing.Mapping[str, float], "dict", (float,), list),
        (dict, "dict", (), list),
        (Colour, "enum", (), list),
        (Point, "dataclass", (), list),
        (Movie, "typeddict", (), list),
        (Pair, "class", (), list),
        (list[int] | None, "union", (list[int],), list),
        (typing.Callable[[], int], "other", (), list),
    ],
)
def test_shape_of(tp: Any, kind: str, args: tuple[Any, ...], container: type) -> None:
    shape = typeinfo.shape_of(tp)
    assert (shape.kind, shape.args) == (kind, args)
    if kind == "list":
        assert shape.container is container


def test_shape_keeps_metadata_and_the_optional_flag() -> None:
    marker = Query(ge=1)
    shape = typeinfo.shape_of(Annotated[int | None, marker])
    assert shape.metadata == (marker,) and shape.optional and shape.tp == int | None
    assert not typeinfo.shape_of(int | str).optional


@pytest.mark.parametrize(
    ("tp", "text", "value"),
    [
        (typing.Sequence[int], "1,2", [1, 2]),
        (set[int], "1,1,2", {1, 2}),
        (tuple[int, ...], "3,4", (3, 4)),
        (tuple[int, str], "5,x", (5, "x")),
        (list, "a,b", ["a", "b"]),
    ],
)
def test_typed_settings_and_converters_read_the_same_shapes(tp: Any, text: str, value: Any) -> None:
    # One reading of the annotation: what a query parameter of a type takes, a setting
    # of that type takes from a comma-separated value.
    from lcore.typedconfig import coerce_value

    assert coerce_value(text, tp) == value
    assert converters.build_converter(tp, True)(text.split(",")) == value


# -- patterns read as JSON Schema reads them ---------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        (r"^[A-Z]{3}$", "ABC", True),
        (r"^[A-Z]{3}$", "ABC\n", False),  # Python's $ also matches before a final newline
        (r"^\d+$", "123", True),
        (r"^\d+$", "\u0661\u0662\u0663", False),  # Arabic-Indic digits: not ECMA's \d
        (r"^\w+$", "caf\u00e9", False),
        (r"^\W$", "\u00e9", True),
        (r"^[\d-]+$", "1-2", True),
        (r"^[\w]+$", "\u00e9", False),
        (r"[$]", "a$", True),  # a $ in a class is a literal
        (r"\$", "$", True),
        (r"^[^]x]$", "]", False),  # "]" first in a class is a literal
        (r"^[^]x]$", "y", True),
        (r"a|b$", "b\n", False),
        (r"b", "abc", True),  # not anchored: a match anywhere
        (r"\\$", "a\\", True),  # an escaped backslash, then the end
    ],
)
def test_patterns_are_read_as_json_schema_reads_them(
    pattern: str, value: str, matches: bool
) -> None:
    assert (typeinfo.compile_pattern(pattern).search(value) is not None) is matches


def test_a_bad_pattern_is_refused_with_its_own_text() -> None:
    with pytest.raises(re.error) as caught:
        Query(pattern="[a-")
    assert caught.value.pattern == "[a-"
