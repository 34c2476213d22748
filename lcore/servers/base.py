"""The server adapter base, :class:`ServerAdapter`, the limits and timeouts every adapter
defaults to, and the errors of starting a server.

Imports nothing of lcore but the WSGI types: the adapter modules build on this one.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Generator
from types import ModuleType
from typing import Any, ClassVar

from .._wsgi import WSGIApp

__all__ = [
    "CONNECTION_TIMEOUT",
    "LISTEN_BACKLOG",
    "SHUTDOWN_TIMEOUT",
    "ServerAdapter",
    "ServerPackageMissing",
    "ServerStartError",
]

#: Seconds a connection may stay silent (idle keep-alive, or a request arriving too slowly)
#: before the server drops it. Passed to every server that has such a setting.
CONNECTION_TIMEOUT = 30
#: Seconds a clean shutdown waits for in-flight requests before it gives up on them.
SHUTDOWN_TIMEOUT = 10
#: Connections the kernel may hold for the server before it accepts them (the listen
#: backlog). A burst of clients that overflows it sees resets or slow retries.
LISTEN_BACKLOG = 1024


class ServerPackageMissing(ImportError):
    """The package a server adapter needs is not installed."""


class ServerStartError(SystemExit):
    """The server could not start: its port is in use, its host cannot be bound, its
    package is missing, or it failed to boot.

    :func:`lcore.servers.run` prints ``lcore: error: <message>`` to stderr and raises this
    (an adapter may raise it too, for a failure that is neither an ``OSError`` nor an
    ``ImportError``). Left uncaught, it ends the program with status 2 and no traceback.

    Args:
        message: What went wrong, in one line.
    """

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message

    def __str__(self) -> str:
        return self.message


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
    #: Whether :meth:`bound` was called: the server listens.
    is_bound: bool = False
    #: Called once by :meth:`bound`; :func:`lcore.servers.run` sets it to print the banner.
    on_bound: Callable[[], object] | None = None

    def __init__(self, host: str = "127.0.0.1", port: int = 8080, **options: Any) -> None:
        self.host = host
        self.port = int(port)
        self.options = options

    def run(self, handler: WSGIApp) -> None:
        """Serve ``handler`` until stopped; return once stopped. Call :meth:`bound` as
        soon as the server listens."""
        raise NotImplementedError

    def bound(self) -> None:
        """Say that the server is bound and listening (with ``port`` the real port).

        An adapter calls this once from :meth:`run`, after binding and before serving:
        :func:`lcore.servers.run` prints its banner then, and treats an ``OSError`` or
        ``ImportError`` raised before it as a failure to start.
        """
        if self.is_bound:
            return
        self.is_bound = True
        if self.on_bound is not None:
            self.on_bound()

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
