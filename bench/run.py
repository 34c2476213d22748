"""Benchmark lcore against Bottle, Flask, Falcon and a raw WSGI callable, in one process.

Run by hand: ``.venv/bin/python bench/run.py`` (``--quick`` for a short run). Every framework
is called in-process through its WSGI interface with the same environ. Each round times one
batch of every framework in turn, so machine noise hits all of them alike. The clock is the
thread's CPU time (``time.thread_time``, ``--clock cpu``, the default): on a shared machine
it does not count the time the process waits for a core; ``--clock wall`` uses
``time.perf_counter``. Prints each framework's median requests/second over the rounds, and
for lcore/Bottle and lcore/Falcon the median of the per-round ratios (each ratio compares
two batches of the same round). Before timing, every framework's status code is checked once
per scenario, so a broken scenario cannot silently measure an error page.

``--lcore-base PATH`` adds a second lcore (a checkout, or its ``lcore/`` package directory,
e.g. a ``git worktree`` of the base commit) as the column ``lcore-base``, loaded in the same
process under another package name, and the ratio lcore/lcore-base: a before/after table
from one interleaved run.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import io
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from apps import FRAMEWORKS, WSGI, lcore_app

#: The clocks ``--clock`` chooses from. Thread CPU time has nanosecond resolution on Linux
#: (``clock_gettime(CLOCK_THREAD_CPUTIME_ID)``); batches are sized to take at least
#: MIN_BATCH_SECONDS all the same, so a batch spans many scheduler ticks.
CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.thread_time, "wall": time.perf_counter}
MIN_BATCH_SECONDS = 0.02
#: The package name the ``--lcore-base`` copy is imported under.
BASE_PACKAGE = "lcore_base"

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
    elif scenario in ("after", "mw"):
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


def time_batch(
    app: WSGI, factory: Callable[[], dict[str, Any]], n: int, clock: Callable[[], float]
) -> float:
    """Seconds per request over ``n`` calls."""
    environs = [factory() for _ in range(n)]
    # Every batch starts from the same collector state: a full collection left pending by
    # the previous batch (or by building the environs) would be charged to this one.
    gc.collect()
    start = clock()
    for environ in environs:
        call(app, environ)
    return (clock() - start) / n


#: (label, --only key, routes, expected status, calls per batch as a fraction of ``n``).
#: The large bodies take milliseconds per request, so they run fewer calls per batch; a
#: framework whose batch would take less than MIN_BATCH_SECONDS runs more calls.
SCENARIOS: list[tuple[str, str, int, int, float]] = [
    ("plaintext GET", "plaintext", 100, 200, 1.0),
    ("plaintext, content type", "ctype", 100, 200, 1.0),
    ("plaintext, one header", "header", 100, 200, 1.0),
    ("JSON GET", "json", 100, 200, 1.0),
    ("JSON GET, after hook", "after", 100, 200, 1.0),
    ("JSON GET, 3 middlewares", "mw", 100, 200, 1.0),
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
    factories: dict[str, Callable[..., WSGI]],
    rounds: int,
    n: int,
    clock: Callable[[], float],
) -> dict[str, list[float]]:
    """Time ``rounds`` interleaved rounds: every framework's rate (requests/second) in
    each round."""
    after, middleware = scenario == "after", scenario == "mw"
    apps = {
        name: make(routes, after_hook=after, middleware=middleware)
        for name, make in factories.items()
    }
    check(label, scenario, routes, apps, expected)
    factory = make_environ(scenario, routes)
    # Warm up, and size each framework's batch to span MIN_BATCH_SECONDS at least.
    calls: dict[str, int] = {}
    for name, app in apps.items():
        per_call = time_batch(app, factory, max(1, n // 4), clock)
        calls[name] = max(n, math.ceil(MIN_BATCH_SECONDS / max(per_call, 1e-9)))
    rates: dict[str, list[float]] = {name: [] for name in apps}
    order = list(apps)
    for round_ in range(rounds):
        # Each round times every framework once; the order turns by one each round, so no
        # framework always runs first or always after the same neighbour.
        shift = round_ % len(order)
        for name in order[shift:] + order[:shift]:
            rates[name].append(1.0 / time_batch(apps[name], factory, calls[name], clock))
    return rates


def median_ratio(rates: dict[str, list[float]], top: str, bottom: str) -> float:
    """The median over the rounds of ``top``'s rate over ``bottom``'s in the same round."""
    return statistics.median(a / b for a, b in zip(rates[top], rates[bottom], strict=True))


def load_lcore_copy(path: str, package: str = BASE_PACKAGE) -> Callable[..., WSGI]:
    """Import the lcore package at ``path`` (a checkout or its ``lcore/`` directory) as
    ``package``, and return the bench app factory that uses it.

    lcore imports its own modules relatively, so the copy's modules all live under
    ``package`` and share nothing with the ``lcore`` under test but the standard library.
    """
    root = os.path.abspath(path)
    if not os.path.isfile(os.path.join(root, "__init__.py")):
        root = os.path.join(root, "lcore")
    init = os.path.join(root, "__init__.py")
    if not os.path.isfile(init):
        raise SystemExit(f"--lcore-base: no lcore package at {path}")
    spec = importlib.util.spec_from_file_location(package, init, submodule_search_locations=[root])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    spec.loader.exec_module(module)
    return partial(lcore_app, package=package)


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
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls")
    parser.add_argument("--only", help="comma-separated scenario keys (plaintext,json,...)")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument(
        "--clock", choices=sorted(CLOCKS), default="cpu", help="thread CPU time or wall time"
    )
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 11; quick 5)")
    parser.add_argument("--calls", type=int, help="calls per batch (default 5000; quick 2000)")
    parser.add_argument(
        "--lcore-base", metavar="PATH", help="a second lcore checkout, timed as lcore-base"
    )
    args = parser.parse_args()
    rounds, n = (5, 2000) if args.quick else (11, 5000)
    rounds = args.rounds or rounds
    n = args.calls or n
    clock = CLOCKS[args.clock]
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
    factories = {name: FRAMEWORKS[name] for name in names}
    if args.lcore_base:
        factories["lcore-base"] = load_lcore_copy(args.lcore_base)
        names.append("lcore-base")
    # Only the ratio columns whose frameworks run (else a label would sit over the
    # wrong column).
    peers = [
        peer for peer in ("bottle", "falcon", "lcore-base") if peer in names and "lcore" in names
    ]
    header = (
        f"{'scenario':<24}"
        + "".join(f"{name:>11}" for name in names)
        + "".join(f"  {'lcore/' + peer:>17}" for peer in peers)
    )
    clock_name = "thread CPU time" if args.clock == "cpu" else "wall time"
    print(
        f"Python {sys.version.split()[0]}; requests/second ({clock_name}), median of {rounds}"
        f" interleaved rounds x {n} calls (large bodies: fewer calls; every batch at least"
        f" {MIN_BATCH_SECONDS * 1000:.0f} ms); ratios: median of the per-round ratios"
    )
    print(header)
    print("-" * len(header))
    results: dict[str, dict[str, list[float]]] = {}
    for label, scenario, routes, expected, share in SCENARIOS:
        if only is not None and scenario not in only:
            continue
        calls = max(1, int(n * share))
        rates = run_scenario(label, scenario, routes, expected, factories, rounds, calls, clock)
        results[label] = rates
        line = f"{label:<24}" + "".join(
            f"{statistics.median(rates[name]):>11,.0f}" for name in names
        )
        for peer in peers:
            line += f"  {median_ratio(rates, 'lcore', peer):>16.2f}x"
        print(line, flush=True)
    few, many = (results.get(f"lookup, {k} routes") for k in (10, 1000))
    if few is not None and many is not None:
        # The raw WSGI callable does the same work whatever the route count: dividing by it
        # round by round takes out the machine's drift between the two scenarios.
        scale = "raw" in names
        print(
            "\nper-request cost, 1000 routes / 10 routes"
            + (" (medians of each round's rate relative to raw):" if scale else " (medians):")
        )
        for name in names:
            if scale:
                cost = median_ratio(few, name, "raw") / median_ratio(many, name, "raw")
            else:
                cost = statistics.median(few[name]) / statistics.median(many[name])
            print(f"  {name:<10} {cost:.2f}x")
    print("\nimport time (median of 7 fresh interpreters):")
    for module in ("lcore", "bottle", "falcon", "flask"):
        print(f"  import {module:<8} {import_time(module):6.1f} ms")


if __name__ == "__main__":
    main()
