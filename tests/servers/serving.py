"""Serve tests/servers/app_for_servers.py under a real server in a subprocess: start it
on a free 127.0.0.1 port, talk to it with http.client, stop it by PID. Every wait has a
deadline, and whatever happens the process group is killed at the end."""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: The longest any single wait may take, in seconds.
WAIT = 20.0

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

#: What a server needs run before the app is imported.
PREAMBLE = {
    "gevent": "from gevent import monkey; monkey.patch_all(); ",
    "eventlet": "import eventlet; eventlet.monkey_patch(); ",
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def installed(module: str) -> bool:
    """Whether ``module`` can be found (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass
class ServedApp:
    """The app being served by ``server`` in ``process``."""

    server: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for_output(self, text: str, timeout: float = WAIT) -> None:
        """Wait until ``text`` appears in the process's output."""
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(f"{text!r} never appeared; output:\n{self.output()}")
            time.sleep(0.05)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        connection: http.client.HTTPConnection | None = None,
    ) -> Reply:
        """One request (on ``connection`` if given, else on a new one)."""
        conn = connection or self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            if connection is None:
                conn.close()

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send ``signum`` to the server's PID; its exit status."""
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {WAIT}s after {signum!r}:\n{self.output()}")


def _wait_until_listening(served: ServedApp) -> None:
    deadline = time.monotonic() + WAIT
    while True:
        if served.process.poll() is not None:
            raise AssertionError(f"{served.server} exited at start:\n{served.output()}")
        try:
            with socket.create_connection(("127.0.0.1", served.port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"{served.server} never listened:\n{served.output()}")
            time.sleep(0.05)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    # The group holds the server and any worker it forked (gunicorn).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=WAIT)


@contextlib.contextmanager
def serving(
    server: str,
    directory: Path,
    module: str = "app_for_servers",
    options: str = "",
    env: dict[str, str] | None = None,
) -> Iterator[ServedApp]:
    """Serve ``module.app`` with ``server`` until the block ends (then kill what is left).

    The process runs in ``directory`` (so no stray ``.env`` is loaded; modules there can
    be imported) and in a session of its own. ``options`` are more ``run()`` arguments.
    """
    port = free_port()
    code = (
        f"{PREAMBLE.get(server, '')}import {module} as m, lcore; "
        f"lcore.run(m.app, server={server!r}, port={port}, quiet=True, {options})"
    )
    paths = [str(directory), str(ROOT), str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {
        **os.environ,
        **(env or {}),
        "PYTHONPATH": os.pathsep.join(paths),
        "PYTHONUNBUFFERED": "1",
    }
    log = directory / f"{server}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=directory,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    served = ServedApp(server, port, process, log)
    try:
        _wait_until_listening(served)
        yield served
    finally:
        _kill_group(process)
