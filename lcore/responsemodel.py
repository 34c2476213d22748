"""Response models: a handler's result sent through its return annotation (or the
``response_model`` route option), so only the model's fields go out and a result that does
not match is refused (a 500), never sent.

A serialiser is compiled once per annotation from :func:`typeinfo.shape_of`, like the
converters (a generic form and a fast one), but it reads Python values (dicts,
dataclasses, objects with attributes) and returns what the JSON encoder sends. Loaded
with the first route that has a model.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from .converters import (
    Deferred,
    Invalid,
    Loc,
    collect_problems,
    convert_each,
    with_fallback,
)
from .converters import Doubt as _Doubt
from .typeinfo import Shape, is_dataclass_type, model_fields, shape_of

__all__ = ["Serializer", "compile_serializer"]

Serializer = Callable[[Any], Any]

_NO: Any = object()  # a field the value does not have (None is a value)
_NOT_SEQUENCES: tuple[type[Any], ...] = (str, bytes, bytearray, Mapping)
#: Values that have no fields to read a model from.
_NOT_OBJECTS: tuple[type[Any], ...] = (
    str,
    bytes,
    bytearray,
    int,
    float,
    list,
    tuple,
    set,
    frozenset,
)
#: Scalar classes, each with the instance check a value of it must pass and its label.
_SCALARS: dict[Any, tuple[Callable[[Any], bool], str]] = {
    str: (lambda v: isinstance(v, str), "a string"),
    int: (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    bool: (lambda v: isinstance(v, bool), "a boolean"),
    Decimal: (
        lambda v: isinstance(v, Decimal | int | float) and not isinstance(v, bool),
        "a decimal number",
    ),
    UUID: (lambda v: isinstance(v, UUID), "a UUID"),
    datetime: (lambda v: isinstance(v, datetime), "a datetime"),
    date: (lambda v: isinstance(v, date), "a date"),
    time: (lambda v: isinstance(v, time), "a time"),
    type(None): (lambda v: v is None, "null"),
}


def compile_serializer(annotation: Any) -> Serializer:
    """The serialiser of ``annotation``: it returns the value to send, or raises
    :class:`~lcore.converters.Invalid` with every problem (at most 100).

    Two forms are built, as for the converters: the generic one, which reads dicts and
    objects and reports every problem, and a fast one in which a model read from a dict is
    a generated straight-line function (``str``/``int``/``float``/``bool`` fields checked
    inline by exact type) that doubts at the first value it does not accept. A value goes
    through the fast form, and only on a doubt or a problem through the generic one.

    Raises:
        TypeError: A type with nothing to check it by (never: unknown classes are
            checked with ``isinstance``).
        NameError: A forward reference inside a model that cannot be resolved yet.
    """
    try:
        found = _SERIALIZERS.get(annotation)
    except TypeError:  # an unhashable annotation (a Literal of a list...): not kept
        return _compile(annotation)
    if found is None:
        if len(_SERIALIZERS) >= _MAX_SERIALIZERS:
            _SERIALIZERS.clear()
        found = _SERIALIZERS[annotation] = _compile(annotation)
    return found


#: Each annotation's serialiser, compiled once for every route that returns it, at most
#: this many kept.
# PERF: registration time (bench/openapi_build.py's app: 1,000 routes, 250 per model).
_SERIALIZERS: dict[Any, Serializer] = {}
_MAX_SERIALIZERS = 1024


def _compile(annotation: Any) -> Serializer:
    generic_cache: dict[Any, Serializer] = {}
    generic = _build(annotation, generic_cache)
    return with_fallback(_build_fast(annotation, {}, generic_cache), generic)


def _build(annotation: Any, cache: dict[Any, Serializer]) -> Serializer:
    shape = shape_of(annotation)
    kind, args = shape.kind, shape.args
    if kind == "any":
        return _as_is
    if kind == "union":
        options = [_build(option, cache) for option in args]
        return _union(options, shape.optional)
    if kind == "literal":
        return _literal(args)
    if kind == "tuple":
        return _fixed(tuple(_build(a, cache) for a in args))
    if kind == "list":
        return _items(_build(args[0], cache) if args else _as_is)
    if kind == "dict":
        return _mapping(_build(args[0], cache) if args else _as_is)
    if kind == "enum":
        return _enum(shape.tp)
    if kind in ("dataclass", "typeddict"):
        return _model(shape, cache)
    if shape.tp is float:
        return _float
    check = _SCALARS.get(shape.tp)
    if check is not None:
        return _scalar(*check)
    if kind == "class":
        return _instance(shape.tp)
    raise TypeError(f"lcore cannot check results of type {shape.tp!r}")


def _kind(value: object) -> str:
    """The name of a value's type, for problem messages."""
    return type(value).__name__


