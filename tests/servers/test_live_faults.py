"""Real servers in subprocesses against the clients that hurt them: slow ones (a head
trickled a byte at a time, a body that stalls), ones that vanish mid-body, bursts of
connections, more clients than workers, and a stop under keep-alive load.

Every server runs with short timeouts (via its adapter options), so each test takes a
few seconds; the bounds on time are generous and only check behaviour.
"""

from __future__ import annotations

import contextlib
import http.client
import signal
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from .serving import WAIT, ServedApp, serving

#: The options that give each server a one-second deadline on slow clients.
SHORT_TIMEOUT = {"wsgiref": "timeout=1", "waitress": "channel_timeout=1"}

#: Well past a one-second deadline, far below "lives forever".
DROPPED_WITHIN = 6.0


@pytest.fixture(scope="module", params=list(SHORT_TIMEOUT))
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedApp]:
    server: str = request.param
    with serving(server, tmp_path_factory.mktemp(server), options=SHORT_TIMEOUT[server]) as app:
        yield app


def _connect(app: ServedApp) -> socket.socket:
    return socket.create_connection(("127.0.0.1", app.port), timeout=WAIT)


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def _still_serves(app: ServedApp) -> None:
    reply = app.request("GET", "/hello")
    assert (reply.status, reply.body) == (200, b"Hello, servers!"), app.output()


def _server_tracebacks(output: str) -> list[str]:
    """Tracebacks the server itself printed (not the app's log of its own errors)."""
    return [
        line
        for line in output.splitlines()
        if "Exception occurred during processing" in line or "Unhandled exception" in line
    ]


# -- slow clients -------------------------------------------------------------------------


def test_a_trickled_head_is_dropped(served: ServedApp) -> None:
    """One byte every 0.2 s renews a per-read timeout forever; the head's own deadline
    drops the client about a second after it began."""
    head = b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100 + b"\r\n\r\n"
    with _connect(served) as sock:
        started = time.monotonic()
        sent = 0
        with contextlib.suppress(OSError):  # a reset or a broken pipe: dropped
            for byte in head:
                sock.sendall(bytes([byte]))
                sent += 1
                time.sleep(0.2)
                if time.monotonic() - started > DROPPED_WITHIN:
                    break
        took = time.monotonic() - started
    assert sent < len(head), "the whole head went through"
    assert took < DROPPED_WITHIN
    _still_serves(served)
    assert _server_tracebacks(served.output()) == []


def test_a_stalled_body_ends_the_request(served: ServedApp) -> None:
    with _connect(served) as sock:
        started = time.monotonic()
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n[1, "
        )
        reply = _read_all(sock)
        took = time.monotonic() - started
    if served.server == "wsgiref":
        # The app's read times out: the client's fault, a 400 and one quiet log line.
        status_line = reply.split(b"\r\n", 1)[0]
        assert status_line.endswith(b" 400 Bad Request"), reply[:300]
        assert b"Request body is incomplete" in reply
    else:
        # waitress reads bodies itself: it drops the stalled client before the app runs.
        assert reply == b"", reply[:300]
    assert took < DROPPED_WITHIN
    _still_serves(served)
    output = served.output()
    assert _server_tracebacks(output) == []
    assert "unhandled error" not in output and "Traceback" not in output, output


def test_a_client_reset_mid_body_leaves_the_server_serving(served: ServedApp) -> None:
    with _connect(served) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n[" + b"1, " * 1000
        )
        time.sleep(0.2)
        # SO_LINGER with a zero timeout: close() sends a reset, not a FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(0.3)
    _still_serves(served)
    output = served.output()
    assert _server_tracebacks(output) == []
    # A read that fails because the client went away is not a server error.
    assert "unhandled error" not in output and "Traceback" not in output, output


