"""Type-checked by mypy and pyright: the servers wing as users write an adapter for it."""

from __future__ import annotations

from collections.abc import Callable

from typing_extensions import assert_type

from lcore import Lcore
from lcore.servers import (
    LISTEN_BACKLOG,
    WSGIREF_THREADS,
    ServerAdapter,
    ServerStartError,
    run,
    waitress_connection_limit,
)


class MyServer(ServerAdapter):
    """Serves nothing; says it listens, as a real adapter does once bound."""

    name = "mine"

    def run(self, handler: Callable[..., object]) -> None:
        del handler
        self.port = 8123
        self.bound()


def serve(app: Lcore) -> int:
    try:
        run(app, server=MyServer, quiet=True, threads=WSGIREF_THREADS, backlog=LISTEN_BACKLOG)
    except ServerStartError as exc:
        assert_type(exc.message, str)
        return 2
    return 0


assert_type(MyServer().is_bound, bool)
assert_type(waitress_connection_limit(), int)
assert_type(serve(Lcore()), int)
