"""Lifecycle hook names and the per-app hook registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["HOOK_NAMES", "HookRegistry"]

#: Every hook name, with True for hooks that run last-registered-first.
HOOK_NAMES: dict[str, bool] = {
    "on_request_start": False,
    "before_request": False,
    "on_auth_resolved": False,
    "on_handler_enter": False,
    "on_handler_exit": True,
    "on_response_build": True,
    "after_request": True,
    "on_response_send": True,
    "app_reset": False,
    "config": False,
    "on_module_mount": False,
    "on_module_request": False,
}

HookFunc = Callable[..., Any]


class HookRegistry:
    """The hooks of one app. Each name maps to a list that is mutated in place, so the
    app can keep a reference to it and test it for emptiness on the hot path."""

    __slots__ = ("_hooks",)

    def __init__(self) -> None:
        self._hooks: dict[str, list[HookFunc]] = {name: [] for name in HOOK_NAMES}

    def __getitem__(self, name: str) -> list[HookFunc]:
        return self._hooks[name]

    def add(self, name: str, func: HookFunc) -> None:
        """Register ``func`` for ``name``.

        Raises:
            KeyError: Unknown hook name.
        """
        if name not in HOOK_NAMES:
            raise KeyError(f"unknown hook {name!r}; known hooks: {', '.join(HOOK_NAMES)}")
        if HOOK_NAMES[name]:
            self._hooks[name].insert(0, func)
        else:
            self._hooks[name].append(func)

    def remove(self, name: str, func: HookFunc) -> bool:
        """Unregister ``func``; ``True`` when it was registered."""
        hooks = self._hooks.get(name)
        if hooks is None or func not in hooks:
            return False
        hooks.remove(func)
        return True

    def trigger(self, name: str, *args: Any, **kwargs: Any) -> list[Any]:
        """Call every hook of ``name`` in order; returns their results."""
        return [hook(*args, **kwargs) for hook in self._hooks[name]]

    def names(self) -> list[str]:
        """Hook names with at least one hook."""
        return [name for name, hooks in self._hooks.items() if hooks]
