"""The one grammar for scalars written as text: booleans, integers, floats and decimals.

The HTTP converters (query, header, cookie and path values), the checks of lcore's own
config keys and typed settings (``ConfigDict.as_dataclass``) all read text through it, so
``"١٢"`` (Arabic-Indic digits) is refused everywhere and ``"yes"`` is true everywhere.

Two dialects share the grammar and differ only at its edges:

- ``http``: the text as sent; a number up to :data:`MAX_INT_DIGITS` digits.
- ``config`` (env vars, ``.env``, INI and JSON files, ``app.config[...] = "..."``):
  surrounding whitespace is dropped, a number may start with ``+``, an integer has at
  most :data:`MAX_CONFIG_INT_DIGITS` digits, and an empty value is a false boolean.

Every parser raises ``ValueError`` on text outside the grammar.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

__all__ = [
    "FALSE_WORDS",
    "HTTP_INT",
    "MAX_CONFIG_INT_DIGITS",
    "MAX_INT_DIGITS",
    "MAX_NUMBER_TEXT",
    "TRUE_WORDS",
    "Dialect",
    "config_scalar",
    "parse_bool",
    "parse_decimal",
    "parse_float",
    "parse_int",
]

Dialect = Literal["http", "config"]

#: Words read as true and as false, in any letter case.
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})
#: Most digits an integer may have: CPython's default cap on int/str conversion
#: (sys.int_info.default_max_str_digits, 3.11+), which its JSON parser applies too.
#: Integers are unbounded in the schema, as in Python; this bound keeps a conversion cheap.
MAX_INT_DIGITS = 4300
#: Most digits of an integer in configuration: 18 digits stay inside a signed 64-bit
#: integer, which sizes, counts and timeouts handed on to the OS and to servers must.
MAX_CONFIG_INT_DIGITS = 18
#: Longest text accepted for a float or a decimal (a bound, not a format rule).
MAX_NUMBER_TEXT = 64

# NOTE: [0-9], never \d: \d also matches other scripts' digits, which int() accepts.
_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,4})?"
#: An integer in the http dialect (the typed converters test the same grammar without
#: the regex: see ``converters._text_int``).
HTTP_INT = re.compile(rf"-?[0-9]{{1,{MAX_INT_DIGITS}}}")
_CONFIG_INT = re.compile(rf"[+-]?[0-9]{{1,{MAX_CONFIG_INT_DIGITS}}}")
_HTTP_NUMBER = re.compile(rf"-?{_NUMBER}")
_CONFIG_NUMBER = re.compile(rf"[+-]?{_NUMBER}")


def parse_int(text: str, dialect: Dialect = "http") -> int:
    """An integer: ASCII digits with an optional ``-`` (or ``+`` in config).

    Raises:
        ValueError: Anything else, or more digits than the dialect allows.
    """
    if dialect == "config":
        text, pattern = text.strip(), _CONFIG_INT
    else:
        pattern = HTTP_INT
    if len(text) <= MAX_INT_DIGITS + 1 and pattern.fullmatch(text):
        return int(text)
    raise ValueError(f"not an integer: {text[:MAX_NUMBER_TEXT]!r}")


def _number_text(text: str, dialect: Dialect) -> str:
    if dialect == "config":
        text, pattern = text.strip(), _CONFIG_NUMBER
    else:
        pattern = _HTTP_NUMBER
    if len(text) <= MAX_NUMBER_TEXT and pattern.fullmatch(text):
        return text
    raise ValueError(f"not a number: {text[:MAX_NUMBER_TEXT]!r}")


def parse_float(text: str, dialect: Dialect = "http") -> float:
    """A finite float: ASCII digits, an optional fraction and exponent (``-1.5e3``);
    no ``inf``, ``nan``, underscores or other scripts' digits.

    Raises:
        ValueError: Anything else, or a value too large to be finite.
    """
    number = float(_number_text(text, dialect))
    if math.isinf(number):
        raise ValueError(f"not a finite number: {text[:MAX_NUMBER_TEXT]!r}")
    return number


def parse_decimal(text: str, dialect: Dialect = "http") -> Decimal:
    """A decimal number, in the float grammar (no ``NaN`` or ``Infinity``).

    Raises:
        ValueError: Anything else.
    """
    try:
        return Decimal(_number_text(text, dialect))
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {text[:MAX_NUMBER_TEXT]!r}") from None


def parse_bool(text: str, dialect: Dialect = "http") -> bool:
    """``true``/``false``, ``1``/``0``, ``yes``/``no``, ``on``/``off``, in any case; in
    the config dialect an empty value is false too.

    Raises:
        ValueError: Anything else.
    """
    word = (text.strip() if dialect == "config" else text).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS or (not word and dialect == "config"):
        return False
    raise ValueError(f"not a boolean: {text[:MAX_NUMBER_TEXT]!r}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def config_scalar(value: Any, tp: type[Any]) -> Any:
    """A configuration value as ``bool``, ``int``, ``float`` or ``Decimal``: text (env
    vars, ``.env`` and INI files) is read in the config dialect, and a value already
    typed (by a JSON file or Python code) is taken when it fits.

    Raises:
        ValueError: The value does not fit ``tp``.
        TypeError: ``tp`` is none of those four types.
    """
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            return parse_bool(value, "config")
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            return parse_int(value, "config")
    elif tp is float:
        if _is_number(value):
            return float(value)
        if isinstance(value, str):
            return parse_float(value, "config")
    elif tp is Decimal:
        if _is_number(value):
            return value if isinstance(value, Decimal) else Decimal(str(value))
        if isinstance(value, str):
            return parse_decimal(value, "config")
    else:
        raise TypeError(f"not a scalar type: {tp!r}")
    raise ValueError(f"not a {tp.__name__}: {value!r}")
