"""What the single-feature bench scripts share (``cors.py``, ``compression.py``,
``middleware.py``): a GET environ and a timed batch of WSGI calls on the thread's clock."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from typing import Any

WSGI = Callable[..., Iterable[bytes]]


def get_environ(path: str, method: str = "GET", **headers: str) -> dict[str, Any]:
    """A request for ``path`` on localhost; ``headers`` are environ keys (``HTTP_ORIGIN``)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "wsgi.url_scheme": "http",
    }
    environ.update(headers)
    return environ


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    del status, headers, exc_info


def batch(app: WSGI, environ: dict[str, Any], n: int) -> float:
    """Seconds of thread CPU time per request over ``n`` calls with copies of ``environ``
    (the body read to its end and closed, as a server does)."""
    environs = [dict(environ, **{"wsgi.input": io.BytesIO(b"")}) for _ in range(n)]
    started = time.thread_time()
    for each in environs:
        body = app(each, start_response)
        for _chunk in body:
            pass
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return (time.thread_time() - started) / n
