"""The converters' fast paths: the regex-free text int, the bounds-only closure, and the
fast graph of generated dataclass functions (one fast pass, then one generic pass)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, ClassVar

import pytest

from lcore.converters import Invalid, build_converter
from lcore.params import Query
from lcore.scalars import MAX_INT_DIGITS


def problems(annotation: Any, value: Any, text: bool = False) -> list[tuple[Any, str, str]]:
    with pytest.raises(Invalid) as caught:
        build_converter(annotation, text)(value)
    return caught.value.problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("-0", 0),
        ("007", 7),
        ("-42", -42),
        ("9" * MAX_INT_DIGITS, int("9" * MAX_INT_DIGITS)),
        ("-" + "9" * MAX_INT_DIGITS, -int("9" * MAX_INT_DIGITS)),
    ],
)
def test_text_int_accepts(text: str, expected: int) -> None:
    assert build_converter(int, True)(text) == expected
    assert build_converter(Annotated[int, Query(ge=-(10**5000))], True)(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "-", "--1", "+1", " 1", "1 ", "1\n", "1_0", "0x1", "1.0", "\u0663", "\u00b2", "9" * 4301],
)
def test_text_int_refuses(text: str) -> None:
    expected = [((), "expected an integer", "int_parsing")]
    assert problems(int, text, text=True) == expected
    assert problems(Annotated[int, Query(ge=0, le=10)], text, text=True) == expected


@pytest.mark.parametrize(
    ("marker", "text", "message", "kind"),
    [
        (Query(ge=0, le=10), "-1", "must be >= 0", "greater_than_equal"),
        (Query(ge=0, le=10), "11", "must be <= 10", "less_than_equal"),
        (Query(gt=0), "0", "must be > 0", "greater_than"),
        (Query(lt=5), "5", "must be < 5", "less_than"),
        (Query(ge=5, le=1), "3", "must be >= 5", "greater_than_equal"),
        (Query(ge=0.5), "0", "must be >= 0.5", "greater_than_equal"),
    ],
)
def test_bounds_name_the_first_broken_bound(
    marker: Query, text: str, message: str, kind: str
) -> None:
    assert problems(Annotated[int, marker], text, text=True) == [((), message, kind)]


def test_bounds_take_an_int_from_json() -> None:
    assert build_converter(Annotated[int, Query(ge=0, le=10)], False)(3) == 3
    assert build_converter(Annotated[int, Query(ge=0, le=10)], False)(3.0) == 3
    assert problems(Annotated[int, Query(ge=0)], True) == [((), "expected an integer", "int_type")]


@dataclasses.dataclass
class Counted:
    """A recursive model that counts its constructions."""

    built: ClassVar[int] = 0
    child: Counted | None
    name: str

    def __post_init__(self) -> None:
        Counted.built += 1


def chain(depth: int, top_name: Any) -> dict[str, Any]:
    value: dict[str, Any] = {"child": None, "name": "leaf"}
    for _ in range(depth - 1):
        value = {"child": value, "name": "n"}
    return {**value, "name": top_name}


def test_success_builds_each_object_once() -> None:
    convert = build_converter(Counted, False)
    Counted.built = 0
    result = convert(chain(40, "top"))
    assert Counted.built == 40
    assert result.name == "top"


def test_failure_costs_one_fast_pass_and_one_generic_pass() -> None:
    """A problem found last (the top's name, after its 39-deep child) makes the fast pass
    build the 39 children, and the generic pass build them again: no more (a fallback at
    every level would rebuild each subtree once per level above it)."""
    convert = build_converter(Counted, False)
    Counted.built = 0
    assert problems(Counted, chain(40, 1)) == [(("name",), "expected a string", "string_type")]
    with pytest.raises(Invalid):
        convert(chain(40, 1))
    assert Counted.built == 2 * 2 * 39


@dataclasses.dataclass(init=False)
class Swapped:
    x: int
    y: str

    def __init__(self, y: str, x: int) -> None:
        self.x, self.y = x, y


@dataclasses.dataclass
class WithKeywords:
    a: int
    b: str = dataclasses.field(kw_only=True)


def test_models_are_called_as_the_generic_converter_calls_them() -> None:
    assert build_converter(Swapped, False)({"x": 1, "y": "s"}) == Swapped("s", 1)
    assert build_converter(WithKeywords, False)({"a": 1, "b": "s"}) == WithKeywords(1, b="s")


def test_field_names_are_data_not_code() -> None:
    @dataclasses.dataclass
    class Odd:
        a: int

    Odd.__dataclass_fields__["a"].name = "a'] + __import__('os').getpid() + ['"
    with pytest.raises(Invalid) as caught:
        build_converter(Odd, False)({"a": 1})
    assert caught.value.problems[0][0] == ("a'] + __import__('os').getpid() + ['",)


@pytest.mark.parametrize(
    ("marker", "value", "message", "kind"),
    [
        (Query(gt=0, max_length=5), 0, "must be > 0", "greater_than"),
        (Query(le=10, min_length=0), 11, "must be <= 10", "less_than_equal"),
        (Query(lt=5, pattern="x"), 5, "must be < 5", "less_than"),
        (Query(ge=1, max_length=5), 0, "must be >= 1", "greater_than_equal"),
    ],
)
def test_bounds_beside_length_or_pattern(
    marker: Query, value: int, message: str, kind: str
) -> None:
    assert problems(Annotated[int, marker], value) == [((), message, kind)]


@dataclasses.dataclass
class Unreadable:
    """A model whose signature cannot be read: it is called by keyword."""

    __signature__: ClassVar[str] = "not a signature"
    a: int
    b: str


def test_a_model_without_a_readable_signature_is_called_by_keyword() -> None:
    assert build_converter(Unreadable, False)({"a": 1, "b": "s"}) == Unreadable(1, "s")


def test_the_fast_models_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from lcore import converters

    monkeypatch.setattr(converters, "_FAST_MODELS", {})
    monkeypatch.setattr(converters, "_MAX_FAST_MODELS", 1)
    build_converter(Swapped, False)
    build_converter(WithKeywords, False)
    assert len(converters._FAST_MODELS) == 2
    convert = build_converter(Counted, False)
    assert list(converters._FAST_MODELS) == [Counted]
    assert convert({"child": None, "name": "x"}).name == "x"
