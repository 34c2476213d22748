"""Typed views of a ConfigDict: build a user's dataclass, coercing text values to the
declared field types, and report every bad key at once."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from .errors import ConfigError

__all__ = ["build_dataclass", "coerce_value"]

S = TypeVar("S")

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_NONE_TEXT = frozenset({"", "none", "null"})


class _Invalid(ValueError):
    """A value does not fit its type; the message says what was expected."""


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return " | ".join(repr(a) for a in get_args(tp))
    if origin in (Union, types.UnionType):
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
    if tp is Any or tp is object:
        return value
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        options = get_args(tp)
        nullable = type(None) in options
        if nullable and (
            value is None or (isinstance(value, str) and value.strip().lower() in _NONE_TEXT)
        ):
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return coerce_value(value, option)
            except ValueError:
                continue
        raise _Invalid(f"expected {_type_name(tp)}")
    if origin is Literal:
        for choice in get_args(tp):
            if value == choice:
                return choice
            if isinstance(value, str) and not isinstance(choice, str):
                try:
                    if coerce_value(value, type(choice)) == choice:
                        return choice
                except ValueError:
                    continue
        raise _Invalid(f"expected one of {_type_name(tp)}")
    if origin in (list, tuple, set, frozenset):
        args = get_args(tp)
        if origin is tuple and args and args[-1] is not Ellipsis:
            items = _split_items(value)
            if len(items) != len(args):
                raise _Invalid(f"expected {len(args)} items")
            return tuple(coerce_value(v, a) for v, a in zip(items, args, strict=True))
        item_type = args[0] if args else Any
        converted = [coerce_value(item, item_type) for item in _split_items(value)]
        container: Any = origin
        return container(converted)
    if origin is dict:
        if not isinstance(value, Mapping):
            raise _Invalid("expected a mapping")
        value_type = get_args(tp)[1] if get_args(tp) else Any
        mapping: Mapping[Any, Any] = value  # pyright: ignore[reportUnknownVariableType]  # any mapping
        return {str(k): coerce_value(v, value_type) for k, v in mapping.items()}
    if isinstance(tp, type):
        return _coerce_class(value, tp)
    return value


def _coerce_class(value: Any, tp: type[Any]) -> Any:
    if tp is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise _Invalid("expected bool (true/false, yes/no, on/off, 1/0)")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        body = text[1:] if text[:1] in "+-" else text
        if isinstance(value, str) and body.isascii() and body.isdigit() and len(body) <= 40:
            return int(text)
        raise _Invalid("expected int")
    if tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        try:
            return float(str(value).strip())
        except ValueError:
            raise _Invalid("expected float") from None
    if tp is str:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise _Invalid("expected str")
    if tp is Decimal:
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise _Invalid("expected a decimal number") from None
    if issubclass(tp, Path):
        return tp(value)
    if issubclass(tp, enum.Enum):
        return _coerce_enum(value, tp)
    if isinstance(value, tp):
        return value
    name: str = tp.__name__
    raise _Invalid(f"expected {name}")


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


def _is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _namespace(config: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v for k, v in config.items() if k.startswith(prefix)}


def _build(config: Mapping[str, Any], schema: type[Any], prefix: str, errors: list[str]) -> Any:
    try:
        hints = get_type_hints(schema)
    except NameError as exc:
        raise TypeError(
            f"cannot resolve the annotations of {schema.__name__} ({exc}): define it, and"
            " the types its fields use, at module level"
        ) from None
    values: dict[str, Any] = {}
    for fld in dataclasses.fields(schema):
        if not fld.init:
            continue
        key = prefix + fld.name
        tp = hints.get(fld.name, Any)
        has_default = not (
            fld.default is dataclasses.MISSING and fld.default_factory is dataclasses.MISSING
        )
        if _is_dataclass_type(tp):
            if key in config and isinstance(config[key], Mapping):
                nested = {f"{key}.{k}": v for k, v in config[key].items()}  # pyright: ignore[reportUnknownVariableType]
                values[fld.name] = _build({**config, **nested}, tp, key + ".", errors)
            elif any(k.startswith(key + ".") for k in config) or not has_default:
                values[fld.name] = _build(config, tp, key + ".", errors)
            continue
        if get_origin(tp) is dict and key not in config:
            space = _namespace(config, key + ".")
            if space:
                try:
                    values[fld.name] = coerce_value(space, tp)
                except ValueError as exc:
                    errors.append(f"{key}: {exc}, got {space!r}")
                continue
        if key not in config:
            if not has_default:
                errors.append(f"{key}: missing (expected {_type_name(tp)})")
            continue
        raw = config[key]
        try:
            values[fld.name] = coerce_value(raw, tp)
        except ValueError as exc:
            errors.append(f"{key}: {exc}, got {raw!r}")
    if errors:
        return None
    return schema(**values)


def build_dataclass(config: Mapping[str, Any], schema: type[S], prefix: str = "") -> S:
    """Build ``schema`` from ``config``; see :meth:`ConfigDict.as_dataclass`.

    Raises:
        TypeError: ``schema`` is not a dataclass.
        ConfigError: Every problem found, one message per key.
    """
    if not _is_dataclass_type(schema):
        raise TypeError(f"as_dataclass() needs a dataclass type, not {schema!r}")
    if prefix and not prefix.endswith("."):
        prefix += "."
    errors: list[str] = []
    result = _build(config, schema, prefix, errors)
    if errors:
        raise ConfigError(errors)
    return typing.cast(S, result)
