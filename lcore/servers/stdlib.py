"""The standard library's servers: ``wsgiref`` with bounded worker threads, deadlines on
slow clients and a 503 past the bound (the default server), and ``cgi``."""

from __future__ import annotations

import io
import math
import queue
import selectors
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any, cast
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from .._wsgi import WSGIApp
from .base import CONNECTION_TIMEOUT, LISTEN_BACKLOG, SHUTDOWN_TIMEOUT, ServerAdapter

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["WSGIREF_QUEUE_SIZE", "WSGIREF_THREADS", "CGIServer", "WSGIRefServer"]

#: The most worker threads the wsgiref server runs: one per connection being served.
WSGIREF_THREADS = 64
#: Accepted connections that may wait for a free wsgiref worker; past that, the server
#: answers 503 itself.
WSGIREF_QUEUE_SIZE = 256


# -- wsgiref: reads with deadlines ---------------------------------------------------------


class _DeadlineReader(io.RawIOBase):
    """The raw reads of one connection. Every ``recv`` stops at :attr:`deadline`, so a
    client that trickles bytes cannot stretch a read past it (a plain socket timeout
    restarts with each byte)."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        super().__init__()
        self._sock = sock
        self._timeout = timeout
        #: ``time.monotonic()`` by which the current read must be done.
        self.deadline = math.inf

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the client sent too slowly")
        self._sock.settimeout(min(remaining, self._timeout))
        try:
            return self._sock.recv_into(buffer)
        finally:
            self._sock.settimeout(self._timeout)


#: The body bytes each ``timeout`` of a read stands for.
_PIECE = 64 * 1024


class _TimedInput:
    """``wsgi.input`` of the wsgiref server: each read has ``timeout`` seconds to finish."""

    def __init__(self, stream: io.BufferedReader, reader: _DeadlineReader, timeout: float):
        self._stream = stream
        self._reader = reader
        self._timeout = timeout

    def _start(self) -> None:
        self._reader.deadline = time.monotonic() + self._timeout

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size > _PIECE:
            # A large read (lcore asks for a whole body in one call) has the time of the
            # pieces it stands for, so a client gets what reads of 64 KiB each would give.
            self._reader.deadline = time.monotonic() + self._timeout * -(-size // _PIECE)
        else:
            self._start()
        return self._stream.read(size)

    def readline(self, size: int | None = -1) -> bytes:
        self._start()
        return self._stream.readline(size)

    def readlines(self, hint: int = -1) -> list[bytes]:
        self._start()
        return self._stream.readlines(hint)

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


class _ServerHandler(ServerHandler):
    request_handler: WSGIRequestHandler


class _RequestHandler(WSGIRequestHandler):
    """One connection, one request (HTTP/1.0, as wsgiref answers): the whole request head
    must arrive within the timeout, then each read of the body has the timeout again."""

    reader: _DeadlineReader
    buffered: io.BufferedReader

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the plain socket file; reads go through the deadline reader
        self.reader = _DeadlineReader(self.connection, self._server().connection_timeout)
        self.rfile = self.buffered = io.BufferedReader(self.reader)

    def _server(self) -> _PooledWSGIServer:
        return cast("_PooledWSGIServer", self.server)

    def handle(self) -> None:
        server = self._server()
        timeout = server.connection_timeout
        self.reader.deadline = time.monotonic() + timeout  # for the whole head
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():  # it has answered with the error
            return
        stdin = _TimedInput(self.buffered, self.reader, timeout)
        # wfile is a socket writer, not an IO object: wsgiref only writes and flushes it.
        stdout = cast("IO[bytes]", self.wfile)
        handler = _ServerHandler(
            stdin, stdout, self.get_stderr(), self.get_environ(), multithread=True
        )
        handler.request_handler = self  # wsgiref's access log goes through it
        handler.run(server.app)


class _QuietRequestHandler(_RequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        del code, size


# -- wsgiref: bounded workers and the refusal past them -----------------------------------

_Connection = tuple[socket.socket, Any]


class _WorkerPool:
    """Up to ``threads`` worker threads, started as needed, and at most ``queue_size``
    connections waiting for one. :meth:`submit` says no past that."""

    def __init__(
        self, threads: int, queue_size: int, work: Callable[[socket.socket, Any], None]
    ) -> None:
        self.threads = threads
        self.queue_size = queue_size
        self._work = work
        self._waiting: deque[_Connection] = deque()
        self._workers = 0
        self._busy = 0
        self._closing = False
        self._lock = threading.Lock()
        self._work_ready = threading.Condition(self._lock)
        self._idle = threading.Condition(self._lock)

    def submit(self, connection: socket.socket, address: Any) -> bool:
        """Queue a connection for a worker; False when every worker is busy and the queue
        is full (or the pool is closing)."""
        with self._lock:
            if self._closing:
                return False
            # Connections that no idle worker will take, this one included.
            unserved = len(self._waiting) + 1 - (self._workers - self._busy)
            if unserved > 0 and self._workers < self.threads:
                self._workers += 1
                threading.Thread(
                    target=self._run, name=f"lcore-wsgiref-{self._workers}", daemon=True
                ).start()
                unserved -= 1
            if unserved > self.queue_size:
                return False
            self._waiting.append((connection, address))
            self._work_ready.notify()
            return True

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._waiting and not self._closing:
                    self._work_ready.wait()
                if not self._waiting:
                    self._workers -= 1
                    self._idle.notify_all()
                    return
                connection, address = self._waiting.popleft()
                self._busy += 1
            try:
                self._work(connection, address)
            finally:
                with self._lock:
                    self._busy -= 1
                    self._idle.notify_all()

    def close(self, timeout: float) -> bool:
        """Take no more connections, let the queued and running ones finish (for at most
        ``timeout`` seconds) and end the workers.

        Returns:
            Whether everything finished in time.
        """
        with self._lock:
            self._closing = True
            self._work_ready.notify_all()
            return self._idle.wait_for(lambda: not self._waiting and not self._busy, timeout)


#: Most refused connections kept open at once to let their 503 be read.
_REFUSALS_LINGERING = 1024
#: Seconds a refused connection is kept open for the client to read the 503.
_REFUSAL_LINGER = 2.0


def _busy_response(threads: int) -> bytes:
    body = f"503 Service Unavailable: all {threads} worker threads are busy; try again.\n"
    head = (
        "HTTP/1.0 503 Service Unavailable\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Retry-After: 1\r\n"
        "Connection: close\r\n\r\n"
    )
    return (head + body).encode("ascii")


class _Refuser:
    """Answers connections past the worker bound with a fixed 503, then closes them
    gently from one thread of its own.

    NOTE: closing a socket whose request was not read makes the kernel send a reset,
    which can destroy the 503 before the client reads it; so the refused connection
    is half-closed and its input drained until the client closes (or a short linger).
    """

    def __init__(self, response: bytes) -> None:
        self._response = response
        self._handoff: queue.SimpleQueue[socket.socket | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def refuse(self, connection: socket.socket) -> None:
        """Answer 503 without blocking (called from the accept loop)."""
        try:
            connection.setblocking(False)
            connection.send(self._response)  # a new connection's send buffer holds it
            connection.shutdown(socket.SHUT_WR)
        except OSError:
            connection.close()
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._linger, name="lcore-refuser")
            self._thread.daemon = True
            self._thread.start()
        self._handoff.put(connection)

    def _linger(self) -> None:
        deadlines: dict[socket.socket, float] = {}
        with selectors.DefaultSelector() as selector:
            while True:
                # Block for the next refusal when nothing lingers, else just look.
                while deadlines and self._handoff.empty():
                    self._drain_ready(selector, deadlines)
                    self._close_expired(selector, deadlines)
                connection = self._handoff.get()
                if connection is None:
                    for lingering in deadlines:
                        lingering.close()
                    return
                if len(deadlines) >= _REFUSALS_LINGERING:
                    connection.close()
                    continue
                selector.register(connection, selectors.EVENT_READ)
                deadlines[connection] = time.monotonic() + _REFUSAL_LINGER

    @staticmethod
    def _drain_ready(
        selector: selectors.BaseSelector, deadlines: dict[socket.socket, float]
    ) -> None:
        for key, _ in selector.select(0.1):
            connection = cast("socket.socket", key.fileobj)
            try:
                if connection.recv(65536):
                    continue
            except BlockingIOError:
                continue
            except OSError:
                pass
            deadlines[connection] = 0.0  # the client closed (or reset): done

    @staticmethod
    def _close_expired(
        selector: selectors.BaseSelector, deadlines: dict[socket.socket, float]
    ) -> None:
        now = time.monotonic()
        for connection in [c for c, limit in deadlines.items() if limit <= now]:
            selector.unregister(connection)
            del deadlines[connection]
            connection.close()

    def stop(self) -> None:
        """Close whatever still lingers and end the thread."""
        if self._thread is not None:
            self._handoff.put(None)
            self._thread.join(_REFUSAL_LINGER + 1)


class _PooledWSGIServer(WSGIServer):
    """wsgiref's server with a deep listen backlog, a socket timeout on each accepted
    connection, bounded workers and a 503 from the accept loop past them."""

    def __init__(
        self,
        address: tuple[str, int],
        handler_class: type[WSGIRequestHandler],
        *,
        timeout: float,
        threads: int,
        queue_size: int,
        backlog: int,
        app: WSGIApp,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.request_queue_size = backlog
        self.connection_timeout = timeout
        self.pool = _WorkerPool(threads, queue_size, self._serve_connection)
        self.refuser = _Refuser(_busy_response(threads))
        self._refusing = False
        self.app = app
        super().__init__(address, handler_class)
        self.set_app(app)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = self.socket.accept()
        connection.settimeout(self.connection_timeout)
        return connection, address

    def process_request(self, request: Any, client_address: Any) -> None:
        if self.pool.submit(request, client_address):
            self._refusing = False
            return
        if not self._refusing:  # once per busy spell, not once per connection
            self._refusing = True
            import logging

            logging.getLogger("lcore").warning(
                "wsgiref: all %d worker threads are busy and %d connections wait;"
                " answering 503 to new connections",
                self.pool.threads,
                self.pool.queue_size,
            )
        self.refuser.refuse(request)

    def _serve_connection(self, connection: socket.socket, address: Any) -> None:
        try:
            self.finish_request(connection, address)
        except Exception:
            self.handle_error(connection, address)
        finally:
            self.shutdown_request(connection)

    def stop(self, timeout: float) -> None:
        """Stop listening, then let queued and running requests finish (bounded)."""
        self.server_close()
        self.pool.close(timeout)
        self.refuser.stop()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went silent (the socket timeout) or away is not a server error.
        if not isinstance(sys.exc_info()[1], (TimeoutError, ConnectionError)):
            super().handle_error(request, client_address)


def _positive(options: dict[str, Any], name: str, minimum: int = 1) -> int:
    value = options.pop(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"wsgiref option {name}={value!r}: expected an int >= {minimum}")
    return value


class WSGIRefServer(ServerAdapter):
    """The standard library's wsgiref with a pool of worker threads. For development: one
    request per connection (no keep-alive), no request size limits of its own.

    Options: ``timeout`` (seconds for the whole request head, for each read of the body
    and each write of the response), ``threads`` (the most worker threads,
    :data:`WSGIREF_THREADS`), ``queue_size`` (connections that may wait for a worker,
    :data:`WSGIREF_QUEUE_SIZE`; past it the server answers 503), ``backlog``
    (:data:`LISTEN_BACKLOG`), ``shutdown_timeout``.
    """

    name = "wsgiref"
    _server: _PooledWSGIServer | None = None

    def run(self, handler: WSGIApp) -> None:
        """Serve until :meth:`shutdown` or Ctrl-C.

        Raises:
            TypeError: An option wsgiref does not have.
            ValueError: A bound that is not a positive int.
        """
        options = self.take_options(
            timeout=CONNECTION_TIMEOUT,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            threads=WSGIREF_THREADS,
            queue_size=WSGIREF_QUEUE_SIZE,
            backlog=LISTEN_BACKLOG,
        )
        timeout, shutdown_timeout = options.pop("timeout"), options.pop("shutdown_timeout")
        threads, backlog = _positive(options, "threads"), _positive(options, "backlog")
        queue_size = _positive(options, "queue_size", minimum=0)
        if options:
            raise TypeError(f"unknown wsgiref option(s): {', '.join(sorted(options))}")
        server = _PooledWSGIServer(
            (self.host, self.port),
            _QuietRequestHandler if self.quiet else _RequestHandler,
            timeout=float(timeout),
            threads=threads,
            queue_size=queue_size,
            backlog=backlog,
            app=handler,
        )
        self.port: int = server.server_port
        self._server = server
        try:
            self.bound()
            server.serve_forever()
        finally:
            server.stop(float(shutdown_timeout))  # stop accepting first, then drain

    def shutdown(self) -> bool:
        """Stop the accept loop (from a helper thread: serve_forever runs in this one)."""
        server = self._server
        if server is None:
            return False
        threading.Thread(target=server.shutdown, name="lcore-shutdown", daemon=True).start()
        return True


class CGIServer(ServerAdapter):
    """Answer the one request of a CGI invocation (``wsgiref.handlers.CGIHandler``)."""

    name = "cgi"
    announce = False

    def run(self, handler: WSGIApp) -> None:
        """Handle the request described by the environment and stdin."""
        from wsgiref.handlers import CGIHandler

        CGIHandler().run(handler)
