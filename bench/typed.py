"""Benchmark typed handlers: lcore typed, lcore hand-written, and FastAPI, in one process.

Run by hand: ``.venv/bin/python bench/typed.py`` (``--quick`` for a short run, ``--lcore DIR``
to import another checkout's lcore, e.g. a base commit's worktree). Scenarios:

- a GET with three typed query parameters (str, int with bounds, bool), and a POST whose
  body is a dataclass (a pydantic model for FastAPI) with five fields, returned as one:
  lcore typed, lcore hand-written and FastAPI;
- a GET answering a user read from an injected store (``app.inject``): lcore typed asks
  for it with ``db: Annotated[..., Inject()]`` and returns the stored row (a dict with a
  password hash and more), which its response model (``response_model=UserOut``) picks
  and checks the fields of; lcore hand-written reads ``ctx.db`` and builds the dict itself
  from the row; FastAPI uses ``Depends`` and ``response_model``;
- a GET with N int query parameters ``Annotated[int, Query(ge=0, le=1000)]`` (N = 1, 5,
  20), against the same parameters read by hand with ``int(request.query.get(...))`` and
  the same bound check: lcore typed and hand-written.

The lcore apps are called through WSGI (a fresh environ per request, the body joined and
``close()`` called); FastAPI through its ASGI interface, every request driven inside one
event loop. The clock is the thread's CPU time (``time.thread_time``; ``--wall`` for
``time.perf_counter``), which does not count the time a shared machine takes the process
off the CPU. Rounds alternate between the apps; each figure is the median of the rounds,
and each ratio the median of the per-round ratios (each pair measured back to back).
Prints µs per request, typed / FastAPI throughput (target >= 2x), the cost of typed over
hand-written (target <= 1.2x; <= 1.3x with a dependency and a response model) and, for the N-param scenario, the cost per extra parameter.
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
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any

import fastapi
import fastapi.security
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

from lcore import Depends, HTTPBearer, HTTPError, Inject, Lcore, Query, ctx, request  # noqa: E402  (after the path is set)

WSGI = Callable[[dict[str, Any], Callable[..., Any]], Any]
BASE_ENVIRON: dict[str, Any] = {
    "REQUEST_METHOD": "GET",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/",
    "QUERY_STRING": "",
    "SERVER_NAME": "localhost",
    "SERVER_PORT": "80",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "127.0.0.1",
    "HTTP_HOST": "localhost",
    "wsgi.version": (1, 0),
    "wsgi.url_scheme": "http",
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": False,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
}
CLOCK: Callable[[], float] = time.thread_time


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def call(app: WSGI, environ: dict[str, Any]) -> bytes:
    result = app(environ, start_response)
    try:
        return b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def time_batch(app: WSGI, factory: Callable[[], dict[str, Any]], n: int) -> float:
    """Seconds per request over ``n`` calls, by :data:`CLOCK`."""
    environs = [factory() for _ in range(n)]
    start = CLOCK()
    for environ in environs:
        call(app, environ)
    return (CLOCK() - start) / n


SEARCH_QUERY = "q=lcore&limit=20&active=true"
ITEM_BODY = b'{"name": "widget", "price": 9.99, "quantity": 3, "active": true, "tags": ["a", "b"]}'
SCENARIOS = [
    ("GET, 3 typed query params", "search"),
    ("POST dataclass body, 5 fields", "items"),
    ("GET row via dependency + model", "users"),
    ("GET bearer-secured row + model", "me"),
]
#: The stored rows of the "users" scenario: more than clients may see.
USERS: dict[int, dict[str, Any]] = {
    uid: {
        "id": uid,
        "name": f"user{uid}",
        "email": f"user{uid}@example.com",
        "active": uid % 2 == 0,
        "tags": ["a", "b"],
        "password_hash": "pbkdf2_sha256$600000$salt$hash",
        "created": "2026-01-01T00:00:00",
    }
    for uid in range(1, 101)
}
USER_PATH = "/users/7"
#: The "me" scenario's bearer tokens and the one sent.
TOKENS: dict[str, dict[str, Any]] = {f"token-{uid}": row for uid, row in USERS.items()}
BEARER = "Bearer token-7"


@dataclasses.dataclass
class UserOut:
    id: int
    name: str
    email: str
    active: bool
    tags: list[str]


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

    app.inject("db", lambda: USERS)

    @app.get("/users/<uid:int>", response_model=UserOut)
    def get_user(uid: int, db: Annotated[dict[int, dict[str, Any]], Inject()]) -> dict[str, Any]:
        return db[uid]  # a row, sent through UserOut

    bearer = HTTPBearer(TOKENS.get)

    @app.get("/me", response_model=UserOut)
    def me(user: Annotated[dict[str, Any], Depends(bearer)]) -> dict[str, Any]:
        return user  # 401 with WWW-Authenticate from the scheme; a row through UserOut

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

    app.inject("db", lambda: USERS)

    @app.get("/users/<uid:int>")
    def get_user(uid: int) -> dict[str, Any]:
        row = ctx.db[uid]
        return {
            "id": row["id"],
            "name": row["name"],
            "email": row["email"],
            "active": row["active"],
            "tags": row["tags"],
        }

    @app.get("/me")
    def me() -> dict[str, Any]:
        scheme, _, token = request.get_header("Authorization", "").partition(" ")
        row = TOKENS.get(token) if scheme.lower() == "bearer" else None
        if row is None:
            error = HTTPError(401, "Not authenticated")
            error.set_header("WWW-Authenticate", "Bearer")
            raise error
        ctx.user = row
        return {
            "id": row["id"],
            "name": row["name"],
            "email": row["email"],
            "active": row["active"],
            "tags": row["tags"],
        }

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


class UserOutModel(pydantic.BaseModel):
    id: int
    name: str
    email: str
    active: bool
    tags: list[str]


def fastapi_db() -> dict[int, dict[str, Any]]:
    """The "users" scenario's store, as a FastAPI dependency."""
    return USERS


