"""docs_ui: the /docs API browser's files served from package data: the page, ETags and
304s, gzip, content types, the security headers, traversal, and the size budget."""

from __future__ import annotations

import gzip
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lcore import Lcore, RouteError, TestClient
from lcore.docs_ui import (
    CONTENT_SECURITY_POLICY,
    UIFile,
    install_docs_ui,
    render_index,
    serve_file,
    ui_directory,
    ui_files,
)

ROOT = Path(__file__).resolve().parents[1]
UI = ROOT / "openapi_ui"
#: The issue's budget for the UI's JavaScript and CSS, uncompressed.
BUDGET = 80 * 1024


def docs_app(**config: object) -> Lcore:
    app = Lcore()

    @app.get("/items")
    def items() -> list[str]:
        """List items."""
        return []

    for key, value in config.items():
        app.config[key] = value
    app.enable_docs()
    return app


def test_the_files_come_from_the_repository_in_a_source_checkout() -> None:
    assert ui_directory() == UI
    names = {p.name for p in UI.iterdir() if p.suffix in (".js", ".css", ".svg")}
    assert set(ui_files()) == names
    assert {"main.js", "markdown.js", "examples.js", "docs.css", "favicon.svg"} <= names


def test_javascript_and_css_stay_within_the_budget() -> None:
    size = sum(p.stat().st_size for p in UI.iterdir() if p.suffix in (".js", ".css"))
    assert size < BUDGET, f"the docs UI's JS+CSS is {size} bytes; the budget is {BUDGET}"


@pytest.mark.parametrize("path", sorted(UI.iterdir()), ids=lambda p: p.name)
def test_no_inline_code_and_nothing_from_elsewhere(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    # Only the SVG namespace and example values (RFC 2606 names) may spell out a URL.
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg|example\.com)", text), "a URL"
    assert "style=" not in text.replace("'style'", "")
    assert "@import" not in text and "url(" not in text
    if path.suffix == ".js":
        for banned in ("eval(", "new Function", "innerHTML", "outerHTML", "insertAdjacentHTML"):
            assert banned not in text, banned
        assert "document.write" not in text and "setAttribute('style'" not in text
    if path.suffix == ".html":
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", text, re.S)
        assert scripts == [""]  # one external module, nothing inline
        assert re.search(r"\son\w+=", text) is None  # no inline event handlers


def test_the_page_fills_in_title_and_relative_urls() -> None:
    app = docs_app(**{"docs.title": 'Shop <&> "Co"'})
    reply = TestClient(app).get("/docs")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/html; charset=UTF-8"
    page = reply.text
    assert "<title>Shop &lt;&amp;&gt; &quot;Co&quot;</title>" in page
    assert '<meta name="lcore-docs-json" content="docs/json">' in page
    assert '<meta name="lcore-docs-root" content="./">' in page
    assert '<script type="module" src="docs/static/main.js"></script>' in page
    assert '<link rel="stylesheet" href="docs/static/docs.css">' in page
    assert "$" not in page  # every placeholder filled


def test_a_nested_path_points_back_to_the_app_root() -> None:
    app = Lcore()
    app.enable_docs("/api/v1/reference", title="Nested")
    page = TestClient(app).get("/api/v1/reference").text
    assert '<meta name="lcore-docs-json" content="reference/json">' in page
    assert '<meta name="lcore-docs-root" content="../../">' in page
    assert "<title>Nested</title>" in page
    reply = TestClient(app).get("/api/v1/reference/static/main.js")
    assert reply.status_code == 200


def test_the_title_follows_the_setting() -> None:
    app = docs_app()
    client = TestClient(app)
    assert "<title>lcore API</title>" in client.get("/docs").text  # the document's default
    app.config["docs.title"] = "Renamed"
    assert "<title>Renamed</title>" in client.get("/docs").text
    app.enable_docs(title="Again")
    assert "<title>Again</title>" in client.get("/docs").text


