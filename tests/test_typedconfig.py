"""ConfigDict.as_dataclass: typed, coerced views of the configuration."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal, Optional

import pytest

from lcore import ConfigDict, ConfigError, Lcore, Param


class Mode(Enum):
    DEV = "dev"
    PROD = "prod"


class Level(Enum):
    LOW = 1
    HIGH = 2


@dataclass
class Database:
    url: str
    port: int = 5432
    pool: int = 5


@dataclass
class Settings:
    db: Database
    debug: bool = False
    hosts: list[str] = field(default_factory=list)
    ports: tuple[int, ...] = ()
    ratio: float = 1.0
    price: Decimal = Decimal("0")
    level: Literal["debug", "info"] = "info"
    mode: Mode = Mode.DEV
    strength: Level = Level.LOW
    timeout: Optional[int] = None  # noqa: UP045 - Optional is part of what is tested
    retries: int | None = 3
    data: Path = Path()
    limits: dict[str, int] = field(default_factory=dict)


def test_builds_nested_dataclass_from_text_values() -> None:
    config = ConfigDict()
    config.load_dict(
        {
            "db": {"url": "postgres://db", "port": "6543"},
            "debug": "yes",
            "hosts": "a.example, b.example",
            "ports": "80,443",
            "ratio": "0.5",
            "price": "9.99",
            "level": "debug",
            "mode": "prod",
            "strength": "2",
            "timeout": "none",
            "retries": "5",
            "data": "/srv/data",
            "limits": {"burst": "10", "rate": "3"},
        }
    )
    settings = config.as_dataclass(Settings)
    assert settings == Settings(
        db=Database(url="postgres://db", port=6543),
        debug=True,
        hosts=["a.example", "b.example"],
        ports=(80, 443),
        ratio=0.5,
        price=Decimal("9.99"),
        level="debug",
        mode=Mode.PROD,
        strength=Level.HIGH,
        timeout=None,
        retries=5,
        data=Path("/srv/data"),
        limits={"burst": 10, "rate": 3},
    )


def test_defaults_fill_missing_keys() -> None:
    config = ConfigDict({"db.url": "sqlite://"})
    settings = config.as_dataclass(Settings)
    assert settings.db == Database("sqlite://")
    assert settings.debug is False
    assert settings.hosts == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("1", True),
        ("ON", True),
        ("Yes", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("off", False),
    ],
)
def test_bool_words(text: str, expected: bool) -> None:
    assert ConfigDict({"db.url": "x", "debug": text}).as_dataclass(Settings).debug is expected


def test_enum_by_name_and_value() -> None:
    assert ConfigDict({"db.url": "x", "mode": "PROD"}).as_dataclass(Settings).mode is Mode.PROD
    assert ConfigDict({"db.url": "x", "mode": Mode.DEV}).as_dataclass(Settings).mode is Mode.DEV


def test_every_bad_key_is_reported_at_once() -> None:
    config = ConfigDict()
    config.load_dict(
        {
            "db": {"port": "x"},
            "debug": "maybe",
            "ratio": "fast",
            "level": "warn",
            "mode": "x",
            "timeout": "1.5",
            "ports": "80,http",
        }
    )
    with pytest.raises(ConfigError) as caught:
        config.as_dataclass(Settings)
    assert caught.value.errors == [
        "db.url: missing (expected str)",
        "db.port: expected int, got 'x'",
        "debug: expected bool (true/false, yes/no, on/off, 1/0), got 'maybe'",
        "ports: expected int, got '80,http'",
        "ratio: expected float, got 'fast'",
        "level: expected one of 'debug' | 'info', got 'warn'",
        "mode: expected one of 'dev', 'prod', got 'x'",
        "timeout: expected int | None, got '1.5'",
    ]
    assert "db.port: expected int" in str(caught.value)


def test_int_grammar_is_strict() -> None:
    for bad in ("5_0", "1e3", " ", "٣", "1" * 41):
        with pytest.raises(ConfigError):
            ConfigDict({"db.url": "x", "db.port": bad}).as_dataclass(Settings)
    assert ConfigDict({"db.url": "x", "db.port": "-7"}).as_dataclass(Settings).db.port == -7


def test_prefix_selects_a_namespace() -> None:
    config = ConfigDict({"myapp.db.url": "u", "myapp.debug": "1", "debug": "0"})
    assert config.as_dataclass(Settings, prefix="myapp").debug is True


def test_non_dataclass_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        ConfigDict().as_dataclass(dict)


def test_env_values_become_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVC_DB__URL", "postgres://env")
    monkeypatch.setenv("SVC_DB__POOL", "20")
    monkeypatch.setenv("SVC_DEBUG", "true")
    config = ConfigDict().load_env("SVC_")
    settings = config.as_dataclass(Settings)
    assert settings.db.url == "postgres://env"
    assert settings.db.pool == 20
    assert settings.debug is True


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("debug", "maybe"),
        ("catchall", 3),
        ("error.format", "xml"),
        ("json.backend", "simplejson"),
        ("proxy.trusted", "not-an-ip"),
        ("request.max_body", "-1"),
        ("request.max_fields", 0),
        ("request.max_json_depth", "deep"),
        ("docs.enabled", "maybe"),
        ("docs.path", "docs"),
        ("docs.path", "/docs/"),
        ("docs.title", 3),
        ("docs.servers", [3]),
    ],
)
def test_lcore_keys_fail_at_once(key: str, value: object) -> None:
    app = Lcore()
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        app.config[key] = value


def test_lcore_keys_are_coerced() -> None:
    app = Lcore()
    app.config["request.max_body"] = "2048"
    app.config["debug"] = "on"
    app.config["docs.servers"] = "https://a.example, https://b.example"
    app.config["proxy.trusted"] = "10.0.0.0/8, 127.0.0.1"
    assert app.limits.max_body == 2048
    assert app.debug is True
    assert app.config["docs.servers"] == ["https://a.example", "https://b.example"]
    assert "10.1.2.3" in app.trusted_proxies


@dataclass
class Bounded:
    port: Annotated[int, Param(ge=1, le=65535)] = 8000
    ratio: Annotated[float, Param(gt=0, lt=1)] = 0.5
    name: Annotated[str, Param(pattern=r"^[a-z]+$", min_length=2, max_length=8)] = "shop"
    hosts: Annotated[list[str], Param(min_length=1)] = field(default_factory=lambda: ["localhost"])


@dataclass
class WithBounded:
    inner: Bounded
    workers: Annotated[int, Param(ge=1)] = 1


def test_typed_settings_honour_the_bounds_of_typed_parameters() -> None:
    config = ConfigDict()
    config.load_dict(
        {
            "inner": {"port": "0", "ratio": "1", "name": "Shop\n", "hosts": ""},
            "workers": "0",
        }
    )
    with pytest.raises(ConfigError) as caught:
        config.as_dataclass(WithBounded)
    assert caught.value.errors == [
        "inner.port: must be >= 1, got '0'",
        "inner.ratio: must be < 1, got '1'",
        "inner.name: must match '^[a-z]+$', got 'Shop\\n'",
        "inner.hosts: must have at least 1 items/characters, got ''",
        "workers: must be >= 1, got '0'",
    ]
    good = ConfigDict()
    good.load_dict({"inner": {"port": "443", "ratio": "0.25", "name": "books"}})
    assert good.as_dataclass(WithBounded) == WithBounded(
        Bounded(port=443, ratio=0.25, name="books"), workers=1
    )
