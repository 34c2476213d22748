"""ctx.after_response: work run on the app's pool once the server has sent the answer
(after the last byte, streamed bodies too), never delaying the client, its failures
logged with the request id. Checked through a real wsgiref server."""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from lcore import Lcore, RequestContext, RequestIDMiddleware, TestClient, ctx
from lcore.context import current_context

WAIT = 10.0


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


class Served:
    """``app`` under wsgiref's server in a thread, on a free port."""

    def __init__(self, app: Lcore) -> None:
        self.server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        return self

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.server_port, timeout=WAIT)
        try:
            connection.request("GET", path, headers=headers or {})
            reply = connection.getresponse()
            return reply.status, reply.read()
        finally:
            connection.close()

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(WAIT)


@pytest.fixture
def seen() -> list[tuple[str, Any]]:
    return []


@pytest.fixture
def client_has_it() -> threading.Event:
    return threading.Event()


@pytest.fixture
def finished() -> threading.Event:
    return threading.Event()


@pytest.fixture
def served_app(
    app: Lcore,
    seen: list[tuple[str, Any]],
    client_has_it: threading.Event,
    finished: threading.Event,
) -> Iterator[Lcore]:
    def after(label: str, context: RequestContext) -> None:
        # Blocks until the client has the whole answer: run inline, it would hang it.
        assert client_has_it.wait(WAIT)
        sent = context.sent
        assert sent is not None
        seen.append((label, (sent.closed, sent.bytes_sent, sent.status_code)))
        finished.set()

    @app.get("/")
    def index() -> str:
        ctx.after_response(after, "plain", current_context())
        return "hello"

    @app.get("/stream")
    def stream() -> Iterator[str]:
        ctx.after_response(after, "stream", current_context())
        yield "one "
        yield "two "
        yield "three"
        seen.append(("generator done", None))

    yield app
    app.close()


def test_after_the_last_byte_without_delaying_the_client(
    served_app: Lcore,
    seen: list[tuple[str, Any]],
    client_has_it: threading.Event,
    finished: threading.Event,
) -> None:
    with Served(served_app) as server:
        assert server.get("/") == (200, b"hello")
        client_has_it.set()
        assert finished.wait(WAIT)
    assert seen == [("plain", (True, 5, 200))]


def test_a_streamed_body_runs_it_once_the_server_closes_it(
    served_app: Lcore,
    seen: list[tuple[str, Any]],
    client_has_it: threading.Event,
    finished: threading.Event,
) -> None:
    with Served(served_app) as server:
        assert server.get("/stream") == (200, b"one two three")
        client_has_it.set()
        assert finished.wait(WAIT)
    assert seen == [("generator done", None), ("stream", (True, 13, 200))]


def test_failures_are_logged_with_the_request_id(
    app: Lcore, caplog: pytest.LogCaptureFixture
) -> None:
    app.use(RequestIDMiddleware())

    def notify(user: int) -> None:
        raise ConnectionError(f"cannot notify {user}")

    @app.get("/")
    def index() -> str:
        ctx.after_response(notify, 7)
        return "ok"

    with caplog.at_level(logging.ERROR, logger="lcore"):
        with Served(app) as server:
            assert server.get("/", {"X-Request-ID": "req-42"}) == (200, b"ok")
        app.close()
    (record,) = [r for r in caplog.records if r.name == "lcore"]
    message = record.getMessage()
    assert "notify" in message and "'req-42'" in message and "GET '/'" in message
    assert record.exc_info is not None and record.exc_info[0] is ConnectionError


def test_async_work_and_the_request_in_the_task(app: Lcore) -> None:
    got: list[str] = []

    async def remember(what: str) -> None:
        from lcore import request

        got.append(f"{what} {request.path}")

    @app.get("/here")
    def index() -> str:
        ctx.after_response(remember, what="seen")
        return "ok"

    assert TestClient(app).get("/here").text == "ok"
    app.close()
    assert got == ["seen /here"]


def test_an_error_answer_runs_it_too(app: Lcore) -> None:
    ran = threading.Event()

    @app.get("/")
    def index() -> None:
        ctx.after_response(ran.set)
        raise ValueError("boom")

    assert TestClient(app).get("/").status_code == 500
    app.close()
    assert ran.is_set()


def test_outside_an_app_it_is_refused() -> None:
    with pytest.raises(RuntimeError):
        RequestContext().after_response(print)


def test_on_sent_runs_after_on_close_and_sees_what_was_sent(app: Lcore) -> None:
    order: list[Any] = []

    @app.get("/")
    def index() -> str:
        ctx.on_sent(lambda: order.append(("sent", ctx.sent and ctx.sent.bytes_sent)))
        ctx.on_close(lambda: order.append(("close", None)))
        return "four"

    assert TestClient(app).get("/").text == "four"
    assert order == [("close", None), ("sent", 4)]


def test_on_sent_runs_with_nothing_sent_when_the_app_panics(app: Lcore) -> None:
    seen: list[Any] = []

    @app.get("/")
    def index() -> str:
        ctx.on_sent(lambda: seen.append(ctx.sent))
        return "x"

    @app.hook("on_response_send")
    def fail() -> None:
        raise RuntimeError("a broken send hook")

    assert TestClient(app).get("/").status_code == 500
    assert seen == [None]


def test_a_failing_on_sent_callback_is_logged(app: Lcore, caplog: pytest.LogCaptureFixture) -> None:
    @app.get("/")
    def index() -> str:
        ctx.on_sent(lambda: 1 / 0)
        return "x"

    with caplog.at_level(logging.ERROR, logger="lcore"):
        assert TestClient(app).get("/").text == "x"
    (record,) = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError
