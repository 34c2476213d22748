"""Server adapters, :func:`run` and :func:`on_shutdown`: serve an app under a named server
and stop it cleanly on SIGINT or SIGTERM.

Only the standard library is imported here; an adapter imports its server package inside
its ``run()``, so ``import lcore`` never pays for (or needs) a server.
"""

from __future__ import annotations

import _thread
import contextlib
import functools
import importlib
import inspect
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from socketserver import ThreadingMixIn
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from ._wsgi import StartResponse, WSGIApp, WSGIEnviron

if TYPE_CHECKING:
    from .app import Lcore
    from .reloader import FileCheckerThread

__all__ = [
    "CONNECTION_TIMEOUT",
    "SHUTDOWN_TIMEOUT",
    "AutoServer",
    "BjoernServer",
    "CGIServer",
    "CherootServer",
    "EventletServer",
    "GeventServer",
    "GunicornServer",
    "MeinheldServer",
    "PasteServer",
    "ServerAdapter",
    "ServerPackageMissing",
    "TornadoServer",
    "TwistedServer",
    "WSGIRefServer",
    "WaitressServer",
    "make_adapter",
    "on_shutdown",
    "run",
    "run_shutdown_callbacks",
    "server_names",
]

#: Seconds a connection may stay silent (idle keep-alive, or a request arriving too slowly)
#: before the server drops it. Passed to every server that has such a setting.
CONNECTION_TIMEOUT = 30
#: Seconds a clean shutdown waits for in-flight requests before it gives up on them.
SHUTDOWN_TIMEOUT = 10

C = TypeVar("C", bound=Callable[[], object])


def _log() -> logging.Logger:
    return logging.getLogger("lcore")


class ServerPackageMissing(ImportError):
    """The package a server adapter needs is not installed."""


# -- on_shutdown --------------------------------------------------------------------------

_shutdown_callbacks: list[Callable[[], object]] = []


def on_shutdown(func: C) -> C:
    """Register ``func`` to run once when :func:`run` stops serving.

    Callbacks run last-registered first; a coroutine function (or a callback returning an
    awaitable) is run to completion; an exception is logged and the next callback runs.
    Each registration runs once: the list is emptied as it runs.

    Returns:
        ``func`` itself, so this works as a decorator.
    """
    _shutdown_callbacks.append(func)
    return func


async def _await(awaitable: Any) -> object:
    return await awaitable


def run_shutdown_callbacks() -> None:
    """Run (and forget) the :func:`on_shutdown` callbacks now, last registered first.

    :func:`run` calls this when it stops; call it yourself from the exit hook of a server
    that lcore does not start (gunicorn's ``worker_exit``, for one).
    """
    from .app import _run_coroutine

    while _shutdown_callbacks:
        callback = _shutdown_callbacks.pop()
        try:
            result = callback()
            if inspect.isawaitable(result):
                _run_coroutine(_await(result))
        except Exception:
            _log().exception("on_shutdown callback %r failed", callback)


# -- the adapter base ---------------------------------------------------------------------


class ServerAdapter:
    """A way to serve a WSGI app: subclass it and override :meth:`run` (and, if the
    server can stop gracefully from another thread, :meth:`shutdown`).

    Args:
        host: Interface to bind.
        port: TCP port (0 picks a free one; adapters that can tell update ``port``).
        **options: Server-specific settings, passed on to the server.
    """

    #: The name in :data:`server_names`.
    name: ClassVar[str] = ""
    #: Modules :meth:`run` imports; :meth:`available` checks them.
    modules: ClassVar[tuple[str, ...]] = ()
    #: The pip requirement that provides :attr:`modules`.
    package: ClassVar[str] = ""
    #: The lcore extra that installs :attr:`package`, if one does.
    extra: ClassVar[str] = ""
    #: Whether :func:`run` prints its startup banner for this adapter.
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
            False when this server has no such way (or is not serving yet); :func:`run`
            then interrupts it as Ctrl-C would.
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


