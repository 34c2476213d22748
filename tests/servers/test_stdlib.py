"""The wsgiref adapter in this process, on 127.0.0.1: deadlines on slow clients, the
bounded workers and the 503 past them, the environ, options and a clean stop. Every
timeout is short and every wait bounded."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lcore.servers import (
    LISTEN_BACKLOG,
    WSGIREF_QUEUE_SIZE,
    WSGIREF_THREADS,
    WSGIRefServer,
    stdlib,
)

#: The longest any wait in these tests may take, in seconds.
WAIT = 10.0

WSGIApp = Callable[[dict[str, Any], Any], Any]


def text_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


@contextlib.contextmanager
def serving(app: WSGIApp, **options: Any) -> Iterator[WSGIRefServer]:
    """Serve ``app`` with wsgiref in a thread until the block ends."""
    adapter = WSGIRefServer("127.0.0.1", 0, **options)
    adapter.quiet = True
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            adapter.run(app)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not adapter.is_bound and not errors:
        assert time.monotonic() < deadline, "wsgiref never listened"
        time.sleep(0.01)
    try:
        yield adapter
    finally:
        adapter.shutdown()
        thread.join(WAIT)
        assert not thread.is_alive(), "wsgiref did not stop"
    assert errors == []


def connect(adapter: WSGIRefServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", adapter.port), timeout=WAIT)


def read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes (a reset counts as the end)."""
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def get(adapter: WSGIRefServer, path: str = "/") -> bytes:
    with connect(adapter) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
        return read_all(sock)


def status_of(reply: bytes) -> str:
    return reply.split(b"\r\n", 1)[0].decode()


def test_the_defaults_are_named() -> None:
    assert (LISTEN_BACKLOG, WSGIREF_THREADS, WSGIREF_QUEUE_SIZE) == (1024, 64, 256)


def test_it_serves_with_a_deep_backlog_and_wsgi_multithread() -> None:
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        return text_app(environ, start_response)

    with serving(app) as adapter:
        reply = get(adapter, "/path?q=1")
        assert adapter._server is not None
        assert adapter._server.request_queue_size == LISTEN_BACKLOG
    assert status_of(reply) == "HTTP/1.0 200 OK"
    assert reply.endswith(b"\r\n\r\nhello")
    assert (seen["wsgi.multithread"], seen["wsgi.multiprocess"]) == (True, False)
    assert (seen["PATH_INFO"], seen["QUERY_STRING"]) == ("/path", "q=1")


def test_a_request_line_past_64_kib_is_414() -> None:
    with serving(text_app) as adapter, connect(adapter) as sock:
        sock.sendall(b"GET /" + b"a" * 70_000 + b" HTTP/1.0\r\n\r\n")
        assert status_of(read_all(sock)).startswith("HTTP/1.0 414")


def test_a_malformed_request_line_is_400() -> None:
    with serving(text_app) as adapter, connect(adapter) as sock:
        sock.sendall(b"GET / NOT-HTTP/1.0\r\n\r\n")
        # http.server answers a request it cannot read the version of as HTTP/0.9 would
        assert b"Error code: 400" in read_all(sock)


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback")
def test_it_serves_on_ipv6() -> None:
    adapter = WSGIRefServer("::1", 0)
    adapter.quiet = True
    thread = threading.Thread(target=adapter.run, args=(text_app,), daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not adapter.is_bound:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    try:
        with socket.create_connection(("::1", adapter.port), timeout=WAIT) as sock:
            sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
            assert read_all(sock).endswith(b"hello")
    finally:
        adapter.shutdown()
        thread.join(WAIT)


@pytest.mark.parametrize(
    ("option", "value", "error"),
    [
        ("threads", 0, "wsgiref option threads=0: expected an int >= 1"),
        ("threads", "8", "wsgiref option threads='8': expected an int >= 1"),
        ("threads", True, "wsgiref option threads=True: expected an int >= 1"),
        ("queue_size", -1, "wsgiref option queue_size=-1: expected an int >= 0"),
        ("backlog", 0, "wsgiref option backlog=0: expected an int >= 1"),
    ],
)
def test_bad_bounds_are_refused(option: str, value: object, error: str) -> None:
    adapter = WSGIRefServer("127.0.0.1", 0, **{option: value})
    with pytest.raises(ValueError) as caught:
        adapter.run(text_app)
    assert str(caught.value) == error
    assert not adapter.is_bound


# -- slow clients -------------------------------------------------------------------------


def test_a_trickled_head_is_dropped_at_the_timeout(capfd: pytest.CaptureFixture[str]) -> None:
    """A byte every 0.1 s would renew a plain socket timeout forever; the head's deadline
    ends it after 0.5 s."""
    head = b"GET / HTTP/1.0\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
    with serving(text_app, timeout=0.5) as adapter, connect(adapter) as sock:
        started = time.monotonic()
        with contextlib.suppress(OSError):  # a reset or a broken pipe: dropped
            for byte in head:
                sock.sendall(bytes([byte]))
                time.sleep(0.1)
                if time.monotonic() - started > WAIT:
                    break
        dropped_after = time.monotonic() - started
        reply = b""
        with contextlib.suppress(OSError):
            reply = read_all(sock)
    assert dropped_after < 5, "the whole head has one deadline"
    assert reply == b""
    assert "Traceback" not in capfd.readouterr().err, "a slow client is not a server error"


def test_a_silent_connection_is_dropped_at_the_timeout() -> None:
    with serving(text_app, timeout=0.3) as adapter, connect(adapter) as sock:
        started = time.monotonic()
        assert read_all(sock) == b""
        assert time.monotonic() - started < 5


def test_a_stalled_body_read_times_out_in_the_app() -> None:
    outcome: list[object] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        started = time.monotonic()
        try:
            environ["wsgi.input"].read(100)
        except OSError as exc:
            outcome.append((type(exc), time.monotonic() - started))
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [b"body too slow"]

    with serving(app, timeout=0.3) as adapter, connect(adapter) as sock:
        sock.sendall(b"POST / HTTP/1.0\r\nContent-Length: 100\r\n\r\nabc")
        reply = read_all(sock)
    [(error, waited)] = outcome
    assert error is TimeoutError
    assert waited < 5
    assert status_of(reply) == "HTTP/1.0 400 Bad Request"


def test_each_body_read_has_its_own_deadline() -> None:
    """Small reads of a body that keeps coming all succeed, though the whole body takes
    longer than the timeout."""
    chunks: list[bytes] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        stream = environ["wsgi.input"]
        for _ in range(8):
            chunks.append(stream.read(1))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"".join(chunks)]

    with serving(app, timeout=0.5) as adapter, connect(adapter) as sock:
        sock.sendall(b"POST / HTTP/1.0\r\nContent-Length: 8\r\n\r\n")
        for byte in b"abcdefgh":
            time.sleep(0.15)  # 1.2 s in all, more than the timeout
            sock.sendall(bytes([byte]))
        reply = read_all(sock)
    assert status_of(reply) == "HTTP/1.0 200 OK"
    assert reply.endswith(b"abcdefgh")


