"""The documentation runs: every ```python block of README.md and docs/*.md, and the
examples of the shared getting-started spec that need no later feature.

A page's blocks run in order in one namespace, so a later block may use names an earlier
one defined. Tracebacks point at the Markdown file and line. ``app.run(...)`` starts no
server here: ``Lcore.run`` and ``lcore.run`` are replaced by no-ops.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

import lcore
from lcore import Lcore, TestClient, abort, request
from lcore.servers import ServerAdapter
from lcore.servers import run as serve

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
SPEC = ROOT / ".." / "shared" / "spec" / "getting-started.md"

#: Fence languages a page may use; only ``python`` blocks are executed.
LANGUAGES = {"python", "bash", "text", "json"}

_HEADING = re.compile(r"^#{1,6} +(.+?)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown file."""

    path: Path
    line: int  # line number of the block's first code line
    language: str
    heading: str  # the nearest heading above the block
    code: str


def code_blocks(path: Path) -> list[Block]:
    """Every fenced block of ``path``, in order, with the heading it sits under."""
    blocks: list[Block] = []
    heading = ""
    language: str | None = None
    start = 0
    lines: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if language is None:
            if line.startswith("```"):
                language, start, lines = line[3:].strip(), number + 1, []
            elif match := _HEADING.match(line):
                heading = match.group(1)
        elif line.strip() == "```":
            blocks.append(Block(path, start, language, heading, "\n".join(lines) + "\n"))
            language = None
        else:
            lines.append(line)
    assert language is None, f"{path}: code fence opened at line {start - 1} is never closed"
    return blocks


def python_blocks(path: Path) -> list[Block]:
    return [b for b in code_blocks(path) if b.language == "python"]


def run_block(block: Block, namespace: dict[str, Any]) -> dict[str, Any]:
    """Execute a block; line numbers in tracebacks are those of the Markdown file."""
    code = "\n" * (block.line - 1) + block.code
    # dont_inherit: a block runs like a script, without this file's __future__ imports.
    exec(compile(code, str(block.path), "exec", dont_inherit=True), namespace)
    return namespace