def test_waitress_is_not_shut_out_by_150_slow_clients(tmp_path: Path) -> None:
    """waitress's own connection limit is 100: 150 clients that connect and say nothing
    would keep everyone else out for the whole channel timeout (30 s here)."""
    with serving("waitress", tmp_path) as app, contextlib.ExitStack() as stack:
        for _ in range(150):
            stack.enter_context(_connect(app))
        started = time.monotonic()
        _still_serves(app)
        assert time.monotonic() - started < DROPPED_WITHIN


def test_waitress_closes_an_idle_keep_alive_connection(tmp_path: Path) -> None:
    with serving("waitress", tmp_path, options="channel_timeout=1") as app:
        conn = app.connection()
        assert app.request("GET", "/hello", connection=conn).status == 200
        assert conn.sock is not None
        started = time.monotonic()
        conn.sock.settimeout(WAIT)
        assert conn.sock.recv(1) == b"", "the server closed it"
        assert time.monotonic() - started < DROPPED_WITHIN
        conn.close()


# -- bursts and the worker bound ----------------------------------------------------------


def _burst(app: ServedApp, clients: int) -> Counter[str]:
    """``clients`` connections opened together, then one request on each."""
    outcomes: list[str] = []
    lock = threading.Lock()
    all_connected = threading.Barrier(clients, timeout=WAIT)

    def client() -> None:
        try:
            with _connect(app) as sock:
                all_connected.wait()
                sock.sendall(b"GET /hello HTTP/1.0\r\n\r\n")
                outcome = _read_all(sock).split(b"\r\n", 1)[0].decode()
        except (OSError, threading.BrokenBarrierError) as exc:
            outcome = type(exc).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    return Counter(outcomes)


@pytest.mark.parametrize("server", ["wsgiref", "waitress"])
def test_a_burst_of_300_connections_is_served_without_resets(server: str, tmp_path: Path) -> None:
    with serving(server, tmp_path) as app:
        outcomes = _burst(app, 300)
    assert sum(outcomes.values()) == 300
    assert set(outcomes) == {"HTTP/1.0 200 OK"}, outcomes


def test_wsgiref_refuses_past_its_threads_with_a_503(tmp_path: Path) -> None:
    with serving("wsgiref", tmp_path, options="threads=2, queue_size=0") as app:
        replies: list[object] = []

        def slow() -> None:
            with contextlib.suppress(OSError):
                reply = app.request("GET", "/slow?seconds=2")
                replies.append((reply.status, reply.body))

        clients = [threading.Thread(target=slow, daemon=True) for _ in range(2)]
        for started, client in enumerate(clients, 1):  # one by one: each finds a free worker
            client.start()
            deadline = time.monotonic() + WAIT
            while app.output().count("slow started") < started:
                assert time.monotonic() < deadline, app.output()
                time.sleep(0.05)
        refused = app.request("GET", "/hello")
        for client in clients:
            client.join(WAIT)
        _still_serves(app)
        output = app.output()
    assert refused.status == 503
    assert refused.headers["Connection"] == "close"
    assert refused.body == b"503 Service Unavailable: all 2 worker threads are busy; try again.\n"
    assert replies == [(200, b"slow done")] * 2
    assert output.count("answering 503 to new connections") == 1, output


# -- a stop under keep-alive load ---------------------------------------------------------


class KeepAliveLoad:
    """Clients sending requests back to back on keep-alive connections, noting when each
    request was sent and whether it got a 200."""

    def __init__(self, app: ServedApp, clients: int) -> None:
        self.app = app
        self.stop = threading.Event()
        self.sent: list[tuple[float, bool]] = []
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.app.port, timeout=5)
        while not self.stop.is_set():
            sent = time.monotonic()
            try:
                conn.request("GET", "/hello")
                response = conn.getresponse()
                ok = response.status == 200 and response.read() == b"Hello, servers!"
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                time.sleep(0.02)
            with self._lock:
                self.sent.append((sent, ok))

    def finish(self) -> list[tuple[float, bool]]:
        self.stop.set()
        for thread in self.threads:
            thread.join(WAIT)
        return self.sent


