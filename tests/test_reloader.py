"""lcore.reloader: the polling file checker, the supervising parent, the embeddable
reloaders, and `python -m lcore --reload` end to end."""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import lcore
import lcore.servers
import lcore.servers.serving
from lcore.reloader import (
    RELOADER_ENV,
    AsyncReloader,
    FileCheckerThread,
    WatchdogReloader,
    compile_error,
    is_reloader_child,
    reloader_command,
    start_file_watcher,
)

from .processes import (
    WAIT,
    free_port,
    http_get,
    is_running,
    lcore_command,
    rewrite,
    spawned,
    stop_group,
    wait_for,
)

GOOD = "def answer():\n    return {value!r}\n"
BROKEN = "def answer(:\n    return 'never'\n"


@pytest.fixture
def module(tmp_path: Path) -> Iterator[ModuleType]:
    """A module imported from a temporary file, so the checker watches it."""
    path = tmp_path / "watched_by_lcore_test.py"
    path.write_text(GOOD.format(value=1), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = loaded
    spec.loader.exec_module(loaded)
    try:
        yield loaded
    finally:
        del sys.modules[path.stem]


def _path(module: ModuleType) -> Path:
    assert module.__file__ is not None
    return Path(module.__file__)


# -- FileCheckerThread, one poll at a time ---------------------------------------------------


def test_a_changed_module_file_asks_for_a_reload(module: ModuleType) -> None:
    checker = FileCheckerThread(interval=60)
    assert str(_path(module)) in checker.files()
    assert checker.check() is None
    rewrite(_path(module), GOOD.format(value=2))
    assert checker.check() == "reload"
    assert checker.changed == {str(_path(module))}


def test_an_extra_file_is_watched_and_not_compiled(tmp_path: Path) -> None:
    template = tmp_path / "page.html"
    template.write_text("<p>{{name}</p>", encoding="utf-8")
    checker = FileCheckerThread(interval=60, extra_files=[template])
    assert checker.check() is None
    rewrite(template, "<p>{{ name }}</p> (")
    assert checker.check() == "reload"


def test_a_syntax_error_pauses_the_reload_until_fixed(
    module: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _path(module)
    checker = FileCheckerThread(interval=60)
    rewrite(path, BROKEN)
    assert checker.check() == "error"
    err = capsys.readouterr().err
    assert f"{path}:1: SyntaxError:" in err
    assert "the running version keeps serving" in err
    assert checker.check() == "error"
    assert capsys.readouterr().err == "", "the same error is printed once"
    rewrite(path, BROKEN + "(\n")
    assert checker.check() == "error"
    assert f"{path}:" in capsys.readouterr().err, "a new broken version is reported again"
    rewrite(path, GOOD.format(value=3))
    assert checker.check() == "reload"


def test_a_module_imported_later_is_watched_from_then_on(module: ModuleType) -> None:
    path = _path(module)
    name = path.stem
    del sys.modules[name]
    checker = FileCheckerThread(interval=60)
    assert str(path) not in checker.files()
    sys.modules[name] = module
    assert checker.check() is None, "a newly loaded module is not a change"
    rewrite(path, GOOD.format(value=4))
    assert checker.check() == "reload"


def test_a_file_missing_for_one_poll_is_not_a_change(module: ModuleType) -> None:
    path = _path(module)
    stat = path.stat()
    checker = FileCheckerThread(interval=60)
    path.rename(path.with_suffix(".bak"))
    assert checker.check() is None
    path.with_suffix(".bak").rename(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert checker.check() is None
    path.unlink()
    assert checker.check() is None
    assert checker.check() == "reload", "missing at two polls in a row: deleted"


def test_compile_error_names_file_line_and_message(tmp_path: Path) -> None:
    good, bad, nul = tmp_path / "good.py", tmp_path / "bad.py", tmp_path / "nul.py"
    good.write_text("x = 1\n", encoding="utf-8")
    bad.write_text("x = 1\nif x\n", encoding="utf-8")
    nul.write_bytes(b"x = 1\0\n")
    assert compile_error(str(good)) is None
    assert compile_error(str(tmp_path / "missing.py")) is None
    error = compile_error(str(bad))
    assert error is not None and error.startswith(f"{bad}:2: SyntaxError: ")
    error = compile_error(str(nul))
    assert error is not None and str(nul) in error


# -- the watcher thread ----------------------------------------------------------------------


def test_the_watcher_thread_waits_out_a_syntax_error_then_calls_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "handlers.py"
    source.write_text(GOOD.format(value=1), encoding="utf-8")
    calls: list[str] = []
    called = threading.Event()

    def on_change() -> None:
        calls.append("changed")
        called.set()

    checker = start_file_watcher(0.02, on_change, extra_files=[source])
    try:
        rewrite(source, BROKEN)
        assert wait_for(lambda: checker.status == "error" or None), "the error was seen"
        assert not called.is_set()
        assert f"{source}:1: SyntaxError:" in capsys.readouterr().err
        rewrite(source, GOOD.format(value=2))
        assert called.wait(WAIT), "on_change runs once the file compiles"
        checker.join(WAIT)
        assert not checker.is_alive()
        assert calls == ["changed"]
        assert checker.status == "reload"
    finally:
        checker.stop()


def test_stop_ends_the_watcher_thread(tmp_path: Path) -> None:
    checker = start_file_watcher(0.02, lambda: None)
    checker.stop()
    checker.join(WAIT)
    assert not checker.is_alive()
    assert checker.status is None


# -- helpers ------------------------------------------------------------------------------


def test_is_reloader_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RELOADER_ENV, raising=False)
    assert not is_reloader_child()
    monkeypatch.setenv(RELOADER_ENV, "1")
    assert is_reloader_child()


def test_reloader_command_repeats_the_original_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "orig_argv", ["python3", "-X", "dev", "-m", "lcore", "app.py"])
    assert reloader_command() == [sys.executable, "-X", "dev", "-m", "lcore", "app.py"]


def test_reloader_command_without_orig_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "orig_argv", [])
    monkeypatch.setattr(sys, "argv", ["/site/lcore/__main__.py", "app.py", "--reload"])
    main = ModuleType("__main__")
    main.__spec__ = importlib.util.spec_from_loader("lcore.__main__", loader=None)
    monkeypatch.setitem(sys.modules, "__main__", main)
    assert reloader_command() == [sys.executable, "-m", "lcore", "app.py", "--reload"]
    main.__spec__ = None
    assert reloader_command() == [sys.executable, "/site/lcore/__main__.py", "app.py", "--reload"]


