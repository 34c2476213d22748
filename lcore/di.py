"""Dependency injection: named factories with a lifetime, reachable as ``ctx.<name>``.

``app.inject(name, factory, lifetime)`` registers into the app's
:class:`DependencyContainer`. A singleton is made on first use (never at the start of
every request), once per container even when threads race for it; a scoped value once per
request, closed when the request ends (after a streamed body too, and when the handler
failed); a transient value on every access.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Generator
from contextlib import contextmanager
from typing import Any, Final, TypeVar

from .concurrency import run_coroutine
from .context import RequestContext

__all__ = ["DependencyContainer"]

T = TypeVar("T")

_LIFETIMES: Final = frozenset({"singleton", "scoped", "transient"})
#: What ``ctx`` already answers: a dependency by one of these names would never be reached.
_RESERVED: Final = (
    frozenset(name for name in dir(RequestContext) if not name.startswith("__"))
    | frozenset(RequestContext.__slots__)
    | frozenset({"state"})
)


def _close(value: Any) -> None:
    """Close a scoped value: ``close()``, awaited when it returns a coroutine."""
    close = getattr(value, "close", None)
    if callable(close):
        result = close()
        if inspect.iscoroutine(result):
            run_coroutine(result)


class DependencyContainer:
    """Named factories, each with a lifetime: ``singleton``, ``scoped`` or ``transient``.

    ``register()`` checks names and lifetimes when the app is set up; ``resolve()`` makes
    values. Singletons are shared by every request of the container's app.
    """

    SINGLETON: Final = "singleton"
    SCOPED: Final = "scoped"
    TRANSIENT: Final = "transient"

    def __init__(self) -> None:
        self._factories: dict[str, tuple[Callable[[], Any], str]] = {}
        self._singletons: dict[str, Any] = {}
        self._lock = threading.Lock()

    def register(
        self, name: str, factory: Callable[[], T], lifetime: str = "singleton"
    ) -> Callable[[], T]:
        """Register ``factory`` under ``name``; returns the factory (usable as a decorator
        argument's result).

        Raises:
            ValueError: An unknown lifetime, a name that is not an identifier, or one that
                ``ctx`` already uses (``request``, ``state``, ``lazy``, ...).
            TypeError: ``factory`` is not callable.
        """
        if lifetime not in _LIFETIMES:
            raise ValueError(
                f"unknown lifetime {lifetime!r}: use 'singleton', 'scoped' or 'transient'"
            )
        if not name.isidentifier():
            raise ValueError(f"a dependency name must be an identifier, not {name!r}")
        if name in _RESERVED:
            raise ValueError(f"{name!r} is a request context attribute: name it otherwise")
        if not callable(factory):
            raise TypeError(f"the factory of {name!r} must be callable, not {factory!r}")
        with self._lock:
            self._factories[name] = (factory, lifetime)
            self._singletons.pop(name, None)
        return factory

    def resolve(self, name: str, ctx: RequestContext | None = None) -> Any:
        """The value of ``name`` for ``ctx`` (the current request's context).

        Raises:
            KeyError: No dependency by that name.
            RuntimeError: A scoped dependency asked for outside a request.
        """
        factory, lifetime = self._factories[name]
        if lifetime == "singleton":
            try:
                return self._singletons[name]
            except KeyError:
                pass
            with self._lock:
                # NOTE: checked again under the lock: one thread makes it, the others wait
                # and share it. A factory that raises leaves nothing behind: the next use
                # tries again.
                if name not in self._singletons:
                    self._singletons[name] = factory()
                return self._singletons[name]
        if lifetime == "transient":
            return factory()
        if ctx is None:
            raise RuntimeError(f"{name!r} is scoped to a request: resolve it inside one")
        state = ctx.state
        if name in state:
            return state[name]
        value = factory()
        state[name] = value
        ctx.on_close(lambda: _close(value))
        return value

    @contextmanager
    def override(self, name: str, factory: Callable[[], Any]) -> Generator[None, None, None]:
        """Serve ``name`` from ``factory`` inside a ``with`` block (tests), with the same
        lifetime; the registered factory, and its singleton, come back after.

        Raises:
            KeyError: No dependency by that name.
        """
        with self._lock:
            saved_factory, lifetime = self._factories[name]
            saved_value = self._singletons.pop(name, _MISSING)
            self._factories[name] = (factory, lifetime)
        try:
            yield
        finally:
            with self._lock:
                self._factories[name] = (saved_factory, lifetime)
                self._singletons.pop(name, None)
                if saved_value is not _MISSING:
                    self._singletons[name] = saved_value

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def __len__(self) -> int:
        return len(self._factories)

    def __repr__(self) -> str:
        names = ", ".join(f"{n}: {lt}" for n, (_, lt) in self._factories.items())
        return f"DependencyContainer({{{names}}})"


_MISSING: Final = object()
