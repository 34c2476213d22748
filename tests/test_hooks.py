"""Hooks: the lifecycle order (hooks before the handler run first-registered first, those
after it last-registered first), what hooks see, and hooks that fail."""

from __future__ import annotations

import json

import pytest

from lcore import HTTPResponse, Lcore, TestClient, abort, request, response
from tests.raw_wsgi import call_raw, make_environ
from tests.recorders import record_hooks


def test_hooks_run_in_lifecycle_order(app: Lcore) -> None:
    log: list[str] = []
    record_hooks(app, log)

    @app.get("/")
    def index() -> str:
        log.append("handler")
        return "ok"

    assert TestClient(app).get("/").text == "ok"
    assert log == [
        "on_request_start",
        "before_request",
        "on_auth_resolved",
        "on_handler_enter",
        "handler",
        "on_handler_exit",
        "on_response_build",
        "after_request",
        "on_response_send",
    ]


def test_hook_order_fifo_and_lifo(app: Lcore) -> None:
    log: list[str] = []
    record_hooks(app, log, "1:")
    record_hooks(app, log, "2:")
    app.get("/", callback=lambda: "ok")
    TestClient(app).get("/")
    assert log == [
        "1:on_request_start",
        "2:on_request_start",
        "1:before_request",
        "2:before_request",
        "1:on_auth_resolved",
        "2:on_auth_resolved",
        "1:on_handler_enter",
        "2:on_handler_enter",
        "2:on_handler_exit",
        "1:on_handler_exit",
        "2:on_response_build",
        "1:on_response_build",
        "2:after_request",
        "1:after_request",
        "2:on_response_send",
        "1:on_response_send",
    ]


def test_hooks_after_an_aborted_handler(app: Lcore) -> None:
    log: list[str] = []
    record_hooks(app, log)

    @app.get("/")
    def index() -> str:
        abort(418, "short")

    assert TestClient(app).get("/").status_code == 418
    assert "on_handler_exit" not in log
    assert log[-3:] == ["on_response_build", "after_request", "on_response_send"]


def test_hooks_on_404_skip_route_hooks(app: Lcore) -> None:
    log: list[str] = []
    record_hooks(app, log)
    assert TestClient(app).get("/nowhere").status_code == 404
    assert log == [
        "on_request_start",
        "before_request",
        "on_response_build",
        "after_request",
        "on_response_send",
    ]


def test_after_request_may_replace_the_response(app: Lcore, client: TestClient) -> None:
    @app.get("/")
    def index() -> str:
        return "original"

    @app.hook("after_request")
    def replace() -> None:
        if request.query.get("swap"):
            raise HTTPResponse("replaced", 202)

    assert client.get("/").text == "original"
    swapped = client.get("/?swap=1")
    assert (swapped.status_code, swapped.text) == (202, "replaced")


def test_hooks_see_request_and_response(app: Lcore) -> None:
    @app.hook("on_response_build")
    def stamp() -> None:
        response.set_header("X-Path", request.path)

    app.get("/p", callback=lambda: "x")
    assert TestClient(app).get("/p").headers["X-Path"] == "/p"


def test_unknown_hook_remove_and_trigger(app: Lcore) -> None:
    with pytest.raises(KeyError):
        app.add_hook("on_nothing", lambda: None)
    calls: list[int] = []

    def hook(n: int) -> int:
        calls.append(n)
        return n * 2

    app.add_hook("app_reset", hook)
    assert app.trigger_hook("app_reset", 4) == [8]
    assert app.remove_hook("app_reset", hook) is True
    assert app.remove_hook("app_reset", hook) is False
    assert app.remove_hook("on_nothing", hook) is False
    assert app.trigger_hook("app_reset", 5) == []
    assert calls == [4]
    assert app.hooks.names() == []


def test_app_reset_hook_fires_on_install_uninstall_and_reset(app: Lcore) -> None:
    count: list[int] = []
    app.add_hook("app_reset", lambda: count.append(1))
    plugin = app.install(lambda callback: callback)
    app.uninstall(plugin)
    app.reset()
    assert len(count) == 3


def test_hook_that_raises_gives_a_500(app: Lcore) -> None:
    @app.hook("before_request")
    def explode() -> None:
        raise RuntimeError("boom")

    app.get("/", callback=lambda: "never")
    result = TestClient(app).get("/")
    assert result.status_code == 500
    assert result.json == {"error": "Internal Server Error", "status": 500}


def test_send_hook_that_raises_still_answers_once(app: Lcore) -> None:
    @app.hook("on_response_send")
    def explode() -> None:
        raise RuntimeError("late")

    app.get("/", callback=lambda: "never")
    result = call_raw(app, make_environ("/"))
    assert result.status_code == 500
    assert result.exc_info is not None
    assert json.loads(result.body) == {"error": "Internal Server Error", "status": 500}


def test_send_hook_that_raises_without_catchall_propagates(app: Lcore) -> None:
    app.config["catchall"] = False

    @app.hook("on_response_send")
    def explode() -> None:
        raise RuntimeError("late")

    app.get("/", callback=lambda: "x")
    with pytest.raises(RuntimeError, match="late"):
        app(make_environ("/"), lambda status, headers, exc_info=None: lambda data: None)


def test_after_request_sees_the_finished_str_response_and_can_change_it() -> None:
    app = Lcore()
    seen: list[str | None] = []

    @app.get("/")
    def index() -> str:
        response.set_header("X-A", "1")
        return "caf\xe9"

    @app.hook("after_request")
    def after() -> None:
        seen.append(response.get_header("Content-Length"))
        response.set_header("X-After", "2")

    result = TestClient(app).get("/")
    assert seen == ["5"]
    assert result.headers["X-A"] == "1"
    assert result.headers["X-After"] == "2"
    assert result.body == "caf\xe9".encode()
