"""Authorize once in the API browser: HTTP basic and API keys (header and query) reach
the operations that need them, follow the document's requirements, and live only in the
tab's sessionStorage."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from lcore import Lcore, request
from lcore.openapi import api_key, http_basic

from . import harness
from .conftest import DocsPage

pytestmark = pytest.mark.skipif(harness.missing() is not None, reason=str(harness.missing()))


def echo() -> dict[str, str | None]:
    return {
        "authorization": request.get_header("Authorization"),
        "header": request.get_header("X-API-Key"),
        "query": request.query.get("api_key"),
    }


def auth_app() -> Lcore:
    app = Lcore()
    app.config["error.format"] = "json"  # a refusal is readable in the response view
    app.add_security_scheme("basicAuth", http_basic())
    app.add_security_scheme("keyHeader", api_key("X-API-Key", "header"))
    app.add_security_scheme("keyQuery", api_key("api_key", "query"))
    routes: dict[str, Any] = {
        "basic": ["basicAuth"],
        "keys": [{"keyHeader": [], "keyQuery": []}],  # both together
        "either": ["basicAuth", "keyHeader"],  # any one of them
        "public": [],
        "undeclared": None,
    }
    for name, security in routes.items():
        options = {} if security is None else {"security": security}
        app.route(f"/echo/{name}", "GET", echo, operation_id=name, **options)
    app.enable_docs()
    return app


@pytest.fixture(scope="module")
def auth_url() -> Iterator[str]:
    with harness.serve(auth_app()) as url:
        yield url


@pytest.fixture
def authorized(docs: DocsPage, auth_url: str) -> DocsPage:
    docs.base_url = auth_url
    return docs


def call(docs: DocsPage, operation_id: str) -> dict[str, Any]:
    page = docs.page
    page.evaluate(f"location.hash = '{operation_id}'")
    op = page.locator(f"#op-{operation_id}")
    op.locator(".op-panel").wait_for()
    op.locator("button.primary").click()
    body = op.locator(".response-view .response-body")
    body.wait_for()
    result: dict[str, Any] = json.loads(body.inner_text())
    op.locator(".response-view").evaluate("el => el.remove()")
    return result


def fill(page: Any, legend: str, label: str, value: str) -> None:
    scheme = page.locator("#authorize fieldset", has_text=legend)
    scheme.get_by_label(label).fill(value)


def test_credentials_follow_each_operations_requirements(authorized: DocsPage) -> None:
    page = authorized.open()
    # Declared schemes are enforced: without credentials the server refuses.
    assert call(authorized, "basic")["status"] == 401
    page.locator("#authorize summary").click()
    fill(page, "basicAuth", "Username", "zoë")
    fill(page, "basicAuth", "Password", "p:ss")
    fill(page, "keyHeader", "Key", "h-123")
    fill(page, "keyQuery", "Key", "q-456")
    assert page.locator("#authorize .auth-state").inner_text() == (
        "set: basicAuth, keyHeader, keyQuery"
    )
    basic = "Basic " + base64.b64encode("zoë:p:ss".encode()).decode()
    assert call(authorized, "basic") == {"authorization": basic, "header": None, "query": None}
    assert call(authorized, "keys") == {"authorization": None, "header": "h-123", "query": "q-456"}
    assert call(authorized, "either")["authorization"] == basic  # the first that is complete
    assert call(authorized, "public") == {"authorization": None, "header": None, "query": None}
    assert call(authorized, "undeclared") == {
        "authorization": basic,
        "header": "h-123",
        "query": "q-456",
    }


def test_credentials_stay_in_this_tab_only(authorized: DocsPage, browser: Any) -> None:
    page = authorized.open()
    page.locator("#authorize summary").click()
    fill(page, "keyHeader", "Key", "h-789")
    fill(page, "keyQuery", "Key", "q-789")  # "keys" needs both, and the server checks
    page.reload()
    page.wait_for_selector("body[data-ready]")
    assert call(authorized, "keys")["header"] == "h-789"  # kept across reloads of the tab
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("document.cookie") == ""
    other = page.context.new_page()  # another tab: sessionStorage is per tab
    try:
        other.goto(f"{authorized.base_url}/docs")
        other.wait_for_selector("body[data-ready]")
        assert other.evaluate("sessionStorage.length") == 0
        assert other.locator("#authorize .auth-state").inner_text() == "not set"
    finally:
        other.close()
    page.locator("#authorize summary").click()
    page.get_by_role("button", name="Forget credentials").click()
    assert page.evaluate("JSON.stringify(sessionStorage)").count("h-789") == 0
    assert call(authorized, "keys")["status"] == 401  # nothing sent any more
