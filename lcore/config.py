"""ConfigDict (dotted keys, metadata, overlays, change callbacks), its loaders, and the
validation of lcore's own keys."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from .errors import ConfigError
from .http import TrustedProxies
from .scalars import config_scalar

__all__ = ["LCORE_KEYS", "ConfigDict", "ConfigError", "load_dotenv"]

S = TypeVar("S")


class ConfigDict(dict[str, Any]):
    """The app's configuration: a dict of dotted keys (``my_app.db_url``) with metadata,
    change callbacks and overlays (child views that fall back to their parent)."""

    __slots__ = ("_listeners", "_meta", "_overlays", "_source", "_virtual")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._meta: dict[str, dict[str, Any]] = {}
        self._listeners: list[Callable[[str, Any], None]] = []
        self._overlays: list[ConfigDict] = []
        self._source: ConfigDict | None = None
        self._virtual: set[str] = set()
        if args or kwargs:
            self.update(*args, **kwargs)

    # -- access -------------------------------------------------------------------------

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"config keys must be str, not {type(key).__name__}")
        value = self._filtered(key, value)
        self._virtual.discard(key)
        if key in self and super().__getitem__(key) is value:
            return
        self._raw_set(key, value)
        self._notify(key, value)

    def _filtered(self, key: str, value: Any) -> Any:
        source: ConfigDict | None = self
        while source is not None:
            flt = source._meta.get(key, {}).get("filter")
            if flt is not None:
                return flt(value)
            source = source._source
        return value

    def __delitem__(self, key: str) -> None:
        if key in self._virtual:
            raise KeyError(f"{key!r} is inherited; delete it in the parent config")
        super().__delitem__(key)
        if self._source is not None and key in self._source:
            self._raw_set(key, self._source[key])
            self._virtual.add(key)
            self._notify(key, self._source[key])
        else:
            self._notify(key, None)

    def _raw_set(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)

    def _raw_pop(self, key: str) -> None:
        super().pop(key, None)

    def _notify(self, key: str, value: Any) -> None:
        for listener in self._listeners:
            listener(key, value)
        for overlay in self._overlays:
            if key in overlay._virtual or key not in overlay:
                if key in self:
                    overlay._raw_set(key, value)
                    overlay._virtual.add(key)
                else:
                    overlay._raw_pop(key)
                    overlay._virtual.discard(key)
                overlay._notify(key, value)

    def on_change(self, callback: Callable[[str, Any], None]) -> None:
        """Call ``callback(key, value)`` after every change (``None`` for a deletion)."""
        self._listeners.append(callback)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Set many keys; an optional leading string argument is a namespace prefix."""
        prefix = ""
        if args and isinstance(args[0], str):
            prefix = args[0].strip(".") + "."
            args = args[1:]
        for key, value in dict(*args, **kwargs).items():
            self[prefix + key] = value

    def setdefault(self, key: str, value: Any = None) -> Any:
        """Set ``key`` when missing; return its value."""
        if key not in self:
            self[key] = value
        return self[key]

    def make_overlay(self) -> ConfigDict:
        """A child config that reads this one's values until it sets its own."""
        child = ConfigDict()
        child._source = self
        for key, value in self.items():
            child._raw_set(key, value)
            child._virtual.add(key)
        self._overlays.append(child)
        return child

    _make_overlay = make_overlay

    # -- metadata -----------------------------------------------------------------------

    def meta_get(self, key: str, metafield: str, default: Any = None) -> Any:
        """A metadata field of ``key`` (``help``, ``filter``, ...)."""
        return self._meta.get(key, {}).get(metafield, default)

    def meta_set(self, key: str, metafield: str, value: Any) -> None:
        """Set a metadata field; a ``filter`` is applied to the current and future values."""
        self._meta.setdefault(key, {})[metafield] = value
        if metafield == "filter" and key in self and key not in self._virtual:
            self[key] = self[key]

    def meta_list(self, key: str) -> list[str]:
        """The metadata field names of ``key``."""
        return list(self._meta.get(key, {}))

    # -- loaders ------------------------------------------------------------------------

    def load_dict(self, source: Mapping[str, Any], namespace: str = "") -> ConfigDict:
        """Load a (nested) dict; nested dicts become dotted keys."""
        for key, value in source.items():
            if not isinstance(key, str):  # pyright: ignore[reportUnnecessaryIsInstance]
                raise TypeError(f"config keys must be str, not {type(key).__name__}")
            full = f"{namespace}.{key}" if namespace else key
            if isinstance(value, Mapping):
                self.load_dict(value, full)  # pyright: ignore[reportUnknownArgumentType]
            else:
                self[full] = value
        return self

    def load_json(self, filename: str | os.PathLike[str]) -> ConfigDict:
        """Load a JSON object from a file.

        Raises:
            ValueError: The file is not JSON or not an object.
        """
        with open(filename, encoding="utf-8") as handle:
            text = handle.read()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{filename}: invalid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ValueError(f"{filename}: the top level must be a JSON object")
        return self.load_dict(data)  # pyright: ignore[reportUnknownArgumentType]

    def load_config(self, filename: str | os.PathLike[str], **options: Any) -> ConfigDict:
        """Load an INI file: ``[section] key = v`` becomes ``section.key``; the sections
        ``lcore`` and ``ROOT`` load to the top level."""
        import configparser

        options.setdefault("interpolation", configparser.ExtendedInterpolation())
        options.setdefault("allow_no_value", True)
        parser = configparser.ConfigParser(**options)
        try:
            with open(filename, encoding="utf-8") as handle:
                parser.read_file(handle)
        except configparser.Error as exc:
            raise ValueError(f"{filename}: {exc}") from None
        loaded: dict[str, Any] = {}
        for section in parser.sections():
            for key in parser.options(section):
                value = parser.get(section, key)
                name = key if section.lower() in ("lcore", "root") else f"{section}.{key}"
                loaded[name.lower()] = value
        for key, value in loaded.items():
            self[key] = value
        return self

    def load_env(
        self, prefix: str = "LCORE_", strip_prefix: bool = True, *, namespace: str = ""
    ) -> ConfigDict:
        """Load environment variables starting with ``prefix``; ``__`` becomes ``.``.

        Args:
            prefix: Only variables whose name starts with it are read.
            strip_prefix: Drop the prefix from the key (``MYAPP_DB_URL`` -> ``db_url``).
            namespace: Put every key under this one (``namespace="myapp"``:
                ``MYAPP_DEBUG`` -> ``myapp.debug``), so a user's settings never set one
                of lcore's own keys (``debug``, ``catchall``, ``request.*``, ...).
        """
        return self._load_variables(os.environ, prefix, strip_prefix, namespace)

    def load_dotenv(
        self,
        filename: str | os.PathLike[str] = ".env",
        *,
        environ: bool = True,
        prefix: str = "",
        namespace: str = "",
    ) -> ConfigDict:
        """Load a ``.env`` file (see :func:`load_dotenv`).

        Args:
            filename: The file; a missing one is not an error.
            environ: Write the variables into ``os.environ`` (existing ones kept), as
                ``run()`` does; read them with :meth:`load_env`. With ``False`` the file's
                variables go straight into this config instead, as :meth:`load_env` would
                put them (with ``prefix`` and ``namespace``), and ``os.environ`` is not
                touched.
            prefix: With ``environ=False``: only variables starting with it, stripped.
            namespace: With ``environ=False``: the key every variable goes under.
        """
        values = load_dotenv(filename, environ=environ)
        if not environ:
            self._load_variables(values, prefix, True, namespace)
        return self

    def _load_variables(
        self, variables: Mapping[str, str], prefix: str, strip_prefix: bool, namespace: str
    ) -> ConfigDict:
        under = namespace.strip(".") + "." if namespace.strip(".") else ""
        for name, value in variables.items():
            if not name.startswith(prefix):
                continue
            key = name[len(prefix) :] if strip_prefix else name
            self[under + key.lower().replace("__", ".")] = value
        return self

    def load_module(self, name: str, squash: bool = True) -> ConfigDict:
        """Load the UPPERCASE attributes of a module."""
        import importlib

        module = importlib.import_module(name)
        values = {k: getattr(module, k) for k in dir(module) if k.isupper()}
        if squash:
            return self.load_dict(values)
        for key, value in values.items():
            self[key] = value
        return self

    # -- validation ---------------------------------------------------------------------

    def validate_config(self, schema: type[Any]) -> tuple[bool, list[str]]:
        """Check this config against a dataclass; coerce str values of simple fields.

        Returns:
            ``(valid, errors)``, e.g. ``(False, ["Missing required config key: db_url"])``.

        Raises:
            TypeError: ``schema`` is not a dataclass.
        """
        import dataclasses

        if not dataclasses.is_dataclass(schema):
            raise TypeError("validate_config() needs a dataclass")
        errors: list[str] = []
        for fld in dataclasses.fields(schema):
            key = fld.name if fld.name in self else fld.name.replace("__", ".")
            if key not in self:
                no_default = (
                    fld.default is dataclasses.MISSING
                    and fld.default_factory is dataclasses.MISSING
                )
                if no_default:
                    errors.append(f"Missing required config key: {fld.name}")
                continue
            expected = fld.type if isinstance(fld.type, type) else _SIMPLE.get(str(fld.type))
            if expected is None:
                continue
            try:
                self[key] = _coerce(self[key], expected)
            except ValueError:
                errors.append(
                    f"Config key {key}: expected {expected.__name__},"
                    f" got {type(self[key]).__name__}"
                )
        return not errors, errors

    def as_dataclass(self, schema: type[S], prefix: str = "") -> S:
        """A typed view: an instance of the dataclass ``schema`` built from this config.

        Each field reads the key of its name (``prefix.name`` with a prefix); a nested
        dataclass field reads the keys under ``name.``. Text from env, ``.env`` and INI
        files is coerced to the field's type: ``bool`` (true/false/1/0/yes/no/on/off),
        ``int``, ``float``, ``str``, ``Decimal``, ``Path``, ``list[...]``/``tuple[...]``/
        ``set[...]`` (from a list or a comma-separated string), ``dict[str, ...]`` (from
        the keys under the field's namespace), ``X | None``, ``Literal[...]`` and ``Enum``
        (by value or name). Missing fields keep their defaults.

        Raises:
            TypeError: ``schema`` is not a dataclass.
            ConfigError: Every missing or malformed key, each with the expected type.
        """
        from .typedconfig import build_dataclass

        return build_dataclass(self, schema, prefix)


