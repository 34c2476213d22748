"""lcore/converters.py as it was at 6ac58fd, before the fast graph: the oracle that
tests/properties/test_converters_fast.py compares today's converters with. Kept frozen;
do not edit.

The original module docstring: strict, bounded converters from wire values (text or JSON)
to Python types."""

from __future__ import annotations

import dataclasses
import enum
import itertools
import math
import re
import typing
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from lcore.errors import ErrorDetail
from lcore.scalars import (
    FALSE_WORDS,
    HTTP_INT,
    MAX_INT_DIGITS,
    MAX_NUMBER_TEXT,
    TRUE_WORDS,
    parse_decimal,
    parse_float,
)
from lcore.typeinfo import (
    NO_CONSTRAINTS,
    Constraints,
    Shape,
    constraints_of,
    is_typeddict,
    model_fields,
    shape_of,
    unwrap_annotated,
)

__all__ = [
    "NO_CONSTRAINTS",
    "Constraints",
    "Converter",
    "Invalid",
    "Loc",
    "build_converter",
    "is_typeddict",
    "unwrap_annotated",
]

Loc = tuple[str | int, ...]
Converter = Callable[[Any], Any]


class Invalid(Exception):
    """Raised by a converter: every problem found, each with its location relative to
    the value converted (``()`` for the value itself, ``("tags", 0)`` inside it)."""

    __slots__ = ("problems",)

    def __init__(self, problems: list[tuple[Loc, str, str]]) -> None:
        super().__init__(problems)
        self.problems: list[tuple[Loc, str, str]] = problems

    @classmethod
    def one(cls, msg: str, kind: str) -> Invalid:
        """A single problem with the value itself."""
        return cls([((), msg, kind)])

    def details(self, loc: Loc) -> list[ErrorDetail]:
        """The problems as error-shape entries under ``loc``."""
        return [
            {"loc": [*loc, *where], "msg": msg, "type": kind} for where, msg, kind in self.problems
        ]


#: Most problems one value reports before conversion stops (bounds 422 bodies and work).
MAX_PROBLEMS = 100
#: Longest text accepted for a number, UUID or date (a bound, not a format rule). Numbers
#: follow the one text grammar of :mod:`lcore.scalars`.
MAX_SCALAR_TEXT = MAX_NUMBER_TEXT


# -- scalars ------------------------------------------------------------------------------


def _text_int(value: Any) -> Any:
    if type(value) is int:
        return value
    if isinstance(value, str):
        # PERF: lcore.scalars' http grammar matched here, not called: one frame less per
        # typed value on the request path (bench/typed.py, 3 typed query params).
        if len(value) <= MAX_INT_DIGITS + 1 and HTTP_INT.fullmatch(value):
            return int(value)
        raise Invalid.one("expected an integer", "int_parsing")
    raise Invalid.one("expected an integer", "int_type")


def _json_int(value: Any) -> Any:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    raise Invalid.one("expected an integer", "int_type")


