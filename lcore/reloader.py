"""Reloading: the supervising parent of ``run(reloader=True)``, the file checker its
child runs, and the :class:`WatchdogReloader` / :class:`AsyncReloader` for embedding."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from types import FrameType
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "RELOADER_ENV",
    "RELOAD_EXIT_CODE",
    "WATCHED_SUFFIXES",
    "AsyncReloader",
    "FileCheckerThread",
    "WatchdogReloader",
    "compile_error",
    "is_reloader_child",
    "reloader_command",
    "run_reloader_parent",
    "start_file_watcher",
]

#: Set to ``"1"`` in the environment of the child that the reloader parent runs.
RELOADER_ENV = "LCORE_RELOADER_CHILD"
#: The exit status with which a child asks its parent to start it again.
RELOAD_EXIT_CODE = 3
#: The files :class:`WatchdogReloader` and :class:`AsyncReloader` react to.
WATCHED_SUFFIXES = (".py", ".html", ".tpl", ".json", ".yaml", ".yml")

# NOTE: a terminal's Ctrl-C (SIGINT), and often a supervisor's SIGTERM (systemd,
# `kill -- -PGID`), reach the whole process group, child included. A second signal would
# cut the child's graceful stop short, so the parent first gives the child a moment to
# stop on its own, then passes SIGTERM on; a second signal to the parent skips the wait.
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_GRACE: dict[int, float] = {signal.SIGINT: 2.0, signal.SIGTERM: 0.5}
_STOP_TIMEOUT = 10.0
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})

CheckerStatus = Literal["reload", "error", "exit"]
FileStat = tuple[int, int]


def is_reloader_child() -> bool:
    """Whether this process is the child that a reloader parent supervises."""
    return os.environ.get(RELOADER_ENV) == "1"


def reloader_command() -> list[str]:
    """The command line that started this process, to run it again.

    ``sys.orig_argv`` keeps interpreter options and ``-m lcore``; the interpreter itself
    is :data:`sys.executable`.
    """
    if len(sys.orig_argv) > 1:
        return [sys.executable, *sys.orig_argv[1:]]
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    name: str | None = getattr(spec, "name", None)
    if name:
        package = name.removesuffix(".__main__")
        return [sys.executable, "-m", package, *sys.argv[1:]]
    return [sys.executable, *sys.argv]


# -- the parent ---------------------------------------------------------------------------


class _StopRequest:
    """What the parent's signal handlers record: the first signal, and whether to hurry."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.at = 0.0
        self.hurry = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        del frame
        if self.signum is None:
            self.signum, self.at = signum, time.monotonic()
        else:
            self.hurry = True

    def install(self) -> Callable[[], None]:
        """Handle SIGINT and SIGTERM (main thread only); returns the undo."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = {sig: signal.signal(sig, self.handle) for sig in _STOP_SIGNALS}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)

        return restore


def run_reloader_parent(interval: float = 1.0) -> int:
    """Run this program again as a child and restart it whenever it asks to.

    The child (:func:`reloader_command`, with ``LCORE_RELOADER_CHILD=1``) watches its
    source files and exits with :data:`RELOAD_EXIT_CODE` after a change; any other exit
    ends the loop. On SIGINT or SIGTERM the child, which shares the parent's process group
    and so often got the signal too, has a moment to stop by itself (2 s after SIGINT,
    0.5 s after SIGTERM, none after a second signal); then it is sent SIGTERM, and
    killed if it still runs 10 s later, so no child outlives its parent.

    Args:
        interval: Seconds between checks for a stop request while the child runs.

    Returns:
        The child's exit status (``128 + N`` when signal ``N`` ended it).
    """
    command = reloader_command()
    env = {**os.environ, RELOADER_ENV: "1"}
    stop = _StopRequest()
    restore = stop.install()
    try:
        while True:
            child = subprocess.Popen(command, env=env)
            status = _supervise(child, stop, min(max(interval, 0.05), 0.5))
            if status != RELOAD_EXIT_CODE or stop.signum is not None:
                return status
    finally:
        restore()


def _supervise(child: subprocess.Popen[bytes], stop: _StopRequest, step: float) -> int:
    try:
        while stop.signum is None:
            try:
                return _exit_status(child.wait(timeout=step))
            except subprocess.TimeoutExpired:
                continue
        return _stop_child(child, stop, step)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def _stop_child(child: subprocess.Popen[bytes], stop: _StopRequest, step: float) -> int:
    if not stop.hurry:
        grace = _GRACE.get(stop.signum or signal.SIGTERM, 0.0)
        status = _wait_until(child, stop.at + grace, stop, step)
        if status is not None:
            return status
    if child.poll() is None:
        child.terminate()
    status = _wait_until(child, time.monotonic() + _STOP_TIMEOUT, None, step)
    if status is not None:
        return status
    child.kill()
    return _exit_status(child.wait())


def _wait_until(
    child: subprocess.Popen[bytes], deadline: float, stop: _StopRequest | None, step: float
) -> int | None:
    """The child's status once it exits before ``deadline``; ``None`` when time is up or
    the stop request turns hurried."""
    while (remaining := deadline - time.monotonic()) > 0:
        if stop is not None and stop.hurry:
            return None
        try:
            return _exit_status(child.wait(timeout=min(step, remaining)))
        except subprocess.TimeoutExpired:
            continue
    return None


def _exit_status(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


# -- the child's checker ------------------------------------------------------------------


def _stat(path: str) -> FileStat | None:
    try:
        result = os.stat(path)
    except OSError:
        return None
    return result.st_mtime_ns, result.st_size


def compile_error(path: str) -> str | None:
    """Why the Python file at ``path`` does not compile (``file:line: message``), or
    ``None`` when it does (or cannot be read, which importing it will report)."""
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError:
        return None
    try:
        compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"{exc.filename or path}:{exc.lineno}: {type(exc).__name__}: {exc.msg}"
    except ValueError as exc:  # source with a NUL byte, before Python 3.12
        return f"{path}: {exc}"
    return None


def _report_compile_error(message: str) -> None:
    print(
        f"lcore: not reloading, {message} (the running version keeps serving)",
        file=sys.stderr,
        flush=True,
    )


class FileCheckerThread(threading.Thread):
    """Polls the source file of every loaded module (and ``extra_files``) for changes.

    A changed Python file must compile before it counts: while one does not, its error
    is printed once per version and :attr:`status` is ``'error'``; the running code
    keeps serving. ``run(reloader=True)`` starts one in the reloader's child through
    :func:`start_file_watcher`.

    Args:
        interval: Seconds between polls.
        on_change: Called once, from this thread, when :attr:`status` becomes
            ``'reload'`` or ``'exit'``; the thread then ends.
        extra_files: Files to watch besides the loaded modules (templates, config).
    """

    def __init__(
        self,
        interval: float = 1.0,
        on_change: Callable[[], None] | None = None,
        extra_files: Iterable[str | os.PathLike[str]] = (),
    ) -> None:
        super().__init__(name="lcore-reloader", daemon=True)
        self.interval = interval
        self.on_change = on_change
        self.extra_files: list[str] = [os.fspath(path) for path in extra_files]
        #: ``None`` while watching; ``'error'`` while a changed file does not compile;
        #: ``'reload'`` when a change is ready; ``'exit'`` when the reloader parent died.
        self.status: CheckerStatus | None = None
        #: The files changed since this checker started.
        self.changed: set[str] = set()
        self._parent = os.getppid() if is_reloader_child() else None
        self._stats: dict[str, FileStat] = {}
        self._missing: set[str] = set()
        self._reported: dict[str, FileStat | None] = {}
        self._halt = threading.Event()
        for path in self.files():
            stat = _stat(path)
            if stat is not None:
                self._stats[path] = stat

    def files(self) -> set[str]:
        """The watched files: each loaded module's ``.py`` source, plus ``extra_files``."""
        found = set(self.extra_files)
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if isinstance(path, str) and path.endswith(".py"):
                found.add(path)
        return found

    def check(self) -> CheckerStatus | None:
        """Poll the files once and return the new :attr:`status`."""
        if self._parent is not None and os.getppid() != self._parent:
            self.status = "exit"
            return self.status
        for path in self.files():
            self._check_file(path)
        if not self.changed:
            return self.status
        errors = [
            (path, compile_error(path)) for path in sorted(self.changed) if path.endswith(".py")
        ]
        failing = [(path, error) for path, error in errors if error is not None]
        for path, error in failing:
            if path not in self._reported or self._reported[path] != self._stats.get(path):
                self._reported[path] = self._stats.get(path)
                _report_compile_error(error)
        self.status = "error" if failing else "reload"
        return self.status

    def _check_file(self, path: str) -> None:
        stat = _stat(path)
        known = self._stats.get(path)
        if stat is None:
            # NOTE: an editor saving by rename leaves the file missing for an instant;
            # only a file missing at two polls in a row counts as deleted.
            if known is not None:
                if path in self._missing:
                    del self._stats[path]
                    self._missing.discard(path)
                    self.changed.add(path)
                else:
                    self._missing.add(path)
            return
        self._missing.discard(path)
        if known != stat:
            if known is not None:
                stat = _settled_stat(path) or stat  # let a save in progress finish first
            self._stats[path] = stat
            if known is not None:
                self.changed.add(path)

    def run(self) -> None:
        """Poll every ``interval`` seconds until a change is ready or :meth:`stop`."""
        while not self._halt.wait(self.interval):
            if self.check() in ("reload", "exit"):
                if self.on_change is not None:
                    self.on_change()
                return

    def stop(self) -> None:
        """End the thread after its current poll."""
        self._halt.set()


