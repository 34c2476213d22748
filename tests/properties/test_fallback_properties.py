"""The fast-or-generic fallback (``converters.with_fallback``) and the fast paths it
joins where no other property test compares them: a converter's fast graph against its
generic graph, a response model's fast form (the ``dict[str, ...]`` and list forms)
against its generic form. Wherever the fast path gives a value, it is the generic one's."""

from __future__ import annotations

import dataclasses
from typing import Any, TypedDict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcore import converters, responsemodel
from lcore.converters import Doubt, Invalid, with_fallback
from lcore.responsemodel import compile_serializer


@dataclasses.dataclass
class Point:
    x: int
    y: float = 0.0
    label: str = ""


@dataclasses.dataclass
class Shape:
    name: str
    points: list[Point]
    closed: bool = False


class Row(TypedDict):
    id: int
    tags: list[str]


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.integers(),
    st.floats(),
    st.text(max_size=3),
)
KEYS = st.one_of(
    st.sampled_from(["x", "y", "label", "name", "points", "closed", "id", "tags"]),
    st.integers(0, 2),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(KEYS, inner, max_size=5),
    ),
    max_leaves=16,
)


def outcome(convert: Any, value: Any) -> tuple[Any, ...]:
    """What a converter or serialiser made of ``value``: its type and repr, or its
    problems."""
    try:
        result = convert(value)
    except Invalid as invalid:
        return ("invalid", invalid.problems)
    return ("ok", type(result), repr(result))


# -- with_fallback itself -----------------------------------------------------------------


@given(value=st.integers(-20, 20))
def test_the_fallback_takes_the_fast_value_and_the_generic_one_on_a_doubt(value: int) -> None:
    def fast(number: int) -> Any:
        if number < 0:
            raise Doubt
        if number > 10:
            raise Invalid.one("fast refuses", "fast")
        return ("fast", number)

    def generic(number: int) -> Any:
        if number > 15:
            raise Invalid.one("too large", "too_large")
        return ("generic", number)

    combined = with_fallback(fast, generic)
    expected = outcome(fast, value) if 0 <= value <= 10 else outcome(generic, value)
    assert outcome(combined, value) == expected


def test_the_fallback_of_a_path_to_itself_is_that_path() -> None:
    def same(value: Any) -> Any:
        return value

    assert with_fallback(same, same) is same


def test_the_doubt_keeps_its_earlier_names() -> None:
    assert converters._Doubt is Doubt
    assert responsemodel._Doubt is Doubt


# -- converters: the fast graph against the generic graph ---------------------------------

CONVERTED = [Point, list[Point], Shape, list[int], list[float], tuple[int, ...], Shape | None]


@pytest.mark.parametrize("tp", CONVERTED)
@given(value=VALUES)
def test_a_converters_fast_graph_agrees_with_its_generic_graph(tp: Any, value: Any) -> None:
    generic = converters._build(tp, False, converters._Graph(fast=False))
    fast = converters._build(tp, False, converters._Graph(fast=True))
    expected = outcome(generic, value)
    assert outcome(converters.build_converter(tp, False), value) == expected
    try:
        found = ("ok", type(fast(value)), repr(fast(value)))
    except (Doubt, Invalid):
        return  # the fast graph may doubt; the generic one decides
    assert found == expected


# -- response models: the fast form against the generic form ------------------------------

SERIALIZED = [
    dict[str, Any],
    list[dict[str, Any]],
    dict[str, int],
    dict[str, bool],
    dict[str, str],
    list[int],
    list[bool],
    list[Point] | None,
    Row,
    list[Row],
]


@pytest.mark.parametrize("tp", SERIALIZED)
@given(value=st.one_of(VALUES, st.lists(VALUES, max_size=3)))
def test_a_response_models_fast_form_agrees_with_its_generic_form(tp: Any, value: Any) -> None:
    generic = responsemodel._build(tp, {})
    fast = responsemodel._build_fast(tp, {}, {})
    expected = outcome(generic, value)
    assert outcome(compile_serializer(tp), value) == expected
    try:
        found = ("ok", type(fast(value)), repr(fast(value)))
    except (Doubt, Invalid):
        return  # the fast form may doubt; the generic one decides
    assert found == expected
