"""The JSON backend (stdlib, msgspec's decoder for request bodies when installed, or ujson
when asked for) and lcore's encoder.

The encoder knows dataclasses, datetime/date/time, UUID, Decimal and Enum. Decoding is bounded:
depth is checked before the parser recurses, and NaN/Infinity are refused (not JSON), as are
numbers too large for a float (``1e999``), so every value read can be written back.
"""

from __future__ import annotations

import json
import json.encoder
import math
import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from enum import Enum
from itertools import accumulate
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
_Scan = Callable[[str, int], tuple[Any, int]]
_scan: _Scan = getattr(_DECODER, "scan_once")  # noqa: B009 - untyped attribute
# PERF: the C scanner parses floats itself when parse_float is float: a body with no number
# that could overflow is parsed with it, not through one Python call per float (bench:
# POST 100 KB JSON).
_scan_floats_in_c: _Scan = getattr(  # noqa: B009 - untyped attribute
    json.JSONDecoder(parse_constant=_refuse_constant), "scan_once"
)
_SPACE = re.compile(r"[ \t\n\r]*")


def _decode(text: str, scan: _Scan = _scan) -> Any:
    """``JSONDecoder.decode`` without its two Python-level frames (bench: POST JSON echo).

    Raises:
        ValueError: Malformed JSON, or data after the value.
    """
    space = _SPACE.match
    lead = space(text, 0)
    try:
        value, end = scan(text, lead.end() if lead else 0)
    except StopIteration as stop:
        raise ValueError(f"Expecting value at {stop.value}") from None
    tail = space(text, end)
    if (tail.end() if tail else end) != len(text):
        raise ValueError("Extra data after the JSON value")
    return value


_loads: Callable[[str], Any] = _decode

# NOTE: a number overflows a float only if its integer digits plus its exponent reach 309
# (the largest float is about 1.8e308): it has an exponent of three digits or more, or 210
# integer digits or more (the exponent has two at most). The body's marks (below) keep every
# digit as "0", "e" and "E" as "e", drop "+" and "." and keep "-" and "," as ",": such a
# number leaves "0e000" there (an exponent always follows a digit; "-" in "1e-400" makes it
# "0e,000", which cannot overflow) or 210 zeros in a row. Marks that hold neither have no
# such number; a false alarm (a string such as "v2e100") only costs the slower parse.
_ZEROS_OF_A_BIG_NUMBER = b"0" * 210
_BIG_EXPONENT = b"0e000"
# PERF: a body this short is read the way that costs fewest calls: its brackets counted
# where they are, its few floats parsed one call each (bench: POST JSON echo); a longer one
# takes the C-level passes (bench: POST 100 KB JSON).
_SHORT_BODY = 2048
#: The body's marks: what the depth check reads (quotes, backslashes, brackets with "{}"
#: folded into "[]") and what the overflow check reads (digits as "0", "e"/"E" as "e", "-"
#: and "," as ","), in one C-level pass; every other byte is dropped.
_MARK = bytes.maketrans(b"{}123456789E-", b"[]000000000e,")
_UNMARKED = bytes(range(256)).translate(None, b'"\\[]{}0123456789eE-,')
#: What the marks hold beyond the depth check's bytes.
_NUMBER_MARKS = b"0e,"


def _marks_may_overflow(marks: bytes) -> bool:
    """Whether a body whose marks are ``marks`` may hold a number too large for a float."""
    # PERF: rfind() tries the needle's first byte first: 2.5x faster than ``in`` on marks,
    # where "0" ends many more windows than it starts (bench: POST 100 KB JSON).
    return marks.rfind(_BIG_EXPONENT) >= 0 or _ZEROS_OF_A_BIG_NUMBER in marks


def _may_overflow(data: bytes) -> bool:
    """Whether ``data`` may hold a number too large for a float (C-speed passes)."""
    return _marks_may_overflow(data.translate(_MARK, _UNMARKED))


def _decode_body(data: bytes, may_overflow: bool | None = None) -> Any:
    """Parse a body with the stdlib: floats in C unless a number might overflow.

    Args:
        data: The body.
        may_overflow: What :func:`_may_overflow` says of ``data``, when already known.

    Raises:
        ValueError: Malformed JSON (NaN and Infinity included), a number too large for a
            float, or data after the value.
        UnicodeDecodeError: The body is not UTF-8.
    """
    text = data.decode("utf-8")
    if len(data) <= _SHORT_BODY:
        return _decode(text)
    if may_overflow is None:
        may_overflow = _may_overflow(data)
    return _decode(text, _scan if may_overflow else _scan_floats_in_c)


_load_body: Callable[[bytes, bool | None], Any] = _decode_body


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


