"""typeinfo: Annotated metadata split from its type, declared bounds (Constraints) and
TypedDict detection, as params, converters and schema read them."""

from __future__ import annotations

import dataclasses
import typing
from typing import Annotated, Any, NamedTuple, NotRequired, Optional, Required, TypedDict

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


@pytest.mark.parametrize("name", typeinfo.__all__)
def test_params_converters_and_schema_share_typeinfo_objects(name: str) -> None:
    # A second copy of Constraints would make isinstance() checks miss declared bounds.
    assert getattr(params, name) is getattr(typeinfo, name)
    assert getattr(converters, name) is getattr(typeinfo, name)
    if name != "NO_CONSTRAINTS":  # schema never needs the empty value
        assert getattr(schema, name) is getattr(typeinfo, name)
