"""BackgroundTaskPool: submit/pending/shutdown, the bounded queue, failures logged,
async tasks, the submitter's context; app.tasks made on first use and closed with the app."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from concurrent.futures import Future

import pytest

from lcore import BackgroundTaskPool, Lcore, TaskQueueFull

WAIT = 10.0


def test_submit_returns_a_future_with_the_result() -> None:
    pool = BackgroundTaskPool(max_workers=2)
    try:

        def add(a: int, b: int = 0) -> int:
            return a + b

        future = pool.submit(add, 2, b=3)
        assert isinstance(future, Future)
        assert future.result(WAIT) == 5
    finally:
        pool.shutdown()
    assert pool.pending == 0


def test_async_tasks_run_to_completion() -> None:
    async def double(n: int) -> int:
        await asyncio.sleep(0)
        return n * 2

    pool = BackgroundTaskPool()
    try:
        assert pool.submit(double, 21).result(WAIT) == 42
    finally:
        pool.shutdown()


def test_pending_counts_running_and_waiting_tasks() -> None:
    release = threading.Event()
    pool = BackgroundTaskPool(max_workers=1, max_queue=5)
    try:
        futures = [pool.submit(release.wait, WAIT) for _ in range(3)]
        assert pool.pending == 3
        release.set()
        for future in futures:
            future.result(WAIT)
    finally:
        pool.shutdown()
    assert pool.pending == 0


def test_a_full_queue_raises_at_once_and_frees_up() -> None:
    release = threading.Event()
    pool = BackgroundTaskPool(max_workers=1, max_queue=1)
    try:
        first = pool.submit(release.wait, WAIT)
        second = pool.submit(release.wait, WAIT)
        with pytest.raises(
            TaskQueueFull, match=r"2 tasks pending \(max_workers=1 \+ max_queue=1\)"
        ):
            pool.submit(print, "never")
        release.set()
        first.result(WAIT)
        second.result(WAIT)
        assert pool.submit(lambda: "again").result(WAIT) == "again"
    finally:
        pool.shutdown()


def test_a_failing_task_is_logged_with_its_name(caplog: pytest.LogCaptureFixture) -> None:
    def send_mail(to: str) -> None:
        raise ConnectionError(f"no route to {to}")

    pool = BackgroundTaskPool()
    with caplog.at_level(logging.ERROR, logger="lcore"):
        future = pool.submit(send_mail, "a@example.com")
        with pytest.raises(ConnectionError):
            future.result(WAIT)
        pool.shutdown()
    (record,) = [r for r in caplog.records if r.name == "lcore"]
    assert "background task" in record.getMessage()
    assert "send_mail" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is ConnectionError


def test_tasks_run_in_a_copy_of_the_submitters_context() -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    var.set("submitter")
    pool = BackgroundTaskPool()
    try:
        assert pool.submit(var.get).result(WAIT) == "submitter"
    finally:
        pool.shutdown()


def test_shutdown_waits_then_refuses() -> None:
    done: list[int] = []
    gate = threading.Event()

    def slow() -> None:
        gate.wait(WAIT)
        done.append(1)

    pool = BackgroundTaskPool(max_workers=1)
    pool.submit(slow)
    threading.Timer(0.05, gate.set).start()
    pool.shutdown(wait=True)
    assert done == [1]
    assert pool.closed
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(print)


def test_shutdown_can_cancel_waiting_tasks() -> None:
    gate = threading.Event()
    pool = BackgroundTaskPool(max_workers=1)
    running = pool.submit(gate.wait, WAIT)
    waiting = pool.submit(print, "never")
    gate.set()
    pool.shutdown(wait=True, cancel_pending=True)
    assert running.result(WAIT) is True
    assert waiting.cancelled() or waiting.done()
    assert pool.pending == 0


def test_no_thread_before_first_use() -> None:
    pool = BackgroundTaskPool()
    assert pool._executor is None  # pyright: ignore[reportPrivateUsage]
    pool.shutdown()
    assert "closed" in repr(pool)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"max_workers": 0}, "max_workers must be 1 or more"), ({"max_queue": -1}, "max_queue")],
)
def test_bad_sizes_are_refused(options: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BackgroundTaskPool(options.get("max_workers", 4), options.get("max_queue", 1000))


def test_app_tasks_is_made_on_first_use_and_closed_with_the_app(app: Lcore) -> None:
    attributes = len(vars(app))
    assert "_tasks" not in vars(app)
    pool = app.tasks
    assert app.tasks is pool
    assert pool.submit(lambda: 7).result(WAIT) == 7
    app.close()
    assert pool.closed
    assert len(vars(app)) == attributes + 1
    fresh = app.tasks
    assert fresh is not pool and not fresh.closed
    app.close()


def test_app_close_waits_for_pending_tasks(app: Lcore) -> None:
    done: list[str] = []
    gate = threading.Event()

    def slow() -> None:
        gate.wait(WAIT)
        done.append("done")

    app.tasks.submit(slow)
    threading.Timer(0.05, gate.set).start()
    app.close()
    assert done == ["done"]


def test_an_app_can_be_given_its_own_pool(app: Lcore) -> None:
    pool = BackgroundTaskPool(max_workers=1, max_queue=0, name="mail")
    app.tasks = pool
    assert app.tasks is pool
    app.close()
    assert pool.closed