class _InFlight:
    """Wraps a WSGI app to count requests in progress (call to the body's close)."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.active = 0
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        with self._lock:
            self.active += 1
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _TrackedBody(body, self._done)

    def _done(self) -> None:
        with self._lock:
            self.active -= 1


class _TrackedBody:
    def __init__(self, body: Iterable[bytes], done: Callable[[], None]) -> None:
        self.body = body
        self.done: Callable[[], None] | None = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            done, self.done = self.done, None
            if done is not None:
                done()


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


# -- production servers in the "servers" extra --------------------------------------------


class WaitressServer(ServerAdapter):
    """Waitress: pure-Python, threaded, for Windows and Unix.

    Options: any ``waitress.create_server`` setting (``threads``, ``channel_timeout``,
    ``trusted_proxy``...), plus ``shutdown_timeout``.
    """

    name = "waitress"
    modules: ClassVar[tuple[str, ...]] = ("waitress",)
    package = "waitress"
    extra = "servers"
    _drain: Callable[[], None] | None = None

    def run(self, handler: WSGIApp) -> None:
        """Serve until :meth:`shutdown` or Ctrl-C."""
        with self.requires():
            from waitress import wasyncore
            from waitress.channel import HTTPChannel
            from waitress.server import BaseWSGIServer, create_server
            from waitress.trigger import trigger
        options = self.take_options(channel_timeout=CONNECTION_TIMEOUT)
        shutdown_timeout = float(options.pop("shutdown_timeout", SHUTDOWN_TIMEOUT))
        socket_map: dict[int, Any] = {}
        server = create_server(handler, map=socket_map, host=self.host, port=self.port, **options)
        if isinstance(server, BaseWSGIServer):
            self.port: int = server.effective_port
        pull = next(d for d in socket_map.values() if isinstance(d, trigger)).pull_trigger

        def stop_accepting() -> None:
            for listener in [d for d in socket_map.values() if isinstance(d, BaseWSGIServer)]:
                wasyncore.dispatcher.close(listener)  # the socket only, not the trigger

        def close_all() -> None:
            for dispatcher in list(socket_map.values()):
                if isinstance(dispatcher, HTTPChannel):
                    dispatcher.handle_close()
                else:
                    dispatcher.close()

        def busy() -> bool:
            return any(
                ch.requests or ch.request is not None or ch.total_outbufs_len
                for ch in list(socket_map.values())
                if isinstance(ch, HTTPChannel)
            )

        def drain() -> None:
            # NOTE: the loop's map is only changed inside the loop (trigger thunks);
            # this thread just watches the channels empty.
            deadline = time.monotonic() + shutdown_timeout
            pull(stop_accepting)
            while busy() and time.monotonic() < deadline:
                time.sleep(0.05)
            pull(close_all)  # an empty map ends the loop

        self._drain = drain
        try:
            server.run()
        finally:
            self._drain = None
            server.task_dispatcher.shutdown(cancel_pending=True, timeout=shutdown_timeout)

    def shutdown(self) -> bool:
        """Drain and close from a helper thread; the loop ends when its map is empty."""
        drain = self._drain
        if drain is None:
            return False
        threading.Thread(target=drain, name="lcore-shutdown", daemon=True).start()
        return True


class GunicornServer(ServerAdapter):
    """Gunicorn, embedded: a pre-fork master and workers (Unix only).

    Options: any gunicorn setting (``workers``, ``worker_class``, ``threads``,
    ``timeout``...); ``shutdown_timeout`` is gunicorn's ``graceful_timeout``. Signals are
    gunicorn's own: SIGTERM and SIGINT (to the master) stop gracefully, a second SIGINT
    at once. :func:`on_shutdown` callbacks run in the master, not in the workers.
    """

    name = "gunicorn"
    modules: ClassVar[tuple[str, ...]] = ("gunicorn.app.base",)
    package = "gunicorn"
    extra = "servers"

    def run(self, handler: WSGIApp) -> None:
        """Run the gunicorn master until it stops.

        Raises:
            TypeError: An option that is not a gunicorn setting.
        """
        with self.requires():
            from gunicorn.app.base import BaseApplication
            from gunicorn.arbiter import Arbiter
            from gunicorn.config import Config
        options = dict(self.options)
        if "shutdown_timeout" in options:
            options["graceful_timeout"] = options.pop("shutdown_timeout")
        host = f"[{self.host}]" if ":" in self.host else self.host
        settings: dict[str, Any] = {
            "bind": f"{host}:{self.port}",
            "timeout": CONNECTION_TIMEOUT,
            "graceful_timeout": SHUTDOWN_TIMEOUT,
            "keepalive": 5,
            **({"loglevel": "warning"} if self.quiet else {}),
            **options,
        }
        unknown = sorted(set(settings) - set(Config().settings))
        if unknown:
            raise TypeError(f"unknown gunicorn setting(s): {', '.join(unknown)}")

        class EmbeddedApplication(BaseApplication):
            def load_config(self) -> None:
                for key, value in settings.items():
                    self.cfg.set(key, value)

            def load(self) -> WSGIApp:
                return handler

        class GracefulArbiter(Arbiter):
            # NOTE: gunicorn treats SIGINT as a quick shutdown; here the first one is
            # graceful like SIGTERM, and a second one (queued during stop()) is quick.
            def handle_int(self) -> None:
                raise StopIteration

        GracefulArbiter(EmbeddedApplication()).run()


class CherootServer(ServerAdapter):
    """Cheroot (CherryPy's server): pure-Python, threaded.

    Options: any ``cheroot.wsgi.Server`` argument (``numthreads``, ``timeout``,
    ``shutdown_timeout``...).
    """

    name = "cheroot"
    modules: ClassVar[tuple[str, ...]] = ("cheroot.wsgi",)
    package = "cheroot"
    extra = "servers"
    _stop: Callable[[], None] | None = None

    def run(self, handler: WSGIApp) -> None:
        """Serve until :meth:`shutdown` or Ctrl-C."""
        with self.requires():
            from cheroot.wsgi import Server
        options = self.take_options(timeout=CONNECTION_TIMEOUT, shutdown_timeout=SHUTDOWN_TIMEOUT)
        server = Server((self.host, self.port), handler, **options)
        server.prepare()
        self.port: int = server.socket.getsockname()[1]
        stopper = threading.Thread(target=server.stop, name="lcore-shutdown", daemon=True)
        self._stop = stopper.start
        try:
            server.serve()
        finally:
            self._stop = None
            if stopper.is_alive():
                # PERF: stop() joins the request threads; bounded by its shutdown_timeout.
                stopper.join(float(options["shutdown_timeout"]) + 1)
            else:
                server.stop()

    def shutdown(self) -> bool:
        """Run ``server.stop()`` in a helper thread; serve() then returns."""
        stop = self._stop
        if stop is None:
            return False
        stop()
        return True


class _GeventServer(Protocol):
    def serve_forever(self, stop_timeout: float | None = ...) -> None: ...
    def stop(self, timeout: float | None = ...) -> None: ...


class GeventServer(ServerAdapter):
    """gevent's pywsgi: one greenlet per connection. Patch the standard library first
    (``from gevent import monkey; monkey.patch_all()``) or blocking handlers stall every
    connection. Options: any ``gevent.pywsgi.WSGIServer`` argument, ``shutdown_timeout``.
    """

    name = "gevent"
    modules: ClassVar[tuple[str, ...]] = ("gevent.pywsgi",)
    package = "gevent"
    extra = "servers"
    _stop: Callable[[], None] | None = None

    def run(self, handler: WSGIApp) -> None:
        """Serve until :meth:`shutdown` or Ctrl-C."""
        gevent = self.import_module("gevent")
        pool = self.import_module("gevent.pool")
        pywsgi = self.import_module("gevent.pywsgi")
        options = self.take_options(log=None if self.quiet else "default")
        shutdown_timeout = float(options.pop("shutdown_timeout", SHUTDOWN_TIMEOUT))
        # A pool, so that stop() waits for the handlers still running.
        options.setdefault("spawn", pool.Pool())
        server: _GeventServer = pywsgi.WSGIServer((self.host, self.port), handler, **options)

        def stop() -> None:
            gevent.spawn(server.stop, timeout=shutdown_timeout)

        self._stop = stop
        try:
            server.serve_forever(stop_timeout=shutdown_timeout)
        finally:
            self._stop = None

    def shutdown(self) -> bool:
        """Spawn ``server.stop()`` in a greenlet: the handler runs in the hub."""
        stop = self._stop
        if stop is None:
            return False
        stop()
        return True


# -- other servers: installed by hand -----------------------------------------------------


class EventletServer(ServerAdapter):
    """eventlet's wsgi server (monkey-patch first). On stop it waits for its open
    connections itself. Options: any ``eventlet.wsgi.server`` argument."""

    name = "eventlet"
    modules: ClassVar[tuple[str, ...]] = ("eventlet", "eventlet.wsgi")
    package = "eventlet"

    def run(self, handler: WSGIApp) -> None:
        """Serve until Ctrl-C."""
        eventlet = self.import_module("eventlet")
        wsgi = self.import_module("eventlet.wsgi")
        options = self.take_options(log_output=not self.quiet, socket_timeout=CONNECTION_TIMEOUT)
        wsgi.server(eventlet.listen((self.host, self.port)), handler, **options)


class BjoernServer(ServerAdapter):
    """bjoern: a fast single-threaded C server (one request at a time)."""

    name = "bjoern"
    modules: ClassVar[tuple[str, ...]] = ("bjoern",)
    package = "bjoern"

    def run(self, handler: WSGIApp) -> None:
        """Serve until Ctrl-C."""
        bjoern = self.import_module("bjoern")
        bjoern.run(handler, self.host, self.port, **self.options)


class MeinheldServer(ServerAdapter):
    """meinheld: a greenlet-based C server."""

    name = "meinheld"
    modules: ClassVar[tuple[str, ...]] = ("meinheld.server",)
    package = "meinheld"

    def run(self, handler: WSGIApp) -> None:
        """Serve until Ctrl-C."""
        server = self.import_module("meinheld.server")
        server.listen((self.host, self.port))
        server.run(handler)


class _TornadoServer(Protocol):
    def listen(self, port: int, address: str = ...) -> None: ...
    def stop(self) -> None: ...
    async def close_all_connections(self) -> None: ...


class TornadoServer(ServerAdapter):
    """Tornado's HTTP server with the app in a thread pool (``tornado.wsgi.WSGIContainer``).

    Options: ``threads`` (pool size, 10), ``shutdown_timeout``, and any
    ``tornado.httpserver.HTTPServer`` argument.
    """

    name = "tornado"
    modules: ClassVar[tuple[str, ...]] = ("tornado.httpserver", "tornado.wsgi")
    package = "tornado"
    _stop: Callable[[], None] | None = None

    def run(self, handler: WSGIApp) -> None:
        """Serve until :meth:`shutdown` or Ctrl-C."""
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        httpserver = self.import_module("tornado.httpserver")
        wsgi = self.import_module("tornado.wsgi")
        options = self.take_options(
            idle_connection_timeout=CONNECTION_TIMEOUT, body_timeout=CONNECTION_TIMEOUT
        )
        threads = int(options.pop("threads", 10))
        shutdown_timeout = float(options.pop("shutdown_timeout", SHUTDOWN_TIMEOUT))
        in_flight = _InFlight(handler)

        async def serve() -> None:
            loop, stopped = asyncio.get_running_loop(), asyncio.Event()
            executor = ThreadPoolExecutor(threads, thread_name_prefix="lcore-tornado")
            container = wsgi.WSGIContainer(in_flight, executor=executor)
            server: _TornadoServer = httpserver.HTTPServer(container, **options)
            server.listen(self.port, address=self.host)

            def stop() -> None:
                loop.call_soon_threadsafe(stopped.set)

            self._stop = stop
            try:
                await stopped.wait()
            finally:
                self._stop = None
                server.stop()
                deadline = loop.time() + shutdown_timeout
                while in_flight.active and loop.time() < deadline:
                    await asyncio.sleep(0.05)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(server.close_all_connections(), 1)
                executor.shutdown(wait=False)

        asyncio.run(serve())

    def shutdown(self) -> bool:
        """Wake the event loop to stop (thread-safe)."""
        stop = self._stop
        if stop is None:
            return False
        stop()
        return True


class TwistedServer(ServerAdapter):
    """Twisted Web's WSGI resource on a thread pool. The reactor cannot be started twice
    in one process. Options: ``threads`` (pool size, 10), ``timeout``,
    ``shutdown_timeout``."""

    name = "twisted"
    modules: ClassVar[tuple[str, ...]] = ("twisted.web.wsgi",)
    package = "twisted"
    _stop: Callable[[], None] | None = None

    def run(self, handler: WSGIApp) -> None:
        """Run the reactor until :meth:`shutdown` or Ctrl-C."""
        reactor = self.import_module("twisted.internet.reactor")
        threadpool = self.import_module("twisted.python.threadpool")
        server = self.import_module("twisted.web.server")
        wsgi = self.import_module("twisted.web.wsgi")
        options = self.take_options(
            threads=10, timeout=CONNECTION_TIMEOUT, shutdown_timeout=SHUTDOWN_TIMEOUT
        )
        shutdown_timeout = float(options["shutdown_timeout"])
        # NOTE: a pool of our own with daemon threads: the reactor's pool is joined
        # inside reactor.stop(), which deadlocks on a request still writing its response.
        pool = threadpool.ThreadPool(maxthreads=int(options["threads"]), name="lcore-twisted")
        pool.threadFactory = functools.partial(threading.Thread, daemon=True)
        in_flight = _InFlight(handler)
        site = server.Site(wsgi.WSGIResource(reactor, pool, in_flight), timeout=options["timeout"])
        port = reactor.listenTCP(self.port, site, interface=self.host)
        self.port: int = port.getHost().port

        def stop_when_idle() -> None:  # in the reactor thread
            port.stopListening()
            deadline = time.monotonic() + shutdown_timeout

            def check() -> None:
                if in_flight.active and time.monotonic() < deadline:
                    reactor.callLater(0.05, check)
                else:
                    reactor.stop()

            check()

        self._stop = lambda: reactor.callFromThread(stop_when_idle)
        pool.start()
        try:
            reactor.run(installSignalHandlers=False)
        finally:
            self._stop = None
            stopper = threading.Thread(target=pool.stop, daemon=True)
            stopper.start()
            stopper.join(1)

    def shutdown(self) -> bool:
        """Stop listening, then stop the reactor once no request is in flight."""
        stop = self._stop
        if stop is None:
            return False
        stop()
        return True


class PasteServer(ServerAdapter):
    """Paste's threaded HTTP server. Options: any ``paste.httpserver.serve`` argument."""

    name = "paste"
    modules: ClassVar[tuple[str, ...]] = ("paste.httpserver",)
    package = "paste"

    def run(self, handler: WSGIApp) -> None:
        """Serve until Ctrl-C."""
        httpserver = self.import_module("paste.httpserver")
        options = self.take_options(socket_timeout=CONNECTION_TIMEOUT, use_threadpool=True)
        httpserver.serve(handler, host=self.host, port=str(self.port), **options)


# -- auto ---------------------------------------------------------------------------------


class AutoServer(ServerAdapter):
    """The first installed of :attr:`order`. gevent and eventlet are left out: without
    monkey-patching a blocking handler would stall every connection."""

    name = "auto"
    order: ClassVar[tuple[str, ...]] = (
        "waitress",
        "gunicorn",
        "cheroot",
        "twisted",
        "tornado",
        "paste",
        "wsgiref",
    )
    _chosen: ServerAdapter | None = None

    def select(self) -> ServerAdapter:
        """An adapter of the first available server, with this one's host, port, options."""
        for name in self.order:
            adapter_class = server_names[name]
            if adapter_class.available():
                adapter = adapter_class(self.host, self.port, **self.options)
                adapter.quiet = self.quiet
                return adapter
        raise AssertionError("wsgiref is always available")  # pragma: no cover

    def run(self, handler: WSGIApp) -> None:
        """Serve with :meth:`select`'s adapter."""
        self._chosen = adapter = self.select()
        try:
            adapter.run(handler)
        finally:
            self.port: int = adapter.port

    def shutdown(self) -> bool:
        """Stop the chosen adapter."""
        return self._chosen.shutdown() if self._chosen is not None else False


#: Every adapter by its ``server=`` name.
server_names: dict[str, type[ServerAdapter]] = {
    adapter.name: adapter
    for adapter in (
        WSGIRefServer,
        AutoServer,
        WaitressServer,
        GunicornServer,
        CherootServer,
        GeventServer,
        EventletServer,
        BjoernServer,
        MeinheldServer,
        TornadoServer,
        TwistedServer,
        PasteServer,
        CGIServer,
    )
}


# -- run ----------------------------------------------------------------------------------


def _load(target: str) -> Any:
    """Import ``"module"`` or ``"module:attr.path"``."""
    module_name, _, path = target.partition(":")
    found: Any = importlib.import_module(module_name)
    for attr in filter(None, path.split(".")):
        found = getattr(found, attr)
    return found


def make_adapter(
    server: str | ServerAdapter | type[ServerAdapter],
    host: str = "127.0.0.1",
    port: int = 8080,
    **options: Any,
) -> ServerAdapter:
    """An adapter from a :data:`server_names` name, an adapter class or instance, or a
    ``"module:Class"`` import string.

    Raises:
        ValueError: An unknown server name.
        TypeError: The import string names no ServerAdapter.
    """
    if isinstance(server, str):
        server = _named_adapter(server)
    if isinstance(server, ServerAdapter):
        return server
    return server(host, port, **options)


def _named_adapter(name: str) -> ServerAdapter | type[ServerAdapter]:
    if name in server_names:
        return server_names[name]
    if ":" not in name:
        known = ", ".join(sorted(server_names))
        raise ValueError(f"unknown server {name!r}; known servers: {known}")
    found: Any = _load(name)
    if isinstance(found, ServerAdapter):
        return found
    if isinstance(found, type) and issubclass(found, ServerAdapter):
        return found
    raise TypeError(f"{name!r} is not a ServerAdapter class or instance")


def _configure(
    app: Lcore,
    debug: bool | None,
    config: dict[str, Any] | None,
    plugins: Sequence[object] | None,
) -> None:
    if config:
        app.config.load_dict(config)
    if debug is not None:
        app.config["debug"] = debug
    for plugin in plugins or ():
        app.install(_load(plugin) if isinstance(plugin, str) else plugin)


class _Serving:
    """One :func:`run`: its signal handlers, stop requests and shutdown steps."""

    def __init__(self, adapter: ServerAdapter, app: WSGIApp) -> None:
        self.adapter = adapter
        self.app = app
        self.pid = os.getpid()
        self.exit_status = 0
        self.stopping = False
        self.handles_signals = False

    def serve(self, watch_interval: float | None) -> None:
        previous = self._install_signal_handlers()
        watcher: FileCheckerThread | None = None
        try:
            if watch_interval is not None:
                from .reloader import start_file_watcher

                watcher = start_file_watcher(watch_interval, self.reload)
            self.adapter.run(self.app)
        except KeyboardInterrupt:
            pass
        except SystemExit as exc:
            # gunicorn's master exits by SystemExit; a forked worker must keep exiting.
            if os.getpid() != self.pid or exc.code not in (0, None):
                raise
        finally:
            if watcher is not None:
                watcher.stop()
            if os.getpid() == self.pid:
                for signum, handler in previous.items():
                    signal.signal(signum, handler)
                self._finish()
        if self.exit_status:
            raise SystemExit(self.exit_status)

    def _install_signal_handlers(self) -> dict[int, Any]:
        previous: dict[int, Any] = {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                handler = signal.signal(signum, self._on_signal)
            except ValueError:  # not the main thread: signals are not ours to handle
                return previous
            previous[signum] = signal.SIG_DFL if handler is None else handler
        self.handles_signals = True
        return previous

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        del signum, frame
        if self.stopping:
            raise KeyboardInterrupt  # a second signal: stop waiting
        self.stopping = True
        if not self.adapter.shutdown():
            raise KeyboardInterrupt

    def reload(self) -> None:
        """Stop cleanly, then exit with the reloader's status (from any thread)."""
        from .reloader import RELOAD_EXIT_CODE

        self.exit_status = RELOAD_EXIT_CODE
        if self.handles_signals:
            # NOTE: a real signal also wakes a main thread blocked in select() or poll().
            if os.name == "posix":
                os.kill(self.pid, signal.SIGTERM)
            else:
                _thread.interrupt_main(signal.SIGTERM)
        elif not self.adapter.shutdown():
            _log().error("cannot stop %r from the file watcher; exiting", self.adapter)
            os._exit(self.exit_status)

    def _finish(self) -> None:
        from .app import Lcore

        run_shutdown_callbacks()
        if isinstance(self.app, Lcore):
            try:
                self.app.close()
            except Exception:
                _log().exception("closing the app failed")


def run(
    app: Lcore | WSGIApp | str | None = None,
    server: str | ServerAdapter | type[ServerAdapter] = "wsgiref",
    host: str = "127.0.0.1",
    port: int = 8080,
    interval: float = 1,
    reloader: bool = False,
    quiet: bool = False,
    plugins: Sequence[object] | None = None,
    debug: bool | None = None,
    config: dict[str, Any] | None = None,
    **kargs: Any,
) -> None:
    """Serve ``app`` until SIGINT or SIGTERM, then stop cleanly.

    Loads ``./.env`` first. On a signal the server stops accepting, in-flight requests
    finish (bounded by the adapter's ``shutdown_timeout``), :func:`on_shutdown` callbacks
    run and ``app.close()`` is called. ``debug=True`` does not turn the reloader on.

    Args:
        app: An app, a ``"module:attr"`` import string, or None for the default app.
        server: A name from :data:`server_names`, an adapter class or instance, or a
            ``"module:Class"`` import string.
        host: Interface to bind.
        port: TCP port.
        interval: Seconds between the reloader's checks for changed files.
        reloader: Restart the process when a loaded module's file changes.
        quiet: No banner and no access log.
        plugins: Plugins (objects or ``"module:attr"`` strings) to install on the app.
        debug: Set the app's ``debug`` config key.
        config: Keys merged into the app's config (nested dicts become dotted keys).
        **kargs: Options for the adapter.

    Raises:
        ValueError: An unknown server name.
        TypeError: ``plugins``, ``config`` or ``debug`` given for an app that is not an
            Lcore app.
        ServerPackageMissing: The server's package is not installed.
        SystemExit: In the reloader's parent (with the last child's status), or with
            status 3 (``lcore.reloader.RELOAD_EXIT_CODE``) after a file changed.
    """
    from .app import Lcore
    from .config import load_dotenv

    if reloader:
        from .reloader import is_reloader_child, run_reloader_parent

        if not is_reloader_child():
            raise SystemExit(run_reloader_parent(interval))
    load_dotenv()
    if app is None:
        from .defaults import default_app

        application: WSGIApp = default_app()
    else:
        application = _load(app) if isinstance(app, str) else app
    if isinstance(application, Lcore):
        _configure(application, debug, config, plugins)
    elif plugins or config or debug is not None:
        raise TypeError("plugins, config and debug need an Lcore app")
    adapter = make_adapter(server, host, port, **kargs)
    adapter.quiet = adapter.quiet or quiet
    if isinstance(adapter, AutoServer):
        adapter = adapter.select()
    if adapter.announce and not adapter.quiet:
        where = f"[{adapter.host}]" if ":" in adapter.host else adapter.host
        print(
            f"lcore serving on http://{where}:{adapter.port}/ with {adapter.name} (Ctrl-C to stop)",
            file=sys.stderr,
            flush=True,
        )
    _Serving(adapter, application).serve(interval if reloader else None)