def test_an_explicit_title_wins() -> None:
    app = Lcore()
    install_docs_ui(app, "/ui", title="Fixed")
    app.config["docs.title"] = "Ignored"
    assert "<title>Fixed</title>" in TestClient(app).get("/ui").text


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("main.js", "text/javascript; charset=UTF-8"),
        ("markdown.js", "text/javascript; charset=UTF-8"),
        ("docs.css", "text/css; charset=UTF-8"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
def test_files_have_their_content_type_and_the_security_headers(
    name: str, content_type: str
) -> None:
    reply = TestClient(docs_app()).get(f"/docs/static/{name}")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == content_type
    assert reply.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Cache-Control"] == "no-cache"
    assert reply.headers["Vary"] == "Accept-Encoding"
    assert reply.body == (UI / name).read_bytes()
    assert "Content-Encoding" not in reply.headers


def test_the_page_has_the_security_headers_too() -> None:
    reply = TestClient(docs_app()).get("/docs")
    assert reply.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert CONTENT_SECURITY_POLICY.startswith("default-src 'self'")
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("url", ["/docs", "/docs/static/main.js", "/docs/static/docs.css"])
def test_strong_etag_and_304(url: str) -> None:
    client = TestClient(docs_app())
    first = client.get(url)
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong: no W/
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.body == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    for header in (f'"other", {etag}', f"W/{etag}", "*"):
        assert client.get(url, headers={"If-None-Match": header}).status_code == 304
    stale = client.get(url, headers={"If-None-Match": '"0000"'})
    assert stale.status_code == 200 and stale.body == first.body


def test_gzip_when_the_client_accepts_it() -> None:
    client = TestClient(docs_app())
    plain = client.get("/docs/static/main.js")
    packed = client.get("/docs/static/main.js", headers={"Accept-Encoding": "br, gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(packed.body) == plain.body
    assert len(packed.body) < len(plain.body)
    assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + '-gz"'  # its own tag
    revalidated = client.get(
        "/docs/static/main.js",
        headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]},
    )
    assert revalidated.status_code == 304


@pytest.mark.parametrize(
    ("accept", "packed"),
    [
        ("gzip", True),
        ("GZIP;q=0.5", True),
        ("x-gzip", True),
        ("*", True),
        ("deflate, br", False),
        ("gzip;q=0", False),
        ("gzip;q=0, *", False),
        ("gzip;q=abc", False),
        ("*;q=0", False),
        ("", False),
    ],
)
def test_accept_encoding(accept: str, packed: bool) -> None:
    reply = TestClient(docs_app()).get("/docs/static/docs.css", headers={"Accept-Encoding": accept})
    assert ("Content-Encoding" in reply.headers) == packed


def test_small_or_incompressible_files_are_sent_as_they_are() -> None:
    assert UIFile.of("text/plain", b"tiny").gzipped is None
    noise = random.Random(5).randbytes(4096)  # gzip would only make it longer
    assert UIFile.of("application/octet-stream", noise).gzipped is None
    reply = serve_file(UIFile.of("text/plain", b"tiny"), accept_encoding="gzip")
    assert reply.body == b"tiny"
    assert reply.headers.get("Content-Encoding") is None


def test_gzip_is_reproducible() -> None:
    body = b"the same bytes " * 100
    assert UIFile.of("text/plain", body).gzipped == UIFile.of("text/plain", body).gzipped


@pytest.mark.parametrize(
    "url",
    [
        "/docs/static/index.html",  # the page is served at /docs only
        "/docs/static/../pyproject.toml",
        "/docs/static/..%2Fpyproject.toml",
        "/docs/static/%2e%2e/%2e%2e/pyproject.toml",
        "/docs/static//etc/passwd",
        "/docs/static/../lcore/app.py",
        "/docs/static/sub/main.js",
        "/docs/static/main.js/",
        "/docs/static/MAIN.JS",
        "/docs/static/nothing.js",
        "/docs/static/",
    ],
)
def test_only_the_ui_files_are_served(url: str) -> None:
    assert TestClient(docs_app()).get(url).status_code == 404


def test_head_is_answered_without_a_body() -> None:
    reply = TestClient(docs_app()).head("/docs/static/main.js")
    assert reply.status_code == 200
    assert reply.body == b""
    assert reply.headers["ETag"]


def test_docs_enabled_false_takes_the_page_and_files_away() -> None:
    app = docs_app()
    client = TestClient(app)
    assert client.get("/docs/static/main.js").status_code == 200
    app.config["docs.enabled"] = False
    for url in ("/docs", "/docs/static/main.js", "/docs/json"):
        assert client.get(url).status_code == 404


def test_off_in_production_and_on_in_debug() -> None:
    app = Lcore()
    client = TestClient(app)
    assert client.get("/docs").status_code == 404
    assert client.get("/docs/static/main.js").status_code == 404
    app.config["debug"] = True
    assert client.get("/docs").status_code == 200
    assert client.get("/docs/static/main.js").status_code == 200


def test_a_moved_page_serves_its_own_files() -> None:
    app = Lcore()
    app.enable_docs(path="/reference")
    client = TestClient(app)
    assert client.get("/reference").status_code == 200
    assert client.get("/reference/static/main.js").status_code == 200
    assert client.get("/docs").status_code == 404


def test_the_routes_are_hidden_and_skip_every_plugin() -> None:
    app = docs_app()
    ours = [r for r in app.routes if r.config.get("lcore_docs")]
    assert sorted(r.rule for r in ours) == ["/docs", "/docs/json", "/docs/static/<file:path>"]
    for route in ours:
        assert route.config["include_in_schema"] is False
    assert list(app.openapi()["paths"]) == ["/items"]
    assert all(True in r.skiplist for r in ours if r.rule != "/docs/json")


def test_installing_twice_adds_nothing() -> None:
    app = Lcore()
    install_docs_ui(app, "/ui")
    count = len(app.routes)
    install_docs_ui(app, "/ui")
    assert len(app.routes) == count == 2


def test_an_apps_own_route_is_not_replaced() -> None:
    app = Lcore()
    app.get("/ui")(lambda: "mine")
    with pytest.raises(RouteError):
        install_docs_ui(app, "/ui")


@pytest.mark.parametrize("path", ["ui", "/ui/", "/<x>"])
def test_a_malformed_path_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="docs path"):
        install_docs_ui(Lcore(), path)


