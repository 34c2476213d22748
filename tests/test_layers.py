"""The package's runtime import graph keeps its shape: imports point down.

Module-level and function-local imports both count (a lazy import runs when its function
does); imports under ``if TYPE_CHECKING:`` never run and are set aside. The graph must have
no circle, every edge must go down the floors of ``FLOORS`` (or stay on one floor), and the
pure modules import nothing of lcore but ``errors`` and ``_wsgi``. ``docs/architecture.md``
draws the same floors.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lcore"

#: The floors, lowest first. A module may import modules on its own floor or below.
FLOORS: list[set[str]] = [
    {"_wsgi", "errors", "concurrency", "tasks"},
    {"http", "limits", "routing", "jsonutil", "datastructures", "scalars", "typeinfo"},
    {"security", "hooks", "converters", "request", "response", "schema"},
    {"typedconfig", "context", "responsemodel"},
    {
        "config",
        "params",
        "plugins",
        "middleware",
        "middleware.base",
        "middleware.cors",
        "middleware.body_limit",
        "middleware.proxy_fix",
        "middleware.request_id",
        "middleware.request_logger",
        "middleware.security_headers",
        "middleware.timeout",
        "middleware.compression",
        "bodies",
        "di",
        "auth",
    },
    {"route", "openapi"},
    {"docs_ui"},
    {"app", "testing"},
    {
        "defaults",
        "reloader",
        "servers",
        "servers.base",
        "servers.external",
        "servers.others",
        "servers.serving",
        "servers.stdlib",
    },
    {"cli", "__main__"},
    {"__init__"},
]

#: Upward edges kept on purpose, each with its reason.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {
    # Lcore.run() is Bottle's convenience: app.run(port=8080) hands the app to servers.run.
    ("app", "servers"): "Lcore.run() hands off to the servers wing",
    # The package face: `lcore --version` reads lcore.__version__.
    ("cli", "__init__"): "the CLI reads the package's __version__",
}

#: Modules that stay pure: they can be tested and fuzzed alone.
PURE = {"http", "limits", "routing", "jsonutil", "datastructures", "scalars", "typeinfo"}
PURE_MAY_IMPORT = {"errors", "_wsgi"}


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """``lcore/middleware/base.py`` -> ``middleware.base``; a package is its ``__init__``."""
    parts = path.relative_to(root).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below ``node``, skipping the bodies of ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield other
                yield from _runtime_nodes(other)
            continue
        yield child
        yield from _runtime_nodes(child)


def runtime_imports(path: Path, modules: set[str], root: Path = PACKAGE) -> set[str]:
    """The lcore modules that ``path`` imports when it runs (names relative to lcore)."""
    here = module_name(path, root)
    # The package a relative import starts from: lcore itself is the empty list.
    package = list(path.relative_to(root).parent.parts)
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *filter(None, (node.module or "").split("."))])
            elif (node.module or "").split(".")[0] == "lcore":
                target = (node.module or "").removeprefix("lcore").lstrip(".")
            else:
                continue
            # `from . import servers` imports the submodule; `from . import __version__`
            # (a name, not a module) reads the package itself.
            names = [f"{target}.{alias.name}".lstrip(".") for alias in node.names]
            submodules = [name for name in names if name in modules]
            targets.extend(submodules)
            if node.module is not None or len(submodules) < len(names):
                targets.append(target or "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "lcore":
                    targets.append("__init__")
                elif alias.name.startswith("lcore."):
                    targets.append(alias.name.removeprefix("lcore."))
        found.update(t for t in targets if t in modules and t != here)
    return found


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: runtime_imports(path, set(files)) for name, path in files.items()}


def floor_of(module: str) -> int:
    for number, floor in enumerate(FLOORS):
        if module in floor:
            return number
    raise AssertionError(f"lcore/{module} is on no floor of tests/test_layers.py: place it")


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = [stack.pop()]
            while part[-1] != v:
                part.append(stack.pop())
            on_stack.difference_update(part)
            if len(part) > 1:
                found.append(sorted(part))

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return found


GRAPH = import_graph()


def test_every_module_has_a_floor() -> None:
    for module in GRAPH:
        floor_of(module)


def test_no_runtime_import_circle() -> None:
    allowed = {(a, b) for a, b in ALLOWED_UPWARD}
    graph = {m: {t for t in targets if (m, t) not in allowed} for m, targets in GRAPH.items()}
    assert circles(graph) == []


def test_runtime_imports_point_down() -> None:
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if floor_of(target) > floor_of(module) and (module, target) not in ALLOWED_UPWARD
    )
    assert upward == []


def test_the_allow_list_is_all_used() -> None:
    for module, target in ALLOWED_UPWARD:
        if module in GRAPH and target in GRAPH:
            assert target in GRAPH[module], f"{module} -> {target} is allowed but unused"


@pytest.mark.parametrize("module", sorted(PURE))
def test_pure_modules_import_only_errors_and_wsgi(module: str) -> None:
    assert GRAPH[module] <= PURE_MAY_IMPORT, GRAPH[module] - PURE_MAY_IMPORT


def test_the_graph_reader_sees_lazy_imports_and_skips_type_checking(tmp_path: Path) -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import errors\n"
        "if TYPE_CHECKING:\n"
        "    from .app import Lcore\n"
        "else:\n"
        "    from .http import parse_date\n"
        "def later():\n"
        "    from .routing import Router\n"
        "    import lcore.limits\n"
    )
    probe = tmp_path / "middleware" / "probe.py"
    probe.parent.mkdir()
    probe.write_text(source.replace("from .", "from .."), encoding="utf-8")
    modules = {"errors", "app", "http", "routing", "limits", "middleware.probe"}
    found = runtime_imports(probe, modules, root=tmp_path)
    assert found == {"errors", "http", "routing", "limits"}


ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.md"
_FLOOR_ROW = re.compile(r"^\| (\d+) \| ((?:`[\w.]+`(?:, )?)+) \|")


def test_architecture_md_draws_these_floors() -> None:
    drawn: dict[int, set[str]] = {}
    for line in ARCHITECTURE.read_text(encoding="utf-8").splitlines():
        row = _FLOOR_ROW.match(line)
        if row:
            drawn[int(row.group(1))] = set(re.findall(r"`([\w.]+)`", row.group(2)))
    assert drawn == dict(enumerate(FLOORS)), "docs/architecture.md's floor table is stale"