fastapi_bearer = fastapi.security.HTTPBearer()


def fastapi_current_user(
    credentials: Annotated[
        fastapi.security.HTTPAuthorizationCredentials, fastapi.Depends(fastapi_bearer)
    ],
) -> dict[str, Any]:
    row = TOKENS.get(credentials.credentials)
    if row is None:
        raise fastapi.HTTPException(401, "Not authenticated", {"WWW-Authenticate": "Bearer"})
    return row


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

    @app.get("/users/{uid}", response_model=UserOutModel)
    async def get_user(
        uid: int, db: Annotated[dict[int, dict[str, Any]], fastapi.Depends(fastapi_db)]
    ) -> Any:
        return db[uid]

    @app.get("/me", response_model=UserOutModel)
    async def me(user: Annotated[dict[str, Any], fastapi.Depends(fastapi_current_user)]) -> Any:
        return user

    return app  # type: ignore[return-value]


# -- drivers ------------------------------------------------------------------------------------


def wsgi_environ(scenario: str) -> Callable[[], dict[str, Any]]:
    base = dict(BASE_ENVIRON)
    body = b""
    if scenario == "search":
        base.update(PATH_INFO="/search", QUERY_STRING=SEARCH_QUERY)
    elif scenario == "users":
        base.update(PATH_INFO=USER_PATH)
    elif scenario == "me":
        base.update(PATH_INFO="/me", HTTP_AUTHORIZATION=BEARER)
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
    elif scenario == "users":
        method, path, query, body = "GET", USER_PATH, b"", b""
    elif scenario == "me":
        method, path, query, body = "GET", "/me", b"", b""
        headers.append((b"authorization", BEARER.encode()))
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
    start = CLOCK()
    for _ in range(n):
        await asgi_call(app, scope, body)
    return (CLOCK() - start) / n


async def run_scenario(scenario: str, rounds: int, n: int) -> dict[str, list[float]]:
    """Seconds per request of each app, one sample per round."""
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
    return samples


# -- N typed int query parameters -----------------------------------------------------------------

PARAM_COUNTS = (1, 5, 20)
LOW, HIGH = 0, 1000


def int_params_typed(count: int) -> WSGI:
    """``GET /ints?p0=..`` with ``count`` parameters ``Annotated[int, Query(ge=0, le=1000)]``."""
    names = [f"p{i}" for i in range(count)]
    source = (
        f"def ints({', '.join(f'{name}: Bounded' for name in names)}) -> dict[str, int]:\n"
        f"    return {{{', '.join(f'{name!r}: {name}' for name in names)}}}\n"
    )
    scope: dict[str, Any] = {"Bounded": Annotated[int, Query(ge=LOW, le=HIGH)]}
    exec(source, scope)
    app = Lcore()
    app.get("/ints")(scope["ints"])
    return app


def int_params_hand(count: int) -> WSGI:
    """The same parameters read with ``int(request.query.get(...))`` and the same bound
    check, answering a 422 in the same shape."""
    names = [f"p{i}" for i in range(count)]
    app = Lcore()

    @app.get("/ints")
    def ints() -> dict[str, int]:
        query = request.query
        values: dict[str, int] = {}
        errors: list[dict[str, Any]] = []
        for name in names:
            raw = query.get(name)
            if raw is None:
                errors.append({"loc": ["query", name], "msg": "field required", "type": "missing"})
                continue
            try:
                value = int(raw)
            except ValueError:
                errors.append(
                    {"loc": ["query", name], "msg": "expected an integer", "type": "int_parsing"}
                )
                continue
            if not LOW <= value <= HIGH:
                errors.append({"loc": ["query", name], "msg": "out of range", "type": "range"})
                continue
            values[name] = value
        if errors:
            raise HTTPError(422, "Validation failed", detail=errors)
        return values

    return app


