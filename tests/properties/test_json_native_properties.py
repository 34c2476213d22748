"""msgspec parses request bodies first under the default ``"auto"`` backend; lcore's own
parser decides whatever msgspec refuses. Whatever the bytes, ``load_json_body`` gives the
same value (types, float bits, key order) or the same 400 as with the stdlib alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lcore.errors import ClientError
from lcore.jsonutil import load_json_body, set_backend

pytest.importorskip("msgspec", reason="msgspec is in the dev extra; CI installs it")


def outcome(data: bytes, depth: int, backend: str) -> tuple[Any, ...]:
    set_backend(backend)
    try:
        value = load_json_body(data, depth)
    except ClientError as error:
        return ("refused", error.status, error.type, error.msg)
    finally:
        set_backend("auto")
    # repr tells 1 from 1.0 and True, -0.0 from 0.0, and shows every key in order.
    return ("parsed", repr(value), type(value))


def assert_same(data: bytes, depth: int = 64) -> None:
    assert outcome(data, depth, "auto") == outcome(data, depth, "json")


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(), inner)),
    max_leaves=30,
)
NUMBER_TEXT = st.sampled_from(
    [
        "1e400",
        "-1E309",
        "1e-400",
        "2.2250738585072014e-308",
        "1.7976931348623157e308",
        "0.1",
        "9007199254740993",
        "1" * 400,
        "-0",
        "-0.0",
        "01",
        "1.",
        ".5",
        "1e",
        "+1",
    ]
)


def encodings(value: Any) -> Iterator[bytes]:
    yield json.dumps(value).encode()
    yield json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    yield json.dumps(value, indent=1, separators=(" , ", " : ")).encode()


@given(VALUES, st.integers(1, 8))
def test_valid_json_gives_the_same_value(value: Any, depth: int) -> None:
    for data in encodings(value):
        assert_same(data, depth)


@given(VALUES, st.data())
def test_damaged_json_gives_the_same_answer(value: Any, data: st.DataObject) -> None:
    raw = bytearray(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(raw)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = data.draw(st.sampled_from(b'[]{}",:\\ \t\n\x00\x1f0e-+.nNItf\xff\xed\xc0'))
        if action == "insert":
            raw.insert(at, byte)
        elif at < len(raw):
            if action == "delete":
                del raw[at]
            else:
                raw[at] = byte
    assert_same(bytes(raw))


@given(st.binary(max_size=64))
@example(b'"\\ud800"')
@example(b'"\\udc00\\ud800"')
@example(b'{"a": 1, "b": 2, "a": 3}')
@example(b"[NaN, Infinity, -Infinity]")
@example(b"\xef\xbb\xbf[1]")
@example(b'"\xed\xa0\x80"')
@example(b" [1] \n")
@example(b"[1] 2")
def test_any_bytes_give_the_same_answer(data: bytes) -> None:
    assert_same(data)


@given(NUMBER_TEXT, st.sampled_from(["#", "[#]", '{"n": #}']))
def test_numbers_at_the_edges_give_the_same_answer(number: str, shape: str) -> None:
    assert_same(shape.replace("#", number).encode())


@settings(max_examples=30)
@given(st.lists(VALUES, min_size=40, max_size=80), NUMBER_TEXT, st.integers(2, 70))
def test_long_bodies_give_the_same_answer(items: list[Any], number: str, depth: int) -> None:
    # Over 2 KB: the stdlib path takes its long-body passes; msgspec does not change.
    body = json.dumps([items, items, items]).encode()
    assert_same(body, depth)
    assert_same(body[:-1] + b", " + number.encode() + b"]", depth)
    assert_same(b"[" * depth + body + b"]" * depth, depth + 2)


def test_nesting_past_the_limit_is_refused_as_before() -> None:
    for depth in (1, 4, 64):
        deep = b"[" * (depth + 1) + b"]" * (depth + 1)
        assert outcome(deep, depth, "auto")[:3] == ("refused", 400, "json_too_deep")
        assert_same(deep, depth)
    assert outcome(b"[" * 100_000 + b"]" * 100_000, 10**6, "auto")[:3] == (
        "refused",
        400,
        "json_invalid",
    )


def test_the_backend_is_looked_up_again_when_it_changes() -> None:
    import lcore.jsonutil as jsonutil

    load_json_body(b"[1]", 4)
    assert jsonutil._native is not None  # pyright: ignore[reportPrivateUsage]
    set_backend("json")
    try:
        load_json_body(b"[1]", 4)
        assert jsonutil._native is None  # pyright: ignore[reportPrivateUsage]
    finally:
        set_backend("auto")
