"""The adapters of the ``servers`` extra, without serving: waitress's defaults and its
connection limit, the gunicorn adapter's start-up checks and its ``when_ready`` hook."""

from __future__ import annotations

import select
import socket
import sys
from typing import Any

import pytest

from lcore import Lcore
from lcore.servers import (
    CONNECTION_TIMEOUT,
    LISTEN_BACKLOG,
    WAITRESS_CONNECTION_LIMIT,
    GunicornServer,
    ServerAdapter,
    WaitressServer,
    external,
    waitress_connection_limit,
)

pytest.importorskip("waitress")


class Created(Exception):
    """Raised by a stand-in for waitress.create_server, with what it was given."""

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__("created")
        self.options = options


def _options_given_to_waitress(monkeypatch: pytest.MonkeyPatch, adapter: ServerAdapter) -> Any:
    import waitress.server

    def create_server(app: Any, **options: Any) -> Any:
        raise Created(options)

    monkeypatch.setattr(waitress.server, "create_server", create_server)
    with pytest.raises(Created) as caught:
        adapter.run(Lcore())
    return caught.value.options


def test_waitress_gets_lcores_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    options = _options_given_to_waitress(monkeypatch, WaitressServer("127.0.0.1", 0))
    del options["map"]
    assert options == {
        "host": "127.0.0.1",
        "port": 0,
        "channel_timeout": CONNECTION_TIMEOUT,
        "connection_limit": waitress_connection_limit(),
        "backlog": LISTEN_BACKLOG,
        "asyncore_use_poll": False,  # every descriptor it may use fits select()
        "cleanup_interval": CONNECTION_TIMEOUT // 2,
    }


@pytest.mark.parametrize(("limit", "poll"), [(480, False), (100, False), (481, True), (5000, True)])
def test_waitress_polls_only_for_a_limit_select_cannot_watch(
    monkeypatch: pytest.MonkeyPatch, limit: int, poll: bool
) -> None:
    adapter = WaitressServer("127.0.0.1", 0, connection_limit=limit)
    options = _options_given_to_waitress(monkeypatch, adapter)
    assert options["asyncore_use_poll"] is (poll and hasattr(select, "poll"))


def test_waitress_options_win(monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = WaitressServer("127.0.0.1", 0, connection_limit=50, channel_timeout=5, threads=8)
    options = _options_given_to_waitress(monkeypatch, adapter)
    assert (options["connection_limit"], options["channel_timeout"]) == (50, 5)
    assert options["threads"] == 8


@pytest.mark.skipif(sys.platform == "win32", reason="no resource module")
@pytest.mark.parametrize(
    ("open_files", "limit"),
    [(20_000, 480), (4096, 480), (1024, 480), (300, 118), (100, 100)],
)
def test_the_connection_limit_fits_the_open_file_limit(
    monkeypatch: pytest.MonkeyPatch, open_files: int, limit: int
) -> None:
    import resource

    monkeypatch.setattr(resource, "getrlimit", lambda which: (open_files, resource.RLIM_INFINITY))
    assert WAITRESS_CONNECTION_LIMIT == 480
    assert waitress_connection_limit() == limit


@pytest.mark.skipif(sys.platform == "win32", reason="no resource module")
def test_the_connection_limit_without_an_open_file_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import resource

    monkeypatch.setattr(resource, "getrlimit", lambda which: (resource.RLIM_INFINITY,) * 2)
    assert waitress_connection_limit() == 480


def test_the_connection_limit_without_an_open_file_limit_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "resource", None)  # as on Windows
    assert waitress_connection_limit() == 480


# -- gunicorn -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (ValueError("plain"), "plain"),
        (ValueError("first line\nsecond"), "first line"),
        (ValueError(""), "ValueError"),
    ],
)
def test_one_line_of_an_error(error: Exception, line: str) -> None:
    assert external._one_line(error) == line


def test_one_line_follows_a_message_that_ends_in_a_colon() -> None:
    try:
        try:
            raise ImportError("Entry point ('gunicorn.workers', 'nope') not found")
        except ImportError:
            raise RuntimeError("class uri 'nope' invalid or not found: \n\n[Traceback...]")
    except RuntimeError as exc:
        assert external._one_line(exc) == (
            "class uri 'nope' invalid or not found: Entry point ('gunicorn.workers', 'nope')"
            " not found"
        )


def test_check_bindable_fails_for_a_port_in_use() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(OSError) as caught:
            external._check_bindable("127.0.0.1", port)
    assert caught.value.strerror == "Address already in use"
    external._check_bindable("127.0.0.1", 0)  # a free port binds and is let go


class FakeListener:
    def __init__(self, address: object) -> None:
        self.address = address

    def getsockname(self) -> object:
        return self.address


class FakeArbiter:
    def __init__(self, *listeners: FakeListener) -> None:
        self.LISTENERS = list(listeners)


@pytest.mark.parametrize(
    ("listeners", "port"),
    [((FakeListener(("127.0.0.1", 43210)),), 43210), ((FakeListener("/tmp/sock"),), 0), ((), 0)],
)
def test_gunicorn_ready_takes_the_port_says_bound_and_calls_the_users_hook(
    listeners: tuple[FakeListener, ...], port: int
) -> None:
    adapter = GunicornServer("127.0.0.1", 0)
    banner: list[int] = []
    adapter.on_bound = lambda: banner.append(adapter.port)
    theirs: list[object] = []
    arbiter = FakeArbiter(*listeners)
    adapter._ready(arbiter, then=theirs.append)
    assert (banner, theirs) == ([port], [arbiter])
    adapter.is_bound = False
    adapter._ready(arbiter, then=None)
