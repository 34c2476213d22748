"""Adapters for servers from other packages: the ``servers`` extra (waitress, gunicorn,
cheroot, gevent) and those installed by hand (eventlet, bjoern, meinheld, tornado,
twisted, paste).

Each adapter imports its server package inside its ``run()``, so importing this module
needs none of them.
"""

from __future__ import annotations

import contextlib
import functools
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from .._wsgi import StartResponse, WSGIApp, WSGIEnviron
from .base import CONNECTION_TIMEOUT, LISTEN_BACKLOG, SHUTDOWN_TIMEOUT, ServerAdapter

if TYPE_CHECKING:
    from waitress.channel import HTTPChannel

__all__ = [
    "WAITRESS_BODY_STEP",
    "WAITRESS_CONNECTION_LIMIT",
    "BjoernServer",
    "CherootServer",
    "EventletServer",
    "GeventServer",
    "GunicornServer",
    "MeinheldServer",
    "PasteServer",
    "TornadoServer",
    "TwistedServer",
    "WaitressServer",
    "waitress_connection_limit",
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


# -- production servers in the "servers" extra --------------------------------------------


#: The most connections waitress keeps open under lcore (waitress's own default is 100,
#: which 100 slow clients use up). Lowered to what ``select()`` or the open-file limit
#: can take; see :func:`waitress_connection_limit`.
WAITRESS_CONNECTION_LIMIT = 1000
#: Bytes of a request body that must arrive within each ``channel_timeout`` under waitress.
WAITRESS_BODY_STEP = 65536


def waitress_connection_limit() -> int:
    """The ``connection_limit`` the waitress adapter passes by default:
    :data:`WAITRESS_CONNECTION_LIMIT`, lowered to 500 where there is no ``poll()`` (on
    Windows ``select()`` takes at most 512 sockets), and to half the open-file limit
    less 64 (a connection can hold a socket and a temporary file for a large body), but
    never below waitress's own 100."""
    import select

    limit = WAITRESS_CONNECTION_LIMIT if hasattr(select, "poll") else 500
    try:
        import resource
    except ImportError:  # Windows
        return limit
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return limit
    return max(100, min(limit, (soft - 64) // 2))


def _waitress_channel(timeout: float) -> type[HTTPChannel]:
    """waitress's channel with deadlines on slow clients and a draining mode.

    A request head must arrive within ``timeout`` seconds of its first byte, and its
    body :data:`WAITRESS_BODY_STEP` bytes at a time within ``timeout`` each; a connection
    idle that long is closed too. (waitress's ``channel_timeout`` alone is renewed by
    every byte, so a client trickling bytes is never dropped.) Once :attr:`draining` is
    set, a connection with no request in flight closes, and the response of one in flight
    says ``Connection: close``.
    """
    from waitress.channel import HTTPChannel
    from waitress.task import WSGITask

    class DrainingTask(WSGITask):
        def build_response_header(self) -> bytes:
            if cast("Channel", self.channel).draining:
                # waitress then answers "Connection: close" and closes once it is sent.
                self.request.headers["CONNECTION"] = "close"
            return super().build_response_header()

    class Channel(HTTPChannel):
        task_class = DrainingTask
        draining = False
        #: time.monotonic() by which the pending head, or the next step of its body,
        #: must have arrived; 0 when no request is partly received.
        read_deadline = 0.0
        body_bytes = 0

        def received(self, data: bytes) -> bool:
            before = self.request
            head_was_done = before is not None and before.headers_finished
            result = super().received(data)
            pending = self.request
            if pending is None:
                self.read_deadline = 0.0
            elif pending is not before or (pending.headers_finished and not head_was_done):
                self._restart_clock()  # a new head, or the end of one
            elif pending.headers_finished:
                self.body_bytes += len(data)
                if self.body_bytes >= WAITRESS_BODY_STEP:
                    self._restart_clock()
            return result

        def _restart_clock(self) -> None:
            self.read_deadline = time.monotonic() + timeout
            self.body_bytes = 0

        def service(self) -> None:
            super().service()
            if self.request is not None:  # pipelined behind the one just served
                self._restart_clock()

        def _expired(self) -> bool:
            if self.requests:
                return False
            if self.read_deadline:
                return time.monotonic() > self.read_deadline
            idle_since = self.last_activity
            return not self.total_outbufs_len and time.time() - idle_since > timeout

        def _idle(self) -> bool:
            pending = self.request
            return (
                not self.requests
                and not self.total_outbufs_len
                and (pending is None or not pending.headers_finished)
            )

        def readable(self) -> bool:
            # NOTE: the loop asks every channel this at least once a second, before poll.
            if self._expired() or (self.draining and self._idle()):
                self.will_close = True  # writable() says so; handle_write() closes it
                return False
            return super().readable()

    return Channel


class WaitressServer(ServerAdapter):
    """Waitress: pure-Python, threaded, for Windows and Unix.

    Options: any ``waitress.create_server`` setting (``threads``, ``channel_timeout``,
    ``connection_limit``, ``trusted_proxy``...), plus ``shutdown_timeout``. lcore's
    defaults: ``channel_timeout`` :data:`~lcore.servers.CONNECTION_TIMEOUT`, also the
    deadline for a request head and each 64 KiB of a body; ``connection_limit`` from
    :func:`waitress_connection_limit`; ``backlog`` :data:`~lcore.servers.LISTEN_BACKLOG`;
    ``asyncore_use_poll`` on (``select()`` cannot watch more than 1024 sockets).

    A stop closes the listening sockets and every connection with no request in flight
    at once; requests in flight finish (their responses say ``Connection: close``) within
    ``shutdown_timeout``, and their connections close as each is sent.
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
        options = self.take_options(
            channel_timeout=CONNECTION_TIMEOUT,
            connection_limit=waitress_connection_limit(),
            backlog=LISTEN_BACKLOG,
            asyncore_use_poll=True,
        )
        shutdown_timeout = float(options.pop("shutdown_timeout", SHUTDOWN_TIMEOUT))
        socket_map: dict[int, Any] = {}
        server = create_server(handler, map=socket_map, host=self.host, port=self.port, **options)
        listeners = [d for d in socket_map.values() if isinstance(d, BaseWSGIServer)]
        channel_class = _waitress_channel(float(options["channel_timeout"]))
        for listener in listeners:
            listener.channel_class = channel_class
        if isinstance(server, BaseWSGIServer):
            self.port: int = server.effective_port
        pull = next(d for d in socket_map.values() if isinstance(d, trigger)).pull_trigger
        deadline = math.inf

        def channels() -> list[Any]:
            return [d for d in list(socket_map.values()) if isinstance(d, HTTPChannel)]

        def stop_accepting() -> None:  # in the loop's thread, like everything on the map
            for listener in listeners:
                wasyncore.dispatcher.close(listener)  # the socket only, not the trigger
            for channel in channels():
                channel.draining = True  # idle ones close on the loop's next turn

        def close_all() -> None:
            for dispatcher in list(socket_map.values()):
                if isinstance(dispatcher, HTTPChannel):
                    dispatcher.handle_close()
                else:
                    dispatcher.close()

        def drain() -> None:
            nonlocal deadline
            deadline = time.monotonic() + shutdown_timeout
            pull(stop_accepting)
            while channels() and time.monotonic() < deadline:
                time.sleep(0.05)
            pull(close_all)  # an empty map ends the loop

        self._drain = drain
        try:
            self.bound()
            server.run()
        finally:
            self._drain = None
            left = max(0.0, min(shutdown_timeout, deadline - time.monotonic()))
            server.task_dispatcher.shutdown(cancel_pending=True, timeout=left)

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
    at once. :func:`lcore.on_shutdown` callbacks run in the master, not in the workers.
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
