"""ConfigDict basics: keys, metadata and filters, change callbacks, overlays, validation.

The file loaders are covered in test_config_loaders.py, typed views in test_typedconfig.py.
"""

from __future__ import annotations

import dataclasses
import sys
import types
from typing import Any

import pytest

from lcore import ConfigDict, Lcore, TestClient
from lcore.config import LCORE_KEYS


def test_keys_must_be_strings() -> None:
    config = ConfigDict()
    with pytest.raises(TypeError):
        config[1] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        config.load_dict({1: "x"})  # type: ignore[dict-item]


def test_constructor_update_and_setdefault() -> None:
    config = ConfigDict({"a": 1}, b=2)
    assert config == {"a": 1, "b": 2}
    config.update("db.", {"host": "h"}, port=5432)
    config.update({"plain": True})
    assert config["db.host"] == "h"
    assert config["db.port"] == 5432
    assert config["plain"] is True
    assert config.setdefault("db.host", "other") == "h"
    assert config.setdefault("new", "v") == "v"
    assert config["new"] == "v"


def test_load_dict_flattens_nested_namespaces() -> None:
    config = ConfigDict().load_dict({"app": {"db": {"url": "sqlite://"}, "debug": False}, "x": 1})
    assert config == {"app.db.url": "sqlite://", "app.debug": False, "x": 1}
    config.load_dict({"k": "v"}, namespace="ns")
    assert config["ns.k"] == "v"


def test_load_module_uppercase_attributes() -> None:
    module = types.ModuleType("lcore_test_settings")
    module.DEBUG = True  # type: ignore[attr-defined]
    module.DB = {"URL": "x"}  # type: ignore[attr-defined]
    module.lower = "ignored"  # type: ignore[attr-defined]
    sys.modules["lcore_test_settings"] = module
    try:
        squashed = ConfigDict().load_module("lcore_test_settings")
        assert squashed == {"DEBUG": True, "DB.URL": "x"}
        flat = ConfigDict().load_module("lcore_test_settings", squash=False)
        assert flat == {"DEBUG": True, "DB": {"URL": "x"}}
    finally:
        del sys.modules["lcore_test_settings"]


def test_change_callbacks() -> None:
    config = ConfigDict()
    seen: list[tuple[str, Any]] = []
    config.on_change(lambda key, value: seen.append((key, value)))
    value = ["same"]
    config["a"] = value
    config["a"] = value  # the very same object: no change
    config["a"] = 2
    del config["a"]
    assert seen == [("a", ["same"]), ("a", 2), ("a", None)]


def test_metadata_and_filters() -> None:
    config = ConfigDict()
    config["port"] = "80"
    config.meta_set("port", "help", "The port")
    config.meta_set("port", "filter", int)  # applies to the current value too
    assert config["port"] == 80
    config["port"] = "8080"
    assert config["port"] == 8080
    assert config.meta_get("port", "help") == "The port"
    assert config.meta_get("port", "nope", "d") == "d"
    assert config.meta_get("other", "help") is None
    assert config.meta_list("port") == ["help", "filter"]
    assert config.meta_list("other") == []
    with pytest.raises(ValueError):
        config["port"] = "eighty"
    assert config["port"] == 8080


def test_overlays_read_through_until_set() -> None:
    parent = ConfigDict(a=1, b=2)
    child = parent.make_overlay()
    assert child == {"a": 1, "b": 2}
    parent["a"] = 10
    parent["new"] = "n"
    assert child["a"] == 10
    assert child["new"] == "n"
    child["b"] = 20
    parent["b"] = 200
    assert child["b"] == 20  # set locally: no longer follows the parent
    with pytest.raises(KeyError, match="inherited"):
        del child["a"]
    del child["b"]
    assert child["b"] == 200  # back to the parent's value
    del parent["new"]
    assert "new" not in child
    assert parent._make_overlay() is not child


def test_overlay_listeners_and_inherited_filters() -> None:
    parent = ConfigDict()
    parent.meta_set("n", "filter", int)
    child = parent.make_overlay()
    seen: list[tuple[str, Any]] = []
    child.on_change(lambda key, value: seen.append((key, value)))
    parent["n"] = "1"
    child["n"] = "2"
    assert child["n"] == 2  # the parent's filter applies in the overlay
    assert seen == [("n", 1), ("n", 2)]


# -- validate_config ---------------------------------------------------------------------------


