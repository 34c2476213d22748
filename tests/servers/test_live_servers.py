"""Real servers in subprocesses: requests over HTTP, then a clean stop by PID.

wsgiref, waitress, gunicorn and cheroot are installed by the dev extras and always run;
the other servers run when their package happens to be installed.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .serving import WAIT, ServedApp, installed, serving

REQUIRED = ["wsgiref", "waitress", "gunicorn", "cheroot"]
OPTIONAL = {"gevent": "gevent", "tornado": "tornado", "twisted": "twisted", "paste": "paste"}
UNIX_ONLY = {"gunicorn"}

#: Whether a second request reuses the connection: wsgiref answers HTTP/1.0 and closes,
#: gunicorn's default sync worker closes after each response.
KEEPS_ALIVE = {
    "wsgiref": False,
    "gunicorn": False,
    "waitress": True,
    "cheroot": True,
    "gevent": True,
    "tornado": True,
    "twisted": True,
    "paste": False,
}

#: Servers whose adapter lets in-flight requests finish on SIGINT/SIGTERM.
GRACEFUL = ["wsgiref", "waitress", "gunicorn", "cheroot", "gevent", "tornado", "twisted"]


def _param(server: str) -> object:
    marks = []
    if server in OPTIONAL and not installed(OPTIONAL[server]):
        marks.append(pytest.mark.skip(reason=f"{OPTIONAL[server]} is not installed"))
    if server in UNIX_ONLY and sys.platform == "win32":
        marks.append(pytest.mark.skip(reason=f"{server} runs on Unix only"))
    return pytest.param(server, marks=marks, id=server)


ALL = [_param(s) for s in [*REQUIRED, *OPTIONAL]]


@pytest.fixture(scope="module", params=ALL)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedApp]:
    """One server per module run, shared by the request tests."""
    server: str = request.param
    with serving(server, tmp_path_factory.mktemp(server)) as app:
        yield app


def test_get_text(served: ServedApp) -> None:
    reply = served.request("GET", "/hello")
    assert (reply.status, reply.body) == (200, b"Hello, servers!")
    assert reply.headers["Content-Type"].startswith("text/html")


def test_post_json_echo(served: ServedApp) -> None:
    body = json.dumps({"name": "Ada", "tags": ["a", "b"]}).encode()
    reply = served.request("POST", "/echo", body, {"Content-Type": "application/json"})
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert json.loads(reply.body) == {"echo": {"name": "Ada", "tags": ["a", "b"]}}


def test_unknown_path_is_404(served: ServedApp) -> None:
    reply = served.request("GET", "/missing")
    assert reply.status == 404
    assert b"Not Found" in reply.body


def test_streamed_generator(served: ServedApp) -> None:
    reply = served.request("GET", "/stream")
    assert reply.status == 200
    assert reply.body == b"".join(f"chunk {n}\n".encode() for n in range(5))


def test_two_requests_on_one_connection(served: ServedApp) -> None:
    conn = served.connection()
    try:
        first = served.request("GET", "/hello", connection=conn)
        kept = conn.sock is not None  # http.client drops a socket the server closes
        second = served.request("POST", "/echo", b"[1]", {"Content-Type": "application/json"}, conn)
    finally:
        conn.close()
    assert (first.status, first.body) == (200, b"Hello, servers!")
    assert (second.status, json.loads(second.body)) == (200, {"echo": [1]})
    assert kept is KEEPS_ALIVE[served.server]


def _slow_request(app: ServedApp, replies: list[object]) -> None:
    try:
        reply = app.request("GET", "/slow?seconds=1")
    except Exception as exc:  # reported by the assertion, not as a thread error
        replies.append(exc)
    else:
        replies.append((reply.status, reply.body))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("server", [_param(s) for s in GRACEFUL])
def test_clean_stop_finishes_in_flight_request(server: str, signum: int, tmp_path: Path) -> None:
    with serving(server, tmp_path) as app:
        replies: list[object] = []
        client = threading.Thread(target=_slow_request, args=(app, replies), daemon=True)
        client.start()
        app.wait_for_output("slow started")
        status = app.stop(signum)
        client.join(WAIT)
        output = app.output()
    assert status == 0, output
    assert replies == [(200, b"slow done")], output
    _assert_shut_down_once(output)


@pytest.mark.parametrize("server", [_param(s) for s in OPTIONAL if s not in GRACEFUL])
def test_stop_runs_shutdown_callbacks(server: str, tmp_path: Path) -> None:
    with serving(server, tmp_path) as app:
        assert app.request("GET", "/hello").status == 200
        status = app.stop(signal.SIGTERM)
        output = app.output()
    assert status == 0, output
    _assert_shut_down_once(output)


def _assert_shut_down_once(output: str) -> None:
    """on_shutdown callbacks ran once each, last registered first, then app.close()."""
    lines = [line for line in output.splitlines() if "on_shutdown" in line or "closed" in line]
    assert lines == [
        "on_shutdown last-registered",
        "on_shutdown first-registered",
        "plugin closed",
    ], output


def test_changed_file_stops_cleanly_for_the_reloader(tmp_path: Path) -> None:
    """In the reloader's child, a changed module stops the server cleanly with status 3."""
    module = tmp_path / "reloadme.py"
    module.write_text("from app_for_servers import app\n", encoding="utf-8")
    child = {"LCORE_RELOADER_CHILD": "1"}
    with serving("wsgiref", tmp_path, "reloadme", "reloader=True, interval=0.1", child) as app:
        assert app.request("GET", "/hello").status == 200
        module.write_text("from app_for_servers import app  # edited\n", encoding="utf-8")
        try:
            status = app.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"no reload after the edit:\n{app.output()}")
        output = app.output()
    assert status == 3, output
    _assert_shut_down_once(output)