def start_file_watcher(
    interval: float,
    on_change: Callable[[], None],
    extra_files: Iterable[str | os.PathLike[str]] = (),
) -> FileCheckerThread:
    """Start a daemon :class:`FileCheckerThread` that calls ``on_change`` once when a
    loaded module's file changed and compiles (or when the reloader parent died).

    Args:
        interval: Seconds between polls.
        on_change: Called from the watcher thread; ``run()`` passes one that stops the
            server and exits with :data:`RELOAD_EXIT_CODE`.
        extra_files: Files to watch besides the loaded modules.

    Returns:
        The started thread.
    """
    checker = FileCheckerThread(interval, on_change, extra_files)
    checker.start()
    return checker


# -- reloaders for embedding ----------------------------------------------------------------


def _is_skipped_dir(name: str) -> bool:
    return name.startswith(".") or name in _SKIPPED_DIRS


def _is_skipped_folder(parent: str, name: str) -> bool:
    """Hidden folders, caches, and virtualenvs (with or without a leading dot) are not
    the project's code."""
    return _is_skipped_dir(name) or os.path.exists(os.path.join(parent, name, "pyvenv.cfg"))


def _is_watched(path: str, root: str) -> bool:
    """Whether ``path`` (found under the watched ``root``) has a watched suffix and lies
    in no skipped folder below ``root``."""
    if not path.endswith(WATCHED_SUFFIXES):
        return False
    parent = root
    for name in os.path.relpath(path, root).split(os.sep)[:-1]:
        if name not in (".", "..") and _is_skipped_folder(parent, name):
            return False
        parent = os.path.join(parent, name)
    return True


