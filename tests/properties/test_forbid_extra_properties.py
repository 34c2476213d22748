"""Refusing unknown fields: the fast converter graph (generated dataclass functions) and
the generic one agree on every input, for models marked with ``forbid_extra`` and for the
per-parameter option: the fast one gives the generic one's value, or doubts (and the
generic one decides)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcore import converters, forbid_extra
from lcore.converters import Invalid, build_converter


@forbid_extra
@dataclasses.dataclass
class Leaf:
    name: str
    qty: int = 1


@dataclasses.dataclass
class Branch:
    label: str
    leaf: Leaf | None = None
    score: float = 0.0
    leaves: list[Leaf] = dataclasses.field(default_factory=list[Leaf])


@dataclasses.dataclass
class Plain:
    label: str
    flag: bool = False


KEYS = st.sampled_from(["name", "qty", "label", "leaf", "score", "leaves", "flag", "x", "y"])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(-2, 2), st.text(max_size=3)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=12,
)
OBJECTS = st.dictionaries(KEYS, VALUES, max_size=6)


def outcome(convert: converters.Converter, value: Any) -> tuple[Any, ...]:
    try:
        return ("ok", repr(convert(value)))
    except Invalid as invalid:
        return ("invalid", invalid.problems)


def graphs(tp: Any, forbid: bool) -> tuple[converters.Converter, converters.Converter]:
    """The generic graph alone and the fast graph alone, for ``tp``."""
    generic = converters._build(tp, False, converters._Graph(fast=False, forbid_extra=forbid))
    fast = converters._build(tp, False, converters._Graph(fast=True, forbid_extra=forbid))
    return generic, fast


@pytest.mark.parametrize(
    ("tp", "forbid"),
    [(Leaf, False), (Branch, False), (Branch, True), (Plain, True), (list[Branch], True)],
)
@given(value=st.one_of(OBJECTS, st.lists(OBJECTS, max_size=3)))
def test_the_fast_graph_agrees_with_the_generic_one(tp: Any, forbid: bool, value: Any) -> None:
    generic, fast = graphs(tp, forbid)
    expected = outcome(generic, value)
    assert outcome(build_converter(tp, False, forbid_extra=forbid), value) == expected
    try:
        found = ("ok", repr(fast(value)))
    except (converters._Doubt, Invalid):
        return  # the fast graph may doubt; the generic one decides
    assert found == expected


@given(OBJECTS)
def test_an_unknown_key_is_refused_exactly_when_one_is_there(value: dict[str, Any]) -> None:
    generic, _ = graphs(Plain, True)
    unknown = sorted(set(value) - {"label", "flag"})
    result = outcome(generic, value)
    refused = (
        [loc[0] for loc, _, kind in result[1] if kind == "extra_forbidden"]
        if result[0] == "invalid"
        else []
    )
    assert sorted(refused) == unknown
