"""Strict, bounded converters from wire values (text or JSON) to Python types.

A converter is built once per annotation and called per request. It returns the converted
value, or raises :class:`Invalid` listing every problem inside it, so one pass reports
them all (and the success path allocates nothing extra). Text grammars are ASCII-only and
length-capped: no ``int('+5_0')`` surprises and no 10,000-digit numbers.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import itertools
import math
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from .errors import ErrorDetail
from .scalars import (
    FALSE_WORDS,
    MAX_INT_DIGITS,
    MAX_NUMBER_TEXT,
    TRUE_WORDS,
    parse_decimal,
    parse_float,
)
from .typeinfo import (
    NO_CONSTRAINTS,
    Constraints,
    Shape,
    compile_pattern,
    constraints_of,
    forbids_extra,
    is_dataclass_type,
    is_typeddict,
    model_fields,
    shape_of,
    unwrap_annotated,
)

__all__ = [
    "NO_CONSTRAINTS",
    "Constraints",
    "Converter",
    "Deferred",
    "Doubt",
    "Invalid",
    "Loc",
    "build_converter",
    "check_constraints",
    "collect_problems",
    "convert_each",
    "is_typeddict",
    "unwrap_annotated",
    "with_fallback",
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
        # PERF: the http grammar of lcore.scalars (-?[0-9]{1,MAX_INT_DIGITS}) tested with
        # str methods, not its regex (bench/typed.py, N typed int query params). For ASCII
        # text, isdigit() is exactly [0-9].
        digits = value[1:] if value[:1] == "-" else value
        if digits.isdigit() and digits.isascii() and len(digits) <= MAX_INT_DIGITS:
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
    if rules.min_length is None and rules.max_length is None and rules.pattern is None:
        return _bounded(convert, rules)
    # NOTE: the pattern is read as the JSON Schema the document publishes reads it.
    pattern = compile_pattern(rules.pattern) if rules.pattern is not None else None

    if rules.ge is not None or rules.gt is not None or rules.le is not None or rules.lt is not None:
        convert = _bounded(convert, rules)  # the bounds first, as one test each

    def check(value: Any) -> Any:
        result: object = convert(value)
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


def check_constraints(value: Any, rules: Constraints) -> None:
    """Check an already converted value against ``rules``, as a typed parameter would.

    Raises:
        Invalid: The value breaks a bound, a length or the pattern.
    """
    _constrained(_identity, rules)(value)


def _bounded(convert: Converter, rules: Constraints) -> Converter:
    """Bounds only (``Query(ge=1, le=100)``, the usual case): :func:`_constrained`'s
    tests, with the bounds held in locals and no length or pattern tests."""
    # PERF: and a text int parsed in the same frame (bench/typed.py, N typed query params).
    ge, gt, le, lt = rules.ge, rules.gt, rules.le, rules.lt

    if convert is _text_int:
        # A missing bound is one no int breaks: each test is one comparison.
        low_eq = -math.inf if ge is None else ge
        low = -math.inf if gt is None else gt
        high_eq = math.inf if le is None else le
        high = math.inf if lt is None else lt

        def check_text_int(value: Any) -> Any:
            if isinstance(value, str) and value.isdigit() and value.isascii():
                number = int(value) if len(value) <= MAX_INT_DIGITS else _text_int(value)
            else:
                number = _text_int(value)  # a negative number, an int, or a problem
            if number < low_eq or number <= low or number > high_eq or number >= high:
                raise _out_of_bounds(number, rules)
            return number

        return check_text_int

    def check(value: Any) -> Any:
        result: object = convert(value)
        number = _number_of(result)
        if number is not None and (
            (ge is not None and number < ge)
            or (gt is not None and number <= gt)
            or (le is not None and number > le)
            or (lt is not None and number >= lt)
        ):
            raise _out_of_bounds(number, rules)
        return result

    return check


def _out_of_bounds(number: int | float | Decimal, rules: Constraints) -> Invalid:
    """The first bound ``number`` breaks, in :func:`_constrained`'s order (it breaks one)."""
    if rules.ge is not None and number < rules.ge:
        return Invalid.one(f"must be >= {rules.ge}", "greater_than_equal")
    if rules.gt is not None and number <= rules.gt:
        return Invalid.one(f"must be > {rules.gt}", "greater_than")
    if rules.le is not None and number > rules.le:
        return Invalid.one(f"must be <= {rules.le}", "less_than_equal")
    return Invalid.one(f"must be < {rules.lt}", "less_than")


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


