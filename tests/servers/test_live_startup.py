"""Starting real servers in subprocesses: the banner comes once the port is bound, and a
server that cannot start is one ``lcore: error:`` line and status 2, at once, from
``app.run()`` as from the command line."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .serving import HERE, ROOT, WAIT, free_port, installed

#: A start failure must end the process at once; this only allows for a slow machine
#: (gunicorn used to retry a busy port for five seconds).
PROMPT = 4.0

SERVERS = ["wsgiref", "waitress", "cheroot", "gunicorn"]


def _env() -> dict[str, str]:
    paths = [str(ROOT), str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "PYTHONUNBUFFERED": "1"}


def _python(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``python ARGS`` to the end (bounded); the result and how long it took."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=WAIT,
        start_new_session=True,
    )
    return done, time.monotonic() - started


def _run_app(cwd: Path, arguments: str) -> tuple[subprocess.CompletedProcess[str], float]:
    code = f"import lcore; app = lcore.Lcore(); app.run({arguments})"
    return _python(["-c", code], cwd)


@contextlib.contextmanager
def _port_in_use() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def _assert_one_error_line(
    done: subprocess.CompletedProcess[str], took: float, expected: str
) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [expected], done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert took < PROMPT, f"took {took:.1f}s"


def _param(server: str) -> object:
    marks = [pytest.mark.skip(reason=f"{server} is not installed")] if not installed(server) else []
    if server == "gunicorn" and sys.platform == "win32":
        marks.append(pytest.mark.skip(reason="gunicorn runs on Unix only"))
    return pytest.param(server, marks=marks, id=server)


@pytest.mark.parametrize("server", [_param(s) for s in SERVERS])
def test_a_port_in_use_is_one_line_from_app_run(server: str, tmp_path: Path) -> None:
    with _port_in_use() as port:
        done, took = _run_app(tmp_path, f"server={server!r}, port={port}")
    reason = "Address already in use"
    if server == "cheroot":  # cheroot words it its own way
        reason = f"No socket could be created -- (('127.0.0.1', {port}): [Errno 98] {reason})"
    if sys.platform != "linux":
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
        return
    _assert_one_error_line(done, took, f"lcore: error: cannot serve on 127.0.0.1:{port}: {reason}")


@pytest.mark.parametrize("server", [_param(s) for s in ["wsgiref", "waitress", "gunicorn"]])
def test_a_port_in_use_is_one_line_from_the_command_line(server: str, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import lcore\napp = lcore.Lcore()\n", encoding="utf-8")
    with _port_in_use() as port:
        done, took = _python(["-m", "lcore", "app.py", "-s", server, "-b", f":{port}"], tmp_path)
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"lcore: error: cannot serve on 127.0.0.1:{port}: "), line
    assert took < PROMPT


@pytest.mark.parametrize("server", [_param(s) for s in ["wsgiref", "waitress", "gunicorn"]])
def test_a_host_that_cannot_be_bound_is_one_line(server: str, tmp_path: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is no address of this machine; no DNS is asked.
    done, took = _run_app(tmp_path, f"server={server!r}, host='192.0.2.1', port=8080")
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("lcore: error: cannot serve on 192.0.2.1:8080: "), line
    assert took < PROMPT


@pytest.mark.skipif(installed("bjoern"), reason="bjoern is installed")
def test_a_missing_server_package_is_one_line(tmp_path: Path) -> None:
    done, took = _run_app(tmp_path, "server='bjoern', port=0")
    _assert_one_error_line(
        done,
        took,
        "lcore: error: cannot serve on 127.0.0.1:0:"
        " server 'bjoern' needs the bjoern package: pip install bjoern",
    )


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix only")
def test_gunicorn_that_cannot_load_its_worker_is_one_line(tmp_path: Path) -> None:
    done, took = _run_app(tmp_path, "server='gunicorn', port=0, worker_class='nope'")
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("lcore: error: gunicorn could not start: class uri 'nope'"), line
    assert took < PROMPT


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix only")
def test_a_bad_gunicorn_setting_is_one_line(tmp_path: Path) -> None:
    done, took = _run_app(tmp_path, "server='gunicorn', port=0, workers='many'")
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("lcore: error: bad gunicorn setting: "), line
    assert took < PROMPT


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix only")
def test_gunicorn_whose_workers_fail_to_boot_exits_2(tmp_path: Path) -> None:
    """gunicorn logs the worker's own error; lcore adds one line and the status."""
    (tmp_path / "booting.py").write_text(
        "import lcore\n"
        "app = lcore.Lcore()\n"
        "def post_fork(server, worker):\n"
        "    raise RuntimeError('no database')\n"
        "app.run(server='gunicorn', port=0, quiet=True, post_fork=post_fork)\n",
        encoding="utf-8",
    )
    done, took = _python(["booting.py"], tmp_path)
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("lcore: error:")]
    assert errors == ["lcore: error: gunicorn could not start: Worker failed to boot."]
    assert took < WAIT


@pytest.mark.parametrize("server", [_param(s) for s in SERVERS])
def test_the_banner_comes_once_the_port_is_bound(server: str, tmp_path: Path) -> None:
    port = free_port()
    code = f"import lcore; app = lcore.Lcore(); app.run(server={server!r}, port={port})"
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=_env(),
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    # Reading the pipe blocks; whatever happens, the process is killed in time.
    watchdog = threading.Timer(WAIT, os.killpg, (process.pid, signal.SIGKILL))
    watchdog.start()
    try:
        assert process.stderr is not None
        banner = f"lcore serving on http://127.0.0.1:{port}/ with {server} (Ctrl-C to stop)"
        lines: list[str] = []
        for line in process.stderr:
            lines.append(line)
            if line.rstrip("\n") == banner:
                break
        assert lines and lines[-1].rstrip("\n") == banner, "".join(lines)
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT):
            pass  # connects at the first try: the port was bound before the banner
    finally:
        watchdog.cancel()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(WAIT)
        if process.stderr is not None:
            process.stderr.close()