def _as_is(value: Any) -> Any:
    return value


def _scalar(accepts: Callable[[Any], bool], label: str) -> Serializer:
    def check(value: Any) -> Any:
        if accepts(value):
            return value
        raise Invalid.one(f"expected {label}, got {_kind(value)}", "result_type")

    return check


def _float(value: Any) -> Any:
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, int) or math.isfinite(value):
            return value
        raise Invalid.one("expected a finite number", "finite_number")
    if isinstance(value, Decimal):  # a NUMERIC column read for a float field
        if value.is_finite():
            return float(value)
        raise Invalid.one("expected a finite number", "finite_number")
    raise Invalid.one(f"expected a number, got {_kind(value)}", "result_type")


def _instance(cls: type[Any]) -> Serializer:
    def check(value: Any) -> Any:
        if isinstance(value, cls):
            return value
        raise Invalid.one(f"expected {cls.__name__}, got {_kind(value)}", "result_type")

    return check


def _enum(cls: Any) -> Serializer:
    def check(value: Any) -> Any:
        if isinstance(value, cls):
            return value
        try:
            return cls(value)
        except (ValueError, TypeError):
            choices = ", ".join(repr(member.value) for member in cls)
            raise Invalid.one(f"expected one of {choices}", "enum") from None

    return check


def _literal(choices: tuple[Any, ...]) -> Serializer:
    label = ", ".join(repr(c) for c in choices)

    def check(value: Any) -> Any:
        for choice in choices:
            if type(choice) is type(value) and choice == value:
                return value
        raise Invalid.one(f"expected one of {label}", "literal_error")

    return check


def _union(options: list[Serializer], optional: bool) -> Serializer:
    def first(value: Any) -> Any:
        if value is None and optional:
            return None
        failures: list[Invalid] = []
        for option in options:
            try:
                return option(value)
            except Invalid as invalid:
                failures.append(invalid)
        if optional and len(options) == 1:
            raise failures[0]
        raise Invalid.one(f"matches none of the types allowed, got {_kind(value)}", "union")

    return first


def _elements(value: Any) -> Iterable[Any]:
    """A sequence result (a list, tuple, set, a query's rows...) as an iterable.

    Raises:
        Invalid: Text, bytes, a mapping, or anything that cannot be iterated.
    """
    if _is_sequence(value):
        return value  # type: ignore[no-any-return]  # Any: checked iterable just above
    raise Invalid.one(f"expected a list, got {_kind(value)}", "list_type")


def _is_sequence(value: object) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, _NOT_SEQUENCES)


def _items(item: Serializer) -> Serializer:
    def convert(value: Any) -> Any:
        return convert_each(itertools.repeat(item), _elements(value))

    return convert


def _fixed(items: tuple[Serializer, ...]) -> Serializer:
    def convert(value: Any) -> Any:
        elements = list(_elements(value))
        if len(elements) != len(items):
            raise Invalid.one(f"expected exactly {len(items)} items", "tuple_length")
        return convert_each(items, elements)

    return convert