# NOTE: msgspec's JSON decoder accepts a subset of what the stdlib parser accepts (strict
# RFC 8259 and UTF-8, no NaN, no lone surrogate escapes, no number beyond a float) and
# returns the same values for it, dict key order and duplicate keys included
# (tests/properties/test_json_native_properties.py). So it may parse first: what it
# refuses goes to lcore's own parser, which gives the answer it always gave.
#: msgspec's decoder for request bodies under the "auto" backend, once looked up.
_native: Callable[[bytes], Any] | None = None
#: Whether _native is settled for the active backend.
_native_settled = False
_backend = "auto"


def _native_decoder() -> Callable[[bytes], Any] | None:
    """msgspec's JSON decoder, when the backend is ``"auto"`` and msgspec is installed."""
    global _native, _native_settled
    if not _native_settled:
        _native = None
        if _backend == "auto":
            try:
                import msgspec
            except ImportError:
                pass
            else:
                _native = msgspec.json.Decoder().decode
        _native_settled = True
    return _native


def set_backend(name: str) -> None:
    """Choose the JSON backend: ``"auto"`` (the default: stdlib, with request bodies parsed
    by msgspec when it is installed, to the same result), ``"json"`` (stdlib only) or
    ``"ujson"`` (needs the speed extra).

    Raises:
        ImportError: ``ujson`` was asked for but is not installed.
        ValueError: Unknown backend name.
    """
    global _dumps, _loads, _load_body, _backend, _native_settled
    if name in ("auto", "json"):
        _backend, _native_settled = name, False
        _dumps = _ENCODER.encode if _c_encode is None else _encode_fast
        _loads, _load_body = _decode, _decode_body
    elif name == "ujson":
        try:
            import ujson  # pyright: ignore[reportMissingModuleSource]  # optional extra; stubs in stubs/
        except ImportError as exc:
            raise ImportError("json.backend 'ujson' needs: pip install 'lcore[speed]'") from exc
        ujson_dumps: Callable[..., str] = ujson.dumps

        def dumps(value: object) -> str:
            return ujson_dumps(value, default=json_default, ensure_ascii=True)

        ujson_loads: Callable[[str], Any] = ujson.loads
        strict_loads = _strict_ujson_loads(ujson_loads)

        def load_body(data: bytes, may_overflow: bool | None = None) -> Any:
            text = data.decode("utf-8")
            if may_overflow is None:
                return strict_loads(text)
            # PERF: the body's marks have answered the overflow question: no regex scan
            # (bench: POST 100 KB JSON, run with json.backend = "ujson").
            if may_overflow or "N" in text or "I" in text:
                return _decode(text)
            return ujson_loads(text)

        _dumps, _loads, _load_body = dumps, strict_loads, load_body
        _backend, _native_settled = name, False
    else:
        raise ValueError(f"unknown json.backend {name!r}: use 'auto', 'json' or 'ujson'")


# NOTE: how the depth check reads the body. Outside strings a '"' opens a string; inside
# one a backslash escapes the next byte and a '"' closes it; an unterminated string runs to
# the end of the data. A backslash outside strings (not JSON) is skipped. Only '[' and '{'
# outside strings open a level, only ']' and '}' close one; the body is refused as soon as
# the level passes max_depth.
#: Every byte but the ones the depth check reads.
_NOT_STRUCTURE = bytes(range(256)).translate(None, b'"\\[]{}')
#: A backslash and the byte it escapes (a lone backslash at the end stays as it is).
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
#: A string once escapes are gone: up to the next quote, or to the end of the data.
_QUOTED = re.compile(rb'"[^"]*(?:"|\Z)')
#: A string in the raw body, escapes included. An unterminated string runs to the end of
#: the data: requiring the closing quote made every later quote retry the scan to the end
#: (quadratic time on a body like '"' + '\\"' * n + '[' * 65).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = bytes(range(256)).translate(None, b"[]{}")
_FOLD = bytes.maketrans(b"{}", b"[]")
_STEP = bytes.maketrans(b"[]", b"\x01\xff")  # +1 / -1 as signed bytes
_WALK_CHUNK = 4096


def _outside_brackets(data: bytes, structure: bytes) -> bytes:
    """The brackets outside strings, in order, as ``[`` and ``]``.

    Args:
        data: The body.
        structure: ``data`` with only the bytes the check reads, ``{}`` folded into ``[]``.
    """
    # PERF: every step is one C-level pass over the bytes (bench: POST 100 KB JSON); none
    # walks the body token by token in Python.
    escaped = b"\\" in structure
    if escaped:
        # An escape pair becomes one backslash, which reads as a plain byte from then on.
        # That is exact inside strings; a backslash outside every string is left over below.
        structure = _ESCAPE.sub(b"\\\\", data).translate(_FOLD, _NOT_STRUCTURE)
    unquoted = structure.translate(None, b'"')
    if structure.count(b'""') * 2 == len(structure) - len(unquoted):
        structure = unquoted  # every string is a '""' here: none holds anything read
    else:
        # Dropping two adjacent quotes drops a string with nothing the check reads, or
        # joins two strings with nothing between them: the brackets outside are the same.
        # What is left is the few strings that hold a bracket or an escape.
        structure = _QUOTED.sub(b"", structure.replace(b'""', b""))
    if escaped and b"\\" in structure:
        # A backslash outside strings: the escape pairs above may have taken a quote or a
        # bracket that is outside. Read the strings off the raw body instead (invalid JSON).
        structure = _STRING.sub(b"", data).translate(_FOLD, _NOT_BRACKET)
    return structure


