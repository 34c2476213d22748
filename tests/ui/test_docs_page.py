"""The /docs API browser in headless Chromium, against examples/docs_demo.py served by a
real server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import urllib.request
from types import ModuleType
from typing import Any

import pytest

from . import harness
from .conftest import DocsPage

pytestmark = pytest.mark.skipif(harness.missing() is not None, reason=str(harness.missing()))


def visible_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "article.op:not([hidden])", "els => els.map(e => e.dataset.operationId)"
    )


def send(page: Any, operation_id: str) -> Any:
    """Press the operation's Send button and wait for the answer; the result element."""
    op = page.locator(f"#op-{operation_id}")
    op.locator("button.primary").click()
    result = op.locator(".response-view")
    result.wait_for()
    return result


def test_page_loads_with_no_console_errors_and_nothing_leaves_localhost(docs: DocsPage) -> None:
    responses: list[Any] = []
    docs.page.on("response", lambda r: responses.append(r))
    page = docs.open()
    assert page.locator("#title").inner_text() == "Bookshelf API"
    assert page.title() == "Bookshelf API – API docs"
    assert docs.recorded.console_errors() == []
    assert docs.recorded.errors == []
    urls = [r.url for r in docs.recorded.requests]
    assert any(u.endswith("/docs/json") for u in urls)
    assert any(u.endswith("/docs/static/main.js") for u in urls)
    assert [u for u in urls if not u.startswith(docs.base_url + "/")] == []
    assert {r.status for r in responses} == {200}


def test_every_operation_is_listed(docs: DocsPage, demo: ModuleType) -> None:
    page = docs.open()
    listed = page.eval_on_selector_all(
        "article.op",
        """els => els.map(e => [
            e.querySelector('.method').textContent.toLowerCase(),
            e.querySelector('.path').textContent,
            e.querySelector('.summary').textContent])""",
    )
    document = demo.app.openapi()
    expected = [
        [method, path, operation["summary"]]
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    assert sorted(listed) == sorted(expected)
    assert len(listed) == 6
    tags = page.eval_on_selector_all("section.tag h2", "els => els.map(e => e.textContent)")
    assert tags == ["books", "meta"]


def test_deprecated_and_secured_operations_are_marked(docs: DocsPage) -> None:
    page = docs.open()
    deprecated = page.eval_on_selector_all(
        "article.op.deprecated", "els => els.map(e => e.dataset.operationId)"
    )
    assert deprecated == ["old_list"]
    assert page.locator("#op-old_list .badge.deprecated").inner_text() == "deprecated"
    assert page.locator("#op-delete_book .badge.lock").count() == 1
    assert page.locator("#op-get_book .badge.lock").count() == 0


def test_info_shows_version_and_description_from_markdown(docs: DocsPage) -> None:
    page = docs.open()
    assert page.locator("#info .badge.version").inner_text() == "v1.2.0"
    assert page.locator("#info .markdown strong").inner_text() == "bookshelf"
    assert page.locator("#info .markdown code").inner_text() == "let-me-in"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("health", ["health"]),
        ("BOOK_ID", ["get_book", "delete_book"]),  # the path, case-insensitive
        ("meta", ["health"]),  # a tag
        ("shelf add", ["add_book"]),  # every word must match: the summary
        ("delete", ["delete_book"]),  # the method
        ("no such thing", []),
    ],
)
def test_filter_by_typing(docs: DocsPage, text: str, expected: list[str]) -> None:
    page = docs.open()
    page.locator("#filter").fill(text)
    assert visible_ids(page) == expected
    assert page.locator("#no-match").is_visible() == (not expected)
    assert page.locator("section.tag[data-tag=meta]").is_visible() == ("health" in expected)
    assert page.locator("#filter-count").inner_text() == f"{len(expected)} of 6 operations"


def test_escape_and_slash_work_the_filter_from_the_keyboard(docs: DocsPage) -> None:
    page = docs.open()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "filter"
    page.keyboard.type("health")
    assert visible_ids(page) == ["health"]
    page.keyboard.press("Escape")
    assert len(visible_ids(page)) == 6


