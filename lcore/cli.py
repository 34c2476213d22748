"""The command line: ``lcore [options] TARGET`` serves an app, ``lcore routes TARGET`` and
``lcore openapi TARGET`` describe one; :func:`load` and :func:`load_app` find it."""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import importlib.util
import json
import os
import re
import sys
from collections.abc import Generator, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from ._wsgi import WSGIApp
    from .app import Lcore

__all__ = ["DOCS_URL", "CLIError", "LoadError", "docs_url", "load", "load_app", "main"]

#: Where ``--docs`` points when lcore does not run from a source checkout with ``docs/``.
DOCS_URL = "https://pypi.org/project/lcore/"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080

# A Windows path's drive colon (``C:\\app.py:app``) is not the module:attribute colon.
_DRIVE = re.compile(r"[A-Za-z]:[\\/]")


class CLIError(Exception):
    """A problem the command line reports in one line: ``lcore: error: <message>``."""


class LoadError(ImportError):
    """A target (``module``, ``file.py``, ``module:attr``, ``module:factory()``) could not
    be loaded; the message says why in one line."""


# -- loading targets ------------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        where = f"{exc.filename}, line {exc.lineno}" if exc.filename else f"line {exc.lineno}"
        return f"{type(exc).__name__}: {exc.msg} ({where})"
    return f"{type(exc).__name__}: {exc}"


