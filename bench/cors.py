"""The cost of CORSMiddleware per request: a plain GET through the same app with and without it.

Run by hand: ``.venv/bin/python bench/cors.py`` (``--rounds N``). Each round times one batch
of every case in turn on the thread's CPU clock (``time.thread_time``), so machine noise hits
all of them alike; prints each case's median microseconds per request and its median extra
cost over the app without the middleware (each difference taken within one round).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from wsgi_timing import WSGI, get_environ
from wsgi_timing import batch as timed_batch

from lcore import CORSMiddleware, Lcore

SITE = "https://app.example.com"
BATCH = 5000


def make_app(cors: CORSMiddleware | None) -> Lcore:
    app = Lcore()
    if cors is not None:
        app.use(cors)

    @app.get("/hello")
    def hello() -> str:
        return "Hello, World!"

    return app


def environ(origin: str | None, method: str = "GET") -> dict[str, Any]:
    env = get_environ("/hello", method)
    if origin is not None:
        env["HTTP_ORIGIN"] = origin
    return env


def batch(app: WSGI, env: dict[str, Any]) -> float:
    return timed_batch(app, env, BATCH) * 1e6


CASES: dict[str, tuple[CORSMiddleware | None, str | None, str]] = {
    "no middleware": (None, SITE, "GET"),
    "cors '*', GET with Origin": (CORSMiddleware(), SITE, "GET"),
    "cors listed + credentials, GET with Origin": (
        CORSMiddleware([SITE], allow_credentials=True, expose_headers=["X-Total"]),
        SITE,
        "GET",
    ),
    "cors listed, GET without Origin": (CORSMiddleware([SITE]), None, "GET"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    apps = {
        name: (make_app(mw), environ(origin, method))
        for name, (mw, origin, method) in CASES.items()
    }
    timings: dict[str, list[float]] = {name: [] for name in apps}
    for _ in range(rounds):
        for name, (app, env) in apps.items():
            timings[name].append(batch(app, env))
    base = timings["no middleware"]
    for name, values in timings.items():
        extra = statistics.median(v - b for v, b in zip(values, base, strict=True))
        print(f"{name:45s} {statistics.median(values):6.2f} us/request  extra {extra:+5.2f} us")


if __name__ == "__main__":
    main()