def test_keyboard_opens_an_operation(docs: DocsPage) -> None:
    page = docs.open()
    page.locator("#filter").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('op-toggle')"):
            break
    focused = page.evaluate("document.activeElement.closest('article').dataset.operationId")
    page.keyboard.press("Enter")
    page.wait_for_function(f"location.hash === '#{focused}'")
    page.locator(f"#op-{focused} .op-panel").wait_for(state="visible")
    assert page.locator(f"#op-{focused} .op-toggle").get_attribute("aria-expanded") == "true"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # :focus-visible shows where the keyboard is


def test_deep_link_opens_the_operation_and_back_goes_back(docs: DocsPage) -> None:
    page = docs.open("#get_book")
    panel = page.locator("#op-get_book .op-panel")
    assert panel.is_visible()
    assert page.locator("#op-get_book .op-toggle").get_attribute("aria-expanded") == "true"
    assert page.locator("#op-add_book .op-panel").is_hidden()
    other = page.locator("#op-add_book .op-panel")
    page.locator("#op-add_book .op-toggle").click()
    page.wait_for_function("location.hash === '#add_book'")
    other.wait_for(state="visible")  # opened by the hashchange that follows
    panel.wait_for(state="hidden")
    page.go_back()
    page.wait_for_function("location.hash === '#get_book'")
    panel.wait_for(state="visible")
    other.wait_for(state="hidden")
    page.go_forward()
    page.wait_for_function("location.hash === '#add_book'")
    other.wait_for(state="visible")
    panel.wait_for(state="hidden")
    page.locator("#op-add_book .op-toggle").click()  # closing drops the fragment
    page.wait_for_function("location.hash === ''")
    assert other.is_hidden()  # closed by the click itself
    assert page.evaluate("location.href") == f"{docs.base_url}/docs"


def test_opened_operation_shows_parameters_body_and_responses(docs: DocsPage) -> None:
    page = docs.open("#list_books")
    op = page.locator("#op-list_books")
    rows = op.locator("table.params tbody tr")
    assert rows.count() == 3
    limit = rows.nth(0)
    assert limit.locator("th").inner_text() == "limit"
    assert limit.locator("td[data-label=In]").inner_text() == "query"
    assert limit.locator("td[data-label=Type]").inner_text() == "integer"
    assert limit.locator("td[data-label=Constraints]").inner_text() == "≥ 1, ≤ 100"
    assert limit.locator("td[data-label=Default]").inner_text() == "10"
    assert limit.locator("td[data-label=Description]").inner_text() == "At most this many books."
    genre = rows.nth(1)
    assert genre.locator("td[data-label=Type]").inner_text() == "Genre | null"
    assert 'one of: "novel", "poetry", "science"' in genre.inner_text()
    description = op.locator(".op-panel > .markdown")
    assert description.locator("code").first.inner_text() == "genre"
    assert description.locator("em").inner_text() == "both"
    statuses = op.locator(".response .status").all_inner_texts()
    assert statuses == ["200", "422"]
    example = json.loads(op.locator(".response").first.locator("pre").inner_text())
    assert example == [
        {
            "id": 0,
            "title": "string",
            "author": "string",
            "year": 0,
            "genre": "novel",
            "tags": ["string"],
        }
    ]


def test_request_body_is_an_expandable_tree(docs: DocsPage) -> None:
    page = docs.open("#add_book")
    body = page.locator("#op-add_book .request-body")
    assert body.locator(".schema-top .type").inner_text() == "NewBook"
    names = body.locator(".prop-name").all_inner_texts()
    assert names == ["title", "author", "year", "genre", "tags"]
    required = body.locator(".prop:has(.badge.required) .prop-name").all_inner_texts()
    assert required == ["title", "author", "year"]
    tree = page.locator("#op-add_book .response").nth(1)  # the 422: ValidationError
    detail = tree.locator("details.prop-details").filter(has_text="detail").first
    assert detail.get_attribute("open") == ""
    items = detail.locator("details.prop-details").first
    assert items.get_attribute("open") is None  # deeper levels start closed
    items.locator("summary").click()
    items.locator(".prop-name").nth(1).wait_for()  # built when first opened
    assert items.locator(".prop-name").all_inner_texts()[:4] == ["items", "loc", "msg", "type"]