def _import_file(text: str) -> ModuleType:
    path = Path(text)
    if path.suffix != ".py":
        raise LoadError(f"{text!r} is not a .py file")
    if not path.is_file():
        raise LoadError(f"no such file: {text!r}")
    path = path.resolve()
    name = path.stem
    existing = sys.modules.get(name)
    if existing is not None:
        if getattr(existing, "__file__", None) == str(path):
            return existing
        taken_by = getattr(existing, "__file__", None) or "a built-in module"
        raise LoadError(
            f"cannot import {text!r}: the module name {name!r} is taken by {taken_by};"
            " rename the file"
        )
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # so the file's own sibling imports work
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LoadError(f"cannot import {text!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise LoadError(f"cannot import {text!r}: {_describe(exc)}") from exc
    return module


def _import_module(name: str) -> ModuleType:
    # NOTE: the `lcore` console script runs with its own folder first on sys.path, not
    # the working directory that `python -m lcore` would have.
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            raise LoadError(
                f"no module named {exc.name!r} (looked in {os.getcwd()} and sys.path);"
                " give a file path or run lcore from the folder that holds it"
            ) from exc
        raise LoadError(f"cannot import {name!r}: {_describe(exc)}") from exc
    except Exception as exc:
        raise LoadError(f"cannot import {name!r}: {_describe(exc)}") from exc


def _import_target_module(text: str) -> ModuleType:
    if text.endswith(".py") or os.sep in text or (os.altsep and os.altsep in text):
        return _import_file(text)
    return _import_module(text)


def _literal(node: ast.expr, expr: str) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise LoadError(
            f"{expr!r}: factory arguments must be literals (numbers, strings, lists, ...)"
        ) from None


def _evaluate(module: ModuleType, expr: str) -> Any:
    """``attr.path`` or ``factory(literal, key=literal)`` looked up in ``module``."""
    try:
        node = ast.parse(expr.strip(), mode="eval").body
    except SyntaxError:
        raise LoadError(f"{expr!r} is neither an attribute nor a factory call") from None
    call = node if isinstance(node, ast.Call) else None
    names: list[str] = []
    target = call.func if call is not None else node
    while isinstance(target, ast.Attribute):
        names.insert(0, target.attr)
        target = target.value
    if not isinstance(target, ast.Name):
        raise LoadError(f"{expr!r} is neither an attribute nor a factory call")
    names.insert(0, target.id)
    value: Any = module
    for index, name in enumerate(names):
        if not hasattr(value, name):
            owner = ".".join([module.__name__, *names[:index]])
            raise LoadError(f"{owner!r} has no attribute {name!r}")
        value = getattr(value, name)
    if call is None:
        return value
    args = [_literal(arg, expr) for arg in call.args]
    kwargs: dict[str, Any] = {}
    for keyword in call.keywords:
        if keyword.arg is None:
            raise LoadError(f"{expr!r}: factory arguments must be literals")
        kwargs[keyword.arg] = _literal(keyword.value, expr)
    if not callable(value):
        raise LoadError(f"{'.'.join(names)!r} is a {type(value).__name__}, not callable")
    try:
        return value(*args, **kwargs)
    except Exception as exc:
        raise LoadError(f"{expr.strip()} failed: {_describe(exc)}") from exc


@contextlib.contextmanager
def _servers_disabled() -> Generator[None, None, None]:
    """Loading a target must not serve it: app files often end with ``app.run()``
    (0.0.5's ``NORUN``). ``app.run()`` and ``lcore.run()`` look ``lcore.servers.run`` up
    when called, so they do nothing while this is active."""
    from . import servers

    original = servers.run

    def skip(*args: Any, **kwargs: Any) -> None:
        del args, kwargs

    setattr(servers, "run", skip)  # noqa: B010
    try:
        yield
    finally:
        setattr(servers, "run", original)  # noqa: B010


def load(target: str) -> Any:
    """Import ``module``, ``path/to/file.py``, ``module:attr.path`` or a factory call
    ``module:create_app('prod', debug=False)`` (literal arguments only).

    Args:
        target: What to load.

    Returns:
        The module, or the attribute (the factory's result for a call).

    Raises:
        LoadError: The module cannot be imported (with why: missing, a syntax error,
            an exception while importing), an attribute is missing or the factory failed.
    """
    text = target.strip()
    colon = text.find(":", 2 if _DRIVE.match(text) else 0)
    module_text, expr = (text, None) if colon < 0 else (text[:colon], text[colon + 1 :])
    if not module_text:
        raise LoadError(f"{target!r} names no module")
    module = _import_target_module(module_text)
    return module if expr is None else _evaluate(module, expr)


def load_app(target: str) -> Lcore | WSGIApp:
    """Load the app a command line names, without serving it (a module-level
    ``app.run()`` is skipped while the module is imported).

    A target without ``:attr`` yields the module's first :class:`~lcore.Lcore` app, else
    its ``app`` or ``application`` callable.

    Args:
        target: ``app``, ``app.py``, ``app:app``, ``pkg.mod:application`` or
            ``pkg.mod:create_app()``.

    Returns:
        The WSGI application.

    Raises:
        LoadError: Nothing importable, or nothing app-like, is found.
    """
    from .app import Lcore

    with _servers_disabled():
        found = load(target)
    if isinstance(found, ModuleType):
        module = found
        apps = [value for value in vars(module).values() if isinstance(value, Lcore)]
        found = apps[0] if apps else getattr(module, "app", getattr(module, "application", None))
        if found is None:
            raise LoadError(f"no Lcore app found in {target!r}; name the app, like {target}:app")
    if isinstance(found, Lcore):
        return found
    if not callable(found):
        raise LoadError(f"{target!r} is a {type(found).__name__}, not a WSGI app")
    return cast("WSGIApp", found)


# -- argument parsing -----------------------------------------------------------------------


def parse_bind(text: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:8080`` for IPv6; either part may be left out) as a pair.

    Raises:
        CLIError: The address is malformed.
    """
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed or not host or (rest and not rest.startswith(":")):
            raise CLIError(f"bad address {text!r}; write IPv6 addresses like [::1]:8080")
        port_text = rest[1:]
    elif text.count(":") > 1:
        raise CLIError(f"bad address {text!r}; put IPv6 addresses in brackets: [::1]:8080")
    else:
        host, _, port_text = text.partition(":")
    if not port_text:
        return host or DEFAULT_HOST, DEFAULT_PORT
    if not port_text.isdigit() or int(port_text) > 65535:
        raise CLIError(f"bad port {port_text!r} in {text!r}; expected 0 to 65535")
    return host or DEFAULT_HOST, int(port_text)


def _parse_param(text: str) -> tuple[str, Any]:
    key, has_value, value = text.partition("=")
    key = key.strip()
    if not key:
        raise CLIError(f"bad --param {text!r}; expected KEY=VALUE or KEY")
    return key, value if has_value else True


def _load_config(files: Sequence[str], params: Sequence[str]) -> dict[str, Any]:
    from .config import ConfigDict

    config = ConfigDict()
    for file in files:
        try:
            if file.lower().endswith(".json"):
                config.load_json(file)
            else:
                config.load_config(file)
        except OSError as exc:
            raise CLIError(f"cannot read config file {file!r}: {exc.strerror}") from None
        except ValueError as exc:
            raise CLIError(f"bad config file: {exc}") from None
    for param in params:
        key, value = _parse_param(param)
        config[key] = value
    return dict(config)


def _apply_config(app: Lcore | WSGIApp, target: str, config: dict[str, Any]) -> None:
    from .app import Lcore

    if not config:
        return
    if not isinstance(app, Lcore):
        raise CLIError(f"-c/-C configure Lcore apps; {target!r} is a {type(app).__name__}")
    try:
        app.config.update(config)
    except (TypeError, ValueError) as exc:
        raise CLIError(f"bad configuration: {exc}") from None


def _load_plugin(target: str) -> Any:
    plugin = load(target)
    return plugin() if isinstance(plugin, type) else plugin


def _monkey_patch(server: str) -> None:
    """gevent and eventlet must patch the standard library before the app imports it;
    when the package is missing, the server adapter reports it."""
    for prefix, module, function in (
        ("gevent", "gevent.monkey", "patch_all"),
        ("eventlet", "eventlet", "monkey_patch"),
    ):
        if server.startswith(prefix):
            try:
                patcher = importlib.import_module(module)
            except ImportError:
                return
            getattr(patcher, function)()


def _check_server(name: str) -> None:
    from .servers import server_names

    if name not in server_names and ":" not in name and "." not in name:
        known = ", ".join(sorted(server_names))
        raise CLIError(f"unknown server {name!r}; choose one of: {known}")


def docs_url() -> str:
    """The documentation ``--docs`` opens: the ``docs/`` folder of a source checkout,
    else :data:`DOCS_URL`."""
    root = Path(__file__).resolve().parent.parent
    project = root / "pyproject.toml"
    docs = root / "docs"
    in_checkout = project.is_file() and 'name = "lcore"' in project.read_text(encoding="utf-8")
    if in_checkout and docs.is_dir():
        return docs.as_uri()
    return DOCS_URL


def _open_docs() -> int:
    import webbrowser

    url = docs_url()
    print(f"lcore: opening {url}")
    if not webbrowser.open(url):
        print("lcore: no browser found; open the address above yourself", file=sys.stderr)
    return 0


def _serve_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="lcore",
        description="Serve an lcore (or any WSGI) app.",
        epilog="TARGET: app, app.py, app:app, pkg.mod:application or pkg.mod:create_app()."
        " Also: lcore routes TARGET (the route table), lcore openapi TARGET.",
    )
    add = parser.add_argument
    add("--version", action="version", version=f"lcore {__version__}")
    add(
        "-b",
        "--bind",
        default=f"{DEFAULT_HOST}:{DEFAULT_PORT}",
        metavar="ADDRESS",
        help=f"host:port, [::1]:8080 for IPv6 (default {DEFAULT_HOST}:{DEFAULT_PORT})",
    )
    add("-s", "--server", default="wsgiref", metavar="NAME", help="server (default wsgiref)")
    add(
        "-p",
        "--plugin",
        action="append",
        default=[],
        dest="plugins",
        metavar="MODULE",
        help="install a plugin, module:name; a class is instantiated (repeatable)",
    )
    add(
        "-c",
        "--conf",
        action="append",
        default=[],
        dest="confs",
        metavar="FILE",
        help="load a config file: .json, else INI (repeatable)",
    )
    add(
        "-C",
        "--param",
        action="append",
        default=[],
        dest="params",
        metavar="KEY=VALUE",
        help="set a config key; KEY alone sets True (repeatable)",
    )
    add("--debug", action="store_true", help="debug mode: tracebacks, /docs")
    add("--reload", action="store_true", help="restart when a loaded module's file changes")
    add("--docs", action="store_true", help="open the documentation in a browser and exit")
    add("target", nargs="?", metavar="TARGET", help="the app to serve")
    return parser


def _load_or_fail(target: str, debug: bool) -> Lcore | WSGIApp:
    try:
        return load_app(target)
    except LoadError as exc:
        if debug and exc.__cause__ is not None:
            import traceback

            traceback.print_exception(exc.__cause__)
        raise CLIError(str(exc)) from None


# -- commands -------------------------------------------------------------------------------


def _serve(argv: Sequence[str]) -> int:
    parser = _serve_parser()
    args = parser.parse_args(argv)
    if args.docs:
        return _open_docs()
    if not args.target:
        parser.print_help(sys.stderr)
        print("lcore: error: no TARGET given (an app such as app.py)", file=sys.stderr)
        return 1
    host, port = parse_bind(args.bind)
    _check_server(args.server)
    config = _load_config(args.confs, args.params)
    if args.reload:
        from .reloader import is_reloader_child, run_reloader_parent

        if not is_reloader_child():
            # The parent only supervises; importing the app twice would run its
            # module-level code (connections, threads) twice.
            return run_reloader_parent()
    _monkey_patch(args.server)
    app = _load_or_fail(args.target, args.debug)
    # Applied here first so a bad value is one error line, not a traceback from run().
    _apply_config(app, args.target, config)
    try:
        plugins = [_load_plugin(plugin) for plugin in args.plugins]
    except LoadError as exc:
        raise CLIError(f"plugin: {exc}") from None
    from .servers import ServerStartError, run

    try:
        run(
            app,
            server=args.server,
            host=host,
            port=port,
            reloader=args.reload,
            debug=True if args.debug else None,
            plugins=plugins or None,
            config=config or None,
        )
    except ServerStartError as exc:  # run() has printed its one line
        return int(exc.code or 2)
    except (ImportError, OSError, ValueError) as exc:
        if args.debug:
            import traceback

            traceback.print_exception(exc)
        raise CLIError(f"cannot serve on {host}:{port}: {exc}") from None
    return 0


def _target_parser(command: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"lcore {command}", description=description)
    parser.add_argument("target", metavar="TARGET", help="the app: app.py, pkg.mod:app, ...")
    parser.add_argument("--debug", action="store_true", help="print tracebacks of load errors")
    return parser


def _routes(argv: Sequence[str]) -> int:
    from .app import Lcore

    args = _target_parser("routes", "Print the route table of an app.").parse_args(argv)
    app = _load_or_fail(args.target, args.debug)
    if not isinstance(app, Lcore):
        raise CLIError(f"{args.target!r} is a {type(app).__name__}, not an Lcore app")
    rows = [("METHOD", "PATH", "NAME", "HANDLER")]
    rows += [(r["method"], r["rule"], r["name"] or "-", r["callback"]) for r in app.show_routes()]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[3]]))
    return 0


def _openapi(argv: Sequence[str]) -> int:
    from .app import Lcore

    args = _target_parser("openapi", "Print the OpenAPI document of an app.").parse_args(argv)
    app = _load_or_fail(args.target, args.debug)
    if not isinstance(app, Lcore):
        raise CLIError(
            f"{args.target!r} is a plain WSGI app: only an Lcore app has an OpenAPI document"
        )
    print(json.dumps(app.openapi(), indent=2))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (``python -m lcore``, the ``lcore`` script).

    Args:
        argv: The arguments (default ``sys.argv[1:]``).

    Returns:
        The exit status: 0 on success, 1 without a target, 2 for an error (reported as
        one ``lcore: error: ...`` line).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    commands = {"routes": _routes, "openapi": _openapi}
    try:
        if args and args[0] in commands:
            return commands[args[0]](args[1:])
        return _serve(args)
    except CLIError as exc:
        print(f"lcore: error: {exc}", file=sys.stderr)
        return 2
