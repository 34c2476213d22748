"""The JSON body checks against their plain references: the depth check, the float fast path."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lcore.errors import ClientError
from lcore.jsonutil import _SHORT_BODY, _decode, _decode_body, _may_overflow, check_depth

# The depth check as it was before the C-level passes: a Python walk over every string and
# bracket token. It is the oracle the new check must agree with, on any bytes at all.
_OLD_NESTING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[\[{]|[\]}]', re.DOTALL)


def old_refuses(data: bytes, max_depth: int) -> bool:
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return False
    depth = 0
    for match in _OLD_NESTING.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def new_refuses(data: bytes, max_depth: int) -> bool:
    try:
        check_depth(data, max_depth)
    except ClientError as error:
        assert (error.status, error.type, error.msg) == (
            400,
            "json_too_deep",
            f"JSON nested deeper than {max_depth} (request.max_json_depth)",
        )
        return True
    return False


# Strings full of what the check must not be fooled by: brackets, quotes, backslashes.
tricky_text = st.text(alphabet=st.sampled_from('[]{}"\\/ab \n\u00e9\u2028'), max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | tricky_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky_text, inner, max_size=4),
    max_leaves=40,
)


@st.composite
def json_texts(draw: st.DrawFn) -> bytes:
    value = draw(json_values)
    indent = draw(st.sampled_from([None, 0, 2]))
    text = json.dumps(value, ensure_ascii=draw(st.booleans()), indent=indent)
    return text.encode()


# Byte soup over the characters the check reads, and mutilated JSON: invalid text, where
# unterminated strings, lone backslashes outside strings and stray brackets all occur.
soup = st.binary(max_size=60) | st.lists(
    st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b'\\"', b"\\\\", b"a", b",", b" "]),
    max_size=80,
).map(b"".join)


@st.composite
def mutilated_json(draw: st.DrawFn) -> bytes:
    data = draw(json_texts())
    cut = draw(st.integers(0, len(data)))
    stop = draw(st.integers(cut, len(data)))
    return data[:cut] + draw(soup) + data[stop:]


any_text = json_texts() | soup | mutilated_json()


@given(any_text, st.integers(min_value=-2, max_value=8))
@example(b"]]][", -2)  # leading closes are not a level
@example(b"]]][[[[[[", 2)
@example(b'\\"[[[', 1)  # a backslash outside strings escapes nothing
@example(b'"a"\\"[[["', 1)
@example(b'"\\\\"[[[', 1)  # an escaped backslash, then the string is closed
@example(b'"[[["\\', 1)
@example(b'["a\\', 0)
@example(b"[" * 70 + b"]" * 70, 64)
@example(b"[" * 64 + b"]" * 64 + b"[" * 2, 64)  # balanced, then unbalanced: at most 64
@example(b"[]" * 40 + b"[" * 3, 2)
@example(b"[]" * 3000 + b"]" * 5 + b"[" * 8, 3)  # the running sums cross a chunk
@example(b"[]" * 3000 + b"]" * 5 + b"[" * 8, 2)
def test_depth_check_refuses_what_the_old_walk_refused(data: bytes, max_depth: int) -> None:
    refused = old_refuses(data, max_depth)
    assert new_refuses(data, max_depth) == refused
    # Trailing spaces change nothing, and take a short body down the long body's path.
    assert new_refuses(data + PADDING, max_depth) == refused


@given(json_texts(), st.integers(min_value=0, max_value=6), st.integers(1, 80))
def test_depth_check_agrees_when_nested_inside_a_deep_prefix(
    data: bytes, max_depth: int, extra: int
) -> None:
    # Long bodies with many levels exercise the reduction passes and the chunked walk.
    wrapped = b"[" * extra + data * 3 + b"]" * extra
    body = b"[" + b",".join([wrapped] * 50) + b"]"
    assert new_refuses(body, max_depth) == old_refuses(body, max_depth)
    assert new_refuses(body, max_depth + 60) == old_refuses(body, max_depth + 60)


# Whitespace that takes a body past _SHORT_BODY, to the paths of long bodies.
PADDING = b" " * (_SHORT_BODY + 1)


def strict_decode(data: bytes) -> tuple[str, Any]:
    try:
        return "ok", _decode(data.decode("utf-8"))
    except ValueError as error:
        return "error", type(error)


def fast_decode(data: bytes) -> tuple[str, Any]:
    try:
        return "ok", _decode_body(data)
    except ValueError as error:
        return "error", type(error)


number_texts = st.from_regex(
    r"-?(0|[1-9][0-9]{0,3}|[1-9]{200,230})(\.[0-9]{1,5})?([eE][-+]?[0-9]{1,4})?", fullmatch=True
)


@given(number_texts)
@example("1e309")
@example("1E+308")
@example("-1.5e999")
@example("1" * 209 + "e99")
@example("1" * 210 + ".5e99")
@example("1e-999")
def test_overflow_precheck_never_misses_an_infinite_number(text: str) -> None:
    if math.isinf(float(text)):
        assert _may_overflow(text.encode())
    data = f'[{text}, {{"a": {text}}}]'.encode() + PADDING
    assert fast_decode(data) == strict_decode(data)


@given(any_text)
def test_float_fast_path_parses_like_the_strict_decoder(data: bytes) -> None:
    data += PADDING
    try:
        expected = strict_decode(data)
    except UnicodeDecodeError:
        with pytest.raises(UnicodeDecodeError):
            _decode_body(data)
        return
    except RecursionError:
        return
    assert fast_decode(data) == expected
