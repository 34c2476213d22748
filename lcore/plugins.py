"""The plugin protocol and JSONPlugin, which turns dict/list/dataclass results into JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .context import context_var
from .jsonutil import json_dumps
from .response import HTTPResponse

if TYPE_CHECKING:
    from .app import Lcore
    from .route import Route

__all__ = ["JSONPlugin", "Plugin", "is_json_value"]

Callback = Callable[..., Any]


@runtime_checkable
class Plugin(Protocol):
    """A plugin wraps route callbacks once, when a route is first called.

    Optional methods, looked up when present: ``setup(app)`` (on install) and
    ``close()`` (on uninstall and ``app.close()``). ``name`` is used by
    ``route(skip=[name])`` and to replace an installed plugin of the same name.
    """

    name: str | None

    def apply(self, callback: Callback, route: Route) -> Callback:
        """Return ``callback`` wrapped (or unchanged)."""
        ...


def is_json_value(value: object) -> bool:
    """Whether ``value`` is a handler result that becomes JSON (dict, list, dataclass)."""
    if isinstance(value, dict | list):
        return True
    return hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type)


class JSONPlugin:
    """Serialise dict, list and dataclass results (and such bodies of a returned
    ``HTTPResponse``) to JSON with ``Content-Type: application/json``.

    Args:
        json_dumps: The serializer; lcore's (stdlib or ujson, see ``json.backend``).
    """

    name = "json"
    api = 2

    def __init__(self, json_dumps: Callable[[Any], str] | None = None) -> None:
        self._dumps = json_dumps

    def setup(self, app: Lcore) -> None:
        """Define the ``json.enable`` config key (default on)."""
        app.config.setdefault("json.enable", True)

    def apply(self, callback: Callback, route: Route) -> Callback:
        """Wrap ``callback`` so JSON-able results are encoded."""
        if not route.get_config("json.enable", True):
            return callback
        dumps = self._dumps or json_dumps

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result: object = callback(*args, **kwargs)
            kind = type(result)
            # PERF: exact type checks first; str/bytes results skip everything else
            # (bench: plaintext GET).
            if kind is str or kind is bytes:
                return result
            if kind is dict or kind is list or is_json_value(result):
                context = context_var.get()
                if context is not None:
                    response = context.response
                    if response._headers is None:
                        # PERF: a constant needs no header-value check (bench: JSON GET;
                        # S6).
                        # As Response._set_content_type, inline.
                        flat = response._flat
                        if flat is None or response._content_type is not None:
                            response._content_type = "application/json"
                        else:
                            flat["Content-Type"] = "application/json"
                    else:
                        response.content_type = "application/json"
                return dumps(result).encode()
            if isinstance(result, HTTPResponse) and is_json_value(result.body):
                result.body = dumps(result.body).encode()
                result.content_type = "application/json"
            return result

        return wrapper