def _mapping(item: Serializer) -> Serializer:
    def convert(value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise Invalid.one(f"expected an object, got {_kind(value)}", "dict_type")
        source: Mapping[Any, Any] = value  # pyright: ignore[reportUnknownVariableType]
        out: dict[str, Any] = {}
        problems: list[tuple[Loc, str, str]] | None = None
        for key, element in source.items():
            if not isinstance(key, str):
                problems = collect_problems(
                    problems, str(key), Invalid.one("keys must be text", "dict_key")
                )
                continue
            try:
                out[key] = item(element)
            except Invalid as invalid:
                problems = collect_problems(problems, key, invalid)
        if problems:
            raise Invalid(problems)
        return out

    return convert


def _model(shape: Shape, cache: dict[Any, Serializer]) -> Serializer:
    """A dataclass or TypedDict: its fields read from a mapping's keys or an object's
    attributes, each checked by its type; nothing else is kept."""
    model: type[Any] = shape.tp
    if model in cache:
        return cache[model]
    placeholder = Deferred()
    cache[model] = placeholder
    fields: list[tuple[str, Serializer, bool, Callable[[], Any] | None]] = []
    for field in model_fields(model):
        default = field.default_factory
        if default is None and field.default is not dataclasses.MISSING:
            default = _constant(field.default)
        fields.append((field.name, _build(field.annotation, cache), field.required, default))
    exact = model if is_dataclass_type(model) else None

    def convert(value: Any) -> Any:
        # PERF: an instance of the model itself is sent as it is: its fields are the
        # model's (bench/typed.py, "POST dataclass body, 5 fields" returns its Item).
        if type(value) is exact:
            return value
        if isinstance(value, Mapping):
            mapping: Mapping[str, Any] = value  # pyright: ignore[reportUnknownVariableType]
            read: Callable[[str], Any] = lambda name: mapping.get(name, _NO)  # noqa: E731
        elif isinstance(value, _NOT_OBJECTS) or value is None:
            raise Invalid.one(f"expected an object, got {_kind(value)}", "model_type")
        else:
            read = lambda name: getattr(value, name, _NO)  # noqa: E731
        out: dict[str, Any] = {}
        problems: list[tuple[Loc, str, str]] | None = None
        for name, serialize, required, default in fields:
            found = read(name)
            if found is _NO:
                if default is not None:
                    out[name] = default()
                elif required:
                    problems = collect_problems(
                        problems, name, Invalid.one("field required", "missing")
                    )
                continue
            try:
                out[name] = serialize(found)
            except Invalid as invalid:
                problems = collect_problems(problems, name, invalid)
        if problems:
            raise Invalid(problems)
        return out

    placeholder.target = convert
    cache[model] = convert
    return convert


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


# -- the fast form ------------------------------------------------------------------------


def _build_fast(
    annotation: Any, cache: dict[Any, Serializer], generic: dict[Any, Serializer]
) -> Serializer:
    """The fast form of ``annotation``; the generic serialiser where it has none."""
    shape = shape_of(annotation)
    if shape.kind in ("dataclass", "typeddict"):
        if shape.tp not in cache:
            placeholder = Deferred()
            cache[shape.tp] = placeholder
            placeholder.target = cache[shape.tp] = _fast_model(shape.tp, cache, generic)
        return cache[shape.tp]
    if shape.kind == "list" and shape.args:
        item = _plain_scalar(shape.args[0])
        if item is not None and item is not float:
            return _fast_scalars(item)
        inner = _build_fast(shape.args[0], cache, generic)
        if inner is _fast_any_values:
            return _fast_any_dicts
        return _fast_items(inner)
    if shape.kind == "dict" and shape.args:
        if shape.args[0] is Any or shape.args[0] is object:
            return _fast_any_values
        item = _plain_scalar(shape.args[0])
        if item is not None and item is not float:
            return _fast_scalar_values(item)
    if shape.kind == "union" and shape.optional and len(shape.args) == 1:
        return _fast_optional(_build_fast(shape.args[0], cache, generic))
    return _build(annotation, generic)


def _plain_scalar(annotation: Any) -> type[Any] | None:
    """``str``, ``int``, ``bool`` or ``float`` without bounds or metadata, else ``None``."""
    shape = shape_of(annotation)
    if shape.kind == "class" and not shape.metadata and shape.tp in (str, int, bool, float):
        return typing.cast("type[Any]", shape.tp)
    return None


def _fast_scalars(item: type[Any]) -> Serializer:
    """A list of exact ``str``, ``int`` or ``bool`` (sent as it is), else a doubt."""

    def convert(value: Any) -> Any:
        if type(value) is not list:
            raise _Doubt
        elements: list[Any] = value  # pyright: ignore[reportUnknownVariableType]
        for element in elements:
            if type(element) is not item:
                raise _Doubt
        return elements

    return convert


def _fast_scalar_values(item: type[Any]) -> Serializer:
    """A dict of text keys to exact ``str``, ``int`` or ``bool`` (sent as it is), else a
    doubt."""
    # PERF: bench/typed.py, N typed int query params, whose handlers return dict[str, int].

    def convert(value: Any) -> Any:
        if type(value) is not dict:
            raise _Doubt
        mapping: dict[Any, Any] = value  # pyright: ignore[reportUnknownVariableType]
        for key, element in mapping.items():
            if type(element) is not item or type(key) is not str:
                raise _Doubt
        return mapping

    return convert


def _fast_any_values(value: Any) -> Any:
    """A dict of text keys to anything (``dict[str, Any]``): sent as it is, else a doubt."""
    # PERF: a list of such dicts was copied key by key: 26 us for 40 five-key rows, now
    # about 7 us (bench/compression.py's JSON GET returns list[dict[str, Any]]).
    if type(value) is not dict:
        raise _Doubt
    mapping: dict[Any, Any] = value  # pyright: ignore[reportUnknownVariableType]
    for key in mapping:
        if type(key) is not str:
            raise _Doubt
    return mapping


def _fast_any_dicts(value: Any) -> Any:
    """A list of ``dict[str, Any]`` rows: sent as it is, else a doubt."""
    if type(value) is not list:
        raise _Doubt
    rows: list[Any] = value  # pyright: ignore[reportUnknownVariableType]
    for row in rows:
        _fast_any_values(row)
    return rows


def _fast_items(item: Serializer) -> Serializer:
    def convert(value: Any) -> Any:
        if type(value) is not list:
            raise _Doubt
        elements: list[Any] = value  # pyright: ignore[reportUnknownVariableType]
        return [item(element) for element in elements]

    return convert


def _fast_optional(inner: Serializer) -> Serializer:
    def maybe(value: Any) -> Any:
        return None if value is None else inner(value)

    return maybe


def _fast_model(
    model: type[Any], cache: dict[Any, Serializer], generic: dict[Any, Serializer]
) -> Serializer:
    """A model's fast form: one generated function that reads a dict's keys, or any other
    object's attributes (an instance of the model's own dataclass passes as it is), and
    doubts at anything else. Only field names, as ``repr`` literals, and indexes enter its
    source."""
    # PERF: one frame per object, no problem bookkeeping (bench/typed.py, "GET row via
    # dependency + model": a dict row sent through its model).
    scope: dict[str, Any] = {
        "_Doubt": _Doubt, "_NO": _NO, "_dict": dict, "_str": str, "_int": int,
        "_bool": bool, "_float": float, "_INF": math.inf, "_getattr": getattr,
        "_Mapping": Mapping, "_NOT_OBJECTS": _NOT_OBJECTS,
        "_exact": model if is_dataclass_type(model) else _Doubt,
    }  # fmt: skip
    fields = model_fields(model)
    from_dict: list[str] = []
    from_attributes: list[str] = []
    for index, field in enumerate(fields):
        default = field.default_factory
        if default is None and field.default is not dataclasses.MISSING:
            default = _constant(field.default)
        if default is not None:
            scope[f"d{index}"] = default
        if _plain_scalar(field.annotation) is None:
            scope[f"c{index}"] = _build_fast(field.annotation, cache, generic)
        name, has_default = repr(field.name), default is not None
        for target, read, indent in (
            (from_dict, f"value.get({name}, _NO)", "  "),
            (from_attributes, f"_getattr(value, {name}, _NO)", " "),
        ):
            target.extend(_field_lines(index, field.annotation, read, has_default, indent))
    built = "{" + ", ".join(f"{field.name!r}: v{i}" for i, field in enumerate(fields)) + "}"
    lines = [
        "def convert(value):",
        " if type(value) is _exact:",
        "  return value",
        " if type(value) is _dict:",
        *from_dict,
        f"  return {built}",
        " if value is None or isinstance(value, _NOT_OBJECTS) or isinstance(value, _Mapping):",
        "  raise _Doubt",
        *from_attributes,
        f" return {built}",
    ]
    # NOTE: no user text enters the source but repr'd field names.
    exec(compile("\n".join(lines), "<lcore fast response model>", "exec"), scope)
    return typing.cast("Serializer", scope["convert"])


def _field_lines(
    index: int, annotation: Any, read: str, has_default: bool, indent: str
) -> list[str]:
    """The lines that read field ``index`` with the expression ``read`` into
    ``v<index>`` and check it: its default (``d<index>``) when it is missing, an inline
    exact-type test for a plain scalar, else its fast form (``c<index>``)."""
    var = f"v{index}"
    # A missing field without a default is required, or a TypedDict key the generic form
    # leaves out: the generic form decides.
    missing = f"{var} = d{index}()" if has_default else "raise _Doubt"
    lines = [f"{var} = {read}", f"if {var} is _NO:", f" {missing}"]
    plain = _plain_scalar(annotation)
    if plain is float:
        finite = f"(type({var}) is _float and -_INF < {var} < _INF)"
        lines += [f"elif not ({finite} or type({var}) is _int):", " raise _Doubt"]
    elif plain is not None:
        lines += [f"elif type({var}) is not _{plain.__name__}:", " raise _Doubt"]
    else:
        lines += ["else:", f" {var} = c{index}({var})"]
    return [indent + line for line in lines]
