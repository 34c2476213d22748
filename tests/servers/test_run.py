"""run() with a fake adapter (no sockets): app, plugins, config, debug, banner, signals,
on_shutdown and the reloader hand-off."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

import lcore
from lcore import Lcore, TestClient
from lcore._wsgi import WSGIApp
from lcore.reloader import RELOAD_EXIT_CODE
from lcore.servers import (
    ServerAdapter,
    ServerPackageMissing,
    ServerStartError,
    on_shutdown,
    run,
)
from lcore.servers import serving as servers_module


class FakeServer(ServerAdapter):
    """Records what run() gave it; ``action`` runs in place of serving."""

    name = "fake"
    last: FakeServer | None = None
    action: Any = None
    #: Runs before the adapter says it is bound (a failure there is a failure to start).
    before_bound: Any = None
    graceful = True

    def run(self, handler: WSGIApp) -> None:
        FakeServer.last = self
        self.handler = handler
        self.shutdowns = 0
        self.handlers_while_serving = signal.getsignal(signal.SIGTERM)
        if self.before_bound is not None:
            type(self).before_bound(self)
        self.bound()
        if self.action is not None:
            type(self).action(self)

    def shutdown(self) -> bool:
        self.shutdowns += 1
        return self.graceful


class Recorder:
    """A plugin that counts close() calls."""

    name = "recorder"
    api = 2

    def __init__(self) -> None:
        self.closed = 0

    def apply(self, callback: Any, route: Any) -> Any:
        return callback

    def close(self) -> None:
        self.closed += 1


PLUGIN = Recorder()
APP = Lcore()


@pytest.fixture(autouse=True)
def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An empty working directory, a restored environment, no leftover callbacks."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(FakeServer, "action", None)
    monkeypatch.setattr(FakeServer, "before_bound", None)
    monkeypatch.setattr(FakeServer, "graceful", True)
    FakeServer.last = None
    with mock.patch.dict(os.environ):
        yield
    servers_module._shutdown_callbacks.clear()


def served() -> FakeServer:
    assert FakeServer.last is not None, "the adapter never ran"
    return FakeServer.last


def test_adapter_gets_app_host_port_and_options() -> None:
    app = Lcore()
    run(app, server=FakeServer, host="0.0.0.0", port=9123, quiet=True, threads=4)
    adapter = served()
    assert adapter.handler is app
    assert (adapter.host, adapter.port, adapter.options) == ("0.0.0.0", 9123, {"threads": 4})
    assert adapter.quiet is True


def test_server_instance_is_used_as_is() -> None:
    adapter = FakeServer(port=7000, custom=1)
    run(Lcore(), server=adapter, port=1, quiet=True)
    assert served() is adapter
    assert adapter.port == 7000


def test_server_import_string() -> None:
    run(Lcore(), server="tests.servers.test_run:FakeServer", quiet=True)
    assert type(served()) is FakeServer


def test_server_import_string_must_name_an_adapter() -> None:
    with pytest.raises(TypeError, match="is not a ServerAdapter"):
        run(Lcore(), server="tests.servers.test_run:Recorder", quiet=True)


def test_unknown_server_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError) as caught:
        run(Lcore(), server="nope", quiet=True)
    known = ", ".join(sorted(servers_module.server_names))
    assert str(caught.value) == f"unknown server 'nope'; known servers: {known}"


def test_app_import_string() -> None:
    run("tests.servers.test_run:APP", server=FakeServer, quiet=True)
    assert served().handler is APP


def test_no_app_serves_the_default_app() -> None:
    run(server=FakeServer, quiet=True)
    assert served().handler is lcore.default_app()


def test_debug_sets_the_config_key() -> None:
    app = Lcore()
    run(app, server=FakeServer, quiet=True, debug=True, reloader=False)
    assert app.config["debug"] is True
    assert app.debug is True


def test_debug_turns_on_the_api_docs() -> None:
    app = Lcore()
    assert TestClient(app).get("/docs/json").status_code == 404
    run(app, server=FakeServer, quiet=True, debug=True, reloader=False)
    assert TestClient(app).get("/docs/json").status_code == 200


def test_debug_none_leaves_debug_alone() -> None:
    app = Lcore(debug=True)
    run(app, server=FakeServer, quiet=True)
    assert app.config["debug"] is True


def test_config_is_merged_and_debug_wins() -> None:
    app = Lcore()
    run(app, server=FakeServer, quiet=True, config={"my": {"key": 1}, "debug": True}, debug=False)
    assert app.config["my.key"] == 1
    assert app.config["debug"] is False


def test_plugins_as_objects_and_import_strings() -> None:
    app = Lcore()
    other = Recorder()
    run(app, server=FakeServer, quiet=True, plugins=[other, "tests.servers.test_run:PLUGIN"])
    assert other in app.plugins
    assert PLUGIN in app.plugins


@pytest.mark.parametrize(
    "option", [{"plugins": [Recorder()]}, {"config": {"a": 1}}, {"debug": True}]
)
def test_lcore_options_need_an_lcore_app(option: dict[str, Any]) -> None:
    def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b""]

    with pytest.raises(TypeError, match="need an Lcore app"):
        run(wsgi_app, server=FakeServer, quiet=True, **option)
    assert FakeServer.last is None


def test_plain_wsgi_app_is_served() -> None:
    def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"plain"]

    run(wsgi_app, server=FakeServer, quiet=True)
    assert served().handler is wsgi_app


def test_dotenv_is_loaded(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LCORE_TEST_FROM_DOTENV=yes\n", encoding="utf-8")
    os.environ.pop("LCORE_TEST_FROM_DOTENV", None)
    run(Lcore(), server=FakeServer, quiet=True)
    assert os.environ["LCORE_TEST_FROM_DOTENV"] == "yes"


def test_banner_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    run(Lcore(), server=FakeServer, host="127.0.0.1", port=8181)
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "lcore serving on http://127.0.0.1:8181/ with fake (Ctrl-C to stop)\n"


def test_banner_brackets_an_ipv6_host(capsys: pytest.CaptureFixture[str]) -> None:
    run(Lcore(), server=FakeServer, host="::1", port=8181)
    assert "http://[::1]:8181/" in capsys.readouterr().err


def test_quiet_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    run(Lcore(), server=FakeServer, quiet=True)
    assert capsys.readouterr() == ("", "")


def test_cgi_prints_no_banner(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(servers_module.CGIServer, "run", lambda self, handler: None)
    run(Lcore(), server="cgi")
    assert capsys.readouterr().err == ""


# -- shutdown -----------------------------------------------------------------------------


def test_on_shutdown_runs_last_registered_first_once() -> None:
    calls: list[str] = []
    first = on_shutdown(lambda: calls.append("first"))
    on_shutdown(lambda: calls.append("second"))
    assert callable(first)
    run(Lcore(), server=FakeServer, quiet=True)
    assert calls == ["second", "first"]
    run(Lcore(), server=FakeServer, quiet=True)
    assert calls == ["second", "first"]


def test_on_shutdown_is_a_decorator_that_returns_the_function() -> None:
    def goodbye() -> None:
        pass

    assert on_shutdown(goodbye) is goodbye
    assert lcore.on_shutdown is on_shutdown


def test_run_shutdown_callbacks_for_servers_lcore_does_not_start() -> None:
    calls: list[str] = []
    on_shutdown(lambda: calls.append("first"))
    on_shutdown(lambda: calls.append("second"))
    servers_module.run_shutdown_callbacks()
    servers_module.run_shutdown_callbacks()
    assert calls == ["second", "first"]


def test_coroutine_callbacks_run_to_completion() -> None:
    calls: list[str] = []

    @on_shutdown
    async def close_pool() -> None:
        await asyncio.sleep(0)
        calls.append("coroutine done")

    on_shutdown(lambda: asyncio.sleep(0, result=None))  # returns an awaitable
    run(Lcore(), server=FakeServer, quiet=True)
    assert calls == ["coroutine done"]


def test_failing_callback_is_logged_and_the_rest_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []
    on_shutdown(lambda: calls.append("first"))

    @on_shutdown
    def broken() -> None:
        raise RuntimeError("boom")

    app = Lcore()
    plugin = app.install(Recorder())
    with caplog.at_level(logging.ERROR, logger="lcore"):
        run(app, server=FakeServer, quiet=True)
    assert calls == ["first"]
    assert plugin.closed == 1
    assert "on_shutdown callback" in caplog.text
    assert "boom" in caplog.text


def test_app_is_closed_after_callbacks() -> None:
    order: list[str] = []
    app = Lcore()

    class Closing(Recorder):
        def close(self) -> None:
            order.append("app.close")

    app.install(Closing())
    on_shutdown(lambda: order.append("callback"))
    run(app, server=FakeServer, quiet=True)
    assert order == ["callback", "app.close"]


def test_shutdown_steps_run_when_the_server_fails() -> None:
    calls: list[str] = []
    on_shutdown(lambda: calls.append("callback"))

    def fail(adapter: FakeServer) -> None:
        raise OSError("the accept loop broke")

    FakeServer.action = fail  # after bound(): a failure while serving keeps its traceback
    with pytest.raises(OSError, match="the accept loop broke"):
        run(Lcore(), server=FakeServer, quiet=True)
    assert calls == ["callback"]


# -- failing to start ---------------------------------------------------------------------

START_FAILURES = [
    (OSError(98, "Address already in use"), "Address already in use"),
    (socket.gaierror(-2, "Name or service not known"), "Name or service not known"),
    (PermissionError(13, "Permission denied"), "Permission denied"),
    (OSError("No socket could be created"), "No socket could be created"),
    (
        ServerPackageMissing("server 'x' needs the x package: pip install x"),
        "server 'x' needs the x package: pip install x",
    ),
]


@pytest.mark.parametrize(("error", "reason"), START_FAILURES)
def test_a_failure_before_bound_is_one_error_line_and_status_2(
    capsys: pytest.CaptureFixture[str], error: Exception, reason: str
) -> None:
    calls: list[str] = []
    on_shutdown(lambda: calls.append("callback"))

    def fail(adapter: FakeServer) -> None:
        raise error

    FakeServer.before_bound = fail
    with pytest.raises(ServerStartError) as caught:
        run(Lcore(), server=FakeServer, host="127.0.0.1", port=8181)
    assert isinstance(caught.value, SystemExit)
    assert caught.value.code == 2
    assert str(caught.value) == f"cannot serve on 127.0.0.1:8181: {reason}"
    assert caught.value.__suppress_context__, "no chained traceback if it is printed"
    assert capsys.readouterr() == ("", f"lcore: error: cannot serve on 127.0.0.1:8181: {reason}\n")
    assert calls == ["callback"], "the shutdown steps still run"


def test_a_start_failure_names_an_ipv6_host_in_brackets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def fail(adapter: FakeServer) -> None:
        raise OSError(99, "Cannot assign requested address")

    FakeServer.before_bound = fail
    with pytest.raises(ServerStartError):
        run(Lcore(), server=FakeServer, host="::2", port=80, quiet=True)
    assert capsys.readouterr().err == (
        "lcore: error: cannot serve on [::2]:80: Cannot assign requested address\n"
    )


def test_an_adapters_own_start_error_is_printed_once(capsys: pytest.CaptureFixture[str]) -> None:
    def fail(adapter: FakeServer) -> None:
        raise ServerStartError("fake could not start: Worker failed to boot.")

    FakeServer.action = fail  # even after bound(): the adapter says it never started
    with pytest.raises(ServerStartError) as caught:
        run(Lcore(), server=FakeServer, quiet=True)
    assert caught.value.code == 2
    assert capsys.readouterr().err == (
        "lcore: error: fake could not start: Worker failed to boot.\n"
    )


def test_debug_prints_the_traceback_before_the_error_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def fail(adapter: FakeServer) -> None:
        raise OSError(98, "Address already in use")

    FakeServer.before_bound = fail
    with pytest.raises(ServerStartError):
        run(Lcore(), server=FakeServer, quiet=True, debug=True, reloader=False, port=1)
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert err.endswith("lcore: error: cannot serve on 127.0.0.1:1: Address already in use\n")


def test_other_errors_before_bound_keep_their_traceback() -> None:
    def fail(adapter: FakeServer) -> None:
        raise TypeError("unknown fake option(s): colour")

    FakeServer.before_bound = fail
    with pytest.raises(TypeError, match="colour"):
        run(Lcore(), server=FakeServer, quiet=True)


def test_no_banner_when_the_server_never_binds(capsys: pytest.CaptureFixture[str]) -> None:
    def fail(adapter: FakeServer) -> None:
        raise OSError(98, "Address already in use")

    FakeServer.before_bound = fail
    with pytest.raises(ServerStartError):
        run(Lcore(), server=FakeServer, port=8181)
    assert "serving on" not in capsys.readouterr().err


def test_the_banner_shows_the_port_the_server_bound(capsys: pytest.CaptureFixture[str]) -> None:
    def bind(adapter: FakeServer) -> None:
        assert capsys.readouterr().err == "", "nothing is printed before the bind"
        adapter.port = 43210  # what port=0 became

    FakeServer.before_bound = bind
    run(Lcore(), server=FakeServer, port=0)
    assert capsys.readouterr().err == (
        "lcore serving on http://127.0.0.1:43210/ with fake (Ctrl-C to stop)\n"
    )


def test_bound_runs_its_callback_once() -> None:
    adapter = FakeServer()
    calls: list[str] = []
    adapter.on_bound = lambda: calls.append("banner")
    assert adapter.is_bound is False
    adapter.bound()
    adapter.bound()
    assert (adapter.is_bound, calls) == (True, ["banner"])


def test_keyboard_interrupt_ends_run_cleanly() -> None:
    calls: list[str] = []
    on_shutdown(lambda: calls.append("callback"))

    def interrupt(adapter: FakeServer) -> None:
        raise KeyboardInterrupt

    FakeServer.action = interrupt
    run(Lcore(), server=FakeServer, quiet=True)
    assert calls == ["callback"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_asks_the_adapter_to_shut_down(signum: int) -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    FakeServer.action = lambda adapter: signal.raise_signal(signum)
    run(Lcore(), server=FakeServer, quiet=True)
    adapter = served()
    assert adapter.shutdowns == 1
    assert adapter.handlers_while_serving is not before[signal.SIGTERM]
    assert {s: signal.getsignal(s) for s in before} == before


def test_signal_interrupts_an_adapter_without_graceful_stop() -> None:
    reached: list[str] = []

    def serve(adapter: FakeServer) -> None:
        signal.raise_signal(signal.SIGTERM)
        reached.append("after the signal")

    FakeServer.graceful = False
    FakeServer.action = serve
    run(Lcore(), server=FakeServer, quiet=True)
    assert served().shutdowns == 1
    assert reached == []


def test_second_signal_interrupts_the_graceful_stop() -> None:
    reached: list[str] = []

    def serve(adapter: FakeServer) -> None:
        signal.raise_signal(signal.SIGTERM)
        reached.append("draining")
        signal.raise_signal(signal.SIGTERM)
        reached.append("after the second signal")

    FakeServer.action = serve
    run(Lcore(), server=FakeServer, quiet=True)
    assert served().shutdowns == 1
    assert reached == ["draining"]


def test_no_signal_handlers_outside_the_main_thread() -> None:
    before = signal.getsignal(signal.SIGTERM)
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            run(Lcore(), server=FakeServer, quiet=True)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=serve)
    thread.start()
    thread.join(10)
    assert errors == []
    assert served().handlers_while_serving is before


# -- the reloader hand-off ----------------------------------------------------------------


@pytest.fixture
def reloader(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Replace lcore.reloader's entry points by recorders."""
    from lcore import reloader as module

    seen: dict[str, Any] = {"child": False}
    monkeypatch.setattr(module, "is_reloader_child", lambda: seen["child"])

    def parent(interval: float) -> int:
        seen["parent"] = interval
        return 7

    def watcher(interval: float, on_change: Any) -> Any:
        seen["watcher"] = (interval, on_change)
        return module.FileCheckerThread(interval)  # never started; stop() is harmless

    monkeypatch.setattr(module, "run_reloader_parent", parent)
    monkeypatch.setattr(module, "start_file_watcher", watcher)
    return seen


