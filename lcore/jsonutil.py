"""The JSON backend (ujson when installed and asked for, stdlib otherwise) and lcore's encoder.

The encoder knows dataclasses, datetime/date/time, UUID, Decimal and Enum. Decoding is bounded:
depth is checked before the parser recurses, and NaN/Infinity are refused (not JSON), as are
numbers too large for a float (``1e999``), so every value read can be written back.
"""

from __future__ import annotations

import json
import json.encoder
import math
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from enum import Enum
from typing import Any, cast

from .errors import ClientError

__all__ = ["json_default", "json_dumps", "json_loads", "load_json_body", "set_backend"]


# PERF: field names per dataclass type, so a returned dataclass costs one dict build
# (bench: typed POST returning a dataclass).
_DATACLASS_FIELDS: dict[type[Any], tuple[str, ...]] = {}


def json_default(value: object) -> object:
    """Convert the non-JSON types lcore supports into JSON-ready values.

    Raises:
        TypeError: The value has no JSON form (a programming error, so a 500).
    """
    # NOTE: dataclasses, uuid and decimal are imported here, on first use: a value of
    # those types means the caller has imported them already (keeps `import lcore` fast).
    kind = type(value)
    names = _DATACLASS_FIELDS.get(kind)
    if names is None and hasattr(kind, "__dataclass_fields__") and not isinstance(value, type):
        import dataclasses

        names = _DATACLASS_FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))  # type: ignore[arg-type]  # a dataclass: checked by the hasattr above
    if names is not None:
        return {name: getattr(value, name) for name in names}
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    from decimal import Decimal
    from uuid import UUID

    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        items = cast(Iterable[object], value)
        return list(items)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# PERF: one prebuilt encoder. JSONEncoder.encode() builds a new C encoder on every call;
# building it once saves ~1 us per JSON response (bench: JSON GET). There is no circular
# reference check (markers=None): the check's shared state is not thread-safe, and a
# circular structure still fails, with RecursionError, as the 500 it deserves.
_ENCODER = json.JSONEncoder(default=json_default, separators=(",", ":"), allow_nan=False)
_make_c_encoder: Callable[..., Callable[[object, int], Sequence[str]]] | None = getattr(
    json.encoder, "c_make_encoder", None
)
_c_encode: Callable[[object, int], Sequence[str]] | None = None
if _make_c_encoder is not None:  # CPython's C accelerator is present
    _c_encode = _make_c_encoder(
        None,
        json_default,
        json.encoder.encode_basestring_ascii,
        None,
        ":",
        ",",
        False,
        False,
        False,
    )


def _encode_fast(value: object) -> str:
    if type(value) is str:
        return json.encoder.encode_basestring_ascii(value)
    assert _c_encode is not None
    return "".join(_c_encode(value, 0))


_dumps: Callable[[object], str] = _ENCODER.encode if _c_encode is None else _encode_fast


def json_dumps(value: object) -> str:
    """Serialise ``value`` with the active backend."""
    return _dumps(value)


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    """A JSON number with a fraction or an exponent, refused when it overflows to infinity.

    Raises:
        ValueError: The number is too large for a float (``1e999``).
    """
    value = float(text)
    if math.isinf(value):
        raise ValueError("number too large for a float")
    return value


# PERF: parse_float costs one call per number with a fraction or an exponent, and nothing
# for the rest: integers, strings and the other values are parsed as before (bench: POST
# JSON echo).
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)
_scan: Callable[[str, int], tuple[Any, int]] = getattr(_DECODER, "scan_once")  # noqa: B009 - untyped attribute
_SPACE = re.compile(r"[ \t\n\r]*")


def _decode(text: str) -> Any:
    """``JSONDecoder.decode`` without its two Python-level frames (bench: POST JSON echo).

    Raises:
        ValueError: Malformed JSON, or data after the value.
    """
    space = _SPACE.match
    lead = space(text, 0)
    try:
        value, end = _scan(text, lead.end() if lead else 0)
    except StopIteration as stop:
        raise ValueError(f"Expecting value at {stop.value}") from None
    tail = space(text, end)
    if (tail.end() if tail else end) != len(text):
        raise ValueError("Extra data after the JSON value")
    return value


