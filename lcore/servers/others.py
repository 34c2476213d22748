"""Adapters for servers installed by hand: eventlet, bjoern, meinheld, tornado, twisted
and paste. Each imports its package inside its ``run()``."""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import ClassVar, Protocol

from .._wsgi import StartResponse, WSGIApp, WSGIEnviron
from .base import CONNECTION_TIMEOUT, SHUTDOWN_TIMEOUT, ServerAdapter

__all__ = [
    "BjoernServer",
    "EventletServer",
    "MeinheldServer",
    "PasteServer",
    "TornadoServer",
    "TwistedServer",
]

# -- counting requests in flight, for servers that cannot wait for them -------------------


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
        listener = eventlet.listen((self.host, self.port))
        self.bound()
        wsgi.server(listener, handler, **options)


class BjoernServer(ServerAdapter):
    """bjoern: a fast single-threaded C server (one request at a time)."""

    name = "bjoern"
    modules: ClassVar[tuple[str, ...]] = ("bjoern",)
    package = "bjoern"

    def run(self, handler: WSGIApp) -> None:
        """Serve until Ctrl-C."""
        bjoern = self.import_module("bjoern")
        bjoern.listen(handler, self.host, self.port, **self.options)
        self.bound()
        bjoern.run()


class MeinheldServer(ServerAdapter):
    """meinheld: a greenlet-based C server."""

    name = "meinheld"
    modules: ClassVar[tuple[str, ...]] = ("meinheld.server",)
    package = "meinheld"

    def run(self, handler: WSGIApp) -> None:
        """Serve until Ctrl-C."""
        server = self.import_module("meinheld.server")
        server.listen((self.host, self.port))
        self.bound()
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
            self.bound()

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
            self.bound()
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
        options["start_loop"] = False  # serve() then binds and returns the server
        server = httpserver.serve(handler, host=self.host, port=str(self.port), **options)
        self.bound()
        server.serve_forever()