def test_try_it_get_with_a_path_parameter(docs: DocsPage) -> None:
    page = docs.open("#get_book")
    row = page.locator("#op-get_book table.params tbody tr")
    assert row.locator("td[data-label=Description]").inner_text() == "The book's id."
    assert row.locator("td[data-label=Constraints]").inner_text() == "≥ 1"
    assert row.locator("td[data-label=Example]").inner_text() == "1"
    field = page.locator("#op-get_book input[data-name=book_id]")
    assert field.input_value() == "1"  # prefilled with the parameter's example
    field.fill("2")
    result = send(page, "get_book")
    assert result.locator(".status").inner_text() == "200 OK"
    assert result.locator(".request-line").inner_text() == "GET /books/2"
    body = json.loads(result.locator(".response-body").inner_text())
    assert body["title"] == "Leaves of Grass"
    assert result.locator(".response-body").inner_text().startswith('{\n  "id": 2,')  # pretty
    headers = result.locator(".response-headers")
    headers.locator("summary").click()
    assert "application/json" in headers.locator("tr", has_text="content-type").inner_text()
    assert result.locator(".time").inner_text().endswith(" ms")


def test_try_it_post_with_a_json_body(docs: DocsPage) -> None:
    page = docs.open("#add_book")
    textarea = page.locator("#op-add_book textarea")
    assert json.loads(textarea.input_value())["genre"] == "novel"  # prefilled example
    textarea.fill(json.dumps({"title": "Ficciones", "author": "Borges", "year": 1944}))
    result = send(page, "add_book")
    assert result.locator(".status").inner_text() == "201 Created"
    body = json.loads(result.locator(".response-body").inner_text())
    assert body["title"] == "Ficciones" and body["genre"] == "novel" and body["id"] > 2


def test_a_422_is_shown_readably(docs: DocsPage) -> None:
    page = docs.open("#add_book")
    page.locator("#op-add_book textarea").fill('{"title": "X", "year": "MCMXLIV"}')
    result = send(page, "add_book")
    assert result.locator(".status").inner_text() == "422 Unprocessable Entity"
    problem = result.locator(".problem")
    assert problem.get_attribute("role") == "alert"
    assert problem.locator("strong").inner_text() == "422 Unprocessable Entity"
    items = problem.locator("li").all_inner_texts()
    assert any(re.match(r"^body → year: .+\(\w+\)$", item) for item in items), items
    assert any(item.startswith("body → author: ") for item in items), items


def test_a_422_on_a_query_parameter(docs: DocsPage) -> None:
    page = docs.open("#list_books")
    page.locator("#op-list_books input[data-name=limit]").fill("0")
    result = send(page, "list_books")
    assert result.locator(".status").inner_text() == "422 Unprocessable Entity"
    assert result.locator(".request-line").inner_text() == "GET /books?limit=0"
    assert result.locator(".problem li").first.inner_text().startswith("query → limit: ")


def test_try_it_with_a_query_and_an_enum(docs: DocsPage) -> None:
    page = docs.open("#list_books")
    select = page.locator("#op-list_books select[data-name=genre]")
    assert select.locator("option").all_inner_texts() == [
        "(not sent)",
        "novel",
        "poetry",
        "science",
    ]
    select.select_option("poetry")
    result = send(page, "list_books")
    assert result.locator(".request-line").inner_text() == "GET /books?limit=10&genre=poetry"
    titles = [b["title"] for b in json.loads(result.locator(".response-body").inner_text())]
    assert titles == ["Leaves of Grass"]


def test_a_required_path_parameter_left_empty_is_not_sent(docs: DocsPage) -> None:
    page = docs.open("#get_book")
    page.locator("#op-get_book input[data-name=book_id]").fill("")
    page.locator("#op-get_book button.primary").click()
    assert page.locator("#op-get_book .form-error").inner_text() == "Fill in book_id (path)."
    assert page.locator("#op-get_book .response-view").count() == 0


def test_a_non_json_answer_and_an_error_page(docs: DocsPage) -> None:
    page = docs.open("#health")
    result = send(page, "health")
    assert result.locator(".status").inner_text() == "200 OK"
    assert result.locator(".response-body").inner_text() == "ok"
    page.goto(f"{docs.base_url}/docs#get_book")
    page.wait_for_selector("#op-get_book .op-panel:not([hidden])")
    page.locator("#op-get_book input[data-name=book_id]").fill("999")
    result = send(page, "get_book")
    assert result.locator(".status").inner_text() == "404 Not Found"
    assert result.locator(".problem").inner_text().startswith("404 Not Found: no such book")


