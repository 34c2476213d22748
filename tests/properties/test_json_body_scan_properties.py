"""The one-pass body scan of long JSON bodies (its marks feed both the depth check and the
float overflow check) against the checks as they were at 6ac58fd, kept here as references."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lcore import jsonutil
from lcore.errors import ClientError
from lcore.jsonutil import (
    _FOLD,
    _MARK,
    _NOT_STRUCTURE,
    _SHORT_BODY,
    _UNMARKED,
    _decode,
    _decode_body,
    _exceeds,
    _marks_may_overflow,
    _may_overflow,
    _outside_brackets,
    _scan_floats_in_c,
    check_depth,
    load_json_body,
    set_backend,
)
from tests.properties.test_jsonutil_properties import (
    PADDING,
    any_text,
    json_texts,
    number_texts,
    old_refuses,
)

# -- the references: the checks of 6ac58fd ---------------------------------------------------

_OLD_DIGITS_AS_ZERO = bytes.maketrans(b"123456789E", b"000000000e")


def old_may_overflow(data: bytes) -> bool:
    digits = data.translate(_OLD_DIGITS_AS_ZERO, b"+")
    return digits.rfind(b"e000") >= 0 or b"0" * 210 in digits


def old_check_depth(data: bytes, max_depth: int) -> None:
    if len(data) <= _SHORT_BODY and data.count(b"[") + data.count(b"{") <= max_depth:
        return
    structure = data.translate(_FOLD, _NOT_STRUCTURE)
    if structure.count(b"[") <= max_depth:
        return
    if _exceeds(_outside_brackets(data, structure), max_depth):
        raise ClientError(
            400,
            f"JSON nested deeper than {max_depth} (request.max_json_depth)",
            "json_too_deep",
            ("body",),
        )


def old_decode_body(data: bytes) -> Any:
    text = data.decode("utf-8")
    if len(data) <= _SHORT_BODY or old_may_overflow(data):
        return _decode(text)
    return _decode(text, _scan_floats_in_c)


def old_load_json_body(data: bytes, max_depth: int) -> Any:
    old_check_depth(data, max_depth)
    try:
        return old_decode_body(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ClientError(400, "Invalid JSON", "json_invalid", ("body",)) from None


def outcome(load: Any, data: bytes, max_depth: int) -> object:
    try:
        value = load(data, max_depth)
    except ClientError as error:
        return ("error", error.status, error.type, error.msg)
    # repr tells 1 from 1.0 and -0.0 from 0.0, which == does not.
    return ("ok", repr(value))


# -- the properties ---------------------------------------------------------------------------


@given(any_text, st.integers(min_value=-2, max_value=8))
@example(b'["a\\', 0)
@example(b"[" * 70 + b"]" * 70, 64)
def test_depth_check_agrees_with_the_old_check(data: bytes, max_depth: int) -> None:
    for body in (data, data + PADDING, PADDING + data):
        try:
            old_check_depth(body, max_depth)
            refused = False
        except ClientError:
            refused = True
        assert refused == old_refuses(body, max_depth)
        try:
            check_depth(body, max_depth)
        except ClientError as error:
            assert (error.status, error.type) == (400, "json_too_deep")
            assert refused
        else:
            assert not refused


@given(any_text, st.integers(min_value=0, max_value=8))
@example(b'{"a": 1e400}', 4)
@example(b"[1, true, 100]", 4)
@example(b'"[[[[[[[[[[" ' + b"[1.5e+300]", 2)
def test_load_json_body_agrees_with_the_old_one(data: bytes, max_depth: int) -> None:
    for body in (data, data + PADDING, PADDING + data):
        assert outcome(load_json_body, body, max_depth) == outcome(
            old_load_json_body, body, max_depth
        )


@given(json_texts(), st.integers(1, 80), st.integers(min_value=0, max_value=6))
def test_long_nested_bodies_agree_with_the_old_one(data: bytes, extra: int, max_depth: int) -> None:
    # Long bodies with many levels exercise the reduction passes and the chunked walk.
    wrapped = b"[" * extra + data * 3 + b"]" * extra
    body = b"[" + b",".join([wrapped] * 50) + b"]"
    for depth in (max_depth, max_depth + 60):
        assert outcome(load_json_body, body, depth) == outcome(old_load_json_body, body, depth)


# Where a number sits changes the bytes around its marks: after a digit, a literal, a key,
# inside a string.
number_contexts = st.sampled_from(
    ["[{}]", '{{"k": {}}}', "[1, {}]", "[true,{}]", '["e", {}]', '["x1e", {}, "2"]', "[-{}]"]
)


@given(number_texts, number_contexts)
@example("1e309", "[{}]")
@example("1E+308", "[true,{}]")
@example("-1.5e999", '{{"k": {}}}')
@example("1" * 209 + "e99", "[1, {}]")
@example("1" * 210 + ".5e99", "[{}]")
@example("1e-999", "[{}]")
@example("12e0400", "[{}]")
def test_overflow_check_never_misses_an_infinite_number(number: str, context: str) -> None:
    text = context.format(number)
    data = text.encode() + PADDING
    if any(c in number for c in ".eE") and math.isinf(float(number.lstrip("-") or "0")):
        assert _may_overflow(data)
        assert old_may_overflow(data)
    assert outcome(load_json_body, data, 8) == outcome(old_load_json_body, data, 8)
    marks = data.translate(_MARK, _UNMARKED)
    assert _marks_may_overflow(marks) == _may_overflow(data)


@given(any_text)
def test_marks_hold_the_structure_the_depth_check_reads(data: bytes) -> None:
    marks = data.translate(_MARK, _UNMARKED)
    assert marks.translate(None, b"0e,") == data.translate(_FOLD, _NOT_STRUCTURE)


@given(any_text)
def test_decode_body_with_a_known_answer_parses_as_before(data: bytes) -> None:
    data += PADDING

    def read(decode: Any) -> object:
        try:
            return ("ok", repr(decode()))
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            return ("error", type(error))

    expected = read(lambda: old_decode_body(data))
    assert read(lambda: _decode_body(data)) == expected
    assert read(lambda: _decode_body(data, _may_overflow(data))) == expected


@pytest.fixture
def ujson_backend() -> Iterator[None]:
    pytest.importorskip("ujson")
    set_backend("ujson")
    try:
        yield
    finally:
        set_backend("json")


@pytest.mark.usefixtures("ujson_backend")
@given(number_texts | any_text.map(lambda b: b.decode("latin-1")), number_contexts)
@example("1e999", "[{}]")
@example("NaN", "[{}]")
@example("-Infinity", "[{}]")
def test_ujson_backend_reads_long_bodies_as_the_strict_reader(text: str, context: str) -> None:
    data = context.format(text).encode("utf-8", "surrogatepass") + PADDING

    def strict(body: bytes, max_depth: int) -> Any:
        # The ujson backend of 6ac58fd: depth check, then the regex-guarded reader.
        old_check_depth(body, max_depth)
        try:
            return jsonutil._loads(body.decode("utf-8"))  # pyright: ignore[reportPrivateUsage]
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ClientError(400, "Invalid JSON", "json_invalid", ("body",)) from None

    assert outcome(load_json_body, data, 8) == outcome(strict, data, 8)