def _text_float(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_float(value)
        except ValueError:
            raise Invalid.one("expected a number", "float_parsing") from None
    return _json_float(value)


def _json_float(value: Any) -> Any:
    if type(value) is float:
        # NOTE: request bodies never hold inf or nan (jsonutil refuses them); other
        # sources of values might, and no JSON encoder can write them back.
        if math.isfinite(value):
            return value
        raise Invalid.one("expected a finite number", "finite_number")
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:  # JSON integers are exact: 10**400 is one, but no float
            raise Invalid.one("expected a finite number", "finite_number") from None
    raise Invalid.one("expected a number", "float_type")


def _text_bool(value: Any) -> Any:
    if type(value) is bool:
        return value
    if isinstance(value, str):
        # PERF: lcore.scalars' words looked up here, as parse_bool does (bench/typed.py).
        word = value.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise Invalid.one("expected a boolean (true/false, 1/0, yes/no, on/off)", "bool_parsing")


def _json_bool(value: Any) -> Any:
    if type(value) is bool:
        return value
    raise Invalid.one("expected a boolean", "bool_type")


def _any_str(value: Any) -> Any:
    if isinstance(value, str):
        return value
    raise Invalid.one("expected a string", "string_type")


def _decimal(value: Any) -> Any:
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return parse_decimal(value)
        except ValueError:
            pass
    raise Invalid.one("expected a decimal number", "decimal_parsing")


def _parsed_text(parse: Callable[[str], Any], kind: str, message: str) -> Converter:
    """A converter for short ASCII text that ``parse`` turns into a value (or refuses
    with ``ValueError``)."""

    def convert(value: Any) -> Any:
        if isinstance(value, str) and len(value) <= MAX_SCALAR_TEXT and value.isascii():
            try:
                return parse(value)
            except ValueError:
                pass
        raise Invalid.one(message, kind)

    return convert


_uuid = _parsed_text(UUID, "uuid_parsing", "expected a UUID")


def _iso(parse: Callable[[str], Any], kind: str, label: str) -> Converter:
    return _parsed_text(parse, kind, f"expected an ISO 8601 {label}")


def _date_only(text: str) -> date:
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


_SCALARS_TEXT: dict[Any, Converter] = {
    int: _text_int,
    float: _text_float,
    bool: _text_bool,
    str: _any_str,
    Decimal: _decimal,
    UUID: _uuid,
    datetime: _iso(datetime.fromisoformat, "datetime_parsing", "date-time"),
    date: _iso(_date_only, "date_parsing", "date"),
    time: _iso(time.fromisoformat, "time_parsing", "time"),
}
_SCALARS_JSON: dict[Any, Converter] = {
    **_SCALARS_TEXT,
    int: _json_int,
    float: _json_float,
    bool: _json_bool,
}


def _enum_converter(tp: type[enum.Enum]) -> Converter:
    by_value: dict[Any, enum.Enum] = {}
    for member in tp:
        by_value[member.value] = member
        by_value.setdefault(str(member.value), member)
    choices = ", ".join(repr(m.value) for m in tp)

    def convert(value: Any) -> Any:
        if type(value) is not bool:
            try:
                member = by_value.get(value)
            except TypeError:  # an unhashable JSON value
                member = None
            if member is not None:
                return member
        raise Invalid.one(f"expected one of {choices}", "enum")

    return convert


def _literal_converter(choices: tuple[Any, ...]) -> Converter:
    by_text: dict[str, Any] = {}
    for choice in choices:
        by_text.setdefault(str(choice).lower() if type(choice) is bool else str(choice), choice)
    label = ", ".join(repr(c) for c in choices)

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            if value in by_text:
                return by_text[value]
        else:
            for choice in choices:
                if type(choice) is type(value) and choice == value:
                    return choice
        raise Invalid.one(f"expected one of {label}", "literal_error")

    return convert


# -- constraints --------------------------------------------------------------------------


def _length_of(value: object) -> int | None:
    if isinstance(value, str | list | tuple | dict):
        return len(value)  # pyright: ignore[reportUnknownArgumentType]
    return None


def _number_of(value: object) -> int | float | Decimal | None:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    return None


def _constrained(convert: Converter, rules: Constraints) -> Converter:
    pattern = re.compile(rules.pattern) if rules.pattern is not None else None

    def check(value: Any) -> Any:
        result: object = convert(value)
        number = _number_of(result)
        if number is not None:
            if rules.ge is not None and number < rules.ge:
                raise Invalid.one(f"must be >= {rules.ge}", "greater_than_equal")
            if rules.gt is not None and number <= rules.gt:
                raise Invalid.one(f"must be > {rules.gt}", "greater_than")
            if rules.le is not None and number > rules.le:
                raise Invalid.one(f"must be <= {rules.le}", "less_than_equal")
            if rules.lt is not None and number >= rules.lt:
                raise Invalid.one(f"must be < {rules.lt}", "less_than")
        size = _length_of(result)
        if size is not None:
            if rules.min_length is not None and size < rules.min_length:
                raise Invalid.one(
                    f"must have at least {rules.min_length} items/characters",
                    "too_short",
                )
            if rules.max_length is not None and size > rules.max_length:
                raise Invalid.one(
                    f"must have at most {rules.max_length} items/characters",
                    "too_long",
                )
        if pattern is not None and isinstance(result, str) and pattern.search(result) is None:
            raise Invalid.one(f"must match {rules.pattern!r}", "string_pattern_mismatch")
        return result

    return check


# -- containers and models ----------------------------------------------------------------


def _add_problems(
    problems: list[tuple[Loc, str, str]] | None, found: list[tuple[Loc, str, str]]
) -> list[tuple[Loc, str, str]]:
    """Collect problems, at most :data:`MAX_PROBLEMS`: past that, stop converting at once.

    A body of a million bad items must not cost a million error entries (and a response
    body to match): the first ones say enough.

    Raises:
        Invalid: The list is full.
    """
    problems = problems or []
    problems.extend(found)
    if len(problems) >= MAX_PROBLEMS:
        del problems[MAX_PROBLEMS:]
        problems.append(((), f"more than {MAX_PROBLEMS} problems; stopped", "too_many_errors"))
        raise Invalid(problems)
    return problems


def _nested(key: str | int, invalid: Invalid) -> list[tuple[Loc, str, str]]:
    """``invalid``'s problems, located under ``key``."""
    return [((key, *where), msg, kind) for where, msg, kind in invalid.problems]


def _elements(value: Any) -> Sequence[Any]:
    """A JSON array (or a query's repeated values) as a sequence.

    Raises:
        Invalid: Anything else.
    """
    if not isinstance(value, list | tuple):
        raise Invalid.one("expected a list", "list_type")
    return typing.cast("Sequence[Any]", value)


def _convert_each(converters: Iterable[Converter], elements: Sequence[Any]) -> list[Any]:
    """Convert each element with its converter, collecting problems under its index.

    Raises:
        Invalid: Every problem found (at most :data:`MAX_PROBLEMS`).
    """
    out: list[Any] = []
    problems: list[tuple[Loc, str, str]] | None = None
    # strict=False: the converters may be an endless repeat; tuples check length first.
    for index, (item, element) in enumerate(zip(converters, elements, strict=False)):
        try:
            out.append(item(element))
        except Invalid as invalid:
            problems = _add_problems(problems, _nested(index, invalid))
    if problems:
        raise Invalid(problems)
    return out


def _list_converter(item: Converter, container: type[Any]) -> Converter:
    def convert(value: Any) -> Any:
        out = _convert_each(itertools.repeat(item), _elements(value))
        return out if container is list else container(out)

    return convert


def _fixed_tuple_converter(items: list[Converter]) -> Converter:
    """``tuple[A, B]``: exactly ``len(items)`` elements, each checked by its own type."""

    def convert(value: Any) -> Any:
        elements = _elements(value)
        if len(elements) != len(items):
            raise Invalid.one(f"expected exactly {len(items)} items", "tuple_length")
        return tuple(_convert_each(items, elements))

    return convert


def _dict_converter(value_converter: Converter) -> Converter:
    def convert(value: Any) -> Any:
        if not isinstance(value, dict):
            raise Invalid.one("expected an object", "dict_type")
        mapping: dict[Any, Any] = value  # pyright: ignore[reportUnknownVariableType]
        out: dict[str, Any] = {}
        problems: list[tuple[Loc, str, str]] | None = None
        for key, element in mapping.items():
            name = str(key)
            try:
                out[name] = value_converter(element)
            except Invalid as invalid:
                problems = _add_problems(problems, _nested(name, invalid))
        if problems:
            raise Invalid(problems)
        return out

    return convert


_MISSING = dataclasses.MISSING


def _model_converter(
    fields: list[tuple[str, Converter, bool, Callable[[], Any] | None]],
    build: Callable[[dict[str, Any]], Any],
) -> Converter:
    """Convert a JSON object into a dataclass or TypedDict.

    ``fields`` holds ``(name, converter, required, default_factory)``.
    """

    def convert(value: Any) -> Any:
        if not isinstance(value, dict):
            raise Invalid.one("expected an object", "model_type")
        source: dict[str, Any] = value  # pyright: ignore[reportUnknownVariableType]
        out: dict[str, Any] = {}
        problems: list[tuple[Loc, str, str]] | None = None
        for name, converter, required, default in fields:
            if name in source:
                try:
                    out[name] = converter(source[name])
                except Invalid as invalid:
                    problems = _add_problems(problems, _nested(name, invalid))
            elif required:
                problems = _add_problems(problems, [((name,), "field required", "missing")])
            elif default is not None:
                out[name] = default()
        if problems:
            raise Invalid(problems)
        return build(out)

    return convert


class _Lazy:
    """A converter placeholder for recursive models, filled once the model is built."""

    __slots__ = ("target",)

    def __init__(self) -> None:
        self.target: Converter | None = None

    def __call__(self, value: Any) -> Any:
        assert self.target is not None
        return self.target(value)


def _model_fields_converter(
    tp: type[Any], cache: dict[Any, Converter], build: Callable[[dict[str, Any]], Any]
) -> Converter:
    """A dataclass's or TypedDict's converter, from the fields :mod:`typeinfo` reads."""
    placeholder = _Lazy()
    cache[tp] = placeholder
    fields: list[tuple[str, Converter, bool, Callable[[], Any] | None]] = []
    for field in model_fields(tp):
        if not field.init:
            continue
        default = field.default_factory
        if default is None and field.default is not _MISSING:
            default = _constant(field.default)
        fields.append((field.name, _build(field.annotation, False, cache), field.required, default))
    placeholder.target = _model_converter(fields, build)
    cache[tp] = placeholder.target
    return placeholder.target


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def _optional(convert: Converter) -> Converter:
    def maybe(value: Any) -> Any:
        if value is None:
            return None
        return convert(value)

    return maybe


def _union(options: list[Converter]) -> Converter:
    def first(value: Any) -> Any:
        failures: list[Invalid] = []
        for option in options:
            try:
                return option(value)
            except Invalid as invalid:
                failures.append(invalid)
        raise failures[0] if failures else Invalid.one("no union member matched", "union")

    return first


def _build(tp: Any, text: bool, cache: dict[Any, Converter]) -> Converter:
    shape = shape_of(tp)
    converter = _build_shape(shape, text, cache)
    rules = constraints_of(shape.metadata)
    return _constrained(converter, rules) if rules else converter


def _build_shape(shape: Shape, text: bool, cache: dict[Any, Converter]) -> Converter:
    kind, args = shape.kind, shape.args
    if kind == "any":
        return _identity
    if kind == "class":
        found = (_SCALARS_TEXT if text else _SCALARS_JSON).get(shape.tp)
        if found is not None:
            return found
    elif kind == "union":
        options = [_build(a, text, cache) for a in args]
        inner = options[0] if len(options) == 1 else _union(options)
        return _optional(inner) if shape.optional else inner
    elif kind == "literal":
        return _literal_converter(args)
    elif kind == "tuple":
        return _fixed_tuple_converter([_build(a, text, cache) for a in args])
    elif kind == "list":
        return _list_converter(_build(args[0], text, cache) if args else _identity, shape.container)
    elif kind == "dict":
        return _dict_converter(_build(args[0], text, cache) if args else _identity)
    elif kind == "enum":
        return _enum_converter(shape.tp)
    elif kind in ("dataclass", "typeddict"):
        model: type[Any] = shape.tp
        if model in cache:  # a recursive model: its placeholder, filled once built
            return cache[model]
        if kind == "typeddict":
            return _model_fields_converter(model, cache, dict)
        return _model_fields_converter(model, cache, lambda values: model(**values))
    raise TypeError(f"lcore cannot validate values of type {shape.tp!r}")


def _identity(value: Any) -> Any:
    return value


def build_converter(tp: Any, text: bool) -> Converter:
    """A converter for annotation ``tp``; ``text`` for query/header/cookie/path values.

    Raises:
        TypeError: A type lcore cannot validate.
        NameError: A forward reference that cannot be resolved yet.
    """
    return _build(tp, text, {})
