"""Typed views of a ConfigDict: build a user's dataclass, coercing text values to the
declared field types, and report every bad key at once."""

from __future__ import annotations

import enum
import typing
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

from .converters import Invalid, check_constraints
from .errors import ConfigError
from .scalars import config_scalar
from .typeinfo import (
    constraints_of,
    is_dataclass_type,
    is_union,
    model_fields,
    shape_of,
    unwrap_annotated,
)

__all__ = ["build_dataclass", "coerce_value"]

S = TypeVar("S")

_NONE_TEXT = frozenset({"", "none", "null"})


class _Invalid(ValueError):
    """A value does not fit its type; the message says what was expected."""


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return " | ".join(repr(a) for a in get_args(tp))
    if is_union(tp):
        return " | ".join(_type_name(a) for a in get_args(tp))
    if origin is not None:
        args = ", ".join(_type_name(a) for a in get_args(tp))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    if tp is type(None):
        return "None"
    return getattr(tp, "__name__", str(tp))


def _split_items(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)  # pyright: ignore[reportUnknownArgumentType]
    raise _Invalid("expected a list or a comma-separated string")


def coerce_value(value: Any, tp: Any) -> Any:
    """Convert ``value`` (often text from env or INI files) to the type ``tp``.

    Raises:
        ValueError: The value does not fit; the message names the expected type.
    """
    shape = shape_of(tp)
    kind, tp, args = shape.kind, shape.tp, shape.args
    if kind == "any":
        return value
    if kind == "union":
        if shape.optional and (
            value is None or (isinstance(value, str) and value.strip().lower() in _NONE_TEXT)
        ):
            return None
        for option in args:
            try:
                return coerce_value(value, option)
            except ValueError:
                continue
        raise _Invalid(f"expected {_type_name(tp)}")
    if kind == "literal":
        for choice in args:
            if value == choice:
                return choice
            if isinstance(value, str) and not isinstance(choice, str):
                try:
                    if coerce_value(value, type(choice)) == choice:
                        return choice
                except ValueError:
                    continue
        raise _Invalid(f"expected one of {_type_name(tp)}")
    if kind == "tuple":
        items = _split_items(value)
        if len(items) != len(args):
            raise _Invalid(f"expected {len(args)} items")
        return tuple(coerce_value(v, a) for v, a in zip(items, args, strict=True))
    if kind == "list":
        item_type = args[0] if args else Any
        return shape.container([coerce_value(item, item_type) for item in _split_items(value)])
    if kind == "dict":
        if not isinstance(value, Mapping):
            raise _Invalid("expected a mapping")
        value_type = args[0] if args else Any
        mapping: Mapping[Any, Any] = value  # pyright: ignore[reportUnknownVariableType]  # any mapping
        return {str(k): coerce_value(v, value_type) for k, v in mapping.items()}
    if isinstance(tp, type):
        return _coerce_class(value, tp)
    return value


def _coerce_class(value: Any, tp: type[Any]) -> Any:
    expected = _SCALARS.get(tp)
    if expected is not None:
        try:
            return config_scalar(value, tp)
        except ValueError:
            raise _Invalid(expected) from None
    if tp is str:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise _Invalid("expected str")
    if issubclass(tp, Path):
        return tp(value)
    if issubclass(tp, enum.Enum):
        return _coerce_enum(value, tp)
    if isinstance(value, tp):
        return value
    name: str = tp.__name__
    raise _Invalid(f"expected {name}")


#: What a scalar field expects, said in its error message. Text is read in the config
#: dialect of lcore.scalars, the grammar the HTTP converters use.
_SCALARS: dict[Any, str] = {
    bool: "expected bool (true/false, yes/no, on/off, 1/0)",
    int: "expected int",
    float: "expected float",
    Decimal: "expected a decimal number",
}


def _coerce_enum(value: Any, tp: type[enum.Enum]) -> enum.Enum:
    if isinstance(value, tp):
        return value
    for member in tp:
        if member.value == value or (isinstance(value, str) and str(member.value) == value):
            return member
    if isinstance(value, str) and value in tp.__members__:
        return tp.__members__[value]
    names = ", ".join(repr(m.value) for m in tp)
    raise _Invalid(f"expected one of {names}")


def _namespace(config: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v for k, v in config.items() if k.startswith(prefix)}


def _build(config: Mapping[str, Any], schema: type[Any], prefix: str, errors: list[str]) -> Any:
    try:
        fields = model_fields(schema)
    except NameError as exc:
        raise TypeError(
            f"cannot resolve the annotations of {schema.__name__} ({exc}): define it, and"
            " the types its fields use, at module level"
        ) from None
    values: dict[str, Any] = {}
    for field in fields:
        if not field.init:
            continue
        key = prefix + field.name
        tp, metadata = unwrap_annotated(field.annotation)
        has_default = not field.required
        if is_dataclass_type(tp):
            if key in config and isinstance(config[key], Mapping):
                nested = {f"{key}.{k}": v for k, v in config[key].items()}  # pyright: ignore[reportUnknownVariableType]
                values[field.name] = _build({**config, **nested}, tp, key + ".", errors)
            elif any(k.startswith(key + ".") for k in config) or not has_default:
                values[field.name] = _build(config, tp, key + ".", errors)
            continue
        if shape_of(tp).kind == "dict" and key not in config:
            space = _namespace(config, key + ".")
            if space:
                try:
                    values[field.name] = coerce_value(space, tp)
                except ValueError as exc:
                    errors.append(f"{key}: {exc}, got {space!r}")
                continue
        if key not in config:
            if not has_default:
                errors.append(f"{key}: missing (expected {_type_name(tp)})")
            continue
        raw = config[key]
        try:
            value = coerce_value(raw, tp)
        except ValueError as exc:
            errors.append(f"{key}: {exc}, got {raw!r}")
            continue
        rules = constraints_of(metadata)
        if rules:
            # The same bounds as a typed parameter's (Query(ge=1), Param(pattern=...)).
            try:
                check_constraints(value, rules)
            except Invalid as exc:
                errors.extend(f"{key}: {msg}, got {raw!r}" for _, msg, _ in exc.problems)
                continue
        values[field.name] = value
    if errors:
        return None
    return schema(**values)


def build_dataclass(config: Mapping[str, Any], schema: type[S], prefix: str = "") -> S:
    """Build ``schema`` from ``config``; see :meth:`ConfigDict.as_dataclass`.

    Raises:
        TypeError: ``schema`` is not a dataclass.
        ConfigError: Every problem found, one message per key.
    """
    if not is_dataclass_type(schema):
        raise TypeError(f"as_dataclass() needs a dataclass type, not {schema!r}")
    if prefix and not prefix.endswith("."):
        prefix += "."
    errors: list[str] = []
    result = _build(config, schema, prefix, errors)
    if errors:
        raise ConfigError(errors)
    return typing.cast(S, result)
