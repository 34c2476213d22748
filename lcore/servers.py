"""Server adapters and :func:`run`. The default is a threaded wsgiref server for
development; production servers are adapters over optional packages."""

from __future__ import annotations

import contextlib
import sys
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any, ClassVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from ._wsgi import WSGIApp

if TYPE_CHECKING:
    from .app import Lcore

__all__ = ["ServerAdapter", "WSGIRefServer", "run", "server_names"]


class ServerAdapter:
    """Base class of server adapters: ``run(app)`` serves until interrupted.

    Args:
        host: Interface to bind.
        port: TCP port.
        **options: Server-specific options.
    """

    quiet: bool = False
    name: ClassVar[str] = ""
    host: str
    #: The bound port; adapters update it once the server is listening (for port 0).
    port: int
    options: dict[str, Any]

    def __init__(self, host: str = "127.0.0.1", port: int = 8080, **options: Any) -> None:
        self.host = host
        self.port = int(port)
        self.options = options

    def run(self, handler: WSGIApp) -> None:
        """Serve ``handler`` until stopped."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(host={self.host!r}, port={self.port})"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        del code, size


class WSGIRefServer(ServerAdapter):
    """The standard library's wsgiref, one thread per connection (development only)."""

    name = "wsgiref"

    def run(self, handler: WSGIApp) -> None:
        """Serve until interrupted."""
        handler_class = _QuietHandler if self.quiet else WSGIRequestHandler
        server = make_server(
            self.host,
            self.port,
            handler,
            server_class=_ThreadingWSGIServer,
            handler_class=handler_class,
        )
        self.port: int = server.server_port
        try:
            server.serve_forever()
        finally:
            server.server_close()


server_names: dict[str, type[ServerAdapter]] = {"wsgiref": WSGIRefServer}


def run(
    app: Lcore | WSGIApp | None = None,
    server: str | ServerAdapter | type[ServerAdapter] = "wsgiref",
    host: str = "127.0.0.1",
    port: int = 8080,
    quiet: bool = False,
    debug: bool | None = None,
    **kwargs: Any,
) -> None:
    """Serve ``app`` with a server adapter until interrupted.

    Args:
        app: The app (the default app when omitted).
        server: An adapter name from :data:`server_names`, class or instance.
        host: Interface to bind.
        port: TCP port.
        quiet: Print no banner or access log.
        debug: Turn on debug mode (detailed error pages).
        **kwargs: Options for the adapter.

    Raises:
        ValueError: Unknown server name.
    """
    from .app import Lcore

    if app is None:
        from . import default_app

        app = default_app()
    if isinstance(app, Lcore):
        from .config import load_dotenv

        load_dotenv()
        if debug is not None:
            app.config["debug"] = debug
    if isinstance(server, str):
        if server not in server_names:
            raise ValueError(f"unknown server {server!r}; known: {', '.join(server_names)}")
        adapter: ServerAdapter = server_names[server](host=host, port=port, **kwargs)
    elif isinstance(server, type):
        adapter = server(host=host, port=port, **kwargs)
    else:
        adapter = server
    adapter.quiet = quiet
    if not quiet:
        print(
            f"lcore serving on http://{adapter.host}:{adapter.port}/ (Ctrl-C to stop)",
            file=sys.stderr,
        )
    with contextlib.suppress(KeyboardInterrupt):
        adapter.run(app)
