"""Benchmark lcore against Bottle, Flask, Falcon and a raw WSGI callable, in one process.

Run by hand: ``.venv/bin/python bench/run.py`` (``--quick`` for a short run). Every framework
is called in-process through its WSGI interface with the same environ, round-robin, so
machine noise hits all of them alike. Prints requests/second and the ratio to Bottle.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from apps import FRAMEWORKS, WSGI

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
ECHO_BODY = b'{"name": "lcore", "tags": ["fast", "typed"], "count": 3}'


def make_environ(scenario: str, routes: int) -> Callable[[], dict[str, Any]]:
    """A factory of fresh environs for one scenario."""
    base = dict(BASE_ENVIRON)
    body = b""
    if scenario == "plaintext":
        base["PATH_INFO"] = "/plaintext"
    elif scenario == "json":
        base["PATH_INFO"] = "/json"
    elif scenario == "query":
        base["PATH_INFO"] = "/query"
        base["QUERY_STRING"] = "name=lcore&page=2&sort=asc"
    elif scenario == "echo":
        base.update(
            REQUEST_METHOD="POST",
            PATH_INFO="/echo",
            CONTENT_TYPE="application/json",
            CONTENT_LENGTH=str(len(ECHO_BODY)),
        )
        body = ECHO_BODY
    elif scenario == "404":
        base["PATH_INFO"] = "/does/not/exist"
    elif scenario in ("param", "lookup"):
        base["PATH_INFO"] = f"/r{routes - 1}/42"
    else:
        raise ValueError(scenario)

    def factory() -> dict[str, Any]:
        environ = base.copy()
        environ["wsgi.input"] = io.BytesIO(body)
        return environ

    return factory


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
    """Seconds per request over ``n`` calls."""
    environs = [factory() for _ in range(n)]
    start = time.perf_counter()
    for environ in environs:
        call(app, environ)
    return (time.perf_counter() - start) / n


SCENARIOS = [
    ("plaintext GET", "plaintext", 100),
    ("JSON GET", "json", 100),
    ("int param, 100 routes", "param", 100),
    ("query string read", "query", 100),
    ("POST JSON echo", "echo", 100),
    ("404", "404", 100),
    ("lookup, 10 routes", "lookup", 10),
    ("lookup, 100 routes", "lookup", 100),
    ("lookup, 1000 routes", "lookup", 1000),
]


def run_scenario(
    label: str, scenario: str, routes: int, names: list[str], rounds: int, n: int
) -> dict[str, float]:
    apps = {name: FRAMEWORKS[name](routes) for name in names}
    factory = make_environ(scenario, routes)
    for name, app in apps.items():  # warm up and sanity-check
        body = call(app, factory())
        if scenario != "404" and not body:
            raise SystemExit(f"{name} returned an empty body for {label}")
        time_batch(app, factory, n // 4)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(rounds):
        for name, app in apps.items():
            samples[name].append(time_batch(app, factory, n))
    # Best-of-rounds: the least-disturbed sample of each framework.
    return {name: 1.0 / min(values) for name, values in samples.items()}


def import_time(module: str, repeat: int = 7) -> float:
    """Median wall time of ``import module`` in a fresh interpreter, in milliseconds."""
    code = (
        "import time; t = time.perf_counter(); import "
        + module
        + "; print((time.perf_counter() - t) * 1000)"
    )
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    # Measure what users get: cached bytecode (pip writes it for installed packages; for
    # the source checkout the first, unmeasured run writes it).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-c", "import " + module], env=env, check=True)
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
            ).stdout
        )
        for _ in range(repeat)
    ]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls")
    parser.add_argument("--only", help="comma-separated scenario keys (plaintext,json,...)")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    args = parser.parse_args()
    rounds, n = (3, 2000) if args.quick else (7, 5000)
    names = args.frameworks.split(",")
    header = (
        f"{'scenario':<24}"
        + "".join(f"{name:>10}" for name in names)
        + "  lcore/bottle  lcore/falcon"
    )
    print(f"Python {sys.version.split()[0]}; requests/second, best of {rounds} rounds x {n} calls")
    print(header)
    print("-" * len(header))
    results: dict[str, dict[str, float]] = {}
    for label, scenario, routes in SCENARIOS:
        if args.only and scenario not in args.only.split(","):
            continue
        rates = run_scenario(label, scenario, routes, names, rounds, n)
        results[label] = rates
        line = f"{label:<24}" + "".join(f"{rates[name]:>10,.0f}" for name in names)
        if "bottle" in rates and "lcore" in rates:
            line += f"  {rates['lcore'] / rates['bottle']:>11.2f}x"
        if "falcon" in rates and "lcore" in rates:
            line += f"  {rates['lcore'] / rates['falcon']:>11.2f}x"
        print(line, flush=True)
    lookups = [results.get(f"lookup, {k} routes") for k in (10, 1000)]
    if all(lookups):
        print("\nper-request cost, 1000 routes / 10 routes:")
        for name in names:
            print(f"  {name:<8} {lookups[0][name] / lookups[1][name]:.2f}x")  # type: ignore[index]
    print("\nimport time (median of 7 fresh interpreters):")
    for module in ("lcore", "bottle", "falcon", "flask"):
        print(f"  import {module:<8} {import_time(module):6.1f} ms")


if __name__ == "__main__":
    main()
