"""The access log's records are what ``logger.makeRecord`` makes, though made from a
per-thread template after the first line: every attribute a formatter or filter can read
is the same, thread and times included, and a custom record factory or logger class is
used as it is."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcore import Lcore, RequestLoggerMiddleware, TestClient
from lcore.middleware import request_logger

#: Record attributes that differ between two lines by design.
PER_LINE = {"args", "created", "msecs", "relativeCreated", "message", "asctime"}


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def kept() -> Iterator[tuple[logging.Logger, Keep]]:
    logger = logging.getLogger("tests.access.record")
    keep = Keep()
    logger.addHandler(keep)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, keep
    logger.removeHandler(keep)


def client(logger: logging.Logger) -> TestClient:
    app = Lcore()
    app.use(RequestLoggerMiddleware(logger))

    @app.get("/")
    def index() -> str:
        return "ok"

    return TestClient(app)


def reference(logger: logging.Logger, record: logging.LogRecord) -> dict[str, Any]:
    """What makeRecord makes for the same line, here and now."""
    made = logger.makeRecord(logger.name, 20, record.pathname, 0, "%s", record.args, None, "_write")
    return made.__dict__


def test_every_line_has_the_attributes_make_record_gives(
    kept: tuple[logging.Logger, Keep],
) -> None:
    logger, keep = kept
    test_client = client(logger)
    for _ in range(3):
        test_client.get("/")
    assert len(keep.records) == 3
    for record in keep.records:
        expected = reference(logger, record)
        fields = record.__dict__
        assert set(fields) - {"message"} == set(expected)
        for name, value in expected.items():
            if name not in PER_LINE:
                assert fields[name] == value, name
        assert type(record) is logging.LogRecord
        assert record.funcName == "_write"
        assert record.getMessage().startswith('{"timestamp":')


def test_times_are_the_times_of_each_line(kept: tuple[logging.Logger, Keep]) -> None:
    logger, keep = kept
    test_client = client(logger)
    before = time.time()
    test_client.get("/")
    time.sleep(0.02)
    test_client.get("/")
    after = time.time()
    first, second = keep.records
    assert before <= first.created < second.created <= after
    assert second.created - first.created >= 0.02
    for record in (first, second):
        assert record.msecs == int((record.created - int(record.created)) * 1000)
    # relativeCreated keeps logging's clock: the same difference as created.
    gap = (second.relativeCreated - first.relativeCreated) / 1000
    assert gap == pytest.approx(second.created - first.created, abs=1e-6)


def test_each_thread_gets_its_own_thread_fields(kept: tuple[logging.Logger, Keep]) -> None:
    logger, keep = kept
    test_client = client(logger)
    test_client.get("/")
    test_client.get("/")

    def other() -> None:
        test_client.get("/")
        test_client.get("/")

    thread = threading.Thread(target=other, name="second-thread")
    thread.start()
    thread.join()
    names = [record.threadName for record in keep.records]
    assert names == [threading.current_thread().name] * 2 + ["second-thread"] * 2
    assert keep.records[2].thread == keep.records[3].thread == thread.ident


def test_a_custom_record_factory_is_used(kept: tuple[logging.Logger, Keep]) -> None:
    logger, keep = kept
    old = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = old(*args, **kwargs)
        record.tenant = "acme"
        return record

    test_client = client(logger)
    test_client.get("/")  # a template is made with the standard factory
    logging.setLogRecordFactory(factory)
    try:
        test_client.get("/")
        test_client.get("/")
    finally:
        logging.setLogRecordFactory(old)
    assert [getattr(r, "tenant", None) for r in keep.records] == [None, "acme", "acme"]


def test_a_logger_class_with_its_own_make_record_is_used() -> None:
    class Tagged(logging.Logger):
        def makeRecord(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
            record = super().makeRecord(*args, **kwargs)
            record.tagged = True
            return record

    logger = Tagged("tests.access.tagged")
    keep = Keep()
    logger.addHandler(keep)
    logger.setLevel(logging.INFO)
    test_client = client(logger)
    for _ in range(3):
        test_client.get("/")
    assert [getattr(r, "tagged", False) for r in keep.records] == [True, True, True]


def test_another_logger_gets_its_own_template(kept: tuple[logging.Logger, Keep]) -> None:
    logger, keep = kept
    middleware = RequestLoggerMiddleware(logger)
    app = Lcore()
    app.use(middleware)

    @app.get("/")
    def index() -> str:
        return "ok"

    test_client = TestClient(app)
    test_client.get("/")
    test_client.get("/")
    other = logging.getLogger("tests.access.other")
    other_keep = Keep()
    other.addHandler(other_keep)
    other.setLevel(logging.INFO)
    other.propagate = False
    try:
        middleware.logger = other
        test_client.get("/")
        test_client.get("/")
    finally:
        other.removeHandler(other_keep)
    assert len(keep.records) == 2
    assert [r.name for r in other_keep.records] == ["tests.access.other"] * 2


@given(st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False))
def test_timestamps_are_formatted_as_before(seconds: float) -> None:
    whole = int(seconds)
    expected = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    expected += f".{int((seconds - whole) * 1000):03d}Z"
    assert request_logger._iso_utc(seconds) == expected  # pyright: ignore[reportPrivateUsage]
