"""The UI from an installed wheel: built from this checkout, installed into a fresh venv
with no dependencies, and served by the installed lcore (no browser needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300

CHECK = r"""
import json, sys
import lcore
from lcore import Lcore, TestClient
from lcore.docs_ui import ui_directory

assert "lcore.docs_ui" in sys.modules
app = Lcore()
app.get("/ping")(lambda: "pong")
app.enable_docs(title="From the wheel")
client = TestClient(app)
page = client.get("/docs")
files = {}
for name in sorted(p.name for p in ui_directory().iterdir()):
    reply = client.get("/docs/static/" + name)
    files[name] = [reply.status_code, reply.headers.get("Content-Type"), len(reply.body)]
print(json.dumps({
    "lcore": lcore.__file__,
    "ui": str(ui_directory()),
    "page": [page.status_code, "<title>From the wheel</title>" in page.text],
    "json": client.get("/docs/json").json["info"]["title"],
    "files": files,
}))
"""


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("wheel")
    # NOTE: no build isolation: the dev extras bring setuptools, so nothing is downloaded.
    run(sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "--no-build-isolation",
        "-q", "-w", out, cwd=out)  # fmt: skip
    (built,) = out.glob("lcore-*.whl")
    yield built


def test_the_wheel_holds_every_module_and_every_ui_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "lcore").rglob("*.py")}
    assert modules <= names, f"left out of the wheel: {sorted(modules - names)}"
    assert "lcore/py.typed" in names
    ui = {f"lcore/openapi_ui/{p.name}" for p in (ROOT / "openapi_ui").iterdir() if p.is_file()}
    assert ui <= names, f"left out of the wheel: {sorted(ui - names)}"
    assert not [n for n in names if n.startswith("openapi_ui/")]  # not a top-level package


def test_the_installed_wheel_serves_the_ui(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
        "--no-index", wheel, cwd=tmp_path)  # fmt: skip
    result = json.loads(run(python, "-c", CHECK, cwd=tmp_path).stdout)
    site = Path(result["lcore"]).parent
    assert site.parent.name == "site-packages" and env_dir in site.parents
    assert Path(result["ui"]) == site / "openapi_ui"
    assert result["page"] == [200, True]
    assert result["json"] == "From the wheel"
    files = result["files"]
    assert set(files) == {p.name for p in (ROOT / "openapi_ui").iterdir() if p.is_file()}
    for name, (status, content_type, size) in files.items():
        if name == "index.html":
            assert status == 404  # only at /docs
            continue
        assert status == 200, name
        assert content_type.startswith(("text/javascript", "text/css", "image/svg+xml")), name
        assert size == (ROOT / "openapi_ui" / name).stat().st_size