def add_book(base_url: str) -> int:
    data = json.dumps({"title": "Doomed", "author": "A", "year": 2000}).encode()
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(f"{base_url}/books", data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as reply:
        book_id: int = json.load(reply)["id"]
    return book_id


def test_bearer_token_entered_once_applies_and_stays_in_session_storage(docs: DocsPage) -> None:
    book_id = add_book(docs.base_url)
    page = docs.open("#delete_book")
    page.locator("#op-delete_book input[data-name=book_id]").fill(str(book_id))
    assert send(page, "delete_book").locator(".status").inner_text() == "401 Unauthorized"
    page.locator("#authorize summary").click()
    page.locator("#authorize input[type=password]").fill("let-me-in")
    assert page.locator("#authorize .auth-state").inner_text() == "set: bearerAuth"
    page.reload()
    page.wait_for_selector("body[data-ready]")
    assert page.evaluate("Object.keys(localStorage).length") == 0
    stored = page.evaluate("JSON.stringify(sessionStorage)")
    assert "let-me-in" in stored
    page.locator("#op-delete_book input[data-name=book_id]").fill(str(book_id))
    result = send(page, "delete_book")
    assert result.locator(".status").inner_text() == "204 No Content"
    assert "with bearerAuth" in result.locator(".result-line").inner_text()
    assert result.locator(".body-empty").inner_text() == "No body."


def test_models_lists_every_component_schema(docs: DocsPage, demo: ModuleType) -> None:
    page = docs.open()
    names = page.locator("#models .model-name").all_inner_texts()
    assert names == list(demo.app.openapi()["components"]["schemas"])
    book = page.locator("#model-Book")
    book.locator("summary").first.click()
    book.locator(".prop-name").first.wait_for()  # built when first opened
    assert book.locator(".prop-name").all_inner_texts()[:2] == ["id", "title"]
    assert json.loads(book.locator("details.example pre").text_content() or "")["genre"] == "novel"


def test_the_page_works_under_its_content_security_policy(docs: DocsPage) -> None:
    responses: dict[str, Any] = {}
    docs.page.on("response", lambda r: responses.setdefault(r.url, r))
    page = docs.open("#add_book")
    send(page, "add_book")  # a POST from the page is allowed too (connect-src 'self')
    for url in (f"{docs.base_url}/docs", f"{docs.base_url}/docs/static/main.js"):
        headers = responses[url].all_headers()
        assert headers["content-security-policy"].startswith("default-src 'self'")
        assert headers["x-content-type-options"] == "nosniff"
    messages = [m.text for m in docs.recorded.console]
    assert [m for m in messages if "Content Security Policy" in m] == []
    # The policy is in force: an inline script injected now is refused and reported.
    directive = page.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener('securitypolicyviolation',
                (event) => resolve(event.effectiveDirective), {once: true});
            const script = document.createElement('script');
            script.textContent = 'window.inlineRan = true';
            document.head.append(script);
        })"""
    )
    assert directive == "script-src-elem"
    assert page.evaluate("window.inlineRan === undefined")


def test_usable_at_375_px_without_sideways_scrolling(docs: DocsPage) -> None:
    page = docs.open("#list_books", width=375)
    assert page.locator("#op-list_books .op-panel").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    row = page.locator("#op-list_books table.params tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "block"  # stacked cards
    result = send(page, "list_books")
    assert result.locator(".status").inner_text() == "200 OK"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.mark.parametrize(("scheme", "dark"), [("light", False), ("dark", True)])
def test_light_and_dark_mode_follow_the_system(docs: DocsPage, scheme: str, dark: bool) -> None:
    docs.page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    page = docs.open()
    rgb = page.evaluate(
        "getComputedStyle(document.body).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)"
    )
    assert (sum(rgb) < 150) == dark
    color = page.evaluate(
        "getComputedStyle(document.body).color.match(/\\d+/g).slice(0, 3).map(Number)"
    )
    assert abs(sum(color) - sum(rgb)) > 400  # text stands out from the background