_SIMPLE: dict[str, type[Any]] = {"int": int, "float": float, "bool": bool, "str": str}


def _coerce(value: Any, expected: type[Any]) -> Any:
    """``value`` as ``expected``; text is read in the config dialect of :mod:`lcore.scalars`,
    the grammar typed settings and the HTTP converters share.

    Raises:
        ValueError: The value does not fit.
    """
    if expected is str:
        if isinstance(value, str):
            return value
        raise ValueError(value)
    if expected in (bool, int, float):
        return config_scalar(value, expected)
    return value


def _positive_int(key: str) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        try:
            number = _coerce(value, int)
        except ValueError:
            raise ValueError(f"config {key!r} must be a positive integer, not {value!r}") from None
        if number <= 0:
            raise ValueError(f"config {key!r} must be a positive integer, not {value!r}")
        return int(number)

    return check


def _bool(key: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        try:
            return bool(_coerce(value, bool))
        except ValueError:
            raise ValueError(f"config {key!r} must be true or false, not {value!r}") from None

    return check


def _choice(key: str, choices: Iterable[str]) -> Callable[[Any], str]:
    allowed = tuple(choices)

    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"config {key!r} must be one of {allowed}, not {value!r}")
        return str(value)

    return check


def _trusted(value: Any) -> Any:
    if value is None:
        return []
    try:
        TrustedProxies(value)
    except (ValueError, TypeError):
        raise ValueError(
            "config 'proxy.trusted' must be IP addresses or networks"
            f" (a list or a comma-separated string), not {value!r}"
        ) from None
    return value


