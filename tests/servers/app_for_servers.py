"""The app that tests/servers/ serves under each real server, in a subprocess.

It prints markers to stdout (flushed) that the tests wait for: when a slow request has
started, and what ran at shutdown.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

from lcore import Lcore, on_shutdown, request

app = Lcore()


@app.get("/hello")
def hello() -> str:
    """Say hello as text."""
    return "Hello, servers!"


@app.post("/echo")
def echo() -> dict[str, Any]:
    """Echo a JSON body."""
    return {"echo": request.json}


@app.get("/stream")
def stream() -> Iterator[str]:
    """Stream five chunks from a generator."""
    for number in range(5):
        yield f"chunk {number}\n"


@app.get("/slow")
def slow() -> str:
    """Answer after a pause, long enough to be in flight when the server is stopped."""
    print("slow started", flush=True)
    time.sleep(float(request.query.get("seconds") or 1))
    return "slow done"


class ClosingPlugin:
    """A plugin whose close() shows that app.close() ran at shutdown."""

    name = "closing"
    api = 2

    def apply(self, callback: Any, route: Any) -> Any:
        del route
        return callback

    def close(self) -> None:
        print("plugin closed", flush=True)


app.install(ClosingPlugin())


@on_shutdown
def first_registered() -> None:
    print("on_shutdown first-registered", flush=True)


@on_shutdown
async def last_registered() -> None:
    await asyncio.sleep(0)
    print("on_shutdown last-registered", flush=True)
