"""The command line: ``python -m lcore [options] TARGET``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["load_app", "main"]


def load_app(target: str) -> Any:
    """Import an app from ``module``, ``module:attr``, or ``path/to/app.py``.

    Raises:
        ValueError: Nothing app-like was found.
    """
    from .app import Lcore

    module_name, _, attr = target.partition(":")
    if module_name.endswith(".py") or os.sep in module_name:
        path = Path(module_name).resolve()
        sys.path.insert(0, str(path.parent))
        module_name = path.stem
    elif "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    module = importlib.import_module(module_name)
    if attr:
        return getattr(module, attr)
    found = [v for v in vars(module).values() if isinstance(v, Lcore)]
    if not found:
        raise ValueError(f"no Lcore app found in {module_name!r}; name it as {module_name}:app")
    return found[0]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    from . import __version__
    from .servers import run

    parser = argparse.ArgumentParser(prog="lcore", description="Serve an lcore app.")
    parser.add_argument("--version", action="version", version=f"lcore {__version__}")
    parser.add_argument("-b", "--bind", default="127.0.0.1:8080", metavar="ADDRESS")
    parser.add_argument("-s", "--server", default="wsgiref", metavar="NAME")
    parser.add_argument("--debug", action="store_true")
    parser.add_argument("target", nargs="?")
    args = parser.parse_args(argv)
    if not args.target:
        parser.print_help(sys.stderr)
        return 1
    host, _, port = args.bind.rpartition(":") if ":" in args.bind else (args.bind, "", "8080")
    try:
        app = load_app(args.target)
    except (ImportError, ValueError, AttributeError) as exc:
        print(f"lcore: cannot load {args.target!r}: {exc}", file=sys.stderr)
        return 2
    run(
        app,
        server=args.server,
        host=host.strip("[]") or "127.0.0.1",
        port=int(port or 8080),
        debug=args.debug or None,
    )
    return 0
