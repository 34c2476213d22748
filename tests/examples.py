"""Load an app of examples/ as a fresh module, under its own name, for tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(file_name: str, module_name: str) -> ModuleType:
    """Run ``examples/<file_name>`` as the module ``module_name`` and return it."""
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / file_name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