def int_params_environ(count: int) -> Callable[[], dict[str, Any]]:
    base = dict(BASE_ENVIRON)
    base.update(
        PATH_INFO="/ints", QUERY_STRING="&".join(f"p{i}={i * 37 % 1000}" for i in range(count))
    )

    def factory() -> dict[str, Any]:
        environ = base.copy()
        environ["wsgi.input"] = io.BytesIO(b"")
        return environ

    return factory


def run_int_params(count: int, rounds: int, n: int) -> dict[str, list[float]]:
    """Seconds per request of the typed and hand-written apps, one sample per round."""
    apps = {"lcore typed": int_params_typed(count), "lcore hand": int_params_hand(count)}
    factory = int_params_environ(count)
    answers = {
        json.dumps(json.loads(call(app, factory())), sort_keys=True) for app in apps.values()
    }
    if len(answers) != 1:
        raise SystemExit(f"the apps disagree on {count} int params: {answers}")
    bad = dict(factory(), QUERY_STRING="p0=1001")
    for app in apps.values():
        if not call_status(app, bad).startswith("422"):
            raise SystemExit("an out-of-bounds int param is not a 422")
        time_batch(app, factory, n // 4)
    samples: dict[str, list[float]] = {name: [] for name in apps}
    for _ in range(rounds):
        for name, app in apps.items():
            samples[name].append(time_batch(app, factory, n))
    return samples


def ratio(samples: dict[str, list[float]], top: str, bottom: str) -> float:
    """The median of the per-round ratios ``top / bottom`` (each pair measured back to back)."""
    return statistics.median(a / b for a, b in zip(samples[top], samples[bottom], strict=True))


def micros(values: list[float]) -> float:
    return statistics.median(values) * 1e6


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


async def main_async(rounds: int, n: int) -> dict[str, Any]:
    check_validation()
    clock = "thread CPU time" if CLOCK is time.thread_time else "wall time"
    print(f"Python {sys.version.split()[0]} on {platform.machine()} ({platform.system()})")
    print(f"lcore from {_lcore_checkout()}")
    print(f"µs per request ({clock}), median of {rounds} interleaved rounds x {n} requests;")
    print("ratios are medians of per-round ratios")
    names = ["lcore typed", "lcore hand", "fastapi"]
    header = (
        f"{'scenario':<32}"
        + "".join(f"{name:>13}" for name in names)
        + "  typed/FastAPI  typed/hand"
    )
    print(header)
    print("-" * len(header))
    report: dict[str, Any] = {}
    for label, scenario in SCENARIOS:
        samples = await run_scenario(scenario, rounds, n)
        speedup = ratio(samples, "fastapi", "lcore typed")
        cost = ratio(samples, "lcore typed", "lcore hand")
        report[scenario] = {name: micros(values) for name, values in samples.items()}
        report[scenario].update(speedup=speedup, cost=cost)
        print(
            f"{label:<32}"
            + "".join(f"{micros(samples[name]):>13.2f}" for name in names)
            + f"  {speedup:>12.2f}x  {cost:>9.2f}x",
            flush=True,
        )
    print(f"\nGET, N typed int query params ({PARAM_COUNTS}), against int(query.get(...)) by hand")
    header = f"{'params':>6}{'typed':>10}{'hand':>10}{'typed/hand':>12}"
    print(header)
    print("-" * len(header))
    typed: dict[int, float] = {}
    hand: dict[int, float] = {}
    for count in PARAM_COUNTS:
        samples = run_int_params(count, rounds, n)
        typed[count], hand[count] = micros(samples["lcore typed"]), micros(samples["lcore hand"])
        cost = ratio(samples, "lcore typed", "lcore hand")
        report[f"ints{count}"] = {"typed": typed[count], "hand": hand[count], "cost": cost}
        print(f"{count:>6}{typed[count]:>10.2f}{hand[count]:>10.2f}{cost:>11.2f}x", flush=True)
    first, last = PARAM_COUNTS[0], PARAM_COUNTS[-1]
    per_typed = (typed[last] - typed[first]) / (last - first)
    per_hand = (hand[last] - hand[first]) / (last - first)
    report["per_param"] = {"typed": per_typed, "hand": per_hand}
    print(
        f"{'per extra param':>6}: typed {per_typed:.3f} µs, hand {per_hand:.3f} µs,"
        f" typed/hand {per_typed / per_hand:.2f}x"
    )
    return report


def main() -> None:
    global CLOCK
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and requests")
    parser.add_argument("--wall", action="store_true", help="time.perf_counter, not thread time")
    parser.add_argument("--lcore", metavar="DIR", help="import lcore from this checkout")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    if args.wall:
        CLOCK = time.perf_counter
    rounds, n = (5, 2000) if args.quick else (15, 4000)
    report = asyncio.run(main_async(rounds, n))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=1)


if __name__ == "__main__":
    main()
