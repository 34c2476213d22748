"""Shared fixtures: a fresh app, a test client over it, and a check that no test leaves a
request context bound."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lcore import Lcore, TestClient
from lcore.context import context_var


@pytest.fixture
def app() -> Lcore:
    """A fresh app answering errors as JSON."""
    application = Lcore()
    application.config["error.format"] = "json"
    return application


@pytest.fixture
def client(app: Lcore) -> TestClient:
    """A test client over the ``app`` fixture (validated against PEP 3333)."""
    return TestClient(app)


@pytest.fixture(autouse=True)
def no_context_leak() -> Iterator[None]:
    """Fail a test that leaves a request context bound once it is over."""
    yield
    leaked = context_var.get()
    if leaked is not None:
        # Unbind it so the tests after this one start clean and fail only for themselves.
        context_var.set(None)
    assert leaked is None, (
        f"the test left a request context bound ({leaked!r} for {leaked.request!r}):"
        " a bind_context() with no unbind_context(), or a path through lcore that sets"
        " lcore.context.context_var and never resets it"
    )
