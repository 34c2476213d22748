"""What the /docs browser tests and scripts/screenshots share: the example app served on
127.0.0.1 by a real (wsgiref) server, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import socketserver
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "docs_demo.py"
CHROMIUM = "/usr/bin/chromium"
#: No sandbox (CI runs as root), no GPU, and nothing that phones home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The longest any single browser wait may take, in milliseconds.
TIMEOUT_MS = 10_000


def missing() -> str | None:
    """Why the browser tests cannot run here, or ``None`` when they can."""
    if shutil.which(CHROMIUM) is None:
        return f"Debian's chromium is not installed ({CHROMIUM}); .ci/run installs it"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (it is in the dev extras)"
    return None


def load_demo() -> ModuleType:
    """A fresh copy of examples/docs_demo.py (its own app and its own shelf)."""
    spec = importlib.util.spec_from_file_location("docs_demo_under_test", DEMO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and type hints look their module up
    spec.loader.exec_module(module)
    return module


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        del format, args


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, server_class=_Server, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, launched by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS * 3
        )
        try:
            yield browser
        finally:
            browser.close()