def test_waitress_stops_taking_requests_at_once_and_finishes_in_flight(tmp_path: Path) -> None:
    with serving("waitress", tmp_path, options="shutdown_timeout=15") as app:
        idle = app.connection()
        assert app.request("GET", "/hello", connection=idle).status == 200  # kept alive
        load = KeepAliveLoad(app, clients=4)
        slow: list[object] = []

        def in_flight() -> None:
            reply = app.request("GET", "/slow?seconds=2")
            slow.append((reply.status, reply.body, reply.headers["Connection"]))

        client = threading.Thread(target=in_flight, daemon=True)
        client.start()
        app.wait_for_output("slow started")
        stopped_at = time.monotonic()
        app.process.send_signal(signal.SIGTERM)
        time.sleep(1)  # well inside the slow request
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", app.port), timeout=1).close()
        with pytest.raises((OSError, http.client.HTTPException)):
            app.request("GET", "/hello", connection=idle)  # the idle one was closed
        client.join(WAIT)
        status = app.process.wait(WAIT)
        exited_after = time.monotonic() - stopped_at
        sent = load.finish()
        output = app.output()
    assert status == 0, output
    assert slow == [(200, b"slow done", "close")], output
    assert exited_after < 10, "it did not wait out the 15 s shutdown timeout"
    late = [ok for when, ok in sent if when > stopped_at + 1]
    assert not any(late), "a request sent after the stop began was served"
    assert any(ok for when, ok in sent if when < stopped_at), "the load ran"
    idle.close()


def test_waitress_stops_waiting_at_a_second_signal(tmp_path: Path) -> None:
    with serving("waitress", tmp_path, options="shutdown_timeout=15") as app:
        errors: list[BaseException] = []

        def in_flight() -> None:
            try:
                app.request("GET", "/slow?seconds=8")
            except (OSError, http.client.HTTPException) as exc:
                errors.append(exc)

        client = threading.Thread(target=in_flight, daemon=True)
        client.start()
        app.wait_for_output("slow started")
        app.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert app.process.poll() is None, "the first signal waits for the request"
        second_at = time.monotonic()
        app.process.send_signal(signal.SIGINT)
        status = app.process.wait(WAIT)
        took = time.monotonic() - second_at
        client.join(WAIT)
        output = app.output()
    assert status == 0, output
    assert took < 4, "waitress's own 5 s wait for busy threads is skipped"
    assert len(errors) == 1, "the request in flight was cut off"
    assert "on_shutdown last-registered" in output


# -- servers that de-chunk bodies themselves ----------------------------------------------


@pytest.fixture(scope="module", params=["cheroot", "gunicorn"])
def dechunking(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedApp]:
    server: str = request.param
    with serving(server, tmp_path_factory.mktemp(server)) as app:
        yield app


_CHUNKED_HEAD = (
    b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n"
)


def test_malformed_chunked_framing_is_a_400_on_dechunking_servers(dechunking: ServedApp) -> None:
    # Regression: cheroot (a ValueError) and gunicorn (its ParseException family) report
    # the client's bad framing with exceptions of their own; lcore answered 500.
    with _connect(dechunking) as sock:
        sock.sendall(_CHUNKED_HEAD + b"3\r\n[1]X0\r\n\r\n")
        sock.shutdown(socket.SHUT_WR)
        reply = _read_all(sock)
    assert reply.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), reply[:300]
    _still_serves(dechunking)
    output = dechunking.output()
    assert "unhandled error" not in output and "Traceback" not in output, output


def test_a_chunked_client_cut_off_mid_chunk_logs_no_traceback(dechunking: ServedApp) -> None:
    with _connect(dechunking) as sock:
        sock.sendall(_CHUNKED_HEAD + b"20\r\n[1, 2, ")
        time.sleep(0.2)
        sock.shutdown(socket.SHUT_WR)  # the client stops sending mid-chunk
        reply = _read_all(sock)
    assert not reply or reply.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), reply[:300]
    _still_serves(dechunking)
    output = dechunking.output()
    assert "unhandled error" not in output and "Traceback" not in output, output