class _TreeSnapshot:
    """The watched files under some folders and their stats; :meth:`changes` polls."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = list(paths)
        self.stats = self.scan()

    def scan(self) -> dict[str, FileStat]:
        stats: dict[str, FileStat] = {}
        for root in self.paths:
            if os.path.isfile(root):
                stat = _stat(root)
                if stat is not None:
                    stats[root] = stat
                continue
            for folder, dirs, names in os.walk(root):
                dirs[:] = [d for d in dirs if not _is_skipped_folder(folder, d)]
                for name in names:
                    if name.endswith(WATCHED_SUFFIXES):
                        path = os.path.join(folder, name)
                        stat = _stat(path)
                        if stat is not None:
                            stats[path] = stat
        return stats

    def changes(self) -> list[str]:
        """The files created or changed since the last call, sorted (a deleted file is
        no code to run)."""
        current = self.scan()
        changed = sorted(p for p, stat in current.items() if self.stats.get(p) != stat)
        self.stats = current
        return changed


def _settled_stat(path: str, pause: float = 0.05, tries: int = 20) -> FileStat | None:
    """The file's stat once two readings ``pause`` apart agree (at most ``tries`` pauses).

    Events fire while an editor is still writing (a truncate, then the new text): acting
    on the first one would compile, or run, a half-written file.
    """
    current = _stat(path)
    for _ in range(tries):
        time.sleep(pause)
        settled = _stat(path)
        if settled == current:
            break
        current = settled
    return current


def _restart_process(app: object) -> Callable[[str], None]:
    """The default reloader callback: re-execute this program so the edited code runs.

    A Python file that does not compile is reported instead, and the process keeps
    running until a later save compiles.
    """

    def restart(path: str) -> None:
        if path.endswith(".py"):
            error = compile_error(path)
            if error is not None:
                _report_compile_error(error)
                return
        print(f"lcore: {path} changed, restarting", file=sys.stderr, flush=True)
        close = getattr(app, "close", None)
        if callable(close):
            close()
        sys.stdout.flush()
        os.execv(sys.executable, reloader_command())

    return restart


class _ProjectWatcher:
    """What the two reloaders share: the app, the watched paths, the poll interval and
    the callback (by default, re-execute the program with the edited code)."""

    def __init__(
        self,
        app: object,
        paths: Iterable[str | os.PathLike[str]] | None,
        interval: float,
        callback: Callable[[str], None] | None,
    ) -> None:
        self.app = app
        self.paths: list[str] = [os.fspath(p) for p in paths] if paths is not None else ["."]
        self.interval = interval
        self.callback: Callable[[str], None] = callback or _restart_process(app)


class WatchdogReloader(_ProjectWatcher):
    """Watch project files and react to every change, for apps not started by
    ``run(reloader=True)``.

    Uses the ``watchdog`` package when it is installed (imported by :meth:`start`), else
    polls every ``interval`` seconds. Files ending in :data:`WATCHED_SUFFIXES` count;
    hidden folders, ``__pycache__``, ``node_modules`` and virtualenvs do not.

    The default callback really reloads: it calls ``app.close()`` and re-executes the
    program (``os.execv``, same interpreter and arguments), cutting off requests in
    flight; a ``.py`` file that does not compile is reported and the program keeps
    running. A custom ``callback(changed_path)`` replaces it.

    Args:
        app: The app, closed before a default restart.
        paths: Files and folders to watch (default: the working directory).
        interval: Seconds between polls when watchdog is missing.
        callback: Called with the path of each changed file.
    """

    def __init__(
        self,
        app: object = None,
        paths: Iterable[str | os.PathLike[str]] | None = None,
        interval: float = 1,
        callback: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(app, paths, interval, callback)
        #: ``'watchdog'`` or ``'polling'`` once started, else ``None``.
        self.backend: Literal["watchdog", "polling"] | None = None
        self._stop: Callable[[], None] | None = None
        self._seen: dict[str, FileStat | None] = {}
        self._lock = threading.Lock()

    def start(self) -> WatchdogReloader:
        """Start watching (in background threads); returns self."""
        if self._stop is not None:
            return self
        try:
            from watchdog.events import FileSystemEvent, FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            self._stop = self._start_polling()
            self.backend = "polling"
            return self
        notify = self._notify

        class Handler(FileSystemEventHandler):
            def __init__(self, root: str) -> None:
                super().__init__()
                self.root = root

            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.is_directory or event.event_type in ("opened", "closed_no_write"):
                    return
                for raw in (event.src_path, event.dest_path):
                    if raw:
                        notify(os.fsdecode(raw), self.root)

        observer = Observer()
        for path in self.paths:
            if os.path.isdir(path):
                observer.schedule(Handler(path), path, recursive=True)
            else:
                observer.schedule(Handler(os.path.dirname(path) or "."), path)
        observer.start()

        def stop() -> None:
            observer.stop()
            observer.join(timeout=5)

        self._stop = stop
        self.backend = "watchdog"
        return self

    def _notify(self, path: str, root: str) -> None:
        """Call the callback for a watched file whose stat differs from the last seen
        (an editor's single save often fires several events)."""
        if not _is_watched(path, root):
            return
        stat = _settled_stat(path)
        with self._lock:
            if path in self._seen and self._seen[path] == stat:
                return
            self._seen[path] = stat
        # NOTE: an editor saving by rename moves the old file away first; a missing file
        # is no code to run, and its return is a change again.
        if stat is not None:
            self.callback(path)

    def _start_polling(self) -> Callable[[], None]:
        snapshot = _TreeSnapshot(self.paths)
        halt = threading.Event()

        def poll() -> None:
            while not halt.wait(self.interval):
                for path in snapshot.changes():
                    self.callback(path)

        thread = threading.Thread(target=poll, name="lcore-watchdog-reloader", daemon=True)
        thread.start()

        def stop() -> None:
            halt.set()
            if thread is not threading.current_thread():
                thread.join(timeout=5)

        return stop

    def stop(self) -> None:
        """Stop watching."""
        stop, self._stop = self._stop, None
        if stop is not None:
            stop()

    def __enter__(self) -> WatchdogReloader:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class AsyncReloader(_ProjectWatcher):
    """Poll project files from an asyncio task; same files and callback as
    :class:`WatchdogReloader`.

    Args:
        app: The app, closed before a default restart.
        paths: Files and folders to watch (default: the working directory).
        interval: Seconds between polls.
        callback: Called with the path of each changed file.
    """

    def __init__(
        self,
        app: object = None,
        paths: Iterable[str | os.PathLike[str]] | None = None,
        interval: float = 1.0,
        callback: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(app, paths, interval, callback)
        self.task: asyncio.Task[None] | None = None

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> asyncio.Task[None]:
        """Start polling in a task of ``loop`` (default: the running loop); call it from
        the loop's thread.

        Raises:
            RuntimeError: No loop given and none running.
        """
        import asyncio

        if self.task is None or self.task.done():
            loop = loop if loop is not None else asyncio.get_running_loop()
            self.task = loop.create_task(self._poll(_TreeSnapshot(self.paths)))
        return self.task

    async def _poll(self, snapshot: _TreeSnapshot) -> None:
        import asyncio

        while True:
            await asyncio.sleep(self.interval)
            for path in snapshot.changes():
                self.callback(path)

    def stop(self) -> None:
        """Cancel the polling task."""
        task, self.task = self.task, None
        if task is not None:
            task.cancel()
