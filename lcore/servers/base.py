"""The server adapter base, :class:`ServerAdapter`, with the timeouts every adapter
defaults to, and the standard library's adapters: threaded ``wsgiref`` and ``cgi``.

Imports nothing of lcore but the WSGI types: the other adapter modules build on this one.
"""

from __future__ import annotations

import contextlib
import importlib
import socket
import sys
import threading
import time
from collections.abc import Generator
from socketserver import ThreadingMixIn
from types import ModuleType
from typing import Any, ClassVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from .._wsgi import WSGIApp

__all__ = [
    "CONNECTION_TIMEOUT",
    "SHUTDOWN_TIMEOUT",
    "CGIServer",
    "ServerAdapter",
    "ServerPackageMissing",
    "WSGIRefServer",
]

#: Seconds a connection may stay silent (idle keep-alive, or a request arriving too slowly)
#: before the server drops it. Passed to every server that has such a setting.
CONNECTION_TIMEOUT = 30
#: Seconds a clean shutdown waits for in-flight requests before it gives up on them.
SHUTDOWN_TIMEOUT = 10


class ServerPackageMissing(ImportError):
    """The package a server adapter needs is not installed."""


# -- the adapter base ---------------------------------------------------------------------


class ServerAdapter:
    """A way to serve a WSGI app: subclass it and override :meth:`run` (and, if the
    server can stop gracefully from another thread, :meth:`shutdown`).

    Args:
        host: Interface to bind.
        port: TCP port (0 picks a free one; adapters that can tell update ``port``).
        **options: Server-specific settings, passed on to the server.
    """

    #: The name in :data:`lcore.servers.server_names`.
    name: ClassVar[str] = ""
    #: Modules :meth:`run` imports; :meth:`available` checks them.
    modules: ClassVar[tuple[str, ...]] = ()
    #: The pip requirement that provides :attr:`modules`.
    package: ClassVar[str] = ""
    #: The lcore extra that installs :attr:`package`, if one does.
    extra: ClassVar[str] = ""
    #: Whether :func:`lcore.servers.run` prints its startup banner for this adapter.
    announce: ClassVar[bool] = True

    quiet: bool = False
    host: str
    port: int
    options: dict[str, Any]

    def __init__(self, host: str = "127.0.0.1", port: int = 8080, **options: Any) -> None:
        self.host = host
        self.port = int(port)
        self.options = options

    def run(self, handler: WSGIApp) -> None:
        """Serve ``handler`` until stopped; return once stopped."""
        raise NotImplementedError

    def shutdown(self) -> bool:
        """Begin a clean stop: stop accepting, let in-flight requests finish (bounded), then
        make :meth:`run` return. Called from a signal handler or another thread, so it
        must not block.

        Returns:
            False when this server has no such way (or is not serving yet);
            :func:`lcore.servers.run` then interrupts it as Ctrl-C would.
        """
        return False

    @classmethod
    def available(cls) -> bool:
        """Whether the packages this adapter needs can be imported."""
        try:
            for module in cls.modules:
                importlib.import_module(module)
        except ImportError:
            return False
        return True

    def missing_message(self) -> str:
        """The error text for a missing server package."""
        install = f"'lcore[{self.extra}]'" if self.extra else self.package
        return f"server {self.name!r} needs the {self.package} package: pip install {install}"

    @contextlib.contextmanager
    def requires(self) -> Generator[None, None, None]:
        """Turn an ImportError of the imports inside the block into a clear one.

        Raises:
            ServerPackageMissing: An import in the block failed.
        """
        try:
            yield
        except ImportError as exc:
            raise ServerPackageMissing(self.missing_message()) from exc

    def import_module(self, name: str) -> ModuleType:
        """Import a module of an untyped server package.

        Raises:
            ServerPackageMissing: The module cannot be imported.
        """
        with self.requires():
            return importlib.import_module(name)

    def take_options(self, **defaults: Any) -> dict[str, Any]:
        """The options with ``defaults`` filled in for those not given."""
        return {**defaults, **self.options}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(host={self.host!r}, port={self.port})"


# -- wsgiref (the default) and cgi: standard library --------------------------------------


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """wsgiref's server with a thread per connection, a socket timeout on each accepted
    connection and a bounded wait for the request threads when it stops."""

    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        handler_class: type[WSGIRequestHandler],
        connection_timeout: float,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.connection_timeout = connection_timeout
        self.request_threads: set[threading.Thread] = set()
        self._lock = threading.Lock()
        super().__init__(address, handler_class)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = self.socket.accept()
        conn.settimeout(self.connection_timeout)
        return conn, address

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(target=self._process, args=(request, client_address), daemon=True)
        with self._lock:
            self.request_threads.add(thread)
        thread.start()

    def _process(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self.request_threads.discard(threading.current_thread())

    def wait_for_requests(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self.request_threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went silent (the socket timeout) or away is not a server error.
        if not isinstance(sys.exc_info()[1], (TimeoutError, ConnectionError)):
            super().handle_error(request, client_address)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        del code, size


class WSGIRefServer(ServerAdapter):
    """The standard library's wsgiref with a thread per connection. For development:
    one request per connection (no keep-alive), no request size limits of its own.

    Options: ``timeout`` (seconds a connection may stay silent), ``shutdown_timeout``.
    """

    name = "wsgiref"
    _server: _ThreadingWSGIServer | None = None

    def run(self, handler: WSGIApp) -> None:
        """Serve until :meth:`shutdown` or Ctrl-C.

        Raises:
            TypeError: An option wsgiref does not have.
        """
        options = self.take_options(timeout=CONNECTION_TIMEOUT, shutdown_timeout=SHUTDOWN_TIMEOUT)
        timeout, shutdown_timeout = options.pop("timeout"), options.pop("shutdown_timeout")
        if options:
            raise TypeError(f"unknown wsgiref option(s): {', '.join(sorted(options))}")
        handler_class = _QuietHandler if self.quiet else WSGIRequestHandler
        server = _ThreadingWSGIServer((self.host, self.port), handler_class, float(timeout))
        server.set_app(handler)
        self.port: int = server.server_port
        self._server = server
        try:
            server.serve_forever()
        finally:
            server.server_close()  # stop accepting first, then let requests finish
            server.wait_for_requests(float(shutdown_timeout))

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
