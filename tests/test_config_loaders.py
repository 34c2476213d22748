"""ConfigDict loaders and load_dotenv, with real temp files, malformed ones included."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lcore import ConfigDict, load_dotenv


def test_load_json(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"db": {"url": "x", "pool": 3}, "debug": True}))
    config = ConfigDict().load_json(path)
    assert config == {"db.url": "x", "db.pool": 3, "debug": True}


@pytest.mark.parametrize("text", ["{", "[1, 2]", "", "nope"])
def test_malformed_json_loads_nothing(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(text)
    config = ConfigDict({"keep": 1})
    with pytest.raises(ValueError, match="c.json"):
        config.load_json(path)
    assert config == {"keep": 1}


def test_load_ini_sections_become_namespaces(tmp_path: Path) -> None:
    path = tmp_path / "s.ini"
    path.write_text(
        "[lcore]\ndebug = true\n[db]\nURL = sqlite://\npool = ${pool_size}\npool_size = 4\n"
    )
    config = ConfigDict().load_config(path)
    assert config["debug"] == "true"
    assert config["db.url"] == "sqlite://"
    assert config["db.pool"] == "4"


def test_malformed_ini_loads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.ini"
    path.write_text("[db]\nurl = a\nno section header problem\n[db]\nurl = b\n")
    config = ConfigDict()
    with pytest.raises(ValueError, match="s.ini"):
        config.load_config(path)
    assert config == {}


def test_load_env_strip_and_namespaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYAPP_DB__URL", "u")
    monkeypatch.setenv("MYAPP_SECRET", "s")
    assert ConfigDict().load_env("MYAPP_") == {"db.url": "u", "secret": "s"}
    full = ConfigDict().load_env("MYAPP_", strip_prefix=False)
    assert full["myapp_secret"] == "s"


DOTENV = """\
# a comment
export A_KEY=plain

B_KEY = "double quoted # not a comment"
C_KEY='single'
D_KEY=value # trailing comment
EMPTY=
"""


def test_dotenv_grammar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("A_KEY", "B_KEY", "C_KEY", "D_KEY", "EMPTY"):
        monkeypatch.delenv(key, raising=False)
    path = tmp_path / ".env"
    path.write_text(DOTENV)
    values = load_dotenv(path)
    assert values == {
        "A_KEY": "plain",
        "B_KEY": "double quoted # not a comment",
        "C_KEY": "single",
        "D_KEY": "value",
        "EMPTY": "",
    }
    assert os.environ["B_KEY"] == "double quoted # not a comment"


def test_dotenv_keeps_existing_unless_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("A_KEY", "from-env")
    path = tmp_path / ".env"
    path.write_text("A_KEY=from-file\n")
    load_dotenv(path)
    assert os.environ["A_KEY"] == "from-env"
    load_dotenv(path, override=True)
    assert os.environ["A_KEY"] == "from-file"


def test_dotenv_malformed_line_names_its_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOD", raising=False)
    path = tmp_path / ".env"
    path.write_text("GOOD=1\n\nthis is not an assignment\n")
    with pytest.raises(ValueError, match=r"\.env:3: expected KEY=VALUE"):
        load_dotenv(path)
    assert "GOOD" not in os.environ  # nothing half-loaded


def test_missing_dotenv_is_a_no_op(tmp_path: Path) -> None:
    assert load_dotenv(tmp_path / "absent.env") == {}


def test_config_load_dotenv_returns_self(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("Z_KEY", raising=False)
    path = tmp_path / ".env"
    path.write_text("Z_KEY=1\n")
    config = ConfigDict()
    assert config.load_dotenv(path) is config
    assert os.environ["Z_KEY"] == "1"


def test_a_namespace_keeps_user_settings_off_lcore_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from lcore import Lcore

    monkeypatch.setenv("MYAPP_DEBUG", "true")
    monkeypatch.setenv("MYAPP_DB__URL", "postgres://db")
    app = Lcore()
    app.config.load_env("MYAPP_", namespace="myapp")
    assert app.debug is False  # MYAPP_DEBUG did not switch lcore's debug on
    assert app.config["myapp.debug"] == "true"
    assert app.config["myapp.db.url"] == "postgres://db"
    plain = Lcore()
    plain.config.load_env("MYAPP_")  # the seed's behaviour, kept: the key is "debug"
    assert plain.debug is True


def test_a_dotenv_can_feed_the_config_without_os_environ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SHOP_TOKEN", "SHOP_DB__POOL", "OTHER"):
        monkeypatch.delenv(name, raising=False)  # restored (removed) after the test
    env_file = tmp_path / ".env"
    env_file.write_text("SHOP_TOKEN=abc\nSHOP_DB__POOL=5\nOTHER=x\n", encoding="utf-8")
    config = ConfigDict().load_dotenv(env_file, environ=False, prefix="SHOP_", namespace="shop")
    assert dict(config) == {"shop.token": "abc", "shop.db.pool": "5"}
    assert "SHOP_TOKEN" not in os.environ and "OTHER" not in os.environ
    assert load_dotenv(env_file, environ=False) == {
        "SHOP_TOKEN": "abc",
        "SHOP_DB__POOL": "5",
        "OTHER": "x",
    }
    assert "SHOP_TOKEN" not in os.environ
    ConfigDict().load_dotenv(env_file)  # the default still writes os.environ, as run() does
    assert os.environ["SHOP_TOKEN"] == "abc"