@pytest.mark.parametrize("method", ["readline", "readlines", "iterate"])
def test_line_reads_of_the_body_have_the_deadline_too(method: str) -> None:
    outcome: list[object] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        stream = environ["wsgi.input"]
        try:
            if method == "readline":
                stream.readline()
            elif method == "readlines":
                stream.readlines()
            else:
                list(stream)
        except OSError as exc:
            outcome.append(type(exc))
        start_response("200 OK", [])
        return [b""]

    with serving(app, timeout=0.3) as adapter, connect(adapter) as sock:
        sock.sendall(b"POST / HTTP/1.0\r\nContent-Length: 100\r\n\r\nno newline yet")
        read_all(sock)
    assert outcome == [TimeoutError]


def test_the_body_can_be_read_by_lines() -> None:
    lines: list[list[bytes]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        lines.append(list(environ["wsgi.input"]))
        return text_app(environ, start_response)

    with serving(app) as adapter, connect(adapter) as sock:
        sock.sendall(b"POST / HTTP/1.0\r\nContent-Length: 4\r\n\r\na\nb\n")
        sock.shutdown(socket.SHUT_WR)  # the end of the body: a line read stops there
        assert status_of(read_all(sock)) == "HTTP/1.0 200 OK"
    assert lines == [[b"a\n", b"b\n"]]


# -- the worker bound and the refusal -----------------------------------------------------


class Gate:
    """An app whose requests wait at a gate until it opens."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.inside = threading.Semaphore(0)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.inside.release()
        self.open.wait(WAIT)
        return text_app(environ, start_response)

    def wait_inside(self, count: int = 1) -> None:
        for _ in range(count):
            assert self.inside.acquire(timeout=WAIT), "no request reached the app"


def start_get(adapter: WSGIRefServer, replies: list[bytes]) -> threading.Thread:
    thread = threading.Thread(target=lambda: replies.append(get(adapter)), daemon=True)
    thread.start()
    return thread


def test_past_the_threads_and_the_queue_the_answer_is_503(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = Gate()
    replies: list[bytes] = []
    with caplog.at_level(logging.WARNING, logger="lcore"):
        with serving(gate, threads=1, queue_size=1) as adapter:
            busy = start_get(adapter, replies)
            gate.wait_inside()
            waiting = start_get(adapter, replies)
            time.sleep(0.2)  # accepted and queued
            refused = [get(adapter), get(adapter)]
            gate.open.set()
            busy.join(WAIT)
            waiting.join(WAIT)
            after = get(adapter)
    assert [status_of(r) for r in replies] == ["HTTP/1.0 200 OK"] * 2
    for reply in refused:
        head, _, body = reply.partition(b"\r\n\r\n")
        assert status_of(reply) == "HTTP/1.0 503 Service Unavailable"
        assert b"Connection: close" in head
        assert b"Retry-After: 1" in head
        assert body == b"503 Service Unavailable: all 1 worker threads are busy; try again.\n"
        assert f"Content-Length: {len(body)}".encode() in head
    assert status_of(after) == "HTTP/1.0 200 OK", "the server recovers"
    warnings = [r.getMessage() for r in caplog.records if "busy" in r.getMessage()]
    assert warnings == [
        "wsgiref: all 1 worker threads are busy and 1 connections wait;"
        " answering 503 to new connections"
    ], "one warning per busy spell"


def test_a_refused_client_that_sent_a_large_request_still_reads_the_503() -> None:
    """The refused connection is drained, not reset, so the 503 is not lost."""
    gate = Gate()
    replies: list[bytes] = []
    with serving(gate, threads=1, queue_size=0) as adapter:
        busy = start_get(adapter, replies)
        gate.wait_inside()
        with connect(adapter) as sock:
            body = b"x" * 200_000
            sock.sendall(b"POST / HTTP/1.0\r\nContent-Length: 200000\r\n\r\n")
            with contextlib.suppress(OSError):  # the server may stop reading: fine
                sock.sendall(body)
            reply = read_all(sock)
        gate.open.set()
        busy.join(WAIT)
    assert status_of(reply) == "HTTP/1.0 503 Service Unavailable"


def test_a_stop_serves_the_queued_connections_first() -> None:
    gate = Gate()
    replies: list[bytes] = []
    with serving(gate, threads=1, queue_size=2) as adapter:
        clients = [start_get(adapter, replies)]
        gate.wait_inside()
        clients += [start_get(adapter, replies), start_get(adapter, replies)]
        time.sleep(0.2)  # both queued
        adapter.shutdown()
        time.sleep(0.2)
        gate.open.set()
        for client in clients:
            client.join(WAIT)
    assert [status_of(r) for r in replies] == ["HTTP/1.0 200 OK"] * 3


def test_a_stop_gives_up_on_requests_after_the_shutdown_timeout() -> None:
    gate = Gate()
    replies: list[bytes] = []
    with serving(gate, threads=1, shutdown_timeout=0.2) as adapter:
        start_get(adapter, replies)
        gate.wait_inside()
        started = time.monotonic()
    assert time.monotonic() - started < 5
    gate.open.set()


# -- the pool and the refuser on their own ------------------------------------------------


def test_the_pool_starts_workers_as_needed_and_counts_the_queue() -> None:
    release = threading.Event()
    done: list[int] = []
    pool = stdlib._WorkerPool(2, 1, lambda conn, address: (release.wait(WAIT), done.append(1)))
    conn = socket.socket()
    try:
        assert [pool.submit(conn, n) for n in range(4)] == [True, True, True, False]
        release.set()
        assert pool.close(WAIT) is True
        assert done == [1, 1, 1]
        assert pool.submit(conn, 5) is False, "a closed pool takes nothing"
    finally:
        conn.close()


def test_the_pool_close_reports_requests_still_running() -> None:
    release = threading.Event()
    pool = stdlib._WorkerPool(1, 0, lambda conn, address: release.wait(WAIT))
    conn = socket.socket()
    try:
        assert pool.submit(conn, 1) is True
        time.sleep(0.05)
        assert pool.close(0.1) is False
    finally:
        release.set()
        conn.close()


def test_the_refuser_closes_a_connection_it_cannot_answer() -> None:
    refuser = stdlib._Refuser(b"HTTP/1.0 503 Service Unavailable\r\n\r\n")
    client, server = socket.socketpair()
    client.close()
    server.shutdown(socket.SHUT_RDWR)
    refuser.refuse(server)  # the send fails: closed at once, nothing lingers
    assert server.fileno() == -1
    refuser.stop()


def test_the_refuser_stop_closes_lingering_connections() -> None:
    refuser = stdlib._Refuser(b"HTTP/1.0 503 Service Unavailable\r\n\r\n")
    client, server = socket.socketpair()
    with client:
        refuser.refuse(server)
        refuser.stop()
        client.settimeout(WAIT)
        assert read_all(client) == b"HTTP/1.0 503 Service Unavailable\r\n\r\n"
    assert server.fileno() == -1


def test_a_large_read_has_the_time_of_its_64k_pieces() -> None:
    """lcore reads a body of announced length in one call: a client sending it at a pace
    that reads of 64 KiB each would accept is not cut off for being slower in total."""
    size = 4 * 64 * 1024
    got: list[int] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        got.append(len(environ["wsgi.input"].read(size)))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    with serving(app, timeout=0.6) as adapter, connect(adapter) as sock:
        sock.sendall(b"POST / HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % size)
        for _ in range(4):  # 1.2 s in all: more than one timeout, less than four
            sock.sendall(b"x" * (64 * 1024))
            time.sleep(0.3)
        reply = read_all(sock)
    assert got == [size]
    assert status_of(reply) == "HTTP/1.0 200 OK"