def test_reloader_parent_runs_children_and_never_serves(reloader: dict[str, Any]) -> None:
    with pytest.raises(SystemExit) as caught:
        run(Lcore(), server=FakeServer, quiet=True, reloader=True, interval=0.25)
    assert caught.value.code == 7
    assert reloader["parent"] == 0.25
    assert FakeServer.last is None


def test_reloader_child_stops_cleanly_with_status_3(reloader: dict[str, Any]) -> None:
    reloader["child"] = True
    calls: list[str] = []
    on_shutdown(lambda: calls.append("callback"))
    FakeServer.action = lambda adapter: reloader["watcher"][1]()  # a file changed
    with pytest.raises(SystemExit) as caught:
        run(Lcore(), server=FakeServer, quiet=True, reloader=True, interval=0.5)
    assert caught.value.code == RELOAD_EXIT_CODE == 3
    assert reloader["watcher"][0] == 0.5
    assert served().shutdowns == 1
    assert calls == ["callback"]


def test_debug_does_not_turn_the_reloader_on(reloader: dict[str, Any]) -> None:
    run(Lcore(), server=FakeServer, quiet=True, debug=True, reloader=False)
    assert "parent" not in reloader
    assert "watcher" not in reloader


def test_app_run_forwards_to_run() -> None:
    app = Lcore()

    @app.get("/")
    def index() -> str:
        return "hi"

    app.run(server=FakeServer, quiet=True, port=8282)
    assert served().handler is app
    assert served().port == 8282
    assert TestClient(app).get("/").text == "hi"
