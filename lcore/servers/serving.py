"""Serve an app: :func:`run` picks an adapter (:data:`server_names`, :class:`AutoServer`),
stops it cleanly on SIGINT or SIGTERM and runs the :func:`on_shutdown` callbacks.

The adapters live beside this module: :mod:`lcore.servers.base` (the base),
:mod:`lcore.servers.stdlib` (the standard library's), :mod:`lcore.servers.external` (the
``servers`` extra's) and :mod:`lcore.servers.others` (servers installed by hand). Only the standard
library is imported; an adapter imports its server package inside its ``run()``, so
``import lcore`` never pays for (or needs) a server.
"""

from __future__ import annotations

import _thread
import functools
import importlib
import inspect
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .._wsgi import WSGIApp
from ..concurrency import run_coroutine
from .base import ServerAdapter, ServerStartError
from .external import CherootServer, GeventServer, GunicornServer, WaitressServer
from .others import (
    BjoernServer,
    EventletServer,
    MeinheldServer,
    PasteServer,
    TornadoServer,
    TwistedServer,
)
from .stdlib import CGIServer, WSGIRefServer

if TYPE_CHECKING:
    from ..app import Lcore
    from ..reloader import FileCheckerThread

__all__ = [
    "AutoServer",
    "make_adapter",
    "on_shutdown",
    "run",
    "run_shutdown_callbacks",
    "server_names",
]

C = TypeVar("C", bound=Callable[[], object])


def _log() -> logging.Logger:
    return logging.getLogger("lcore")


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
    while _shutdown_callbacks:
        callback = _shutdown_callbacks.pop()
        try:
            result = callback()
            if inspect.isawaitable(result):
                run_coroutine(_await(result))
        except Exception:
            _log().exception("on_shutdown callback %r failed", callback)


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


def _address(adapter: ServerAdapter) -> str:
    host = f"[{adapter.host}]" if ":" in adapter.host else adapter.host
    return f"{host}:{adapter.port}"


def _reason(exc: BaseException) -> str:
    """One line for why a server could not start: ``Address already in use``, not
    ``[Errno 98] Address already in use``."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


class _Serving:
    """One :func:`run`: its signal handlers, stop requests and shutdown steps."""

    def __init__(self, adapter: ServerAdapter, app: WSGIApp, debug: bool = False) -> None:
        self.adapter = adapter
        self.app = app
        self.debug = debug
        self.pid = os.getpid()
        self.exit_status = 0
        self.stopping = False
        self.handles_signals = False

    def serve(self, watch_interval: float | None) -> None:
        previous = self._install_signal_handlers()
        watcher: FileCheckerThread | None = None
        try:
            if watch_interval is not None:
                from ..reloader import start_file_watcher

                watcher = start_file_watcher(watch_interval, self.reload)
            self.adapter.run(self.app)
        except KeyboardInterrupt:
            pass
        except ServerStartError as exc:
            self._report(exc, exc)
            raise
        except (OSError, ImportError) as exc:
            # Raised before the server listens: it never started, which is one line.
            if self.adapter.is_bound or os.getpid() != self.pid:
                raise
            failure = ServerStartError(f"cannot serve on {_address(self.adapter)}: {_reason(exc)}")
            self._report(failure, exc)
            raise failure from None
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

    def _report(self, failure: ServerStartError, cause: BaseException) -> None:
        if self.debug:
            import traceback

            traceback.print_exception(cause)
        print(f"lcore: error: {failure.message}", file=sys.stderr, flush=True)

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
        from ..reloader import RELOAD_EXIT_CODE

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
        from ..app import Lcore

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
    reloader: bool | None = None,
    quiet: bool = False,
    plugins: Sequence[object] | None = None,
    debug: bool | None = None,
    config: dict[str, Any] | None = None,
    **kargs: Any,
) -> None:
    """Serve ``app`` until SIGINT or SIGTERM, then stop cleanly.

    Loads ``./.env`` first. The banner (unless ``quiet``) is printed once the server
    listens. On a signal the server stops accepting, in-flight requests
    finish (bounded by the adapter's ``shutdown_timeout``), :func:`on_shutdown` callbacks
    run and ``app.close()`` is called. ``debug=True`` also turns the reloader on, unless
    ``reloader=False`` is passed (the getting-started contract).

    Args:
        app: An app, a ``"module:attr"`` import string, or None for the default app.
        server: A name from :data:`server_names`, an adapter class or instance, or a
            ``"module:Class"`` import string.
        host: Interface to bind.
        port: TCP port.
        interval: Seconds between the reloader's checks for changed files.
        reloader: Restart the process when a loaded module's file changes; by default
            on with ``debug=True`` and off otherwise.
        quiet: No banner and no access log.
        plugins: Plugins (objects or ``"module:attr"`` strings) to install on the app.
        debug: Set the app's ``debug`` config key.
        config: Keys merged into the app's config (nested dicts become dotted keys).
        **kargs: Options for the adapter.

    Raises:
        ValueError: An unknown server name.
        TypeError: ``plugins``, ``config`` or ``debug`` given for an app that is not an
            Lcore app.
        ServerStartError: The server could not start (its port in use, a host that
            cannot be bound, its package missing, a failed boot): one
            ``lcore: error: ...`` line is printed first, and uncaught it exits with status 2.
        SystemExit: In the reloader's parent (with the last child's status), or with
            status 3 (``lcore.reloader.RELOAD_EXIT_CODE``) after a file changed.
    """
    from ..app import Lcore
    from ..config import load_dotenv

    if (
        app is not None
        and not isinstance(app, str | Lcore)
        and (plugins or config or debug is not None)
    ):
        raise TypeError("plugins, config and debug need an Lcore app")
    if reloader is None:
        reloader = bool(debug)
    if reloader:
        from ..reloader import is_reloader_child, run_reloader_parent

        if not is_reloader_child():
            raise SystemExit(run_reloader_parent(interval))
    load_dotenv()
    if app is None:
        from ..defaults import default_app

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
        adapter.on_bound = functools.partial(_print_banner, adapter)
    debugging = isinstance(application, Lcore) and application.debug
    _Serving(adapter, application, debugging).serve(interval if reloader else None)


def _print_banner(adapter: ServerAdapter) -> None:
    print(
        f"lcore serving on http://{_address(adapter)}/ with {adapter.name} (Ctrl-C to stop)",
        file=sys.stderr,
        flush=True,
    )
