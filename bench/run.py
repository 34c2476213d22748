"""Benchmark lcore against Bottle, Flask, Falcon and a raw WSGI callable, in one process.

Run by hand: ``.venv/bin/python bench/run.py`` (``--quick`` for a short run). Every framework
is called in-process through its WSGI interface with the same environ, round-robin, so
machine noise hits all of them alike. The clock is wall time (``time.perf_counter``);
each figure is the best of the rounds. Prints requests/second and the ratios lcore/Bottle
and lcore/Falcon. Before timing, every framework's status code is checked once per
scenario, so a broken scenario cannot silently measure an error page.
"""

from __future__ import annotations

import argparse
import io
import json
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


def json_list_body(size: int) -> bytes:
    """A realistic JSON body of about ``size`` bytes: a list of small objects."""
    items: list[bytes] = []
    total = 2
    i = 0
    while total < size:
        item = json.dumps(
            {
                "id": i,
                "name": f"item-{i}",
                "price": round(1.5 + i * 0.25, 2),
                "tags": ["a", "b"],
                "active": i % 2 == 0,
            }
        ).encode()
        items.append(item)
        total += len(item) + 2
        i += 1
    return b"[" + b", ".join(items) + b"]"


BODY_100K = json_list_body(100 * 1024)
BODY_1M = json_list_body(1024 * 1024)


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
    elif scenario == "ctype":
        base["PATH_INFO"] = "/ctype"
    elif scenario == "header":
        base["PATH_INFO"] = "/header"
    elif scenario == "after":
        base["PATH_INFO"] = "/json"
    elif scenario == "404":
        base["PATH_INFO"] = "/does/not/exist"
    elif scenario == "405":
        base.update(REQUEST_METHOD="DELETE", PATH_INFO="/plaintext")
    elif scenario == "403":
        base["PATH_INFO"] = "/forbidden"
    elif scenario == "redirect":
        base["PATH_INFO"] = "/redirect"
    elif scenario in ("post100k", "post1m"):
        body = BODY_100K if scenario == "post100k" else BODY_1M
        base.update(
            REQUEST_METHOD="POST",
            PATH_INFO="/size",
            CONTENT_TYPE="application/json",
            CONTENT_LENGTH=str(len(body)),
        )
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


def call_status(app: WSGI, environ: dict[str, Any]) -> tuple[int, bytes]:
    """The status code and body of one call (for the sanity check, not timed)."""
    seen: list[str] = []

    def recording(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.append(status)

    result = app(environ, recording)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(seen[-1].split()[0]), body


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


#: (label, --only key, routes, expected status, calls per batch as a fraction of ``n``).
#: The large bodies take milliseconds per request, so they run fewer calls per batch.
SCENARIOS: list[tuple[str, str, int, int, float]] = [
    ("plaintext GET", "plaintext", 100, 200, 1.0),
    ("plaintext, content type", "ctype", 100, 200, 1.0),
    ("plaintext, one header", "header", 100, 200, 1.0),
    ("JSON GET", "json", 100, 200, 1.0),
    ("JSON GET, after hook", "after", 100, 200, 1.0),
    ("int param, 100 routes", "param", 100, 200, 1.0),
    ("query string read", "query", 100, 200, 1.0),
    ("POST JSON echo", "echo", 100, 200, 1.0),
    ("POST JSON 100 KB", "post100k", 100, 200, 1 / 50),
    ("POST JSON 1 MB", "post1m", 100, 200, 1 / 500),
    ("404", "404", 100, 404, 1.0),
    ("405", "405", 100, 405, 1.0),
    ("abort(403)", "403", 100, 403, 1.0),
    ("redirect (303)", "redirect", 100, 303, 1.0),
    ("lookup, 10 routes", "lookup", 10, 200, 1.0),
    ("lookup, 100 routes", "lookup", 100, 200, 1.0),
    ("lookup, 1000 routes", "lookup", 1000, 200, 1.0),
]


def check(label: str, scenario: str, routes: int, apps: dict[str, WSGI], expected: int) -> None:
    """Fail when a framework's app does not answer ``scenario`` as intended."""
    factory = make_environ(scenario, routes)
    for name, app in apps.items():
        status, body = call_status(app, factory())
        if status != expected:
            raise SystemExit(f"{name} answered {status} for {label}, expected {expected}")
        if expected == 200 and not body:
            raise SystemExit(f"{name} returned an empty body for {label}")
        if scenario in ("post100k", "post1m") and b'"count"' not in body:
            raise SystemExit(f"{name} did not summarise the body for {label}: {body[:80]!r}")


def run_scenario(
    label: str,
    scenario: str,
    routes: int,
    expected: int,
    names: list[str],
    rounds: int,
    n: int,
) -> dict[str, float]:
    apps = {name: FRAMEWORKS[name](routes, after_hook=scenario == "after") for name in names}
    check(label, scenario, routes, apps, expected)
    factory = make_environ(scenario, routes)
    for app in apps.values():  # warm up
        time_batch(app, factory, max(1, n // 4))
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
    unknown = [name for name in names if name not in FRAMEWORKS]
    keys = {scenario for _, scenario, *_ in SCENARIOS}
    only = args.only.split(",") if args.only else None
    unknown += [key for key in only or () if key not in keys]
    if unknown:
        raise SystemExit(
            f"unknown: {', '.join(unknown)}; frameworks: {', '.join(FRAMEWORKS)}; "
            f"scenarios: {', '.join(dict.fromkeys(s for _, s, *_ in SCENARIOS))}"
        )
    # Only the ratio columns whose frameworks run (else a label would sit over the
    # wrong column).
    peers = [peer for peer in ("bottle", "falcon") if peer in names and "lcore" in names]
    header = (
        f"{'scenario':<24}"
        + "".join(f"{name:>10}" for name in names)
        + "".join(f"  {'lcore/' + peer:>12}" for peer in peers)
    )
    print(
        f"Python {sys.version.split()[0]}; requests/second (wall time), best of {rounds}"
        f" interleaved rounds x {n} calls (large bodies: fewer calls)"
    )
    print(header)
    print("-" * len(header))
    results: dict[str, dict[str, float]] = {}
    for label, scenario, routes, expected, share in SCENARIOS:
        if only is not None and scenario not in only:
            continue
        calls = max(3, int(n * share))
        rates = run_scenario(label, scenario, routes, expected, names, rounds, calls)
        results[label] = rates
        line = f"{label:<24}" + "".join(f"{rates[name]:>10,.0f}" for name in names)
        for peer in peers:
            line += f"  {rates['lcore'] / rates[peer]:>11.2f}x"
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