def collect_problems(
    problems: list[tuple[Loc, str, str]] | None, key: str | int, invalid: Invalid
) -> list[tuple[Loc, str, str]]:
    """Add ``invalid``'s problems, located under ``key`` (an index or a field name), to
    ``problems`` (``None`` for none yet), at most :data:`MAX_PROBLEMS`.

    Returns:
        The list of problems.

    Raises:
        Invalid: The list is full.
    """
    return _add_problems(
        problems, [((key, *where), msg, kind) for where, msg, kind in invalid.problems]
    )


def _elements(value: Any) -> Sequence[Any]:
    """A JSON array (or a query's repeated values) as a sequence.

    Raises:
        Invalid: Anything else.
    """
    if not isinstance(value, list | tuple):
        raise Invalid.one("expected a list", "list_type")
    return typing.cast("Sequence[Any]", value)


def convert_each(converters: Iterable[Converter], elements: Iterable[Any]) -> list[Any]:
    """Convert each element with its converter (the pairs zipped: the converters may be an
    endless repeat), collecting problems under the element's index.

    Returns:
        The converted elements.

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
            problems = collect_problems(problems, index, invalid)
    if problems:
        raise Invalid(problems)
    return out


def _list_converter(item: Converter, container: type[Any]) -> Converter:
    def convert(value: Any) -> Any:
        out = convert_each(itertools.repeat(item), _elements(value))
        return out if container is list else container(out)

    return convert


def _fixed_tuple_converter(items: list[Converter]) -> Converter:
    """``tuple[A, B]``: exactly ``len(items)`` elements, each checked by its own type."""

    def convert(value: Any) -> Any:
        elements = _elements(value)
        if len(elements) != len(items):
            raise Invalid.one(f"expected exactly {len(items)} items", "tuple_length")
        return tuple(convert_each(items, elements))

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
                problems = collect_problems(problems, name, invalid)
        if problems:
            raise Invalid(problems)
        return out

    return convert


_MISSING = dataclasses.MISSING
_NO_KEY: Any = object()  # a key missing from a JSON object (None is a JSON value)


def _model_converter(
    fields: list[tuple[str, Converter, bool, Callable[[], Any] | None]],
    build: Callable[[dict[str, Any]], Any],
    known: frozenset[str] | None = None,
) -> Converter:
    """Convert a JSON object into a dataclass or TypedDict.

    ``fields`` holds ``(name, converter, required, default_factory)``; ``known``, when
    extra keys are refused, the keys the model takes.
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
                    problems = collect_problems(problems, name, invalid)
            elif required:
                problems = _add_problems(problems, [((name,), "field required", "missing")])
            elif default is not None:
                out[name] = default()
        if known is not None and not source.keys() <= known:
            for key in source:
                if key not in known:
                    problems = _add_problems(
                        problems, [((key,), "extra fields not permitted", "extra_forbidden")]
                    )
        if problems:
            raise Invalid(problems)
        return build(out)

    return convert


class Deferred:
    """A placeholder for a recursive model's converter (or serialiser), filled once the
    model is built: the model's own fields can already refer to it."""

    __slots__ = ("target",)

    def __init__(self) -> None:
        self.target: Converter | None = None

    def __call__(self, value: Any) -> Any:
        assert self.target is not None
        return self.target(value)


class Doubt(Exception):
    """Raised by a fast path (a converter's fast graph, a response model's fast form)
    where it cannot decide alone: the generic path decides (:func:`with_fallback`)."""


#: Its earlier, private name, kept for code that catches it.
_Doubt = Doubt


def with_fallback(
    fast: Callable[[Any], Any], generic: Callable[[Any], Any]
) -> Callable[[Any], Any]:
    """``fast``, falling back to ``generic`` for a value ``fast`` doubts (:class:`Doubt`)
    or refuses (:class:`Invalid`): the generic path gives the value, or every problem
    with its location. ``generic`` itself when the two are the same.

    ``fast`` must give ``generic``'s value wherever it gives one (the property tests
    check each pair); it may doubt anything.
    """
    if fast is generic:
        return generic

    def convert(value: Any) -> Any:
        try:
            return fast(value)
        except (Doubt, Invalid):
            return generic(value)

    return convert


class _Graph:
    """One converter graph being built: its models so far (a recursive model finds its
    placeholder here), whether it is the fast graph, and how many of its nodes (lists and
    dataclasses) have a fast form."""

    __slots__ = ("cache", "fast", "fast_nodes", "forbid_extra")

    def __init__(self, fast: bool, forbid_extra: bool = False) -> None:
        self.cache: dict[Any, Converter] = {}
        self.fast: bool = fast
        self.fast_nodes: int = 0
        #: Every model of the graph refuses extra keys (``Body(forbid_extra=True)``).
        self.forbid_extra: bool = forbid_extra


