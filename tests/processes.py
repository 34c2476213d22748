"""Helpers for tests that run lcore in subprocesses: free ports, bounded waits, HTTP
requests that never raise, and stopping a whole process group."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: The longest any single wait in these tests may take, in seconds.
WAIT = 20.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(probe: Callable[[], T | None], timeout: float = WAIT, step: float = 0.1) -> T | None:
    """Call ``probe`` until it returns something other than ``None`` or time is up."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None or time.monotonic() >= deadline:
            return result
        time.sleep(step)


def http_get(url: str) -> tuple[int, str] | None:
    """``(status, body)`` of a GET, or ``None`` when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=3) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (OSError, ValueError):
        return None


def lcore_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "lcore", *args]


def run_lcore(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``python -m lcore ARGS`` to completion (bounded)."""
    return subprocess.run(
        lcore_command(*args), cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


@contextlib.contextmanager
def spawned(command: Sequence[str], cwd: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command`` in its own process group, output to ``log``; on exit the whole
    group is stopped (SIGTERM, then SIGKILL), whatever happened."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            list(command), cwd=cwd, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            stop_group(process)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop ``process`` and every process of its group (bounded)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            continue
        # the leader is gone; make sure no member of its group is left either
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


def is_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie awaiting its reaper is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def rewrite(path: Path, text: str) -> None:
    """Write ``text`` and move the file's mtime forward, so that a poller sees a change
    even on a file system with coarse timestamps."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    later = max(before + 1_000_000_000, time.time_ns())
    os.utime(path, ns=(later, later))
