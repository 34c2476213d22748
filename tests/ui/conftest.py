"""Fixtures for the /docs browser tests: the example app on a real server, Chromium, and
a page that records every console message and every request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from . import harness

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request


@pytest.fixture(scope="session")
def demo() -> ModuleType:
    return harness.load_demo()


@pytest.fixture(scope="session")
def base_url(demo: ModuleType) -> Iterator[str]:
    with harness.serve(demo.app) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    reason = harness.missing()
    if reason:
        pytest.skip(reason)
    with harness.chromium() as launched:
        yield launched


@dataclass
class Recorded:
    """What a page did: console messages, uncaught errors, requested URLs."""

    console: list[ConsoleMessage] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    def console_errors(self) -> list[str]:
        return [f"{m.type}: {m.text}" for m in self.console if m.type in ("error", "warning")]


@dataclass
class DocsPage:
    page: Page
    recorded: Recorded
    base_url: str

    def open(self, fragment: str = "", width: int | None = None) -> Page:
        """Load /docs (with a #fragment) and wait until the document is rendered."""
        if width is not None:
            self.page.set_viewport_size({"width": width, "height": 800})
        self.page.goto(f"{self.base_url}/docs{fragment}")
        self.page.wait_for_selector("body[data-ready]")
        return self.page


@pytest.fixture
def docs(browser: Browser, base_url: str) -> Iterator[DocsPage]:
    """A fresh browser context (its own sessionStorage) with one recording page."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    context.set_default_timeout(harness.TIMEOUT_MS)
    try:
        page = context.new_page()
        recorded = Recorded()
        # NOTE: Playwright wants Python functions as handlers, not bound builtins.
        page.on("console", lambda message: recorded.console.append(message))
        page.on("pageerror", lambda error: recorded.errors.append(error))
        page.on("request", lambda request: recorded.requests.append(request))
        yield DocsPage(page, recorded, base_url)
    finally:
        context.close()
