"""Adapters for the servers of the ``servers`` extra: waitress (with deadlines on slow
clients and a draining stop), gunicorn, cheroot and gevent.

Each adapter imports its server package inside its ``run()``, so importing this module
needs none of them. Servers installed by hand are in :mod:`lcore.servers.others`.
"""

from __future__ import annotations

import functools
import math
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from .._wsgi import WSGIApp
from .base import (
    CONNECTION_TIMEOUT,
    LISTEN_BACKLOG,
    SHUTDOWN_TIMEOUT,
    ServerAdapter,
    ServerStartError,
)

if TYPE_CHECKING:
    from gunicorn.arbiter import Arbiter
    from waitress.channel import HTTPChannel
    from waitress.server import BaseWSGIServer

__all__ = [
    "WAITRESS_BODY_STEP",
    "WAITRESS_CONNECTION_LIMIT",
    "CherootServer",
    "GeventServer",
    "GunicornServer",
    "WaitressServer",
    "waitress_connection_limit",
]

# -- waitress -----------------------------------------------------------------------------

#: The highest file descriptor number ``select()`` can watch, plus one (FD_SETSIZE).
_SELECT_FD_LIMIT = 1024
#: Descriptors kept for everything else the process opens.
_OTHER_FILES = 64
#: The most connections waitress keeps open under lcore: waitress's own default is 100,
#: which 100 slow clients use up. Each connection may hold a socket and a temporary file
#: (a large body), so 480 is as many as ``select()`` can watch; past it waitress needs
#: ``poll()``, which its loop rebuilds on every turn (a third fewer requests per second
#: with 20 keep-alive clients, wrk against /hello), so a larger ``connection_limit``
#: turns ``poll()`` on only where it is asked for.
WAITRESS_CONNECTION_LIMIT = (_SELECT_FD_LIMIT - _OTHER_FILES) // 2
#: Bytes of a request body that must arrive within each ``channel_timeout`` under waitress.
WAITRESS_BODY_STEP = 65536


