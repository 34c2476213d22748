"""`import lcore` loads nothing but the standard library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
before = set(sys.modules)
import lcore
loaded = sorted(set(sys.modules) - before)
print(json.dumps({"loaded": loaded, "file": lcore.__file__}))
"""


def imported_by_lcore() -> tuple[list[str], str]:
    result = subprocess.run(
        [sys.executable, "-E", "-s", "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    data = json.loads(result.stdout)
    return data["loaded"], data["file"]


def test_import_lcore_loads_only_stdlib_modules() -> None:
    loaded, location = imported_by_lcore()
    assert Path(location).resolve().parent == ROOT / "lcore"
    assert "lcore" in loaded
    third_party = sorted(
        name
        for name in loaded
        if name.split(".")[0] not in sys.stdlib_module_names and name.split(".")[0] != "lcore"
    )
    assert third_party == []


def test_optional_backends_are_not_imported_eagerly() -> None:
    loaded, _ = imported_by_lcore()
    for optional in ("ujson", "jinja2", "mako", "gunicorn", "waitress", "gevent", "redis"):
        assert optional not in loaded