def _exceeds(brackets: bytes, max_depth: int) -> bool:
    """Whether a ``[`` of ``brackets`` (``[`` and ``]`` only) takes the level past ``max_depth``."""
    if brackets.count(b"[") <= max_depth:
        return False
    # PERF: a body nested at most max_depth deep loses all its opening brackets in at most
    # max_depth passes that each drop every "[]" (each pass drops one level); a lone "]"
    # left over only lowers the level (bench: POST 100 KB JSON).
    reduced = brackets
    for _ in range(max_depth):
        shorter = reduced.replace(b"[]", b"")
        if b"[" not in shorter:
            return False
        if len(shorter) == len(reduced):
            break
        reduced = shorter
    # Too deep or unbalanced: the level after every bracket, from running sums. The
    # closing brackets before the first opening one are left out of the sums: the level
    # counts only after a "[", and they would otherwise be the highest with max_depth < 0.
    opened = brackets.lstrip(b"]")
    level = len(opened) - len(brackets)
    for start in range(0, len(opened), _WALK_CHUNK):
        levels = list(accumulate(array("b", opened[start : start + _WALK_CHUNK].translate(_STEP))))
        if level + max(levels) > max_depth:
            return True
        level += levels[-1]
    return False


def _too_deep(max_depth: int) -> ClientError:
    return ClientError(
        400,
        f"JSON nested deeper than {max_depth} (request.max_json_depth)",
        "json_too_deep",
        ("body",),
    )


def _check_structure(data: bytes, structure: bytes, max_depth: int) -> None:
    """The depth check of a body whose structure bytes (``"\\[]``, ``{}`` folded into ``[]``)
    are ``structure``.

    Raises:
        ClientError: 400 ``json_too_deep``.
    """
    # PERF: no count of the structure's "[" first: _exceeds counts the brackets outside
    # strings, fewer still, and a large body has more than max_depth anyway (bench: POST
    # 100 KB JSON).
    if _exceeds(_outside_brackets(data, structure), max_depth):
        raise _too_deep(max_depth)


def check_depth(data: bytes, max_depth: int) -> None:
    """Refuse JSON nested deeper than ``max_depth`` before a recursive parser sees it.

    Raises:
        ClientError: 400 ``json_too_deep``.
    """
    # PERF: most bodies cannot be too deep: they have no more "[" and "{" than levels
    # allowed, in strings or out. A short body is counted as it is (bench: POST JSON echo);
    # a long one is first reduced, in one C-level pass, to the bytes the check reads, "{}"
    # folded into "[]", and counted there (bench: POST 100 KB JSON).
    if len(data) <= _SHORT_BODY and data.count(b"[") + data.count(b"{") <= max_depth:
        return
    _check_structure(data, data.translate(_FOLD, _NOT_STRUCTURE), max_depth)


def load_json_body(data: bytes, max_depth: int) -> Any:
    """Parse a request body as JSON, bounded and strict.

    Raises:
        ClientError: 400 ``json_invalid`` (malformed, not UTF-8, NaN, Infinity, a number
            too large for a float) or ``json_too_deep``.
    """
    native = _native if _native_settled else _native_decoder()
    if native is not None:
        check_depth(data, max_depth)
        # PERF: msgspec parses UTF-8 bytes in one C call, 2.3x the stdlib's speed on
        # 100 KB, and needs no overflow scan: it refuses what would overflow (bench: POST
        # 100 KB JSON, POST 1 MB JSON, POST JSON echo).
        try:
            return native(data)
        except (ValueError, RecursionError):
            pass  # lcore's own parser below decides, and says why
    may_overflow: bool | None = None
    if len(data) <= _SHORT_BODY:
        check_depth(data, max_depth)
    else:
        # PERF: one C-level pass over the body gives both checks what they read; the
        # depth check's bytes are then taken from the marks, a fraction of the body
        # (bench: POST 100 KB JSON, POST 1 MB JSON).
        marks = data.translate(_MARK, _UNMARKED)
        _check_structure(data, marks.translate(None, _NUMBER_MARKS), max_depth)
        may_overflow = _marks_may_overflow(marks)
    try:
        return _load_body(data, may_overflow)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ClientError(400, "Invalid JSON", "json_invalid", ("body",)) from None
