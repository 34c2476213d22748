"""RequestLoggerMiddleware: one JSON line per request on lcore.access, for every answer
(errors, 404s, pre middleware answers), written after a streamed body's last chunk,
with every value JSON-encoded."""

from __future__ import annotations

import datetime
import json
import logging
import re
import time
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcore import (
    HTTPResponse,
    Lcore,
    Middleware,
    RequestContext,
    RequestIDMiddleware,
    RequestLoggerMiddleware,
    TestClient,
    abort,
    ctx,
)
from lcore.middleware import request_logger
from lcore.middleware.base import NextHandler
from tests.raw_wsgi import send

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
FIELDS = {
    "timestamp",
    "request_id",
    "method",
    "path",
    "status",
    "duration_ms",
    "bytes_sent",
    "remote_addr",
}


def lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    found = [r for r in caplog.records if r.name == "lcore.access"]
    for record in found:
        assert record.levelno == logging.INFO
        assert "\n" not in record.getMessage()
    return [json.loads(r.getMessage()) for r in found]


@pytest.fixture
def logged(app: Lcore) -> Lcore:
    app.use(RequestIDMiddleware())
    app.use(RequestLoggerMiddleware())

    @app.get("/")
    def index() -> str:
        return "hello"

    @app.get("/abort")
    def aborted() -> None:
        abort(403)

    @app.get("/boom")
    def boom() -> None:
        raise ValueError("boom")

    @app.get("/typed")
    def typed(n: int) -> int:
        return n

    @app.get("/stream")
    def stream() -> Iterator[str]:
        yield "ab"
        time.sleep(0.05)
        yield "cde"

    return app


def test_declares_name_order_phase() -> None:
    mw = RequestLoggerMiddleware()
    assert (mw.name, mw.order, mw.phase) == ("request_logger", 2, "post")
    assert mw.logger is logging.getLogger("lcore.access")


def test_one_line_with_every_field(logged: Lcore, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="lcore.access"):
        response = TestClient(logged).get("/", headers={"X-Request-ID": "abc-1"})
    (line,) = lines(caplog)
    assert set(line) == FIELDS
    assert ISO_UTC.fullmatch(line["timestamp"])
    assert line["request_id"] == "abc-1" == response.headers["X-Request-ID"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", 200)
    assert line["bytes_sent"] == 5
    assert line["remote_addr"] == "127.0.0.1"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


@pytest.mark.parametrize(
    ("path", "status"),
    [("/abort", 403), ("/boom", 500), ("/typed?n=x", 422), ("/missing", 404)],
)
def test_error_answers_are_logged(
    logged: Lcore, caplog: pytest.LogCaptureFixture, path: str, status: int
) -> None:
    with caplog.at_level(logging.INFO, logger="lcore.access"):
        response = TestClient(logged).get(path)
    (line,) = lines(caplog)
    assert line["status"] == status == response.status_code
    assert line["bytes_sent"] == len(response.body) > 0
    assert line["path"] == path.split("?", maxsplit=1)[0]


def test_405_and_head(logged: Lcore, caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(logged)
    with caplog.at_level(logging.INFO, logger="lcore.access"):
        client.post("/")
        client.head("/")
    first, second = lines(caplog)
    assert (first["method"], first["status"]) == ("POST", 405)
    assert (second["method"], second["status"], second["bytes_sent"]) == ("HEAD", 200, 0)


def test_a_pre_middleware_answer_is_logged(logged: Lcore, caplog: pytest.LogCaptureFixture) -> None:
    class Gate(Middleware):
        phase: ClassVar[Literal["pre", "post"]] = "pre"

        def __call__(self, context: RequestContext, next_handler: NextHandler) -> Any:
            return HTTPResponse("closed", 503)

    logged.use(Gate())
    with caplog.at_level(logging.INFO, logger="lcore.access"):
        TestClient(logged).get("/")
    (line,) = lines(caplog)
    assert (line["status"], line["bytes_sent"]) == (503, 6)


def test_a_streamed_body_is_logged_after_its_last_chunk(
    logged: Lcore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="lcore.access"):
        assert TestClient(logged).get("/stream").text == "abcde"
    (line,) = lines(caplog)
    assert (line["status"], line["bytes_sent"]) == (200, 5)
    assert line["duration_ms"] >= 50


def test_values_are_json_encoded_never_raw(logged: Lcore, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="lcore.access"):
        result = send(logged, '/x"}\u2028\x1b[31m')
    assert result.status_code == 400  # not valid UTF-8 once sent: logged as it came
    (record,) = [r for r in caplog.records if r.name == "lcore.access"]
    message = record.getMessage()
    assert message.isascii() and "\x1b" not in message and "\u2028" not in message
    line = json.loads(message)
    assert line["status"] == 400
    assert line["path"].startswith('/x"}') and line["path"].endswith("\x1b[31m")


def test_a_custom_logger_and_a_disabled_one(app: Lcore, caplog: pytest.LogCaptureFixture) -> None:
    custom = logging.getLogger("tests.access")
    app.use(RequestLoggerMiddleware(custom))

    @app.get("/")
    def index() -> str:
        return "x"

    client = TestClient(app)
    with caplog.at_level(logging.INFO, logger="tests.access"):
        client.get("/")
    assert [r.name for r in caplog.records] == ["tests.access"]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tests.access"):
        client.get("/")
    assert caplog.records == []


def test_without_request_ids_the_id_is_null(app: Lcore, caplog: pytest.LogCaptureFixture) -> None:
    app.use(RequestLoggerMiddleware())

    @app.get("/")
    def index() -> str:
        ctx.response.set_header("X-A", "1")
        return "x"

    with caplog.at_level(logging.INFO, logger="lcore.access"):
        TestClient(app).get("/")
    (line,) = lines(caplog)
    assert line["request_id"] is None


def test_skipped_by_a_route(app: Lcore, caplog: pytest.LogCaptureFixture) -> None:
    app.use(RequestLoggerMiddleware())

    @app.get("/health", skip=["request_logger"])
    def health() -> str:
        return "ok"

    with caplog.at_level(logging.INFO, logger="lcore.access"):
        TestClient(app).get("/health")
    assert lines(caplog) == []


@given(
    request_id=st.none() | st.text(max_size=40),
    method=st.text(min_size=1, max_size=10),
    path=st.text(max_size=40),
    remote=st.none() | st.text(max_size=20),
    status=st.none() | st.integers(100, 599),
    sent=st.none() | st.integers(0, 10**12),
    duration=st.floats(0, 1e7, allow_nan=False),
    wall=st.floats(0, 4e9, allow_nan=False),
)
def test_the_line_is_json_dumps_of_the_fields(
    request_id: str | None,
    method: str,
    path: str,
    remote: str | None,
    status: int | None,
    sent: int | None,
    duration: float,
    wall: float,
) -> None:
    """The hand-built line is what json.dumps makes of the same dict (ASCII only)."""
    fields = {
        "timestamp": request_logger._iso_utc(wall),  # pyright: ignore[reportPrivateUsage]
        "request_id": request_id,
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(duration, 3),
        "bytes_sent": sent,
        "remote_addr": remote,
    }
    line = request_logger.access_line(*fields.values())  # type: ignore[arg-type]  # the dict's values, in order
    assert line == json.dumps(fields, separators=(",", ":"))
    assert json.loads(line) == fields
    stamp = datetime.datetime.fromtimestamp(int(wall), datetime.timezone.utc)
    timestamp = str(fields["timestamp"])
    assert timestamp.startswith(stamp.strftime("%Y-%m-%dT%H:%M:%S."))
