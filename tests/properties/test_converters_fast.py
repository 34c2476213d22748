"""Today's converters against the converters of 6ac58fd (before the regex-free text int,
the bounds-only closure and the fast graph of generated dataclass functions): on generated
inputs, valid and invalid, they return the same value (same types, compared by ``repr``)
or raise the same problems, in the same order, at the same locations."""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import types
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcore.converters import Invalid, build_converter
from lcore.params import Query
from lcore.typeinfo import compile_pattern, model_fields, shape_of
from tests.enums import Color, Level
from tests.properties import converters_6ac58fd as base

# The oracle reads a `pattern` as 6ac58fd did, with Python's `$` (which also matches before
# a final newline). Issue 11 changed that on purpose: lcore now reads patterns the way the
# JSON Schema it publishes does (`typeinfo.compile_pattern`, tested in test_typeinfo.py).
# The oracle compiles its patterns the same way, so everything else is still compared.
base.re = types.SimpleNamespace(**{**vars(re), "compile": compile_pattern})  # type: ignore[assignment]  # a stand-in module


def outcome(convert: Callable[[Any], Any], value: Any) -> tuple[Any, ...]:
    """What a converter made of ``value``: its type and repr, or its problems."""
    try:
        result = convert(value)
    except (Invalid, base.Invalid) as invalid:
        return ("invalid", invalid.problems)
    except Exception as error:  # a model's own __post_init__ may raise anything
        return ("error", type(error), str(error))
    return ("ok", type(result), repr(result))


@functools.cache
def converters(annotation: Any, text: bool) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """Today's converter and 6ac58fd's, built once per annotation."""
    return build_converter(annotation, text), base.build_converter(annotation, text)


def assert_same(annotation: Any, text: bool, value: Any) -> None:
    new, old = converters(annotation, text)
    assert outcome(new, value) == outcome(old, value), (annotation, value)


# -- text integers ------------------------------------------------------------------------

MAX = base.MAX_INT_DIGITS
INT_TEXT = st.one_of(
    st.text(max_size=8),
    st.text(alphabet="0123456789-+ _.e\u0663\u00b2\uff11", max_size=8),
    st.from_regex(r"-?[0-9]{1,12}", fullmatch=True),
    st.integers().map(str),
    st.sampled_from(["-", "--1", "-0", "+1", " 1", "1 ", "1\n", "0x1", "1_0", "\u0663", "²"]),
    st.sampled_from([MAX - 1, MAX, MAX + 1, MAX + 2]).map(lambda n: "7" * n),
    st.sampled_from([MAX - 1, MAX, MAX + 1]).map(lambda n: "-" + "7" * n),
)
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.decimals(allow_nan=False),
    st.lists(st.integers(), max_size=2),
    st.text(max_size=4),
)


@given(st.one_of(INT_TEXT, ANY_VALUE))
def test_text_int(value: Any) -> None:
    assert_same(int, True, value)


@given(st.lists(st.one_of(INT_TEXT, ANY_VALUE), max_size=4))
def test_text_int_list(values: list[Any]) -> None:
    assert_same(list[int], True, values)
    assert_same(list[int], False, values)


# -- bounded parameters -------------------------------------------------------------------

BOUND = st.one_of(
    st.none(),
    st.none(),
    st.integers(-1000, 1000),
    st.floats(-1e3, 1e3),
    st.sampled_from([0, -0.5, 0.5, 2**70, -(2**70), math.inf, -math.inf, math.nan]),
)
SCALARS = st.sampled_from([int, float, Decimal, bool, str, Level, int | None, int | str])
NUMBER_TEXT = st.one_of(
    INT_TEXT,
    st.floats().map(str),
    st.decimals(allow_nan=False).map(str),
    st.integers(-(2**70), 2**70).map(str),
)


@given(
    SCALARS,
    BOUND,
    BOUND,
    BOUND,
    BOUND,
    st.booleans(),
    st.one_of(NUMBER_TEXT, ANY_VALUE, st.sampled_from([Level.LOW, Level.HIGH, 1, 2, "1"])),
)
def test_bounded(tp: Any, ge: Any, gt: Any, le: Any, lt: Any, text: bool, value: Any) -> None:
    assert_same(Annotated[tp, Query(ge=ge, gt=gt, le=le, lt=lt)], text, value)


@given(
    SCALARS,
    BOUND,
    st.one_of(st.none(), st.integers(0, 5)),
    st.one_of(st.none(), st.integers(0, 5)),
    st.one_of(st.none(), st.sampled_from(["^[0-9]+$", "a", "^-"])),
    st.one_of(NUMBER_TEXT, ANY_VALUE),
)
def test_constrained_beyond_bounds(
    tp: Any, ge: Any, min_length: Any, max_length: Any, pattern: Any, value: Any
) -> None:
    marker = Query(ge=ge, min_length=min_length, max_length=max_length, pattern=pattern)
    assert_same(Annotated[tp, marker], True, value)


# -- nested dataclasses -------------------------------------------------------------------


@dataclasses.dataclass
class Line:
    sku: str
    qty: int
    price: float


@dataclasses.dataclass
class Order:
    id: int
    customer: str
    lines: list[Line]


@dataclasses.dataclass
class Node:
    name: str
    child: Node | None = None


@dataclasses.dataclass
class Defaults:
    label: str = "x"
    count: int = 0
    ratio: float = 1.5
    flag: bool = False
    tags: list[str] = dataclasses.field(default_factory=list)
    kind: Color = Color.RED
    note: str | None = None


@dataclasses.dataclass(kw_only=True)
class KeywordOnly:
    a: int
    b: str = "b"


@dataclasses.dataclass
class Mixed:
    first: int
    rest: KeywordOnly = dataclasses.field(kw_only=True)


@dataclasses.dataclass
class Checked:
    small: Annotated[int, Query(ge=0, le=10)]
    word: Annotated[str, Query(max_length=3)]
    either: int | str
    pair: tuple[int, float]
    table: dict[str, int]
    choice: Literal["a", "b", 1]
    level: Level
    unique: set[int]
    hidden: int = dataclasses.field(default=7, init=False)


@dataclasses.dataclass(init=False)
class OwnInit:
    """A dataclass whose own __init__ takes its fields in another order."""

    x: int
    y: str

    def __init__(self, y: str, x: int) -> None:
        self.x, self.y = x, y


@dataclasses.dataclass
class PostInit:
    value: int

    def __post_init__(self) -> None:
        if self.value == 13:
            raise ValueError("unlucky")


@dataclasses.dataclass
class Holder:
    orders: list[Order]
    nodes: list[Node] | None
    defaults: Defaults
    mixed: Mixed
    checked: list[Checked]
    own: OwnInit
    post: list[PostInit]


MODELS = [Line, Order, Node, Defaults, KeywordOnly, Mixed, Checked, OwnInit, PostInit, Holder]

JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**1030), 2**1030),
    st.floats(),
    st.sampled_from([1.0, -2.0, 2.0**53, 2.0**60, math.nan, math.inf, 13]),
    st.text(max_size=4),
)
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@functools.cache
def values_for(annotation: Any, junk: bool, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of ``annotation``, mostly valid; with ``junk``, any JSON now and then at
    every level."""
    valid = _valid_for(annotation, junk, depth)
    return st.one_of(*[valid] * 7, JSON) if junk else valid


@functools.cache
def _valid_for(annotation: Any, junk: bool, depth: int) -> st.SearchStrategy[Any]:
    shape = shape_of(annotation)
    tp, args = shape.tp, shape.args
    if shape.kind == "dataclass":
        if depth > 4:
            return st.none()
        fields = {
            f.name: st.deferred(lambda a=f.annotation: values_for(a, junk, depth + 1))
            for f in model_fields(tp)
        }
        extra = st.dictionaries(st.sampled_from(["zz", "extra"]), JSON_LEAF, max_size=1)
        complete = st.builds(
            lambda values, more: {**more, **values}, st.fixed_dictionaries(fields), extra
        )
        some = st.fixed_dictionaries({}, optional=fields)
        return st.one_of(complete, complete, complete, some) if junk else complete
    if shape.kind == "union":
        options = [values_for(a, junk, depth) for a in args]
        return st.one_of(*options, *([st.none()] if shape.optional else []))
    if shape.kind in ("list", "tuple"):
        items = [values_for(a, junk, depth + 1) for a in args] if args else [JSON]
        if shape.kind == "tuple":
            return st.tuples(*items).map(list)
        return st.lists(items[0], max_size=3)
    if shape.kind == "dict":
        return st.dictionaries(
            st.text(max_size=3), values_for(args[0], junk, depth + 1), max_size=3
        )
    if shape.kind == "enum":
        return st.sampled_from([m.value for m in tp])
    if shape.kind == "literal":
        return st.sampled_from(args)
    scalars: dict[Any, st.SearchStrategy[Any]] = {
        str: st.text(max_size=4),
        int: st.integers(-20, 20) | st.sampled_from([3.0, 2**64, 13]),
        float: st.floats() | st.integers(-5, 5) | st.sampled_from([2**1024, 10**400]),
        bool: st.booleans(),
    }
    return scalars.get(tp, JSON)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@given(data=st.data())
def test_models(model: type[Any], data: st.DataObject) -> None:
    value = data.draw(values_for(model, data.draw(st.booleans())))
    assert_same(model, False, value)
    assert_same(list[model], False, [value, value])  # type: ignore[valid-type]
    assert_same(model | None, False, value)


@given(st.integers(0, 70), st.sampled_from(["leaf", 1, None]))
def test_deep_recursive_model(depth: int, leaf_name: Any) -> None:
    value: Any = {"name": leaf_name}
    for _ in range(depth):
        value = {"name": "n", "child": value}
    assert_same(Node, False, value)
