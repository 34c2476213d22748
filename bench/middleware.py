"""The cost of lcore's built-in middleware, one at a time and as a whole stack.

Run by hand: ``.venv/bin/python bench/middleware.py`` (``--quick`` for a short run).
The same JSON GET (a small dict, the way ``bench/run.py`` answers it) through an app with
no middleware, with each built-in alone, and with the whole stack of issue 12 (proxy fix,
body limit, request id, access log, CORS, security headers, compression, timeout). The request comes
through a proxy (``X-Forwarded-For``) from an allowed origin and accepts gzip, so every
middleware has its work to do; the answer is under compression's ``min_size``, so
compression decides and leaves it alone (its cost when it compresses is in
``bench/compression.py``). WSGI calls in one process, thread CPU time, interleaved
rounds; each figure is the median over rounds, each extra cost the median of per-round
differences against the bare app. The access log is on (INFO) with a handler that
writes nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from wsgi_timing import WSGI, batch, get_environ

from lcore import (
    BodyLimitMiddleware,
    CompressionMiddleware,
    CORSMiddleware,
    Lcore,
    Middleware,
    ProxyFixMiddleware,
    RequestIDMiddleware,
    RequestLoggerMiddleware,
    SecurityHeadersMiddleware,
    TimeoutMiddleware,
)

PAYLOAD = {"message": "Hello, World!", "items": [1, 2, 3], "ok": True}
ENVIRON = get_environ(
    "/json",
    HTTP_ORIGIN="https://shop.example",
    HTTP_ACCEPT_ENCODING="gzip, br",
    HTTP_X_FORWARDED_FOR="203.0.113.9",
)


def builtins() -> dict[str, Callable[[], Middleware]]:
    return {
        "ProxyFixMiddleware": lambda: ProxyFixMiddleware(num_proxies=1),
        "BodyLimitMiddleware": BodyLimitMiddleware,
        "RequestIDMiddleware": RequestIDMiddleware,
        "RequestLoggerMiddleware": RequestLoggerMiddleware,
        "CORSMiddleware": lambda: CORSMiddleware(allow_origins=["https://shop.example"]),
        "SecurityHeadersMiddleware": SecurityHeadersMiddleware,
        "CompressionMiddleware": CompressionMiddleware,
        "TimeoutMiddleware": lambda: TimeoutMiddleware(timeout=10),
    }


def make_app(middleware: list[Middleware]) -> WSGI:
    app = Lcore()
    for each in middleware:
        app.use(each)

    @app.get("/json")
    def json_get() -> dict[str, Any]:
        return PAYLOAD

    return app


def quiet_access_log() -> None:
    """The access log on, written nowhere: what it costs to make the line, not to write it."""
    import logging

    access = logging.getLogger("lcore.access")
    access.setLevel(logging.INFO)
    access.propagate = False
    access.addHandler(logging.NullHandler())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="measure these apps (names as printed)"
    )
    args = parser.parse_args()
    quiet_access_log()
    rounds, n = (5, 1000) if args.quick else (15, 3000)
    apps: dict[str, WSGI] = {"no middleware": make_app([])}
    for name, make in builtins().items():
        apps[name] = make_app([make()])
    apps["the whole stack"] = make_app([make() for make in builtins().values()])
    apps["the stack but timeout"] = make_app(
        [make() for name, make in builtins().items() if name != "TimeoutMiddleware"]
    )
    apps["the stack but timeout, log"] = make_app(
        [
            make()
            for name, make in builtins().items()
            if name not in ("TimeoutMiddleware", "RequestLoggerMiddleware")
        ]
    )
    if args.only:
        apps = {
            name: app
            for name, app in apps.items()
            if name == "no middleware" or any(part in name for part in args.only)
        }
    for app in apps.values():
        batch(app, ENVIRON, 200)  # warm up: compile the chains
    times: dict[str, list[float]] = {name: [] for name in apps}
    names = list(apps)
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(batch(apps[name], ENVIRON, n))
    bare = times["no middleware"]
    print(f"Python {sys.version.split()[0]}; µs per request (thread CPU time), median of")
    print(f"{rounds} interleaved rounds x {n} requests; extra = median of per-round differences")
    print(f"{'app':28} {'µs':>8} {'extra µs':>10}")
    for name, values in times.items():
        extra = statistics.median(v - b for v, b in zip(values, bare, strict=True)) * 1e6
        print(f"{name:28} {statistics.median(values) * 1e6:8.2f} {extra:10.2f}")


if __name__ == "__main__":
    main()
