"""Adapter selection and the errors of adapters, without serving anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lcore import Lcore
from lcore import servers as servers_module
from lcore.servers import (
    AutoServer,
    CherootServer,
    ServerAdapter,
    ServerPackageMissing,
    WSGIRefServer,
    make_adapter,
    others,
    server_names,
)

from .serving import ROOT

EXPECTED_NAMES = {
    "auto",
    "bjoern",
    "cgi",
    "cheroot",
    "eventlet",
    "gevent",
    "gunicorn",
    "meinheld",
    "paste",
    "tornado",
    "twisted",
    "waitress",
    "wsgiref",
}


def test_server_names_lists_every_adapter_and_no_abandoned_one() -> None:
    assert set(server_names) == EXPECTED_NAMES
    assert not {"diesel", "fapws3", "flup", "gae", "appengine", "cheetah"} & set(server_names)
    for name, adapter in server_names.items():
        assert issubclass(adapter, ServerAdapter)
        assert adapter.name == name


def test_auto_order_is_documented_and_ends_with_wsgiref() -> None:
    assert AutoServer.order == (
        "waitress",
        "gunicorn",
        "cheroot",
        "twisted",
        "tornado",
        "paste",
        "wsgiref",
    )
    assert set(AutoServer.order) <= set(server_names)


def _only_available(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    for name, adapter in server_names.items():
        available = name in names
        monkeypatch.setattr(adapter, "available", classmethod(lambda cls, a=available: a))


@pytest.mark.parametrize(
    ("installed", "chosen"),
    [
        (("waitress", "gunicorn", "cheroot", "wsgiref"), "waitress"),
        (("gunicorn", "cheroot", "wsgiref"), "gunicorn"),
        (("cheroot", "paste", "wsgiref"), "cheroot"),
        (("paste", "tornado", "wsgiref"), "tornado"),
        (("gevent", "eventlet", "bjoern", "wsgiref"), "wsgiref"),
    ],
)
def test_auto_picks_the_first_installed(
    monkeypatch: pytest.MonkeyPatch, installed: tuple[str, ...], chosen: str
) -> None:
    _only_available(monkeypatch, *installed)
    adapter = AutoServer("0.0.0.0", 9000, threads=2).select()
    assert type(adapter) is server_names[chosen]
    assert (adapter.host, adapter.port, adapter.options) == ("0.0.0.0", 9000, {"threads": 2})


def test_run_with_auto_serves_with_the_chosen_adapter(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _only_available(monkeypatch, "cheroot", "wsgiref")
    used: list[ServerAdapter] = []
    monkeypatch.setattr(
        CherootServer, "run", lambda self, handler: used.append(self) or self.bound()
    )
    monkeypatch.chdir(tmp_path)  # no stray .env
    servers_module.run(Lcore(), server="auto", port=8383)
    assert [type(a) for a in used] == [CherootServer]
    assert "with cheroot" in capsys.readouterr().err


def test_available_is_false_when_the_package_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert WSGIRefServer.available()
    monkeypatch.setitem(sys.modules, "waitress", None)  # makes `import waitress` fail
    assert not server_names["waitress"].available()


MISSING = [
    ("waitress", "waitress", "waitress", "'lcore[servers]'"),
    ("gunicorn", "gunicorn", "gunicorn", "'lcore[servers]'"),
    ("cheroot", "cheroot", "cheroot", "'lcore[servers]'"),
    ("gevent", "gevent", "gevent", "'lcore[servers]'"),
    ("eventlet", "eventlet", "eventlet", "eventlet"),
    ("bjoern", "bjoern", "bjoern", "bjoern"),
    ("meinheld", "meinheld", "meinheld", "meinheld"),
    ("tornado", "tornado", "tornado", "tornado"),
    ("twisted", "twisted", "twisted", "twisted"),
    ("paste", "paste", "paste", "paste"),
]


@pytest.mark.parametrize(("name", "module", "package", "install"), MISSING)
def test_missing_package_names_the_pip_install(
    monkeypatch: pytest.MonkeyPatch, name: str, module: str, package: str, install: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    adapter = server_names[name]("127.0.0.1", 0)
    with pytest.raises(ServerPackageMissing) as caught:
        adapter.run(Lcore())
    assert str(caught.value) == (
        f"server {name!r} needs the {package} package: pip install {install}"
    )
    assert isinstance(caught.value, ImportError)


def test_make_adapter_from_name_class_and_instance() -> None:
    by_name = make_adapter("wsgiref", "::1", 1234, timeout=5)
    assert type(by_name) is WSGIRefServer
    assert (by_name.host, by_name.port, by_name.options) == ("::1", 1234, {"timeout": 5})
    assert type(make_adapter(CherootServer)) is CherootServer
    instance = WSGIRefServer(port=1)
    assert make_adapter(instance, port=2) is instance


def test_wsgiref_rejects_unknown_options() -> None:
    with pytest.raises(TypeError, match="unknown wsgiref option\\(s\\): colour"):
        WSGIRefServer("127.0.0.1", 0, colour="blue").run(Lcore())


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix only")
def test_gunicorn_rejects_unknown_settings() -> None:
    adapter = server_names["gunicorn"]("127.0.0.1", 0, workers=2, colour="blue")
    with pytest.raises(TypeError, match="unknown gunicorn setting\\(s\\): colour"):
        adapter.run(Lcore())


def test_shutdown_before_serving_asks_for_an_interrupt() -> None:
    for adapter in server_names.values():
        assert adapter().shutdown() is False, adapter


def test_import_lcore_imports_no_server_module() -> None:
    code = (
        "import sys, lcore\n"
        "for name in ('lcore.servers', 'lcore.servers.base', 'lcore.servers.external',\n"
        "             'lcore.servers.others', 'lcore.servers.stdlib'):\n"
        "    assert name not in sys.modules, name\n"
        "assert 'wsgiref.simple_server' not in sys.modules\n"
        "assert lcore.on_shutdown.__module__ == 'lcore.servers.serving'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_the_servers_package_imports_no_server_package() -> None:
    code = (
        "import sys\n"
        "import lcore.servers\n"
        "packages = {'waitress', 'gunicorn', 'cheroot', 'gevent', 'eventlet', 'bjoern',\n"
        "            'meinheld', 'tornado', 'twisted', 'paste'}\n"
        "assert not packages & {m.partition('.')[0] for m in sys.modules}\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


class _Body:
    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Any:
        return iter([b"a", b"b"])

    def close(self) -> None:
        self.closed = True


def test_in_flight_counts_until_the_body_is_closed() -> None:
    body = _Body()
    tracked = others._InFlight(lambda environ, start_response: body)
    reply = tracked({}, lambda *args: lambda data: None)
    assert tracked.active == 1
    assert list(reply) == [b"a", b"b"]
    assert tracked.active == 1
    getattr(reply, "close")()
    getattr(reply, "close")()
    assert (tracked.active, body.closed) == (0, True)


def test_in_flight_counts_down_when_the_app_raises() -> None:
    def broken(environ: Any, start_response: Any) -> Any:
        raise RuntimeError("boom")

    tracked = others._InFlight(broken)
    with pytest.raises(RuntimeError):
        tracked({}, lambda *args: lambda data: None)
    assert tracked.active == 0