def _text(key: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"config {key!r} must be a string, not {value!r}")
        return value

    return check


def _docs_path(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/") or value.endswith("/"):
        raise ValueError(
            f"config 'docs.path' must be a path like '/docs' (leading '/', none trailing),"
            f" not {value!r}"
        )
    return value


def _docs_servers(value: Any) -> list[Any]:
    items: object = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError(f"config 'docs.servers' must be a list of URLs, not {value!r}")
    servers: list[Any] = []
    for item in items:  # pyright: ignore[reportUnknownVariableType]
        if isinstance(item, str) and item.strip():
            servers.append(item.strip())
        elif isinstance(item, Mapping) and isinstance(item.get("url"), str):  # pyright: ignore[reportUnknownMemberType]
            servers.append(dict(item))  # pyright: ignore[reportUnknownArgumentType]
        else:
            raise ValueError(
                "config 'docs.servers' items must be URLs or {'url': ..., 'description': ...}"
                f" objects, not {item!r}"
            )
    return servers


#: lcore's own keys and the check (and coercion) applied when each is set.
LCORE_KEYS: dict[str, Callable[[Any], Any]] = {
    "debug": _bool("debug"),
    "catchall": _bool("catchall"),
    "error.format": _choice("error.format", ("html", "json")),
    "json.backend": _choice("json.backend", ("auto", "json", "ujson")),
    "json.enable": _bool("json.enable"),
    "json.check_response": _bool("json.check_response"),
    "proxy.trusted": _trusted,
    "request.max_body": _positive_int("request.max_body"),
    "request.max_fields": _positive_int("request.max_fields"),
    "request.max_json_depth": _positive_int("request.max_json_depth"),
    "docs.enabled": _bool("docs.enabled"),
    "docs.path": _docs_path,
    "docs.title": _text("docs.title"),
    "docs.version": _text("docs.version"),
    "docs.description": _text("docs.description"),
    "docs.servers": _docs_servers,
}

_DOTENV_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def load_dotenv(
    path: str | os.PathLike[str] | None = None, override: bool = False, *, environ: bool = True
) -> dict[str, str]:
    """Load ``KEY=VALUE`` lines from a ``.env`` file into ``os.environ``.

    Blank lines and ``#`` comments are skipped, ``export`` is allowed, matching quotes are
    stripped. Existing variables are kept unless ``override``. A missing file is a no-op.
    With ``environ=False`` the file is only read: ``os.environ`` is left as it is.

    Returns:
        The variables read from the file.

    Raises:
        ValueError: A malformed line, naming its line number.
    """
    from pathlib import Path

    file = Path(path if path is not None else ".env")
    if not file.is_file():
        return {}
    values: dict[str, str] = {}
    for number, raw in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _DOTENV_LINE.match(line)
        if match is None:
            raise ValueError(f"{file}:{number}: expected KEY=VALUE, got {raw!r}")
        key, value = match.group(1), match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    if environ:
        for key, value in values.items():
            if override or key not in os.environ:
                os.environ[key] = value
    return values
