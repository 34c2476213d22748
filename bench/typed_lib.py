"""Library-level comparison of lcore's typed layer with pydantic v2 and msgspec.

Run by hand, not in CI: ``.venv/bin/python bench/typed_lib.py`` (``--quick`` for a short
run; ``--lcore DIR`` imports another checkout's lcore, e.g. a base commit's worktree).
pydantic and msgspec come with lcore's ``dev`` extra. The same input goes through each
library:

- (a) ``q=lcore&limit=20&active=true`` into ``q: str``, ``limit: int`` with bounds
  1..100, ``active: bool`` (already-split text values);
- (b) an 88-byte JSON object into a 5-field dataclass (``name: str, price: float,
  quantity: int, active: bool, tags: list[str]``), from a dict and from JSON bytes;
- (c) a 2.4 KB JSON object ``{id, customer, lines: [50 x {sku, qty, price}]}`` into
  nested dataclasses, from a dict and from JSON bytes.

lcore runs through ``params.compile_binder(analyze_handler(h, {}))`` called with a
``Request`` whose query is already parsed, through ``converters.build_converter(T, ...)``
directly, and for JSON bytes through ``jsonutil.load_json_body`` plus the converter.
Before timing, every library's result is checked to equal lcore's. The clock is the
thread's CPU time (``time.thread_time``); rounds interleave the libraries; each figure is
the median µs per operation over the rounds, and each ratio is the median of per-round
ratios.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Annotated, Any

import msgspec
import pydantic


def _lcore_checkout() -> str:
    """The checkout whose lcore is imported: ``--lcore DIR``, or this one."""
    for index, arg in enumerate(sys.argv):
        if arg == "--lcore" and index + 1 < len(sys.argv):
            return os.path.abspath(sys.argv[index + 1])
        if arg.startswith("--lcore="):
            return os.path.abspath(arg.split("=", 1)[1])
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


sys.path.insert(0, _lcore_checkout())

from lcore import Query  # noqa: E402  (after the path is set)
from lcore.converters import build_converter  # noqa: E402
from lcore.jsonutil import load_json_body  # noqa: E402
from lcore.params import analyze_handler, compile_binder  # noqa: E402
from lcore.request import Request  # noqa: E402

Op = Callable[[], Any]

# -- (a) three text values ----------------------------------------------------------------

QUERY = "q=lcore&limit=20&active=true"
TEXT_VALUES = {"q": "lcore", "limit": "20", "active": "true"}


def search(q: str, limit: Annotated[int, Query(ge=1, le=100)] = 10, active: bool = False) -> None:
    """A typed handler (never called: its binder is)."""


class SearchModel(pydantic.BaseModel):
    q: str
    limit: Annotated[int, pydantic.Field(ge=1, le=100)] = 10
    active: bool = False


@pydantic.dataclasses.dataclass
class SearchParams:
    q: str
    limit: Annotated[int, pydantic.Field(ge=1, le=100)] = 10
    active: bool = False


class SearchStruct(msgspec.Struct):
    q: str
    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10
    active: bool = False


def case_a() -> dict[str, Op]:
    bind = compile_binder(analyze_handler(search, {}))
    assert bind is not None
    request = Request({"REQUEST_METHOD": "GET", "QUERY_STRING": QUERY})
    request.query  # parsed once, as the binder finds it after the first read  # noqa: B018
    to_str = build_converter(str, True)
    to_limit = build_converter(Annotated[int, Query(ge=1, le=100)], True)
    to_bool = build_converter(bool, True)
    strings = pydantic.TypeAdapter(SearchParams)
    values = TEXT_VALUES
    expected = {"q": "lcore", "limit": 20, "active": True}
    assert bind(request, {}) == expected
    assert SearchModel.model_validate(values).model_dump() == expected
    assert dataclasses.asdict(strings.validate_strings(values)) == expected
    assert msgspec.structs.asdict(msgspec.convert(values, SearchStruct, strict=False)) == expected
    return {
        "lcore binder": lambda: bind(request, {}),
        "lcore converters": lambda: (
            to_str(values["q"]),
            to_limit(values["limit"]),
            to_bool(values["active"]),
        ),
        "pydantic model_validate": lambda: SearchModel.model_validate(values),
        "pydantic validate_strings": lambda: strings.validate_strings(values),
        "msgspec convert": lambda: msgspec.convert(values, SearchStruct, strict=False),
    }


# -- (b) a 5-field dataclass --------------------------------------------------------------


@dataclasses.dataclass
class Item:
    name: str
    price: float
    quantity: int
    active: bool
    tags: list[str]


ITEM_JSON = b'{"name": "widget", "price": 9.99, "quantity": 3, "active": true, "tags": ["a", "b"]}'


def case_b() -> dict[str, Op]:
    return _dataclass_case(Item, ITEM_JSON)


# -- (c) 50 nested dataclasses ------------------------------------------------------------


@dataclasses.dataclass
class Line:
    sku: str
    qty: int
    price: float


@dataclasses.dataclass
class Order:
    id: int
    customer: str
    lines: list[Line]


ORDER_JSON = json.dumps(
    {
        "id": 7,
        "customer": "ACME Corporation",
        "lines": [
            {"sku": f"SKU-{i:05d}", "qty": i % 9 + 1, "price": round(1.25 + i * 0.5, 2)}
            for i in range(50)
        ],
    }
).encode()


def case_c() -> dict[str, Op]:
    return _dataclass_case(Order, ORDER_JSON)


def _dataclass_case(model: type[Any], data: bytes) -> dict[str, Op]:
    convert = build_converter(model, False)
    adapter = pydantic.TypeAdapter(model)
    value = json.loads(data)
    expected = convert(value)
    assert convert(load_json_body(data, 64)) == expected
    assert adapter.validate_python(value) == expected
    assert adapter.validate_json(data) == expected
    assert msgspec.convert(value, model) == expected
    assert msgspec.json.decode(data, type=model) == expected
    return {
        "lcore dict": lambda: convert(value),
        "pydantic dict": lambda: adapter.validate_python(value),
        "msgspec dict": lambda: msgspec.convert(value, model),
        "lcore JSON": lambda: convert(load_json_body(data, 64)),
        "pydantic JSON": lambda: adapter.validate_json(data),
        "msgspec JSON": lambda: msgspec.json.decode(data, type=model),
        "stdlib json.loads alone": lambda: json.loads(data),
    }


# -- timing -------------------------------------------------------------------------------


def time_op(op: Op, n: int) -> float:
    """Seconds of thread CPU time per call, over ``n`` calls."""
    start = time.thread_time()
    for _ in range(n):
        op()
    return (time.thread_time() - start) / n


def measure(ops: dict[str, Op], rounds: int, n: int) -> dict[str, list[float]]:
    for op in ops.values():
        time_op(op, max(1, n // 10))
    samples: dict[str, list[float]] = {name: [] for name in ops}
    for _ in range(rounds):
        for name, op in ops.items():
            samples[name].append(time_op(op, n))
    return samples


def ratio(samples: dict[str, list[float]], top: str, bottom: str) -> float:
    return statistics.median(a / b for a, b in zip(samples[top], samples[bottom], strict=True))


CASES: list[tuple[str, Callable[[], dict[str, Op]], int, list[tuple[str, str, str]]]] = [
    (
        "(a) 3 text values",
        case_a,
        20_000,
        [
            ("binder / pydantic validate_strings", "lcore binder", "pydantic validate_strings"),
            (
                "converters / pydantic validate_strings",
                "lcore converters",
                "pydantic validate_strings",
            ),
            ("converters / msgspec", "lcore converters", "msgspec convert"),
        ],
    ),
    (
        "(b) 5-field dataclass",
        case_b,
        20_000,
        [
            ("dict: lcore / pydantic", "lcore dict", "pydantic dict"),
            ("dict: lcore / msgspec", "lcore dict", "msgspec dict"),
            ("JSON: lcore / pydantic", "lcore JSON", "pydantic JSON"),
            ("JSON: lcore / msgspec", "lcore JSON", "msgspec JSON"),
        ],
    ),
    (
        "(c) 50 nested dataclasses",
        case_c,
        1_000,
        [
            ("dict: lcore / pydantic (target <= 2)", "lcore dict", "pydantic dict"),
            ("dict: lcore / msgspec", "lcore dict", "msgspec dict"),
            ("JSON: lcore / pydantic", "lcore JSON", "pydantic JSON"),
            ("JSON: lcore / msgspec", "lcore JSON", "msgspec JSON"),
        ],
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls")
    parser.add_argument("--lcore", metavar="DIR", help="import lcore from this checkout")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    rounds, scale = (5, 0.25) if args.quick else (15, 1.0)
    print(f"Python {sys.version.split()[0]} on {platform.machine()} ({platform.system()})")
    print(
        f"lcore from {_lcore_checkout()}; pydantic {pydantic.VERSION}; msgspec {msgspec.__version__}"
    )
    print(f"median µs per operation (thread CPU time), {rounds} interleaved rounds")
    report: dict[str, Any] = {}
    for label, build, n, ratios in CASES:
        samples = measure(build(), rounds, max(1, int(n * scale)))
        print(f"\n{label}")
        figures = {name: statistics.median(values) * 1e6 for name, values in samples.items()}
        for name, micros in figures.items():
            print(f"  {name:<30}{micros:>10.2f}")
        found = {text: ratio(samples, top, bottom) for text, top, bottom in ratios}
        for text, value in found.items():
            print(f"  {text:<44}{value:>6.2f}x")
        report[label] = {"us": figures, "ratios": found}
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=1)


if __name__ == "__main__":
    main()