#: Each dataclass's fast converter, built once for every route that reads it (the
#: generated function's source compiled once too), at most this many kept.
# PERF: registration time (bench/openapi_build.py's 1,000 typed routes).
_FAST_MODELS: dict[Any, Converter] = {}
_MAX_FAST_MODELS = 1024


def _model_fields_converter(tp: type[Any], graph: _Graph, dataclass: bool) -> Converter:
    """A dataclass's or TypedDict's converter, from the fields :mod:`typeinfo` reads."""
    placeholder = Deferred()
    graph.cache[tp] = placeholder
    fields: list[tuple[str, Converter, bool, Callable[[], Any] | None]] = []
    annotations: list[Any] = []
    for field in model_fields(tp):
        if not field.init:
            continue
        default = field.default_factory
        if default is None and field.default is not _MISSING:
            default = _constant(field.default)
        fields.append((field.name, _build(field.annotation, False, graph), field.required, default))
        annotations.append(field.annotation)
    known = frozenset(name for name, *_ in fields)
    refused = known if graph.forbid_extra or forbids_extra(tp) else None
    if dataclass:
        graph.fast_nodes += 1
    if graph.fast and dataclass:
        placeholder.target = _fast_model(tp, fields, annotations, refused)
    else:
        build: Callable[[dict[str, Any]], Any] = dict
        if dataclass:
            build = lambda values: tp(**values)  # noqa: E731
        placeholder.target = _model_converter(fields, build, refused)
    graph.cache[tp] = placeholder.target
    return placeholder.target


#: Below this size an int converts to a float without overflow (it is < 2**1024).
_FLOAT_SAFE = 2**1023


def _fast_model(
    model: type[Any],
    fields: list[tuple[str, Converter, bool, Callable[[], Any] | None]],
    annotations: list[Any],
    known: frozenset[str] | None = None,
) -> Converter:
    """A dataclass's fast converter: one generated straight-line function.

    It reads each field, checks ``str``/``int``/``float``/``bool`` inline by exact type and
    calls the field's (fast) converter for anything else. It raises :class:`Doubt` at the
    first value it does not accept, never a problem list: the generic converter, rerun by
    :func:`build_converter`, decides. Only field names, as ``repr`` literals, and indexes
    enter the source; everything else is passed in by name. With ``known`` (extra keys
    refused), a key outside it is a doubt too.
    """
    # PERF: one frame per object and no problem bookkeeping on success (bench/typed_lib.py,
    # case c: 50 nested dataclasses from a dict).
    scope: dict[str, Any] = {
        "_Doubt": Doubt, "_MISS": _NO_KEY, "_model": model, "_dict": dict, "_str": str,
        "_int": int, "_float": float, "_bool": bool, "_INF": math.inf, "_BIG": _FLOAT_SAFE,
    }  # fmt: skip
    lines = ["def convert(value):", " if type(value) is not _dict:", "  raise _Doubt"]
    if known is not None:
        scope["_known"] = known
        lines += [" if not value.keys() <= _known:", "  raise _Doubt"]
    for index, ((name, converter, _, default), annotation) in enumerate(
        zip(fields, annotations, strict=True)
    ):
        var = f"v{index}"
        lines.append(f" {var} = value.get({name!r}, _MISS)")
        if default is not None:
            scope[f"d{index}"] = default
            when_missing = f"{var} = d{index}()"
        else:  # NOTE: a dataclass's init field without a default is required
            when_missing = "raise _Doubt"
        shape = shape_of(annotation)
        plain = shape.tp if shape.kind == "class" and not constraints_of(shape.metadata) else None
        if plain in (str, int, bool):
            lines.append(f" if type({var}) is not _{plain.__name__}:")
            if default is not None:
                lines.append(f"  if {var} is not _MISS:")
                lines.append("   raise _Doubt")
            lines.append(f"  {when_missing}")
        elif plain is float:
            # _json_float: a finite float, or an int (not a bool) made a float
            lines.append(f" if type({var}) is not _float or not -_INF < {var} < _INF:")
            lines.append(f"  if type({var}) is _int and -_BIG < {var} < _BIG:")
            lines.append(f"   {var} = _float({var})")
            if default is not None:
                lines.append(f"  elif {var} is _MISS:")
                lines.append(f"   {when_missing}")
            lines.append("  else:")
            lines.append("   raise _Doubt")
        else:
            scope[f"c{index}"] = converter
            lines.append(f" if {var} is _MISS:")
            lines.append(f"  {when_missing}")
            lines.append(" else:")
            lines.append(f"  {var} = c{index}({var})")
    lines.append(f" return _model({_arguments(model, [name for name, *_ in fields])})")
    exec(_compiled("\n".join(lines)), scope)  # NOTE: no user text but repr'd field names
    return typing.cast("Converter", scope["convert"])


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> types.CodeType:
    """The code of a fast model's source, compiled once per distinct source."""
    # PERF: a model used by many routes compiles once (registration time, 1,000 routes).
    return compile(source, "<lcore fast model converter>", "exec")