def test_visible_is_asked_on_every_request() -> None:
    app = Lcore()
    shown = [True]
    install_docs_ui(app, "/ui", visible=lambda: shown[0])
    client = TestClient(app)
    assert client.get("/ui").status_code == 200
    shown[0] = False
    assert client.get("/ui").status_code == 404
    assert client.get("/ui/static/main.js").status_code == 404


def test_render_index_is_cached_per_path_and_title() -> None:
    assert render_index("/docs", "A") is render_index("/docs", "A")
    assert render_index("/docs", "A").etag != render_index("/docs", "B").etag


def test_a_missing_ui_directory_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import lcore.docs_ui as docs_ui

    monkeypatch.setattr(docs_ui, "__file__", str(ROOT / "nowhere" / "lcore" / "docs_ui.py"))
    with pytest.raises(FileNotFoundError, match="docs UI files are missing"):
        docs_ui.ui_directory()


def test_import_lcore_does_not_import_the_docs_ui() -> None:
    code = (
        "import sys, lcore; print('lcore.docs_ui' in sys.modules, 'lcore.openapi' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["False", "False"]


def test_docs_json_encodes_each_build_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import lcore.docs_ui

    calls: list[object] = []
    real = lcore.docs_ui.json_dumps

    def counting(value: object) -> str:
        calls.append(value)
        return real(value)

    monkeypatch.setattr(lcore.docs_ui, "json_dumps", counting)
    app = Lcore()
    app.enable_docs()
    client = TestClient(app)
    client.get("/docs/json")
    client.get("/docs/json")
    assert len(calls) == 1
    app.get("/new")(lambda: "x")
    assert "/new" in client.get("/docs/json").json["paths"]
    assert len(calls) == 2
