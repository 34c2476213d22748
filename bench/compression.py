"""The cost of CompressionMiddleware per request: a 2 KB JSON GET through the same app with
and without it, for several Accept-Encoding values.

Run by hand: ``.venv/bin/python bench/compression.py`` (``--rounds N``). Each round times
one batch of every case in turn on the thread's CPU clock (``time.thread_time``), so
machine noise hits all of them alike; prints each case's median microseconds per request
and its median extra cost over the app without the middleware (each difference taken
within one round). Scenario names match the ``# PERF:`` comments: compression/json_2k.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from wsgi_timing import WSGI, get_environ
from wsgi_timing import batch as timed_batch

from lcore import CompressionMiddleware, Lcore

BATCH = 2000
#: About 2 KB of JSON, like a small API listing.
ITEMS = [{"id": n, "name": f"item number {n}", "price": n * 1.25} for n in range(40)]


def make_app(compression: CompressionMiddleware | None) -> Lcore:
    app = Lcore()
    if compression is not None:
        app.use(compression)

    @app.get("/items")
    def items() -> list[dict[str, Any]]:
        return ITEMS

    return app


def environ(accept_encoding: str | None) -> dict[str, Any]:
    env = get_environ("/items", "GET")
    if accept_encoding is not None:
        env["HTTP_ACCEPT_ENCODING"] = accept_encoding
    return env


def batch(app: WSGI, env: dict[str, Any]) -> float:
    return timed_batch(app, env, BATCH) * 1e6


BROWSER = "gzip, deflate, br, zstd"
CASES: dict[str, tuple[CompressionMiddleware | None, str | None]] = {
    "no middleware": (None, BROWSER),
    "compression, no Accept-Encoding": (CompressionMiddleware(), None),
    "compression, gzip;q=0 (refused)": (CompressionMiddleware(), "gzip;q=0"),
    "compression, gzip level 6": (CompressionMiddleware(), "gzip"),
    "compression, gzip level 1": (CompressionMiddleware(level=1), "gzip"),
}
if importlib.util.find_spec("brotli") is not None:
    CASES["compression, br level 6"] = (CompressionMiddleware(), BROWSER)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    apps = {name: (make_app(mw), environ(accept)) for name, (mw, accept) in CASES.items()}
    timings: dict[str, list[float]] = {name: [] for name in apps}
    for _ in range(rounds):
        for name, (app, env) in apps.items():
            timings[name].append(batch(app, env))
    base = timings["no middleware"]
    for name, values in timings.items():
        extra = statistics.median(v - b for v, b in zip(values, base, strict=True))
        print(f"{name:40s} {statistics.median(values):7.2f} us/request  extra {extra:+7.2f} us")


if __name__ == "__main__":
    main()