_loads: Callable[[str], Any] = _decode


def json_loads(text: str | bytes) -> Any:
    """Parse JSON text with the active backend (no depth check; see :func:`load_json_body`)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return _loads(text)


def _strict_ujson_loads(ujson_loads: Callable[[str], Any]) -> Callable[[str], Any]:
    """ujson's parser, with the text it would read as a non-finite float sent to ours."""
    # NOTE: a number overflows a float only if its integer digits plus its exponent reach
    # 309 (the largest float is about 1.8e308): it has an exponent of three digits or more,
    # or 210 integer digits or more (the exponent has two at most) before its ".", "e" or
    # "E". Each pattern starts with a literal, which the regex engine finds at C speed, and
    # its look-behind is anchored there, so the scan stays linear in the text.
    big_after_e = re.compile(r"e(?:\+?[0-9]{3}|(?<=[0-9]{210}e))").search
    big_after_upper_e = re.compile(r"E(?:\+?[0-9]{3}|(?<=[0-9]{210}E))").search
    big_before_point = re.compile(r"\.(?<=[0-9]{210}\.)").search

    def loads(text: str) -> Any:
        # NOTE: ujson accepts NaN and Infinity, which are not JSON (RFC 8259 section 6), and
        # reads a number too large for a float as infinity. Outside strings, valid JSON has
        # no 'N' or 'I'; text with either, or with a number that might overflow, goes to the
        # strict stdlib decoder (strings may send it there too: never the other way).
        if (
            "N" in text
            or "I" in text
            or big_after_e(text)
            or big_after_upper_e(text)
            or big_before_point(text)
        ):
            return _decode(text)
        return ujson_loads(text)

    return loads


def set_backend(name: str) -> None:
    """Choose the JSON backend: ``"json"`` (stdlib) or ``"ujson"`` (needs the speed extra).

    Raises:
        ImportError: ``ujson`` was asked for but is not installed.
        ValueError: Unknown backend name.
    """
    global _dumps, _loads
    if name == "json":
        _dumps = _ENCODER.encode if _c_encode is None else _encode_fast
        _loads = _decode
    elif name == "ujson":
        try:
            import ujson  # pyright: ignore[reportMissingModuleSource]  # optional extra; stubs in stubs/
        except ImportError as exc:
            raise ImportError("json.backend 'ujson' needs: pip install 'lcore[speed]'") from exc
        ujson_dumps: Callable[..., str] = ujson.dumps

        def dumps(value: object) -> str:
            return ujson_dumps(value, default=json_default, ensure_ascii=True)

        _dumps, _loads = dumps, _strict_ujson_loads(ujson.loads)
    else:
        raise ValueError(f"unknown json.backend {name!r}: use 'json' or 'ujson'")


# NOTE: an unterminated string runs to the end of the data (and is refused by the parser
# later). Requiring the closing quote made every later quote retry the scan to the end:
# quadratic time on a body like '"' + '\\"' * n + '[' * 65.
_NESTING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[\[{]|[\]}]', re.DOTALL)


def check_depth(data: bytes, max_depth: int) -> None:
    """Refuse JSON nested deeper than ``max_depth`` before a recursive parser sees it.

    Raises:
        ClientError: 400 ``json_too_deep``.
    """
    # PERF: most bodies cannot be too deep; counting brackets is a C-speed scan.
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return
    depth = 0
    for match in _NESTING.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                raise ClientError(
                    400,
                    f"JSON nested deeper than {max_depth} (request.max_json_depth)",
                    "json_too_deep",
                    ("body",),
                )
        elif token in (b"]", b"}"):
            depth -= 1


def load_json_body(data: bytes, max_depth: int) -> Any:
    """Parse a request body as JSON, bounded and strict.

    Raises:
        ClientError: 400 ``json_invalid`` (malformed, not UTF-8, NaN, Infinity, a number
            too large for a float) or ``json_too_deep``.
    """
    check_depth(data, max_depth)
    try:
        return _loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ClientError(400, "Invalid JSON", "json_invalid", ("body",)) from None
