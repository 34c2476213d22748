"""Generated dataclass shapes round-trip: instance -> lcore's JSON -> converter -> an equal
instance; and the JSON produced validates against lcore's JSON Schema for the type."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Literal, Optional
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lcore.converters import build_converter
from lcore.jsonutil import json_dumps, json_loads
from tests.enums import Color, Level

Shape = tuple[Any, st.SearchStrategy[Any]]
"""An annotation and a strategy for its values."""

# Offsets in whole minutes, within the +-24h Python allows.
_OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)

# NOTE: the converters bound the text of a number (64 characters, a 4-digit exponent, and
# |int| < 10**20): values are generated inside those bounds, which are limits, not bugs.
SCALARS: list[Shape] = [
    (str, st.text(max_size=12)),
    (int, st.integers(min_value=-(10**20) + 1, max_value=10**20 - 1)),
    (float, st.floats(allow_nan=False, allow_infinity=False)),
    (bool, st.booleans()),
    (
        Decimal,
        st.builds(
            lambda digits, exponent: Decimal(digits).scaleb(exponent),
            st.integers(min_value=-(10**30), max_value=10**30),
            st.integers(min_value=-40, max_value=40),
        ),
    ),
    (UUID, st.uuids()),
    (date, st.dates()),
    (datetime, st.datetimes(timezones=st.none() | st.just(timezone.utc) | _OFFSETS)),
    (time, st.times()),
    (Color, st.sampled_from(Color)),
    (Level, st.sampled_from(Level)),
    (Literal["x", "y"], st.sampled_from(["x", "y"])),
    (Literal[1, 2, 3], st.sampled_from([1, 2, 3])),
]


@st.composite
def field_shapes(draw: st.DrawFn, depth: int) -> Shape:
    """A field's type: a scalar, or (while ``depth`` lasts) a container of one, or a model."""
    kinds = ["scalar"] if depth <= 0 else ["scalar", "scalar", "optional", "list", "dict", "model"]
    kind = draw(st.sampled_from(kinds))
    if kind == "scalar":
        return draw(st.sampled_from(SCALARS))
    if kind == "model":
        return draw(model_shapes(depth - 1))
    inner, values = draw(field_shapes(depth - 1))
    if kind == "optional":
        return Optional[inner], st.none() | values  # noqa: UP045 - `inner` is a runtime value
    if kind == "list":
        return list[inner], st.lists(values, max_size=3)  # type: ignore[valid-type]
    return dict[str, inner], st.dictionaries(st.text(max_size=4), values, max_size=3)  # type: ignore[valid-type]


@st.composite
def model_shapes(draw: st.DrawFn, depth: int = 2) -> Shape:
    """A dataclass with up to six fields, made with ``dataclasses.make_dataclass``."""
    fields = draw(st.lists(field_shapes(depth), max_size=6))
    # Reused class names: distinct types with one name must stay distinct in the schema.
    name = draw(st.sampled_from(["Model", "Item", "Inner"]))
    cls = dataclasses.make_dataclass(name, [(f"f{i}", tp) for i, (tp, _) in enumerate(fields)])
    values = st.builds(cls, **{f"f{i}": strategy for i, (_, strategy) in enumerate(fields)})
    return cls, values


@st.composite
def instances(draw: st.DrawFn) -> tuple[type[Any], Any]:
    cls, values = draw(model_shapes())
    return cls, draw(values)


ROUND_TRIP = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@ROUND_TRIP
@given(instances())
def test_dataclass_round_trip(case: tuple[type[Any], Any]) -> None:
    cls, instance = case
    text = json_dumps(instance)
    parsed = build_converter(cls, text=False)(json_loads(text))
    assert type(parsed) is cls
    assert parsed == instance
    assert json_dumps(parsed) == text


@ROUND_TRIP
@given(instances())
def test_list_of_dataclasses_round_trip(case: tuple[type[Any], Any]) -> None:
    cls, instance = case
    text = json_dumps([instance, instance])
    assert build_converter(list[cls], text=False)(json_loads(text)) == [instance, instance]  # type: ignore[valid-type]


def _validator(tp: Any) -> Callable[[Any], None]:
    """A validator of JSON values against lcore's schema for ``tp`` (skips the test when
    lcore.schema or jsonschema is not available)."""
    schema_module = pytest.importorskip("lcore.schema")
    jsonschema = pytest.importorskip("jsonschema")
    schema = schema_module.json_schema(tp)
    validator_class = jsonschema.Draft202012Validator
    validator_class.check_schema(schema)
    # NOTE: "date-time" and "time" are left out: RFC 3339 requires an offset, and lcore
    # writes a naive datetime or time without one (isoformat()).
    formats = jsonschema.FormatChecker(formats=["date", "uuid"])
    return validator_class(schema, format_checker=formats).validate  # type: ignore[no-any-return]


@ROUND_TRIP
@given(instances())
def test_generated_json_validates_against_the_schema(case: tuple[type[Any], Any]) -> None:
    cls, instance = case
    validate = _validator(cls)
    validate(json.loads(json_dumps(instance)))
    validate_list = _validator(list[cls])  # type: ignore[valid-type]
    validate_list(json.loads(json_dumps([instance])))
