"""Response models against the way results were sent before them: a value that matches
its model is sent as the model's own instance was (same JSON), whether the handler
returned that instance, a dict of it with more keys, or an object with its attributes."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcore import responsemodel
from lcore.converters import Invalid
from lcore.jsonutil import json_default
from lcore.responsemodel import compile_serializer


@dataclasses.dataclass
class Address:
    city: str
    zip: str | None = None


@dataclasses.dataclass
class User:
    id: int
    name: str
    score: float
    active: bool
    address: Address | None
    tags: list[str]
    friends: list[Address] = dataclasses.field(default_factory=list[Address])


TEXT = st.text(max_size=6)
ADDRESSES = st.builds(Address, TEXT, st.none() | TEXT)
USERS = st.builds(
    User,
    st.integers(),
    TEXT,
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none() | ADDRESSES,
    st.lists(TEXT, max_size=3),
    st.lists(ADDRESSES, max_size=3),
)
EXTRA = st.dictionaries(st.sampled_from(["password_hash", "internal", "zz"]), st.integers())


def sent(value: Any) -> str:
    """The JSON lcore sends for ``value`` (the stdlib encoder with lcore's defaults)."""
    return json.dumps(value, default=json_default, sort_keys=True)


def as_object(value: Any, extra: dict[str, int]) -> Any:
    """``value`` as an ORM-like row: attributes, nested rows, and ``extra`` attributes."""
    if dataclasses.is_dataclass(value):
        fields = {
            f.name: as_object(getattr(value, f.name), extra) for f in dataclasses.fields(value)
        }
        return SimpleNamespace(**fields, **extra)
    if isinstance(value, list):
        return [as_object(item, extra) for item in value]  # pyright: ignore[reportUnknownVariableType]
    return value


SERIALIZE = compile_serializer(User)
SERIALIZE_LIST = compile_serializer(list[User])


@given(USERS, EXTRA)
def test_a_dict_with_extra_keys_is_sent_as_the_instance(user: User, extra: dict[str, int]) -> None:
    as_dict = {**dataclasses.asdict(user), **extra}
    assert sent(SERIALIZE(as_dict)) == sent(user)


@given(USERS, EXTRA)
def test_a_row_with_extra_attributes_is_sent_as_the_instance(
    user: User, extra: dict[str, int]
) -> None:
    assert sent(SERIALIZE(as_object(user, extra))) == sent(user)


@given(st.lists(USERS, max_size=3))
def test_instances_are_sent_as_before(users: list[User]) -> None:
    assert sent(SERIALIZE_LIST(users)) == sent(users)
    for user in users:
        assert SERIALIZE(user) is user


# -- the fast form against the generic one ------------------------------------------------


@dataclasses.dataclass
class Small:
    name: str
    qty: int = 1
    ratio: float = 0.5
    tags: list[str] = dataclasses.field(default_factory=list[str])
    inner: Small | None = None


KEYS = st.sampled_from(["name", "qty", "ratio", "tags", "inner", "x"])
ODD_KEYS = st.dictionaries(st.integers(0, 2), st.integers(0, 2), max_size=2)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(), st.text(max_size=3), st.decimals()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=12,
)
OBJECTS = st.dictionaries(KEYS, VALUES, max_size=6)
ROWS = OBJECTS.map(lambda fields: SimpleNamespace(**fields))


def outcome(serialize: Any, value: Any) -> tuple[Any, ...]:
    try:
        return ("ok", repr(serialize(value)))
    except Invalid as invalid:
        return ("invalid", invalid.problems)


@pytest.mark.parametrize(
    "tp", [Small, list[Small], Small | None, list[str], list[float], dict[str, int]]
)
@given(value=st.one_of(OBJECTS, ROWS, st.lists(OBJECTS | ROWS, max_size=3), VALUES, ODD_KEYS))
def test_the_fast_form_agrees_with_the_generic_one(tp: Any, value: Any) -> None:
    generic = responsemodel._build(tp, {})
    expected = outcome(generic, value)
    assert outcome(compile_serializer(tp), value) == expected
    fast = responsemodel._build_fast(tp, {}, {})
    try:
        found = ("ok", repr(fast(value)))
    except (responsemodel._Doubt, Invalid):
        return  # the fast form may doubt; the generic one decides
    assert found == expected
