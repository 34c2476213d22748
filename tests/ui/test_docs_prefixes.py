"""The API browser where the app is not at the server's root: under a path prefix
(SCRIPT_NAME), with a relative `servers` entry, with a server on another origin, and with
a document whose descriptions try to inject HTML."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from lcore import Lcore

from . import harness
from .conftest import DocsPage

pytestmark = pytest.mark.skipif(harness.missing() is not None, reason=str(harness.missing()))


def ping_app(**config: Any) -> Lcore:
    app = Lcore()
    app.config.update({"error.format": "json", **config})

    @app.get("/ping")
    def ping() -> dict[str, str]:
        """Answer pong.

        Pong, with **care**.

        <img src=x onerror="window.pwned = 1"> <script>window.pwned = 2</script>
        [click](javascript:window.pwned=3) ![pic](https://elsewhere.example/x.png)
        """
        return {"pong": "yes"}

    app.enable_docs()
    return app


def dispatcher(prefixes: dict[str, Lcore], root: Lcore) -> Callable[..., Iterable[bytes]]:
    """Route /prefix/... to an app with SCRIPT_NAME=/prefix, like a proxy or a mount."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        for prefix, app in prefixes.items():
            if path == prefix or path.startswith(prefix + "/"):
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
                environ["PATH_INFO"] = path[len(prefix) :]
                return app(environ, start_response)
        return root(environ, start_response)

    return wsgi


@pytest.fixture(scope="module")
def prefixed_url() -> Iterator[str]:
    relative = ping_app(**{"docs.servers": [{"url": "/v1", "description": "version one"}]})
    elsewhere = ping_app(**{"docs.servers": ["http://elsewhere.example/api"]})
    apps = {"/prefix": ping_app(), "/v1": relative, "/other": elsewhere}
    with harness.serve(dispatcher(apps, relative)) as url:
        yield url


@pytest.fixture
def prefixed(docs: DocsPage, prefixed_url: str) -> DocsPage:
    docs.base_url = prefixed_url
    return docs


def try_ping(docs: DocsPage, page_path: str) -> str:
    page = docs.page
    page.goto(f"{docs.base_url}{page_path}#ping")
    page.wait_for_selector("body[data-ready]")
    page.locator("#op-ping button.primary").click()
    result = page.locator("#op-ping .response-view")
    result.wait_for()
    assert result.locator(".status").inner_text() == "200 OK"
    assert '"pong": "yes"' in result.locator(".response-body").inner_text()
    line: str = result.locator(".request-line").inner_text()
    return line


def test_under_a_path_prefix_everything_stays_under_it(prefixed: DocsPage) -> None:
    assert try_ping(prefixed, "/prefix/docs") == "GET /prefix/ping"
    paths = [r.url.removeprefix(prefixed.base_url) for r in prefixed.recorded.requests]
    assert "/prefix/docs/json" in paths and "/prefix/docs/static/main.js" in paths
    assert [p for p in paths if not p.startswith("/prefix/")] == []
    assert prefixed.recorded.console_errors() == []


def test_a_relative_server_is_where_try_it_goes(prefixed: DocsPage) -> None:
    assert try_ping(prefixed, "/docs") == "GET /v1/ping"
    servers = prefixed.page.locator("#info .servers li").all_inner_texts()
    assert servers == ["/v1 – version one"]


def test_a_server_on_another_origin_is_listed_but_not_called(prefixed: DocsPage) -> None:
    assert try_ping(prefixed, "/other/docs") == "GET /other/ping"
    listed = prefixed.page.locator("#info .servers li").all_inner_texts()
    assert listed == ["http://elsewhere.example/api"]
    urls = [r.url for r in prefixed.recorded.requests]
    assert [u for u in urls if not u.startswith(prefixed.base_url + "/")] == []


def test_descriptions_cannot_inject_html(prefixed: DocsPage) -> None:
    page = prefixed.open("#ping")
    text = page.locator("#op-ping .op-panel > .markdown")
    assert text.locator("strong").inner_text() == "care"
    assert "<img src=x" in text.inner_text() and "<script>" in text.inner_text()
    assert page.locator("#op-ping img, #op-ping script, #op-ping iframe").count() == 0
    hrefs = text.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert hrefs == ["https://elsewhere.example/x.png"]  # the picture, as a link
    assert text.locator(".md-unsafe-link").inner_text() == "click"
    assert page.evaluate("window.pwned") is None
    assert [r.url for r in prefixed.recorded.requests if "elsewhere" in r.url] == []
