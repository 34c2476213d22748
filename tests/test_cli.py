"""lcore.cli: `python -m lcore` and the `lcore` script, driven through subprocesses, and
the option handling up to run() in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import lcore
import lcore.servers
from lcore import Lcore, cli
from lcore.cli import CLIError, LoadError, load, load_app, main, parse_bind

from .processes import free_port, http_get, lcore_command, run_lcore, spawned, wait_for

APP = """
from lcore import Lcore

app = Lcore()


@app.route("/", name="home")
def index():
    return "home"


@app.get("/config/<key>")
def show_config(key):
    return {"key": key, "value": app.config.get(key)}


class Marker:
    name = "marker"

    def apply(self, callback, route):
        return callback


NOT_AN_APP = "a string"

app.run(port=1)  # a file that serves itself when run: loading it must not serve
"""

FACTORY = """
from lcore import Lcore


def create_app(greeting="hello", *, loud=False):
    made = Lcore()

    @made.get("/greet")
    def greet():
        return greeting.upper() if loud else greeting

    return made


def broken_factory():
    raise RuntimeError("no database")


application = create_app()
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with app.py, a package pkg.mod with a factory, a broken file and configs."""
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "pkg" / "mod.py").write_text(FACTORY, encoding="utf-8")
    (tmp_path / "broken.py").write_text("from lcore import Lcore\napp = Lcore(\n", "utf-8")
    (tmp_path / "raises.py").write_text("import lcore\nraise KeyError('boom')\n", "utf-8")
    (tmp_path / "settings.json").write_text('{"db": {"url": "sqlite://"}}', "utf-8")
    (tmp_path / "settings.ini").write_text("[lcore]\ndebug = true\n[cache]\nttl = 60\n", "utf-8")
    (tmp_path / "bad.json").write_text("{nope", "utf-8")
    return tmp_path


# -- subprocesses ---------------------------------------------------------------------------


def test_version(project: Path) -> None:
    result = run_lcore("--version", cwd=project)
    assert (result.returncode, result.stdout) == (0, f"lcore {lcore.__version__}\n")


@pytest.mark.parametrize(
    ("target", "handlers"),
    [
        ("app", ["app:index", "app:show_config"]),
        ("app.py", ["app:index", "app:show_config"]),
        ("app:app", ["app:index", "app:show_config"]),
        ("./app.py:app", ["app:index", "app:show_config"]),
        ("pkg.mod:application", ["pkg.mod:create_app.<locals>.greet"]),
        ("pkg.mod:create_app()", ["pkg.mod:create_app.<locals>.greet"]),
        ("pkg.mod:create_app('hi', loud=True)", ["pkg.mod:create_app.<locals>.greet"]),
    ],
)
def test_routes_lists_every_target_form(project: Path, target: str, handlers: list[str]) -> None:
    result = run_lcore("routes", target, cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["METHOD", "PATH", "NAME", "HANDLER"]
    assert [row.split()[-1] for row in rows] == handlers
    for column in ("PATH", "NAME", "HANDLER"):
        offset = header.index(column)
        assert all(row[offset - 2 : offset] == "  " and row[offset] != " " for row in rows)


def test_routes_table_content(project: Path) -> None:
    result = run_lcore("routes", "app.py", cwd=project)
    rows = [line.split() for line in result.stdout.splitlines()[1:]]
    assert rows == [
        ["GET", "/", "home", "app:index"],
        ["GET", "/config/<key>", "-", "app:show_config"],
    ]


def test_the_lcore_script_finds_modules_in_the_working_directory(project: Path) -> None:
    script = Path(sys.executable).with_name("lcore")
    if not script.is_file():
        pytest.skip("the lcore console script is not installed in this environment")
    result = subprocess.run(
        [str(script), "routes", "app"], cwd=project, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "app:index" in result.stdout


ONE_LINE_ERRORS = [
    (["routes", "nope"], "lcore: error: no module named 'nope'"),
    (["routes", "nope.py"], "lcore: error: no such file: 'nope.py'"),
    (["routes", "app:missing"], "lcore: error: 'app' has no attribute 'missing'"),
    (["routes", "pkg.mod:create_app.x"], "lcore: error: 'pkg.mod.create_app' has no attribute"),
    (["routes", "broken.py"], "lcore: error: cannot import 'broken.py': SyntaxError: "),
    (["routes", "raises"], "lcore: error: cannot import 'raises': KeyError: 'boom'"),
    (["routes", "pkg.mod:broken_factory()"], "RuntimeError: no database"),
    (["routes", "pkg.mod:create_app(os)"], "factory arguments must be literals"),
    (["routes", "app:NOT_AN_APP"], "lcore: error: 'app:NOT_AN_APP' is a str, not a WSGI app"),
    (["routes", "json.py"], "lcore: error: no such file"),
    (["app.py", "-b", "::1"], "lcore: error: bad address '::1'; put IPv6 addresses in brackets"),
    (["app.py", "-b", "localhost:http"], "lcore: error: bad port 'http'"),
    (["app.py", "-b", "[::1"], "lcore: error: bad address '[::1'"),
    (["app.py", "-s", "nosuch"], "lcore: error: unknown server 'nosuch'; choose one of: "),
    (["app.py", "-C", "debug=maybe"], "lcore: error: bad configuration: config 'debug' must"),
    (["app.py", "-C", "=x"], "lcore: error: bad --param '=x'"),
    (["app.py", "-c", "missing.ini"], "lcore: error: cannot read config file 'missing.ini'"),
    (["app.py", "-c", "bad.json"], "lcore: error: bad config file: bad.json: invalid JSON"),
    (["app.py", "-p", "app:nothing"], "lcore: error: plugin: 'app' has no attribute 'nothing'"),
    (["routes", "pkg.mod:create_app("], "'create_app(' is neither an attribute nor a factory"),
    (["routes", ":app"], "lcore: error: ':app' names no module"),
]


@pytest.mark.parametrize(("args", "message"), ONE_LINE_ERRORS)
def test_errors_are_one_line_without_a_traceback(
    project: Path, args: list[str], message: str
) -> None:
    result = run_lcore(*args, cwd=project)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("lcore: error: ")
    assert message in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus", "app.py"], "lcore: error: unrecognized arguments: --bogus"),
        (["-b"], "lcore: error: argument -b/--bind: expected one argument"),
        (["routes"], "lcore routes: error: the following arguments are required: TARGET"),
    ],
)
def test_bad_flags_get_argparse_usage_and_one_error(
    project: Path, args: list[str], message: str
) -> None:
    result = run_lcore(*args, cwd=project)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("usage: lcore")
    assert result.stderr.splitlines()[-1] == message


def test_debug_shows_the_traceback_of_a_load_error(project: Path) -> None:
    result = run_lcore("routes", "--debug", "raises.py", cwd=project)
    assert result.returncode == 2
    assert "Traceback" in result.stderr
    assert (
        result.stderr.splitlines()[-1]
        == "lcore: error: cannot import 'raises.py': KeyError: 'boom'"
    )


def test_no_target_prints_help_and_exits_1(project: Path) -> None:
    result = run_lcore(cwd=project)
    assert result.returncode == 1
    assert "usage: lcore" in result.stderr
    assert result.stderr.splitlines()[-1] == "lcore: error: no TARGET given (an app such as app.py)"


def test_openapi(project: Path) -> None:
    result = run_lcore("openapi", "app.py", cwd=project)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["openapi"].startswith("3.1")
    assert "/config/{key}" in document["paths"]


def test_openapi_of_a_plain_wsgi_app_is_a_one_line_error(project: Path) -> None:
    (project / "plain.py").write_text(
        "def application(environ, start_response):\n"
        "    start_response('200 OK', [])\n"
        "    return [b'']\n",
        encoding="utf-8",
    )
    result = run_lcore("openapi", "plain.py", cwd=project)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "lcore: error: 'plain.py' is a plain WSGI app: only an Lcore app has an OpenAPI document\n"
    )


def test_serving_applies_config_and_params(project: Path) -> None:
    port = free_port()
    command = lcore_command(
        "app.py",
        "-b",
        f"127.0.0.1:{port}",
        "-c",
        "settings.json",
        "-c",
        "settings.ini",
        "-C",
        "greeting=hi there",
        "-C",
        "flag",
        "-C",
        "cache.ttl=90",
    )

    def value(key: str) -> Any:
        reply = http_get(f"http://127.0.0.1:{port}/config/{key}")
        return json.loads(reply[1])["value"] if reply and reply[0] == 200 else None

    with spawned(command, project, project / "log") as process:
        assert wait_for(lambda: value("greeting")) == "hi there", (project / "log").read_text()
        assert value("flag") is True
        assert value("db.url") == "sqlite://"
        assert value("debug") is True
        assert value("cache.ttl") == "90", "-C wins over -c"
        assert process.poll() is None


# -- in-process: from argv to run() -------------------------------------------------------------


@pytest.fixture
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run main() in the project folder; modules it imports are forgotten afterwards."""
    monkeypatch.chdir(project)
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield project
    for name in set(sys.modules) - before:
        del sys.modules[name]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    """What main() passes to lcore.servers.run (which does not serve here)."""
    calls: list[tuple[Any, dict[str, Any]]] = []

    def fake_run(app: Any, **kwargs: Any) -> None:
        calls.append((app, kwargs))

    monkeypatch.setattr(lcore.servers, "run", fake_run)
    return calls