def _arguments(model: type[Any], names: list[str]) -> str:
    """The call's arguments ``v0, v1, **{'k': v2}``: positional where the model's
    signature takes the fields in order, by keyword otherwise (as the generic call)."""
    try:
        params = list(inspect.signature(model).parameters.values())
    except (TypeError, ValueError):  # no signature to read: keywords, as the generic call
        params = []
    positional: list[str] = []
    if [p.name for p in params] == names:
        for index, param in enumerate(params):
            if param.kind is not param.POSITIONAL_OR_KEYWORD:
                break
            positional.append(f"v{index}")
    keywords = ", ".join(f"{name!r}: v{i}" for i, name in enumerate(names) if i >= len(positional))
    return ", ".join([*positional, *([f"**{{{keywords}}}"] if keywords else [])])


def _fast_list(item: Converter, container: type[Any]) -> Converter:
    """The fast graph's ``list[T]``: a JSON array whose items all convert, else a doubt."""

    def convert(value: Any) -> Any:
        if type(value) is not list:
            raise Doubt
        elements: list[Any] = value  # pyright: ignore[reportUnknownVariableType]
        out = [item(element) for element in elements]
        return out if container is list else container(out)

    return convert


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


def _build(tp: Any, text: bool, graph: _Graph) -> Converter:
    shape = shape_of(tp)
    converter = _build_shape(shape, text, graph)
    rules = constraints_of(shape.metadata)
    return _constrained(converter, rules) if rules else converter


def _build_shape(shape: Shape, text: bool, graph: _Graph) -> Converter:
    kind, args = shape.kind, shape.args
    if kind == "any":
        return _identity
    if kind == "class":
        found = (_SCALARS_TEXT if text else _SCALARS_JSON).get(shape.tp)
        if found is not None:
            return found
    elif kind == "union":
        options = [_build(a, text, graph) for a in args]
        inner = options[0] if len(options) == 1 else _union(options)
        return _optional(inner) if shape.optional else inner
    elif kind == "literal":
        return _literal_converter(args)
    elif kind == "tuple":
        return _fixed_tuple_converter([_build(a, text, graph) for a in args])
    elif kind == "list":
        item = _build(args[0], text, graph) if args else _identity
        graph.fast_nodes += 1
        if graph.fast:
            return _fast_list(item, shape.container)
        return _list_converter(item, shape.container)
    elif kind == "dict":
        return _dict_converter(_build(args[0], text, graph) if args else _identity)
    elif kind == "enum":
        return _enum_converter(shape.tp)
    elif kind in ("dataclass", "typeddict"):
        model: type[Any] = shape.tp
        if model in graph.cache:  # a recursive model: its placeholder, filled once built
            return graph.cache[model]
        if graph.fast and not graph.forbid_extra and model in _FAST_MODELS:
            graph.fast_nodes += 1
            return _FAST_MODELS[model]
        return _model_fields_converter(model, graph, kind == "dataclass")
    raise TypeError(f"lcore cannot validate values of type {shape.tp!r}")


def _identity(value: Any) -> Any:
    return value


def build_converter(tp: Any, text: bool, *, forbid_extra: bool = False) -> Converter:
    """A converter for annotation ``tp``; ``text`` for query/header/cookie/path values;
    ``forbid_extra`` to refuse keys outside the fields of every model in it (else only
    models marked with :func:`~lcore.typeinfo.forbid_extra` refuse them).

    Two graphs are built when ``tp`` holds a list or a dataclass: the generic one, which
    reports every problem with its location, and a fast one (generated functions per
    dataclass, lists by comprehension) that gives the same value on success and a doubt
    at the first thing it does not accept. A value goes through the fast graph, and only
    when it doubts or fails through the generic one: one pass of each, at any depth.

    Raises:
        TypeError: A type lcore cannot validate.
        NameError: A forward reference that cannot be resolved yet.
    """
    graph = _Graph(fast=False, forbid_extra=forbid_extra)
    generic = _build(tp, text, graph)
    if not graph.fast_nodes:
        return generic  # no list or dataclass: the fast graph would be the same
    fast_graph = _Graph(fast=True, forbid_extra=forbid_extra)
    fast = _build(tp, text, fast_graph)
    if len(_FAST_MODELS) > _MAX_FAST_MODELS:
        _FAST_MODELS.clear()
    for model, converter in fast_graph.cache.items():
        if is_dataclass_type(model) and not forbid_extra:  # one shared form per model
            _FAST_MODELS[model] = converter
    return with_fallback(fast, generic)
