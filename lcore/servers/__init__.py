"""The servers wing: :func:`run` and shutdown (``serving``), the adapter base and the
standard library's adapters (``base``), and other packages' adapters (``external``).

Import from here (``from lcore.servers import ServerAdapter, run``); the submodules are
an internal split. ``lcore.run()``, ``Lcore.run()`` and the CLI look ``run`` up on this
package when called.
"""

from __future__ import annotations

from .base import (
    CONNECTION_TIMEOUT,
    SHUTDOWN_TIMEOUT,
    CGIServer,
    ServerAdapter,
    ServerPackageMissing,
    WSGIRefServer,
)
from .external import (
    BjoernServer,
    CherootServer,
    EventletServer,
    GeventServer,
    GunicornServer,
    MeinheldServer,
    PasteServer,
    TornadoServer,
    TwistedServer,
    WaitressServer,
)
from .serving import (
    AutoServer,
    make_adapter,
    on_shutdown,
    run,
    run_shutdown_callbacks,
    server_names,
)

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
