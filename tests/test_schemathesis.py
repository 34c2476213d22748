"""Schemathesis drives the example app from its own OpenAPI document: generated requests,
valid and invalid, must never give a 500, and every answer must match the document."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from tests.examples import load_example  # noqa: E402

app = load_example("docs_demo.py", "lcore_docs_demo_for_schemathesis").app
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


bookshop_app = load_example("bookshop.py", "lcore_bookshop_for_schemathesis").create_app()
bookshop = schemathesis.openapi.from_wsgi("/docs/json", bookshop_app)


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
