"""A service behind nginx with the whole stack of built-in middleware: proxy headers,
request ids, an access log, CORS for its web front end, security headers, compression, a
deadline, and work done after the answer is sent.

Run ``python -m lcore examples/service_stack.py -b 127.0.0.1:8080`` and try
``curl -si -H 'Accept-Encoding: gzip' -H 'Origin: https://shop.example'
http://127.0.0.1:8080/items``. tests/test_service_stack.py serves it with a real server.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from lcore import (
    CompressionMiddleware,
    CORSMiddleware,
    Lcore,
    ProxyFixMiddleware,
    RequestIDMiddleware,
    RequestLoggerMiddleware,
    SecurityHeadersMiddleware,
    TimeoutMiddleware,
    ctx,
    request,
)


@dataclass
class Item:
    """An item of the catalogue."""

    id: int
    name: str
    description: str


CATALOGUE = [
    Item(i, f"item {i}", "A thing the shop sells, described at some length. " * 3)
    for i in range(1, 51)
]

# The access log to the process's output, one JSON line per request.
access = logging.getLogger("lcore.access")
access.setLevel(logging.INFO)
access.addHandler(logging.StreamHandler())

app = Lcore()
app.config["error.format"] = "json"
app.use(ProxyFixMiddleware(num_proxies=1))  # nginx in front, on the same host
app.use(RequestIDMiddleware())
app.use(RequestLoggerMiddleware())  # one JSON line per request on the lcore.access logger
app.use(CORSMiddleware(allow_origins=["https://shop.example"], expose_headers=["X-Request-ID"]))
app.use(SecurityHeadersMiddleware(hsts=True))
app.use(CompressionMiddleware(min_size=512))
app.use(TimeoutMiddleware(timeout=10))


@app.get("/items")
def items() -> list[Item]:
    """The whole catalogue (compressed when the client accepts it)."""
    return CATALOGUE


#: Orders recorded after their answers were sent (a real service would email, index...).
RECORDED: list[str] = []


def record(order_id: str) -> None:
    RECORDED.append(order_id)


@app.post("/orders/<order_id>")
def order(order_id: str) -> dict[str, str]:
    """Accept an order at once; record it after the answer has gone out."""
    ctx.after_response(record, order_id)
    return {"accepted": order_id}


@app.get("/recorded")
def recorded() -> list[str]:
    """What was recorded so far."""
    return RECORDED


@app.get("/whoami")
def whoami() -> dict[str, str]:
    """The client as the proxy saw it, and this request's id."""
    return {"client": request.remote_addr or "", "request_id": ctx.request_id or ""}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
