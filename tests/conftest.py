"""Shared fixtures."""

from __future__ import annotations

import pytest

from lcore import Lcore


@pytest.fixture
def app() -> Lcore:
    """A fresh app answering errors as JSON."""
    application = Lcore()
    application.config["error.format"] = "json"
    return application