@dataclasses.dataclass
class AppConfig:
    db_url: str
    port: int = 8080
    debug: bool = False
    ratio: float = 1.0
    tags: list[str] = dataclasses.field(default_factory=list)


def test_validate_config_valid_with_coercion() -> None:
    config = ConfigDict().load_dict({"db_url": "sqlite://", "port": "9000", "debug": "yes"})
    config["ratio"] = "0.5"
    assert config.validate_config(AppConfig) == (True, [])
    assert config["port"] == 9000
    assert config["debug"] is True
    assert config["ratio"] == 0.5


def test_validate_config_reports_every_problem() -> None:
    config = ConfigDict(port="many", debug="maybe", ratio=[1])
    valid, errors = config.validate_config(AppConfig)
    assert valid is False
    assert errors == [
        "Missing required config key: db_url",
        "Config key port: expected int, got str",
        "Config key debug: expected bool, got str",
        "Config key ratio: expected float, got list",
    ]


def test_validate_config_dotted_field_names() -> None:
    @dataclasses.dataclass
    class Nested:
        db__url: str
        flag: bool = True

    config = ConfigDict({"db.url": "x", "flag": 0})
    assert config.validate_config(Nested) == (True, [])
    assert config["flag"] is False


def test_validate_config_needs_a_dataclass() -> None:
    with pytest.raises(TypeError):
        ConfigDict().validate_config(dict)


@pytest.mark.parametrize(
    ("value", "ok"),
    [(5, True), ("-5", True), (True, False), (1.5, False), ("1" * 19, False), (None, False)],
)
def test_validate_config_int_grammar(value: Any, ok: bool) -> None:
    @dataclasses.dataclass
    class Port:
        port: int

    assert ConfigDict(port=value).validate_config(Port)[0] is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [(True, True), ("on", True), ("OFF", True), (1, True), (2, False), ("x", False)],
)
def test_validate_config_bool_grammar(value: Any, ok: bool) -> None:
    @dataclasses.dataclass
    class Flag:
        flag: bool

    assert ConfigDict(flag=value).validate_config(Flag)[0] is ok


# -- lcore's own keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("debug", "true", True),
        ("debug", "0", False),
        ("catchall", "no", False),
        ("error.format", "json", "json"),
        ("json.enable", "off", False),
        ("json.backend", "json", "json"),
        ("proxy.trusted", "10.0.0.1, 10.1.0.0/16", "10.0.0.1, 10.1.0.0/16"),
        ("proxy.trusted", None, []),
        ("request.max_body", "1024", 1024),
        ("request.max_fields", 5, 5),
        ("request.max_json_depth", "+8", 8),
    ],
)
def test_lcore_keys_are_checked_and_coerced(key: str, value: Any, stored: Any) -> None:
    app = Lcore()
    app.config[key] = value
    assert app.config[key] == stored


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("debug", "maybe"),
        ("catchall", 3),
        ("error.format", "xml"),
        ("json.backend", "simplejson"),
        ("json.enable", "sometimes"),
        ("proxy.trusted", ["not-an-ip"]),
        ("proxy.trusted", 42),
        ("request.max_body", 0),
        ("request.max_fields", -3),
        ("request.max_json_depth", "deep"),
        ("request.max_body", True),
    ],
)
def test_lcore_keys_refuse_bad_values(key: str, value: Any) -> None:
    app = Lcore()
    before = app.config.get(key)
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        app.config[key] = value
    assert app.config.get(key) == before


def test_lcore_keys_cover_the_design_keys() -> None:
    assert {
        "debug",
        "error.format",
        "proxy.trusted",
        "json.backend",
        "request.max_body",
        "request.max_fields",
        "request.max_json_depth",
    } <= set(LCORE_KEYS)


def test_a_request_never_looks_anything_up_in_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    # The keys the request path needs are mirrored into attributes when they change.
    app = Lcore()
    app.config["json.enable"] = True
    app.hooks.add("after_request", lambda: None)  # forces the general finish

    @app.get("/data")
    def data() -> dict[str, int]:
        return {"n": 1}

    client = TestClient(app)
    assert client.get("/data").json == {"n": 1}

    def no_lookups(*args: Any) -> Any:
        raise AssertionError(f"config looked up during a request: {args!r}")

    for name in ("get", "__getitem__", "__contains__"):
        monkeypatch.setattr(ConfigDict, name, no_lookups)
    assert client.get("/data").json == {"n": 1}
    assert client.get("/missing").status_code == 404
