"""Schemathesis drives the example app from its own OpenAPI document: generated requests,
valid and invalid, must never give a 500, and every answer must match the document."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "docs_demo.py"


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lcore_docs_demo_for_schemathesis", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


app = _load_example().app
schema = schemathesis.openapi.from_wsgi("/docs/json", app)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
def test_example_app_matches_its_document(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": "Bearer let-me-in"})


BOOKSHOP = Path(__file__).resolve().parents[1] / "examples" / "bookshop.py"


def _load_bookshop() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lcore_bookshop_for_schemathesis", BOOKSHOP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bookshop = schemathesis.openapi.from_wsgi("/docs/json", _load_bookshop().create_app())


@bookshop.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
def test_bookshop_with_dependencies_security_and_models_matches_its_document(
    case: schemathesis.Case,
) -> None:
    # A token with every scope: the answers then come from the handlers and their models.
    case.call_and_validate(headers={"Authorization": "Bearer staff-token"})