def test_main_passes_everything_to_run(
    in_project: Path, served: list[tuple[Any, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(lcore.servers.server_names, "fast", lcore.servers.WSGIRefServer)
    status = main(
        [
            "app.py",
            "-b",
            "[::1]:9000",
            "-s",
            "fast",
            "--debug",
            "-p",
            "app:Marker",
            "-c",
            "settings.json",
            "-C",
            "name=value",
            "-C",
            "flag",
        ]
    )
    assert status == 0
    [(app, options)] = served
    assert isinstance(app, Lcore)
    assert app is sys.modules["app"].app
    assert app.config["name"] == "value"
    assert app.config["db.url"] == "sqlite://"
    [plugin] = options.pop("plugins")
    assert type(plugin).__name__ == "Marker", "a plugin class is instantiated"
    assert options == {
        "server": "fast",
        "host": "::1",
        "port": 9000,
        "reloader": False,
        "debug": True,
        "config": {"db.url": "sqlite://", "name": "value", "flag": True},
    }


def test_main_defaults(in_project: Path, served: list[tuple[Any, dict[str, Any]]]) -> None:
    assert main(["pkg.mod:create_app('hey')"]) == 0
    [(app, options)] = served
    assert isinstance(app, Lcore)
    assert options == {
        "server": "wsgiref",
        "host": "127.0.0.1",
        "port": 8080,
        "reloader": False,
        "debug": None,
        "plugins": None,
        "config": None,
    }


def test_main_reports_a_server_failure_in_one_line(
    in_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def busy(app: Any, **kwargs: Any) -> None:
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(lcore.servers, "run", busy)
    assert main(["app.py", "-b", ":8999"]) == 2
    assert capsys.readouterr().err == (
        "lcore: error: cannot serve on 127.0.0.1:8999: [Errno 98] Address already in use\n"
    )


def test_main_returns_the_status_of_a_server_that_could_not_start(
    in_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def taken(app: Any, **kwargs: Any) -> None:
        raise lcore.servers.ServerStartError("cannot serve on 127.0.0.1:8999: in use")

    monkeypatch.setattr(lcore.servers, "run", taken)
    assert main(["app.py", "-b", ":8999"]) == 2
    assert capsys.readouterr().err == "", "run() printed the line; the CLI adds nothing"


def test_config_needs_an_lcore_app(
    in_project: Path, served: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    (in_project / "plain.py").write_text(
        "def application(environ, start_response):\n    return [b'']\n", "utf-8"
    )
    assert main(["plain:application", "-C", "x=1"]) == 2
    assert "-c/-C configure Lcore apps" in capsys.readouterr().err
    assert main(["plain.py"]) == 0, "a plain WSGI app is served as it is"
    assert served[0][0] is sys.modules["plain"].application


def test_reload_in_the_parent_only_supervises(
    in_project: Path, monkeypatch: pytest.MonkeyPatch, served: list[Any]
) -> None:
    import lcore.reloader

    monkeypatch.delenv(lcore.reloader.RELOADER_ENV, raising=False)
    monkeypatch.setattr(lcore.reloader, "run_reloader_parent", lambda interval=1.0: 5)
    assert main(["app.py", "--reload"]) == 5
    assert "app" not in sys.modules, "the parent does not import the app"
    assert served == []
    monkeypatch.setenv(lcore.reloader.RELOADER_ENV, "1")
    assert main(["app.py", "--reload"]) == 0
    assert served[0][1]["reloader"] is True


def test_gevent_is_patched_before_the_app_is_imported(
    in_project: Path, monkeypatch: pytest.MonkeyPatch, served: list[Any]
) -> None:
    patched: list[bool] = []

    class FakeMonkey:
        @staticmethod
        def patch_all() -> None:
            patched.append("app" in sys.modules)

    monkeypatch.setitem(sys.modules, "gevent", FakeMonkey)
    monkeypatch.setitem(sys.modules, "gevent.monkey", FakeMonkey)
    monkeypatch.setitem(lcore.servers.server_names, "gevent", lcore.servers.WSGIRefServer)
    assert main(["app.py", "-s", "gevent"]) == 0
    assert patched == [False]


def test_docs_opens_the_documentation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[str] = []

    def fake_open(url: str) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(webbrowser, "open", fake_open)
    assert main(["--docs"]) == 0
    assert opened == [cli.docs_url()]
    assert capsys.readouterr().out == f"lcore: opening {opened[0]}\n"
    local = Path(__file__).resolve().parents[1] / "docs"
    assert opened[0] in (local.as_uri(), cli.DOCS_URL)


# -- load, load_app, parse_bind -------------------------------------------------------------


def test_load_modules_attributes_and_factories(in_project: Path) -> None:
    assert load("os.path") is os.path
    assert load("os.path:join") is os.path.join
    assert load("textwrap:dedent") is textwrap.dedent
    made = load("pkg.mod:create_app('hi', loud=True)")
    assert isinstance(made, Lcore)
    with pytest.raises(LoadError, match="has no attribute 'nothing'"):
        load("os:nothing")
    with pytest.raises(ImportError, match="no module named 'no_such_module_here'"):
        load("no_such_module_here")


def test_load_app_skips_module_level_run_and_finds_the_app(in_project: Path) -> None:
    app = load_app("app.py")
    assert isinstance(app, Lcore)
    assert lcore.servers.run.__name__ == "run", "run() is restored after loading"
    assert load_app("app") is app, "the same file is the same module"
    with pytest.raises(LoadError, match="no Lcore app found in 'textwrap'"):
        load_app("textwrap")


def test_a_file_named_like_a_loaded_module_is_refused(in_project: Path) -> None:
    (in_project / "json.py").write_text("app = None\n", "utf-8")
    with pytest.raises(LoadError, match="the module name 'json' is taken by .*; rename"):
        load_app("json.py")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        ("localhost", ("localhost", 8080)),
        (":9000", ("127.0.0.1", 9000)),
        ("example.org:0", ("example.org", 0)),
        ("[::1]:8081", ("::1", 8081)),
        ("[::]", ("::", 8080)),
        ("[fe80::1%eth0]:1", ("fe80::1%eth0", 1)),
        ("host:", ("host", 8080)),
    ],
)
def test_parse_bind(text: str, expected: tuple[str, int]) -> None:
    assert parse_bind(text) == expected


@pytest.mark.parametrize("text", ["::1", "[::1]x", "[]:80", "[::1", "h:65536", "h:-1", "h:8o"])
def test_parse_bind_rejects(text: str) -> None:
    with pytest.raises(CLIError):
        parse_bind(text)
