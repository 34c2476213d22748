"""The JSON backend, lcore's encoder and the bounded body decoder."""

from __future__ import annotations

import dataclasses
import enum
import sys
from collections.abc import Iterator
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from lcore import ClientError, Lcore, TestClient, json_dumps, json_loads
from lcore.jsonutil import check_depth, json_default, load_json_body, set_backend


@dataclasses.dataclass
class Item:
    name: str
    tags: list[str]
    when: date


class Color(enum.Enum):
    RED = "red"


@pytest.fixture(params=["json", "ujson"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    set_backend(request.param)
    try:
        yield request.param
    finally:
        set_backend("json")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            Item("a", ["x"], date(2024, 1, 2)),
            {"name": "a", "tags": ["x"], "when": date(2024, 1, 2)},
        ),
        (datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "2024-01-02T03:04:05+00:00"),
        (date(2024, 1, 2), "2024-01-02"),
        (time(3, 4), "03:04:00"),
        (UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (Decimal("1.10"), "1.10"),
        (Color.RED, "red"),
        (frozenset({1}), [1]),
        ((1, 2), [1, 2]),
    ],
)
def test_json_default(value: Any, expected: Any) -> None:
    assert json_default(value) == expected


def test_json_default_refuses_others() -> None:
    with pytest.raises(TypeError, match="object is not JSON serializable"):
        json_default(object())
    with pytest.raises(TypeError):
        json_default(Item)  # a dataclass type, not an instance


def test_json_dumps_compact_and_rich_types(backend: str) -> None:
    value = {"item": Item("é", ["t"], date(2024, 1, 2)), "set": {3}, "n": None, "b": True}
    assert json_loads(json_dumps(value)) == {
        "item": {"name": "é", "tags": ["t"], "when": "2024-01-02"},
        "set": [3],
        "n": None,
        "b": True,
    }
    assert json_dumps({"a": [1, 2]}) == '{"a":[1,2]}'
    assert json_dumps("é") == '"\\u00e9"'
    with pytest.raises(TypeError):
        json_dumps({"x": object()})


def test_json_dumps_refuses_nan() -> None:
    with pytest.raises(ValueError):
        json_dumps(float("nan"))


def test_json_loads_str_and_bytes(backend: str) -> None:
    assert json_loads('{"a": [1, "I", "N"]}') == {"a": [1, "I", "N"]}
    assert json_loads(b'{"a": 1}') == {"a": 1}
    assert json_loads(" [1] ") == [1]


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}', "[1,]", "1 2", "", "{"])
def test_json_loads_refuses_invalid(backend: str, text: str) -> None:
    with pytest.raises(ValueError):
        json_loads(text)


def test_set_backend_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="unknown json.backend"):
        set_backend("simplejson")
    monkeypatch.setitem(sys.modules, "ujson", None)
    with pytest.raises(ImportError, match=r"lcore\[speed\]"):
        set_backend("ujson")


def test_json_backend_config_key(backend: str) -> None:
    app = Lcore()
    app.config["json.backend"] = backend
    app.get("/", callback=lambda: {"when": date(2024, 1, 2)})
    assert TestClient(app).get("/").json == {"when": "2024-01-02"}
    with pytest.raises(ValueError):
        app.config["json.backend"] = "other"


# -- the bounded body decoder ------------------------------------------------------------------


def test_load_json_body(backend: str) -> None:
    assert load_json_body(b'{"a": [1, {"b": null}]}', 64) == {"a": [1, {"b": None}]}
    assert load_json_body('["\u00e9"]'.encode(), 64) == ["é"]


@pytest.mark.parametrize(
    "data",
    [b"{nope", b"NaN", b'{"a": NaN}', b"[Infinity]", b"\xff\xfe", b'"\xc3"', b"", b"[1] [2]"],
)
def test_load_json_body_invalid(backend: str, data: bytes) -> None:
    with pytest.raises(ClientError) as info:
        load_json_body(data, 64)
    assert (info.value.status, info.value.type) == (400, "json_invalid")
    assert info.value.detail[0]["loc"] == ["body"]


NON_FINITE = [
    pytest.param(b"NaN", id="nan"),
    pytest.param(b"Infinity", id="infinity"),
    pytest.param(b"-Infinity", id="minus-infinity"),
    pytest.param(b"1e999", id="1e999"),
    pytest.param(b"-1e999", id="minus-1e999"),
    pytest.param(b"[1E400]", id="upper-e"),
    pytest.param(b'{"a": 1e+309}', id="plus-exponent"),
    pytest.param(b"2e0000308", id="exponent-with-leading-zeros"),
    pytest.param(b"1.8e308", id="just-past-the-largest-float"),
    pytest.param(b"1" + b"0" * 309 + b".0", id="310-digits-and-a-fraction"),
    pytest.param(b"[" + b"9" * 210 + b"e99]", id="210-digits-and-e99"),
    pytest.param(b'["1e999", 1e999]', id="after-a-string-that-looks-alike"),
]


