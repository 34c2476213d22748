"""scalars: the one text grammar for bool, int, float and Decimal, and its agreement across
the HTTP converters, lcore's own config keys and typed settings."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcore import ConfigDict, ConfigError, Lcore, TestClient
from lcore.scalars import (
    MAX_CONFIG_INT_DIGITS,
    MAX_INT_DIGITS,
    MAX_NUMBER_TEXT,
    Dialect,
    config_scalar,
    parse_bool,
    parse_decimal,
    parse_float,
    parse_int,
)

DIALECTS: list[Dialect] = ["http", "config"]


# -- the grammar --------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "text",
    ["", "-", "5_0", "0x5", "1e3", "1.0", "٣", "١٢", "５", "+-5", "--5", "5-", "1 2", "\x00"],
)
def test_int_refuses_what_is_not_ascii_digits(text: str, dialect: Dialect) -> None:
    with pytest.raises(ValueError, match="not an integer"):
        parse_int(text, dialect)


@pytest.mark.parametrize(
    ("text", "http", "config"),
    [
        ("42", 42, 42),
        ("-7", -7, -7),
        ("007", 7, 7),
        ("+8", None, 8),
        (" 9 ", None, 9),
        ("\t10\n", None, 10),
    ],
)
def test_int_dialects_differ_only_at_the_edges(text: str, http: int | None, config: int) -> None:
    assert parse_int(text, "config") == config
    if http is None:
        with pytest.raises(ValueError):
            parse_int(text)
    else:
        assert parse_int(text) == http


def test_int_digit_bounds_per_dialect() -> None:
    assert parse_int("9" * MAX_INT_DIGITS) == int("9" * MAX_INT_DIGITS)
    assert parse_int("-" + "9" * MAX_INT_DIGITS) < 0
    with pytest.raises(ValueError):
        parse_int("9" * (MAX_INT_DIGITS + 1))
    assert parse_int("9" * MAX_CONFIG_INT_DIGITS, "config") == 10**MAX_CONFIG_INT_DIGITS - 1
    assert parse_int("-" + "9" * MAX_CONFIG_INT_DIGITS, "config") < 0
    with pytest.raises(ValueError):
        parse_int("9" * (MAX_CONFIG_INT_DIGITS + 1), "config")


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "text", ["inf", "-inf", "nan", "NaN", "Infinity", "1_000.5", "١٫٥", "1e99999", "1e400", "."]
)
def test_float_and_decimal_refuse_non_finite_and_foreign_text(text: str, dialect: Dialect) -> None:
    with pytest.raises(ValueError):
        parse_float(text, dialect)
    if text != "1e400":  # a finite Decimal, but a float would be infinite
        with pytest.raises(ValueError):
            parse_decimal(text, dialect)


def test_float_and_decimal_grammar() -> None:
    assert parse_float("-1.5e3") == -1500.0
    assert parse_float(".5") == 0.5
    assert parse_float("5.") == 5.0
    assert parse_decimal("0.10") == Decimal("0.10")
    assert parse_float(" +2.5 ", "config") == 2.5
    assert parse_decimal("+1.25", "config") == Decimal("1.25")
    with pytest.raises(ValueError):
        parse_float("+2.5")
    with pytest.raises(ValueError):
        parse_float("1" * (MAX_NUMBER_TEXT + 1))


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("YES", True), ("On", True), ("1", True), ("false", False), ("No", False)],
)
def test_bool_words(text: str, value: bool) -> None:
    assert parse_bool(text) is value
    assert parse_bool(f" {text} ", "config") is value


def test_bool_empty_is_false_only_in_config() -> None:
    assert parse_bool("", "config") is False
    assert parse_bool("  ", "config") is False
    for text in ("", " true", "maybe", "2", "y"):
        with pytest.raises(ValueError, match="not a boolean"):
            parse_bool(text)


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_int_round_trips_through_text(number: int) -> None:
    assert parse_int(str(number)) == number
    if len(str(abs(number))) <= MAX_CONFIG_INT_DIGITS:
        assert parse_int(f" +{number} " if number >= 0 else str(number), "config") == number


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_round_trips_through_repr(number: float) -> None:
    assert parse_float(repr(number)) == number


@given(st.text(max_size=20))
def test_int_accepts_only_what_int_reads_the_same_way(text: str) -> None:
    try:
        value = parse_int(text)
    except ValueError:
        return
    assert text.isascii() and value == int(text)


# -- typed configuration values -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "tp", "expected"),
    [
        (True, bool, True),
        (0, bool, False),
        (" off ", bool, False),
        (7, int, 7),
        ("+7", int, 7),
        (2, float, 2.0),
        (Decimal("1.5"), float, 1.5),
        (" 1.5 ", float, 1.5),
        (3, Decimal, Decimal(3)),
        ("0.1", Decimal, Decimal("0.1")),
    ],
)
def test_config_scalar_takes_typed_values_and_config_text(
    value: Any, tp: Any, expected: Any
) -> None:
    result = config_scalar(value, tp)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("value", "tp"),
    [(2, bool), (1.0, bool), (True, int), (1.5, int), (None, float), (True, float), ([], Decimal)],
)
def test_config_scalar_refuses_what_does_not_fit(value: Any, tp: Any) -> None:
    with pytest.raises(ValueError):
        config_scalar(value, tp)


def test_config_scalar_is_only_for_scalars() -> None:
    with pytest.raises(TypeError):
        config_scalar("x", str)


# -- one grammar across lcore -------------------------------------------------------------


@dataclasses.dataclass
class _Limits:
    max_body: int


def _settings_int(text: str) -> int:
    return ConfigDict({"max_body": text}).as_dataclass(_Limits).max_body


def _config_key_int(text: str) -> int:
    app = Lcore()
    app.config["request.max_body"] = text
    return int(app.config["request.max_body"])


def _query_int(text: str) -> int:
    app = Lcore()

    @app.get("/n")
    def number(n: int) -> str:
        return str(n)

    response = TestClient(app).get("/n", params={"n": text})
    if response.status_code == 422:
        raise ValueError(response.json)
    return int(response.text)


@pytest.mark.parametrize("text", ["١٢", "１２", "1_2", "0x12", "12.0", "1e2", "twelve"])
def test_config_keys_settings_and_converters_refuse_the_same_text(text: str) -> None:
    # Regression: app.config["request.max_body"] = "١٢" (Arabic-Indic digits) was stored
    # as 12, while typed settings and the HTTP converters refused it.
    with pytest.raises(ValueError, match="request.max_body"):
        _config_key_int(text)
    with pytest.raises(ConfigError):
        _settings_int(text)
    with pytest.raises(ValueError):
        _query_int(text)


def test_config_keys_settings_and_converters_read_digits_alike() -> None:
    assert _config_key_int("12") == _settings_int("12") == _query_int("12") == 12