def _no_server(*args: Any, **kwargs: Any) -> None:
    del args, kwargs


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No server starts, the working directory is empty, os.environ is restored after."""
    monkeypatch.setattr(Lcore, "run", _no_server)
    monkeypatch.setattr(lcore, "run", _no_server)
    monkeypatch.chdir(tmp_path)
    with mock.patch.dict(os.environ):
        yield tmp_path


def _page_id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# -- README.md and docs/ ----------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_page_examples_run(page: Path, sandbox: Path) -> None:
    blocks = python_blocks(page)
    assert blocks, f"{_page_id(page)} has no ```python example"
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for block in blocks:
        run_block(block, namespace)


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_page_fences_name_their_language(page: Path) -> None:
    for block in code_blocks(page):
        assert block.language in LANGUAGES, (
            f"{_page_id(page)}:{block.line - 1}: fence language {block.language!r};"
            f" use one of {sorted(LANGUAGES)} (only python blocks run)"
        )


#: How a page says a feature is missing.
NOT_YET = re.compile(
    r"not (?:available|implemented|supported|built) yet|not yet (?:available|implemented"
    r"|supported|built)|until the \S+ feature is built|coming soon",
    re.IGNORECASE,
)


def _missing(module: str = "", name: str = "") -> Callable[[], bool]:
    def check() -> bool:
        import importlib.util

        import lcore

        if module and importlib.util.find_spec(f"lcore.{module}") is not None:
            return False
        return not (name and hasattr(lcore, name))

    return check


#: What a page may call "not built yet", and how to tell it is still missing. When one of
#: these lands, the check turns false and every page that still calls it missing fails.
MISSING_FEATURES: dict[str, Callable[[], bool]] = {
    "multipart": _missing("multipart", "FileUpload"),
    "fileupload": _missing("multipart", "FileUpload"),
    "upload": _missing("multipart", "FileUpload"),
    "static": _missing("static", "static_file"),
    "template": _missing("templates", "SimpleTemplate"),
    "di.py": _missing("di", "DependencyContainer"),
    "tasks.py": _missing("tasks", "BackgroundTaskPool"),
    "cors": _missing("middleware.cors", "CORSMiddleware"),
    "csrf": _missing("middleware.csrf", "CSRFMiddleware"),
    "session": _missing("middleware.session", "SessionMiddleware"),
    "rate limit": _missing("", "rate_limit"),
    "built-in middleware": _missing("middleware.cors", "CORSMiddleware"),
    "typed injection": lambda: not any(_has(n) for n in ("Inject", "Depends")),
    "security schemes": lambda: not any(_has(n) for n in ("SecurityScheme", "HTTPBearer")),
}


def _has(name: str) -> bool:
    import lcore

    return hasattr(lcore, name)


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_no_page_calls_a_built_feature_missing(page: Path) -> None:
    # Each "not built yet" must name only features that are still missing: what is
    # named just before the phrase ("`multipart` (not built yet)") and the rest of its
    # paragraph ("Not built yet: templates, ...") are read.
    text = page.read_text(encoding="utf-8")
    for found in NOT_YET.finditer(text):
        before = text[max(0, found.start() - 40) : found.start()].rsplit("\n\n", 1)[-1]
        paragraph = (before + text[found.end() :].split("\n\n", 1)[0]).lower()
        named = [key for key in MISSING_FEATURES if key in paragraph]
        assert named, (
            f"{_page_id(page)} says {found.group(0)!r} of something this test does not know:"
            " add it to MISSING_FEATURES, or describe what is built"
        )
        built = [key for key in named if not MISSING_FEATURES[key]()]
        assert not built, f"{_page_id(page)} still calls {built} missing: they are built"


def test_readme_opens_with_the_two_commands() -> None:
    first = code_blocks(README)[0]
    assert first.heading == "lcore", "the commands come before any other section"
    commands = [line.split("#")[0].strip() for line in first.code.splitlines()]
    assert commands[:2] == ["python3 examples/hello.py", "./scripts/test"]
    assert (ROOT / "examples" / "hello.py").is_file()
    assert os.access(ROOT / "scripts" / "test", os.X_OK)


def test_readme_links_every_docs_page() -> None:
    readme = README.read_text(encoding="utf-8")
    for page in DOCS:
        assert f"(docs/{page.name})" in readme, f"README.md does not link docs/{page.name}"


def test_readme_keeps_the_benchmarks_section() -> None:
    assert "## Benchmarks" in README.read_text(encoding="utf-8")


# -- the shared getting-started spec -----------------------------------------------------


def _fresh(**names: Any) -> dict[str, Any]:
    return {"__name__": "__main__", **names}


def spec_hello_world(block: Block, tmp: Path) -> None:
    ns = run_block(block, _fresh())
    assert TestClient(ns["app"]).get("/").text == "Hello, World!"


def spec_json_api(block: Block, tmp: Path) -> None:
    ns = run_block(block, _fresh())
    client = TestClient(ns["app"])
    reply = client.get("/api/users/1")
    assert reply.json == {"name": "Alice"}
    assert reply.headers["Content-Type"] == "application/json"
    missing = client.get("/api/users/9")
    assert missing.status_code == 404
    assert "User not found" in missing.text
    assert client.post("/api/users", json={"name": "Carol"}).json == {"id": 3, "created": True}
    assert client.get("/api/users/3").json == {"name": "Carol"}
    assert client.get("/api/users/abc").status_code == 404
    assert client.delete("/api/users/1").status_code == 405


def spec_wsgi_application(block: Block, tmp: Path) -> None:
    with pytest.warns(UserWarning, match="async_handler"):
        ns = run_block(block, _fresh())
    app = ns["app"]
    assert isinstance(app, Lcore)  # an Lcore app is the WSGI callable itself
    assert TestClient(app).get("/async").json == {"result": "ok"}


def spec_thread_local_objects(block: Block, tmp: Path) -> None:
    app = Lcore()
    states: list[dict[str, Any]] = []
    app.add_hook("on_handler_exit", lambda: states.append(dict(lcore.ctx.state)))
    run_block(block, _fresh(app=app))
    reply = TestClient(app, remote_addr="192.0.2.10").get("/example")
    assert reply.json == {"method": "GET", "ip": "192.0.2.10"}
    assert reply.headers["X-Custom"] == "value"
    assert reply.headers["Content-Type"] == "application/json"
    assert states == [{"processed": True}]


def spec_configuration(block: Block, tmp: Path) -> None:
    (tmp / ".env").write_text("DB_PATH=./data.db\n", encoding="utf-8")
    (tmp / "config.json").write_text('{"my_app": {"pool_size": 5}}', encoding="utf-8")
    (tmp / "settings.ini").write_text("[my_app]\nlog_level = info\n", encoding="utf-8")
    os.environ["MYAPP_DB_URL"] = "sqlite:///env.db"
    config = run_block(block, _fresh(Lcore=Lcore))["app"].config
    assert config["debug"] is True
    assert config["my_app.db_url"] == "sqlite:///data.db"
    assert config["my_app.secret_key"] == "change-me"
    assert config["db_url"] == "sqlite:///env.db"
    assert config["my_app.pool_size"] == 5
    assert config["my_app.log_level"] == "info"
    assert os.environ["DB_PATH"] == "./data.db"


def spec_config_validation(block: Block, tmp: Path) -> None:
    ns = run_block(block, _fresh(app=Lcore()))
    assert (ns["valid"], ns["errors"]) == (True, [])
    assert ns["app"].config["db_url"] == "postgres://..."


class _NoServer(ServerAdapter):
    def run(self, handler: Any) -> None:
        del handler


def spec_dotenv_loading(block: Block, tmp: Path) -> None:
    (tmp / ".env").write_text(
        "# .env file in your project root\nDB_PATH=./data.db\nSECRET_KEY=super-secret\n",
        encoding="utf-8",
    )
    os.environ.pop("DB_PATH", None)
    serve(Lcore(), server=_NoServer(), quiet=True)  # what app.run() does
    ns = run_block(block, _fresh())
    assert ns["db_path"] == "./data.db"


def spec_error_format(block: Block, tmp: Path) -> None:
    app = Lcore()

    @app.get("/forbidden")
    def forbidden() -> None:
        abort(403)

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("boom")

    run_block(block, _fresh(app=app))
    client = TestClient(app)
    for path, method, status, reason in [
        ("/missing", "GET", 404, "Not Found"),
        ("/forbidden", "GET", 403, "Forbidden"),
        ("/crash", "GET", 500, "Internal Server Error"),
        ("/forbidden", "POST", 405, "Method Not Allowed"),
    ]:
        reply = client.request(method, path)
        assert reply.status_code == status
        assert reply.headers["Content-Type"] == "application/json"
        assert reply.json == {"error": reason, "status": status}


def spec_proxy_trust(block: Block, tmp: Path) -> None:
    app = Lcore()

    @app.get("/ip")
    def client_ip() -> str:
        return request.remote_addr or ""

    run_block(block, _fresh(app=app))
    assert app.config["proxy.trusted"] == "127.0.0.1,10.0.0.1"
    proxied = TestClient(app, remote_addr="10.0.0.1")
    assert proxied.get("/ip", headers={"X-Forwarded-For": "203.0.113.9"}).text == "203.0.113.9"
    chain = {"X-Forwarded-For": "203.0.113.9, 127.0.0.1"}
    assert proxied.get("/ip", headers=chain).text == "203.0.113.9"
    direct = TestClient(app, remote_addr="198.51.100.7")
    assert direct.get("/ip", headers={"X-Forwarded-For": "1.1.1.1"}).text == "198.51.100.7"


def spec_project_structure(block: Block, tmp: Path) -> None:
    app_py, users_py = block.code.split("# modules/users.py\n")
    package = tmp / "modules"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "users.py").write_text(users_py, encoding="utf-8")
    (package / "products.py").write_text(
        textwrap.dedent(
            """
            from lcore import Lcore
            products_app = Lcore()

            @products_app.route('/')
            def list_products():
                return {'products': ['tea']}
            """
        ),
        encoding="utf-8",
    )
    sys.path.insert(0, str(tmp))
    try:
        ns = run_block(Block(block.path, block.line, "python", block.heading, app_py), _fresh())
    finally:
        sys.path.remove(str(tmp))
        for name in [n for n in sys.modules if n == "modules" or n.startswith("modules.")]:
            del sys.modules[name]
    client = TestClient(ns["app"])
    assert client.get("/api/users/").json == {"users": []}
    assert client.get("/api/users/7").json == {"id": 7}
    assert client.get("/api/products/").json == {"products": ["tea"]}


def spec_api_documentation(block: Block, tmp: Path) -> None:
    started: list[Lcore] = []

    def run_in_debug(self: Lcore, **options: Any) -> None:
        # What app.run(debug=True) does before serving, without a server.
        serve(self, server=_NoServer(), quiet=True, debug=options.get("debug"), reloader=False)
        started.append(self)

    with mock.patch.object(Lcore, "run", run_in_debug):
        ns = run_block(block, _fresh())
    app = ns["app"]
    assert started == [app]
    client = TestClient(app)
    document = client.get("/docs/json").json
    assert document["openapi"].startswith("3.1")
    operation = document["paths"]["/users/{id}"]["get"]
    assert operation["summary"] == "Fetch a user by ID."
    assert operation["parameters"][0]["schema"] == {"type": "integer"}
    assert client.get("/docs").status_code == 200


def spec_hot_reload(block: Block, tmp: Path) -> None:
    app = Lcore()
    ns = run_block(block, _fresh(app=app))
    reloader = ns["reloader"]
    try:
        assert reloader.interval == 1
    finally:
        reloader.stop()  # its default callback would re-execute this test process


def spec_running(block: Block, tmp: Path) -> None:
    from lcore.servers import make_adapter

    calls: list[dict[str, Any]] = []

    def record(self: Lcore, **options: Any) -> None:
        calls.append(options)

    with mock.patch.object(Lcore, "run", record):
        run_block(block, _fresh(app=Lcore()))
    assert [c.get("server", "wsgiref") for c in calls] == [
        "wsgiref",
        "gunicorn",
        "waitress",
        "gevent",
    ]
    assert calls[0]["reloader"] is True and calls[0]["debug"] is True
    for options in calls:
        adapter = make_adapter(options.get("server", "wsgiref"), options["host"], options["port"])
        assert (adapter.host, adapter.port) == (options["host"], 8080)


SpecCase = Callable[[Block, Path], None]

#: Each python example of the spec, by the heading it sits under: a check, or why it waits.
SPEC_CASES: dict[str, SpecCase | str] = {
    "Hello World": spec_hello_world,
    "JSON API": spec_json_api,
    "WSGI Application": spec_wsgi_application,
    "Thread-Local Objects": spec_thread_local_objects,
    "Configuration": spec_configuration,
    "Config Validation": spec_config_validation,
    "Automatic .env Loading": spec_dotenv_loading,
    "Error Format": spec_error_format,
    "Proxy Trust": spec_proxy_trust,
    "Running Your App": spec_running,
    "Hot Reload": spec_hot_reload,
    "Built-in API Documentation": spec_api_documentation,
    "Project Structure": spec_project_structure,
}


def _spec_params() -> list[Any]:
    if not SPEC.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{SPEC} is absent"))]
    return [pytest.param(b, id=f"{b.heading}:{b.line}") for b in python_blocks(SPEC)]


@pytest.mark.parametrize("block", _spec_params())
def test_spec_example(block: Block, sandbox: Path) -> None:
    case = SPEC_CASES.get(block.heading)
    if case is None:
        pytest.fail(f"spec example under {block.heading!r} has no entry in SPEC_CASES")
    if isinstance(case, str):
        pytest.skip(case)
    case(block, sandbox)