def test_importing_stays_light() -> None:
    """`import lcore` does not load the reloader; the reloader loads no optional package
    and no asyncio until used."""
    code = (
        "import sys, lcore; print('lcore.reloader' in sys.modules);"
        " import lcore.reloader; print('watchdog' in sys.modules, 'asyncio' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["False", "False", "False"], result.stderr
    assert lcore.WatchdogReloader is WatchdogReloader
    assert lcore.AsyncReloader is AsyncReloader
    assert lcore.FileCheckerThread is FileCheckerThread


# -- the supervising parent, in subprocesses -------------------------------------------------

SUPERVISED = """
import os, sys, time
from pathlib import Path
from lcore.reloader import is_reloader_child, run_reloader_parent, start_file_watcher

if not is_reloader_child():
    sys.exit(run_reloader_parent(interval=0.05))
runs = Path("runs")
count = int(runs.read_text()) + 1 if runs.exists() else 1
runs.write_text(str(count))
mode = sys.argv[1]
if mode == "restart":
    sys.exit(3 if count < 3 else 7)
if mode == "watch":
    start_file_watcher(0.05, lambda: os._exit(3))
Path("child.pid").write_text(str(os.getpid()))
time.sleep(120)
"""


@pytest.fixture
def supervised(tmp_path: Path) -> Path:
    script = tmp_path / "supervised.py"
    script.write_text(SUPERVISED, encoding="utf-8")
    return script


def test_the_parent_restarts_on_status_3_and_returns_any_other(supervised: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(supervised), "restart"],
        cwd=supervised.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (supervised.parent / "runs").read_text() == "3"
    assert result.returncode == 7, result.stderr


def _child_pid(folder: Path) -> int:
    pid_file = folder / "child.pid"
    text = wait_for(lambda: pid_file.read_text() if pid_file.exists() else None)
    assert text, "the child started"
    return int(text)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_parent_stops_the_child(supervised: Path, sig: signal.Signals) -> None:
    """SIGTERM is passed on at once; SIGINT (the child did not get it: it was sent to the
    parent alone) after a grace period, as SIGTERM."""
    folder = supervised.parent
    with spawned([sys.executable, str(supervised), "wait"], folder, folder / "log") as parent:
        child = _child_pid(folder)
        parent.send_signal(sig)
        assert parent.wait(timeout=WAIT) == 128 + signal.SIGTERM
        assert wait_for(lambda: (not is_running(child)) or None), "no orphan is left"


def test_ctrl_c_reaches_the_child_and_ends_the_parent(supervised: Path) -> None:
    folder = supervised.parent
    with spawned([sys.executable, str(supervised), "wait"], folder, folder / "log") as parent:
        child = _child_pid(folder)
        os.killpg(parent.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        assert parent.wait(timeout=WAIT) == 128 + signal.SIGINT
        assert not is_running(child)
        assert "KeyboardInterrupt" in (folder / "log").read_text()


def test_a_child_whose_parent_died_stops_itself(supervised: Path) -> None:
    folder = supervised.parent
    with spawned([sys.executable, str(supervised), "watch"], folder, folder / "log") as parent:
        child = _child_pid(folder)
        parent.kill()
        parent.wait(timeout=WAIT)
        assert wait_for(lambda: (not is_running(child)) or None), "the orphan noticed"
        assert (folder / "runs").read_text() == "1", "nobody restarted it"


# -- WatchdogReloader and AsyncReloader -------------------------------------------------------


def _reported(changed: list[str], path: Path, text: str) -> bool:
    """Edit ``path`` until the reloader reports it (the first edit may come before the
    observer is ready); whether it did within the bound."""
    seen = len([p for p in changed if Path(p) == path])

    def edited() -> bool | None:
        rewrite(path, text)
        return wait_for(lambda: len([p for p in changed if Path(p) == path]) > seen or None, 1)

    return bool(wait_for(edited))


@pytest.mark.parametrize("backend", ["watchdog", "polling"])
def test_watchdog_reloader_reports_edited_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    if backend == "polling":
        for name in ("watchdog", "watchdog.events", "watchdog.observers"):
            monkeypatch.setitem(sys.modules, name, None)  # as if not installed
    else:
        pytest.importorskip("watchdog")
    source = tmp_path / "views.py"
    source.write_text("value = 0\n", encoding="utf-8")
    for folder in (".git", "__pycache__", "venv"):
        (tmp_path / folder).mkdir()
    (tmp_path / "venv" / "pyvenv.cfg").write_text("", encoding="utf-8")
    changed: list[str] = []
    with WatchdogReloader(paths=[tmp_path], interval=0.05, callback=changed.append) as watcher:
        assert watcher.backend == backend
        assert _reported(changed, source, "value = 1\n")
        for ignored in ("notes.txt", ".git/hook.py", "__pycache__/views.py", "venv/site.py"):
            rewrite(tmp_path / ignored, "x = 1\n")
        # events arrive in order: once this edit is reported, the ones above were seen
        assert _reported(changed, source, "value = 2\n")
    assert {Path(p).name for p in changed} == {"views.py"}, changed
    assert not [p for p in changed if "__pycache__" in p], changed


def test_watchdog_reloader_skips_deleted_files(tmp_path: Path) -> None:
    source = tmp_path / "views.py"
    source.write_text("value = 0\n", encoding="utf-8")
    changed: list[str] = []
    watcher = WatchdogReloader(paths=[tmp_path], callback=changed.append)
    source.unlink()
    watcher._notify(str(source), str(tmp_path))
    assert changed == []
    source.write_text("value = 1\n", encoding="utf-8")
    watcher._notify(str(source), str(tmp_path))
    watcher._notify(str(source), str(tmp_path))
    assert changed == [str(source)], "reported once per version"


def test_watchdog_reloader_ignores_dot_folders_above_its_root(tmp_path: Path) -> None:
    root = tmp_path / ".projects" / "shop"
    root.mkdir(parents=True)
    changed: list[str] = []
    watcher = WatchdogReloader(paths=[root], callback=changed.append)
    (root / "app.py").write_text("x = 1\n", encoding="utf-8")
    watcher._notify(str(root / "app.py"), str(root))
    assert changed == [str(root / "app.py")]


def test_async_reloader_polls_in_a_task(tmp_path: Path) -> None:
    source = tmp_path / "page.tpl"
    source.write_text("v0", encoding="utf-8")
    changed: list[str] = []

    async def scenario() -> None:
        watcher = AsyncReloader(paths=[str(tmp_path)], interval=0.02, callback=changed.append)
        task = watcher.start()
        assert watcher.start() is task
        await asyncio.sleep(0.05)
        rewrite(source, "v1")
        for _ in range(int(WAIT / 0.02)):
            if changed:
                break
            await asyncio.sleep(0.02)
        watcher.stop()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert changed == [str(source)]


def test_async_reloader_needs_a_loop() -> None:
    with pytest.raises(RuntimeError):
        AsyncReloader(callback=print).start()


RESTARTING = """
import os, sys, time
from lcore import Lcore, WatchdogReloader

runs = int(os.environ.get("RUNS", "0")) + 1
os.environ["RUNS"] = str(runs)  # kept across os.execv
print(f"run {runs}", flush=True)
WatchdogReloader(Lcore(), paths=[sys.argv[1]], interval=0.05).start()
time.sleep(120)
"""


def test_the_default_callback_re_executes_the_program(tmp_path: Path) -> None:
    watched = tmp_path / "watched"
    watched.mkdir()
    source = watched / "views.py"
    source.write_text("value = 0\n", encoding="utf-8")
    script = tmp_path / "restarting.py"
    script.write_text(RESTARTING, encoding="utf-8")
    log = tmp_path / "log"
    with spawned([sys.executable, str(script), str(watched)], tmp_path, log):
        assert wait_for(lambda: "run 1" in log.read_text() or None)

        def report_after(text: str, expected: str) -> bool | None:
            rewrite(source, text)
            return wait_for(lambda: expected in log.read_text() or None, timeout=1)

        assert wait_for(lambda: report_after("value = (\n", "SyntaxError")), log.read_text()
        assert "run 2" not in log.read_text(), "a syntax error does not restart"
        assert wait_for(lambda: report_after("value = 2\n", "run 2")), log.read_text()


# -- python -m lcore --reload, end to end -----------------------------------------------------

APP = """
from lcore import Lcore

app = Lcore()


@app.get("/")
def index():
    return {version!r}
"""

_WIRED = "start_file_watcher" in inspect.getsource(lcore.servers.serving)


@pytest.mark.skipif(not _WIRED, reason="servers.run(reloader=True) does not start the watcher")
def test_reload_end_to_end(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(APP.format(version="v1"), encoding="utf-8")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "log"
    command = lcore_command("app.py", "--reload", "-b", f"127.0.0.1:{port}")

    def body() -> str | None:
        reply = http_get(url)
        return reply[1] if reply else None

    def serves(expected: str) -> bool | None:
        return body() == expected or None

    with spawned(command, tmp_path, log) as process:
        assert wait_for(lambda: serves("v1")), log.read_text()
        rewrite(app, APP.format(version="v2"))
        assert wait_for(lambda: serves("v2")), log.read_text()
        rewrite(app, APP.format(version="v3") + "\ndef broken(:\n")
        assert wait_for(lambda: "SyntaxError" in log.read_text() or None), log.read_text()
        assert body() == "v2", "the last good version keeps serving"
        assert process.poll() is None
        rewrite(app, APP.format(version="v4"))
        assert wait_for(lambda: serves("v4")), log.read_text()
        stop_group(process)
        assert process.returncode is not None