@pytest.mark.parametrize("data", NON_FINITE)
def test_load_json_body_refuses_non_finite_numbers(backend: str, data: bytes) -> None:
    with pytest.raises(ClientError) as info:
        load_json_body(data, 64)
    assert (info.value.status, info.value.type, info.value.msg) == (
        400,
        "json_invalid",
        "Invalid JSON",
    )
    with pytest.raises(ValueError):
        json_loads(data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"1.7976931348623157e308", 1.7976931348623157e308),  # the largest float
        (b"-1e308", -1e308),
        (b"1e-999", 0.0),  # underflow is zero, which can be written back
        (b"1" + b"0" * 400, 10**400),  # an integer is exact, however long
        (b"1" + b"0" * 308 + b".5", 1e308),  # 309 integer digits: still a float
        (b"[" + b"9" * 209 + b"e99]", [float("9" * 209 + "e99")]),
        (b'["1e999", "Infinity", "NaN"]', ["1e999", "Infinity", "NaN"]),
    ],
)
def test_load_json_body_finite_numbers_round_trip(backend: str, data: bytes, expected: Any) -> None:
    value = load_json_body(data, 64)
    assert value == expected
    assert json_loads(json_dumps(value)) == value


@pytest.mark.parametrize(
    ("data", "depth", "ok"),
    [
        (b"[[[]]]", 3, True),
        (b"[[[[]]]]", 3, False),
        (b'[{"a": [1]}]', 3, True),
        (b'[{"a": [[1]]}]', 3, False),
        (b'["[[[[[[", "{{{{{{"]', 1, True),  # brackets inside strings do not count
        (b'["\\"[[[[", "]"]', 1, True),  # nor after an escaped quote
        (b"[[], [], [], [], []]", 1, False),
        (b"[[], [], [], [], []]", 2, True),
    ],
)
def test_check_depth(data: bytes, depth: int, ok: bool) -> None:
    if ok:
        check_depth(data, depth)
        return
    with pytest.raises(ClientError) as info:
        check_depth(data, depth)
    assert (info.value.status, info.value.type) == (400, "json_too_deep")
    assert f"deeper than {depth} (request.max_json_depth)" in info.value.msg


def test_very_deep_json_never_recurses(backend: str) -> None:
    data = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(ClientError) as info:
        load_json_body(data, 64)
    assert info.value.type == "json_too_deep"
    # Even with a huge limit the parser's RecursionError becomes a client error.
    with pytest.raises(ClientError) as info:
        load_json_body(data, 1_000_000)
    assert info.value.status == 400


@pytest.mark.parametrize("tail", [b"", b"\\", b"\\\n"])
def test_unterminated_string_is_invalid_not_too_deep(tail: bytes) -> None:
    # An unterminated string runs to the end: the brackets after it are inside it. (The
    # scan used to restart at every escaped quote: quadratic time, and json_too_deep.)
    data = b'"' + b'\\"' * 20_000 + b"[" * 65 + tail
    check_depth(data, 64)
    with pytest.raises(ClientError) as info:
        load_json_body(data, 64)
    assert info.value.type == "json_invalid"


ITEMS = (
    b"["
    + b",".join(b'{"sku": "S-%d", "qty": %d, "price": 2.5}' % (i, i) for i in range(3000))
    + b"]"
)


@pytest.mark.parametrize(
    ("data", "depth", "ok"),
    [
        (b'\\"[[[', 1, True),  # a stray backslash escapes nothing: the quote opens a string
        (b'["\\\\", [[]]]', 3, True),  # an escaped backslash does not escape the quote after it
        (b'["\\\\", [[]]]', 2, False),
        (b'["\\u005b", "\\"", [[]]]', 3, True),
        (b"]]][[[[", 1, True),  # closing brackets before the first opening one lower the level
        (b"[[[]]][", 3, True),
        (b"[[[[]]]", 3, False),
        (ITEMS, 2, True),
        (ITEMS, 1, False),
        (ITEMS.replace(b'"S-1"', b'"[[[{{{"'), 2, True),  # brackets in a string of a long body
        (ITEMS.replace(b'"S-1"', b'"\\"[[[{{{"'), 2, True),
        (ITEMS[:-1] + b', "\\', 2, True),  # ends inside a string, on a backslash
        (ITEMS + b"]" * 10 + b"[" * 12, 2, True),
        (ITEMS + b"]" * 10 + b"[" * 12, 1, False),
    ],
)
def test_check_depth_strings_escapes_and_unbalanced(data: bytes, depth: int, ok: bool) -> None:
    if ok:
        check_depth(data, depth)
        return
    with pytest.raises(ClientError) as info:
        check_depth(data, depth)
    assert (info.value.status, info.value.type, info.value.msg) == (
        400,
        "json_too_deep",
        f"JSON nested deeper than {depth} (request.max_json_depth)",
    )


@pytest.mark.parametrize("number", [b"1e999", b"-1E+400", b"9" * 310 + b".0", b"9" * 210 + b"e99"])
def test_long_body_refuses_a_non_finite_number_anywhere(backend: str, number: bytes) -> None:
    data = ITEMS[:-1] + b", " + number + b"]"
    with pytest.raises(ClientError) as info:
        load_json_body(data, 64)
    assert (info.value.status, info.value.type) == (400, "json_invalid")
    assert len(load_json_body(ITEMS, 64)) == 3000