def waitress_connection_limit() -> int:
    """The ``connection_limit`` the waitress adapter passes by default:
    :data:`WAITRESS_CONNECTION_LIMIT`, lowered to half the open-file limit less 64 where
    that is smaller (a connection can hold a socket and a temporary file), but never
    below waitress's own 100."""
    try:
        import resource
    except ImportError:  # Windows
        return WAITRESS_CONNECTION_LIMIT
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return WAITRESS_CONNECTION_LIMIT
    return max(100, min(WAITRESS_CONNECTION_LIMIT, (soft - _OTHER_FILES) // 2))


def _waitress_needs_poll(connection_limit: int) -> bool:
    """Whether waitress must use ``poll()``: only where the connections allowed could
    take descriptors past ``select()``'s limit (and the system has ``poll()``)."""
    import select

    needed = connection_limit * 2 + _OTHER_FILES
    return needed > _SELECT_FD_LIMIT and hasattr(select, "poll")


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

        def expired(self) -> bool:
            """Its head or body step is late, or it has been idle ``timeout`` seconds."""
            if self.requests:
                return False
            if self.read_deadline:
                return time.monotonic() > self.read_deadline
            idle_since = self.last_activity
            return not self.total_outbufs_len and time.time() - idle_since > timeout

        def idle(self) -> bool:
            """No request in flight, no answer being sent, no head begun."""
            pending = self.request
            return (
                not self.requests
                and not self.total_outbufs_len
                and (pending is None or not pending.headers_finished)
            )

    return Channel


class _DeadlineChannel(Protocol):
    will_close: bool

    def expired(self) -> bool: ...


def _sweep_late_channels(
    listener: BaseWSGIServer, channel_class: type[HTTPChannel]
) -> Callable[[float], None]:
    """The listener's periodic maintenance (``cleanup_interval``), which also closes the
    channels whose deadlines passed. (Checked there, not in each channel's ``readable()``
    on every turn of the loop: that cost a third of waitress's requests per second.)"""
    cleanup = listener.maintenance

    def maintenance(now: float) -> None:
        cleanup(now)
        for channel in list(listener.active_channels.values()):
            if isinstance(channel, channel_class):
                late = cast("_DeadlineChannel", channel)
                if late.expired():
                    late.will_close = True  # writable() says so; handle_write() closes it

    return maintenance


class WaitressServer(ServerAdapter):
    """Waitress: pure-Python, threaded, for Windows and Unix.

    Options: any ``waitress.create_server`` setting (``threads``, ``channel_timeout``,
    ``connection_limit``, ``trusted_proxy``...), plus ``shutdown_timeout``. lcore's
    defaults: ``channel_timeout`` :data:`~lcore.servers.CONNECTION_TIMEOUT`, also the
    deadline for a request head and each 64 KiB of a body; ``connection_limit`` from
    :func:`waitress_connection_limit`; ``backlog`` :data:`~lcore.servers.LISTEN_BACKLOG`;
    ``asyncore_use_poll`` only for a ``connection_limit`` that ``select()`` cannot watch;
    ``cleanup_interval`` (how often late clients are looked for) half the timeout.

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
        )
        options.setdefault(
            "asyncore_use_poll", _waitress_needs_poll(int(options["connection_limit"]))
        )
        timeout = float(options["channel_timeout"])
        options.setdefault("cleanup_interval", max(1, min(30, int(timeout / 2))))
        shutdown_timeout = float(options.pop("shutdown_timeout", SHUTDOWN_TIMEOUT))
        socket_map: dict[int, Any] = {}
        server = create_server(handler, map=socket_map, host=self.host, port=self.port, **options)
        listeners = [d for d in socket_map.values() if isinstance(d, BaseWSGIServer)]
        channel_class = _waitress_channel(timeout)
        for listener in listeners:
            listener.channel_class = channel_class
            setattr(listener, "maintenance", _sweep_late_channels(listener, channel_class))  # noqa: B010 - this listener only
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
                channel.draining = True  # its answer says "Connection: close"
                if channel.idle():
                    channel.will_close = True  # closed on the loop's next turn

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
        interrupted = False
        try:
            self.bound()
            # NOTE: the loop of waitress's own run(), which answers Ctrl-C by waiting 5 s
            # more for busy threads; here a second signal means "stop waiting".
            adj = server.adj
            wasyncore.loop(
                timeout=adj.asyncore_loop_timeout, map=socket_map, use_poll=adj.asyncore_use_poll
            )
        except KeyboardInterrupt:
            interrupted = True
            wasyncore.close_all(socket_map)
            raise
        finally:
            self._drain = None
            left = max(0.0, min(shutdown_timeout, deadline - time.monotonic()))
            server.task_dispatcher.shutdown(cancel_pending=True, timeout=0 if interrupted else left)

    def shutdown(self) -> bool:
        """Drain and close from a helper thread; the loop ends when its map is empty."""
        drain = self._drain
        if drain is None:
            return False
        threading.Thread(target=drain, name="lcore-shutdown", daemon=True).start()
        return True


# -- gunicorn, cheroot, gevent ------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    """The first line of an exception's message, followed by its cause's when it ends in
    a colon (gunicorn wraps an import error in a message that does)."""
    text = str(exc).strip()
    line = text.splitlines()[0].rstrip() if text else type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    if line.endswith(":") and cause is not None:
        return f"{line} {_one_line(cause)}"
    return line


def _check_bindable(host: str, port: int) -> None:
    """Bind the address and let it go, so that a port in use or a host that cannot be
    bound fails at once (gunicorn would log it and retry for five seconds, then exit).

    Raises:
        OSError: The address cannot be bound.
    """
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)


class GunicornServer(ServerAdapter):
    """Gunicorn, embedded: a pre-fork master and workers (Unix only).

    Options: any gunicorn setting (``workers``, ``worker_class``, ``threads``,
    ``timeout``...); ``shutdown_timeout`` is gunicorn's ``graceful_timeout``. Signals are
    gunicorn's own: SIGTERM and SIGINT (to the master) stop gracefully, a second SIGINT
    at once. :func:`lcore.on_shutdown` callbacks run in the master, not in the workers.
    A bad setting, a worker class that cannot be loaded, or workers that fail to boot
    raise :class:`~lcore.servers.ServerStartError`.
    """

    name = "gunicorn"
    modules: ClassVar[tuple[str, ...]] = ("gunicorn.app.base",)
    package = "gunicorn"
    extra = "servers"

    def _settings(self) -> dict[str, Any]:
        options = dict(self.options)
        if "shutdown_timeout" in options:
            options["graceful_timeout"] = options.pop("shutdown_timeout")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return {
            "bind": f"{host}:{self.port}",
            "timeout": CONNECTION_TIMEOUT,
            "graceful_timeout": SHUTDOWN_TIMEOUT,
            "keepalive": 5,
            **({"loglevel": "warning"} if self.quiet else {}),
            **options,
        }

    def _ready(self, arbiter: Arbiter, then: object) -> None:
        """gunicorn's ``when_ready``: the master listens (then the user's own hook)."""
        listeners = arbiter.LISTENERS
        address: tuple[Any, ...] | str | None = listeners[0].getsockname() if listeners else None
        if isinstance(address, tuple):
            self.port: int = int(address[1])
        self.bound()
        if callable(then):
            then(arbiter)

    def run(self, handler: WSGIApp) -> None:
        """Run the gunicorn master until it stops.

        Raises:
            TypeError: An option that is not a gunicorn setting.
            ServerStartError: gunicorn could not start (see the class).
        """
        with self.requires():
            from gunicorn.app.base import BaseApplication
            from gunicorn.arbiter import Arbiter
            from gunicorn.config import Config
        settings = self._settings()
        unknown = sorted(set(settings) - set(Config().settings))
        if unknown:
            raise TypeError(f"unknown gunicorn setting(s): {', '.join(unknown)}")
        if "bind" not in self.options and not self.options.get("reuse_port"):
            _check_bindable(self.host, self.port)  # (a shared port is gunicorn's to check)
        settings["when_ready"] = functools.partial(self._ready, then=settings.get("when_ready"))
        failures: list[str] = []

        class EmbeddedApplication(BaseApplication):
            def do_load_config(self) -> None:
                # gunicorn's own prints a bad setting and exits; here it is one lcore line.
                try:
                    self.load_default_config()
                    self.load_config()
                    validate = getattr(self.cfg, "validate", None)
                    if callable(validate):
                        validate()
                except Exception as exc:
                    raise ServerStartError(f"bad gunicorn setting: {_one_line(exc)}") from exc

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

            def halt(self, reason: str | None = None, exit_status: int = 0) -> None:
                if exit_status in (self.WORKER_BOOT_ERROR, self.APP_LOAD_ERROR):
                    failures.append(reason or f"exit status {exit_status}")
                super().halt(reason, exit_status)

        try:
            arbiter = GracefulArbiter(EmbeddedApplication())
        except Exception as exc:  # the worker class, say, cannot be loaded
            raise ServerStartError(f"gunicorn could not start: {_one_line(exc)}") from exc
        try:
            arbiter.run()
        except SystemExit:
            if failures:  # only the master halts; a worker exits with its own status
                raise ServerStartError(f"gunicorn could not start: {failures[0]}") from None
            raise


class CherootServer(ServerAdapter):
    """Cheroot (CherryPy's server): pure-Python, threaded.

    Options: any ``cheroot.wsgi.Server`` argument (``numthreads``, ``timeout``,
    ``shutdown_timeout``, ``request_queue_size``, the listen backlog:
    :data:`~lcore.servers.LISTEN_BACKLOG` here, 5 in cheroot...).
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
        options = self.take_options(
            timeout=CONNECTION_TIMEOUT,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            request_queue_size=LISTEN_BACKLOG,
        )
        server = Server((self.host, self.port), handler, **options)
        server.prepare()
        self.port: int = server.socket.getsockname()[1]
        stopper = threading.Thread(target=server.stop, name="lcore-shutdown", daemon=True)
        self._stop = stopper.start
        try:
            self.bound()
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
    def start(self) -> None: ...
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
            server.start()  # binds and listens; serve_forever() then only waits
            self.bound()
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
