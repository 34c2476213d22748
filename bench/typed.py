"""Benchmark typed handlers: lcore typed, lcore hand-written, and FastAPI, in one process.

Run by hand: ``.venv/bin/python bench/typed.py`` (``--quick`` for a short run). Two scenarios:
a GET with three typed query parameters (str, int with bounds, bool), and a POST whose body
is a dataclass (a pydantic model for FastAPI) with five fields, returned as one. The lcore
apps are called through WSGI with bench/run.py's harness; FastAPI through its ASGI
interface, every request driven inside one event loop. Rounds alternate between the apps,
so machine noise hits all of them alike. Prints requests/second, lcore typed / FastAPI
(target >= 2x) and the cost of typed over hand-written lcore (target < 1.3x).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import io
import json
import os
import platform
import re
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fastapi
import pydantic
from run import BASE_ENVIRON, WSGI, call, time_batch

from lcore import HTTPError, Lcore, Query, request

SEARCH_QUERY = "q=lcore&limit=20&active=true"
ITEM_BODY = b'{"name": "widget", "price": 9.99, "quantity": 3, "active": true, "tags": ["a", "b"]}'
SCENARIOS = [("GET, 3 typed query params", "search"), ("POST dataclass body, 5 fields", "items")]


# -- lcore, typed ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Item:
    name: str
    price: float
    quantity: int
    active: bool
    tags: list[str]


def lcore_typed() -> WSGI:
    app = Lcore()

    @app.get("/search")
    def search(
        q: str, limit: Annotated[int, Query(ge=1, le=100)] = 10, active: bool = False
    ) -> dict[str, Any]:
        return {"q": q, "limit": limit, "active": active}

    @app.post("/items")
    def create(item: Item) -> Item:
        return item

    return app


# -- lcore, hand-written ------------------------------------------------------------------------

_INT = re.compile(r"-?[0-9]{1,20}")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def lcore_hand_written() -> WSGI:
    """The same routes reading ``request.query`` and ``request.json`` by hand, with the same
    checks (strict integers, bounds, booleans, JSON types) and the same 422 shape."""
    app = Lcore()

    def missing(loc: list[str | int]) -> dict[str, Any]:
        return {"loc": loc, "msg": "field required", "type": "missing"}

    @app.get("/search")
    def search() -> dict[str, Any]:
        query = request.query
        errors: list[Any] = []
        q = query.get("q")
        if q is None:
            errors.append(missing(["query", "q"]))
        limit = 10
        raw = query.get("limit")
        if raw is not None:
            if not _INT.fullmatch(raw):
                errors.append(
                    {"loc": ["query", "limit"], "msg": "expected an integer", "type": "int_parsing"}
                )
            else:
                limit = int(raw)
                if not 1 <= limit <= 100:
                    errors.append(
                        {"loc": ["query", "limit"], "msg": "out of range", "type": "range"}
                    )
        active = False
        raw = query.get("active")
        if raw is not None:
            text = raw.lower()
            if text in _TRUE:
                active = True
            elif text not in _FALSE:
                errors.append(
                    {"loc": ["query", "active"], "msg": "expected a boolean", "type": "bool"}
                )
        if errors:
            raise HTTPError(422, "Validation failed", detail=errors)
        return {"q": q, "limit": limit, "active": active}

    @app.post("/items")
    def create() -> Item:
        data = request.json
        if not isinstance(data, dict):
            raise HTTPError(422, "Validation failed", detail=[missing(["body"])])
        errors: list[Any] = []
        checks: list[tuple[str, Callable[[Any], bool]]] = [
            ("name", lambda v: isinstance(v, str)),
            ("price", lambda v: type(v) in (int, float)),
            ("quantity", lambda v: type(v) is int),
            ("active", lambda v: type(v) is bool),
            ("tags", lambda v: isinstance(v, list) and all(isinstance(t, str) for t in v)),
        ]
        for name, check in checks:
            if name not in data:
                errors.append(missing(["body", name]))
            elif not check(data[name]):
                errors.append({"loc": ["body", name], "msg": "wrong type", "type": "type"})
        if errors:
            raise HTTPError(422, "Validation failed", detail=errors)
        return Item(
            data["name"], float(data["price"]), data["quantity"], data["active"], data["tags"]
        )

    return app


# -- FastAPI ------------------------------------------------------------------------------------

ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]


class ItemModel(pydantic.BaseModel):
    name: str
    price: float
    quantity: int
    active: bool
    tags: list[str]


def fastapi_app() -> ASGIApp:
    """The same routes as FastAPI users write them: pydantic model, ``Query`` bounds, and
    ``async def`` handlers (a plain ``def`` would add a thread-pool hop per request)."""
    app = fastapi.FastAPI()

    @app.get("/search")
    async def search(
        q: str, limit: Annotated[int, fastapi.Query(ge=1, le=100)] = 10, active: bool = False
    ) -> dict[str, Any]:
        return {"q": q, "limit": limit, "active": active}

    @app.post("/items")
    async def create(item: ItemModel) -> ItemModel:
        return item

    return app  # type: ignore[return-value]


# -- drivers ------------------------------------------------------------------------------------


def wsgi_environ(scenario: str) -> Callable[[], dict[str, Any]]:
    base = dict(BASE_ENVIRON)
    body = b""
    if scenario == "search":
        base.update(PATH_INFO="/search", QUERY_STRING=SEARCH_QUERY)
    else:
        body = ITEM_BODY
        base.update(
            REQUEST_METHOD="POST",
            PATH_INFO="/items",
            CONTENT_TYPE="application/json",
            CONTENT_LENGTH=str(len(body)),
        )

    def factory() -> dict[str, Any]:
        environ = base.copy()
        environ["wsgi.input"] = io.BytesIO(body)
        return environ

    return factory


def asgi_request(scenario: str) -> tuple[dict[str, Any], bytes]:
    headers = [(b"host", b"localhost")]
    if scenario == "search":
        method, path, query, body = "GET", "/search", SEARCH_QUERY.encode(), b""
    else:
        method, path, query, body = "POST", "/items", b"", ITEM_BODY
        headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }
    return scope, body


async def asgi_call(app: ASGIApp, scope: dict[str, Any], body: bytes) -> tuple[int, bytes]:
    """One request through the ASGI interface; returns the status and the body."""
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(dict(scope), receive, send)  # type: ignore[arg-type]
    return status, b"".join(chunks)


async def asgi_time_batch(app: ASGIApp, scenario: str, n: int) -> float:
    """Seconds per request over ``n`` requests, in the running event loop."""
    scope, body = asgi_request(scenario)
    start = time.perf_counter()
    for _ in range(n):
        await asgi_call(app, scope, body)
    return (time.perf_counter() - start) / n


async def run_scenario(scenario: str, rounds: int, n: int) -> dict[str, float]:
    wsgi_apps = {"lcore typed": lcore_typed(), "lcore hand": lcore_hand_written()}
    fastapi = fastapi_app()
    factory = wsgi_environ(scenario)
    scope, body = asgi_request(scenario)
    # Warm up, and check that every app gives the same answer.
    answers = {name: json.loads(call(app, factory())) for name, app in wsgi_apps.items()}
    status, data = await asgi_call(fastapi, scope, body)
    answers["fastapi"] = json.loads(data)
    if status != 200 or len({json.dumps(a, sort_keys=True) for a in answers.values()}) != 1:
        raise SystemExit(f"the apps disagree on {scenario}: {answers} (FastAPI {status})")
    for app in wsgi_apps.values():
        time_batch(app, factory, n // 4)
    await asgi_time_batch(fastapi, scenario, n // 4)
    samples: dict[str, list[float]] = {name: [] for name in [*wsgi_apps, "fastapi"]}
    for _ in range(rounds):
        for name, app in wsgi_apps.items():
            samples[name].append(time_batch(app, factory, n))
        samples["fastapi"].append(await asgi_time_batch(fastapi, scenario, n))
    # Best-of-rounds: the least-disturbed sample of each app.
    return {name: 1.0 / min(values) for name, values in samples.items()}


def call_status(app: WSGI, environ: dict[str, Any]) -> str:
    captured: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        captured.append(status)

    call_result = app(environ, start_response)
    b"".join(call_result)
    return captured[0]


def check_validation() -> None:
    """Bad input is a 422 from every app (the hand-written one is not a strawman)."""
    bad_query = "q=x&limit=500&active=maybe"
    bad_body = b'{"name": 1, "price": "x", "quantity": 1.5, "active": 1}'
    for app in (lcore_typed(), lcore_hand_written()):
        for environ in (
            dict(wsgi_environ("search")(), QUERY_STRING=bad_query),
            dict(
                wsgi_environ("items")(),
                CONTENT_LENGTH=str(len(bad_body)),
                **{"wsgi.input": io.BytesIO(bad_body)},
            ),
        ):
            status = call_status(app, environ)
            if not status.startswith("422"):
                raise SystemExit(f"expected a 422, got {status}")


async def main_async(rounds: int, n: int) -> None:
    check_validation()
    print(f"Python {sys.version.split()[0]} on {platform.machine()} ({platform.system()})")
    print(f"requests/second, best of {rounds} rounds x {n} requests")
    names = ["lcore typed", "lcore hand", "fastapi"]
    header = (
        f"{'scenario':<32}"
        + "".join(f"{name:>13}" for name in names)
        + "  typed/FastAPI  typed cost/hand"
    )
    print(header)
    print("-" * len(header))
    for label, scenario in SCENARIOS:
        rates = await run_scenario(scenario, rounds, n)
        speedup = rates["lcore typed"] / rates["fastapi"]
        cost = rates["lcore hand"] / rates["lcore typed"]
        print(
            f"{label:<32}"
            + "".join(f"{rates[name]:>13,.0f}" for name in names)
            + f"  {speedup:>12.2f}x  {cost:>14.2f}x",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and requests")
    args = parser.parse_args()
    rounds, n = (3, 2000) if args.quick else (7, 5000)
    asyncio.run(main_async(rounds, n))


if __name__ == "__main__":
    main()
