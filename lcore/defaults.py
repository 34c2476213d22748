"""The default-app stack and the module-level shortcuts (``lcore.route`` and friends)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ._wsgi import WSGIApp
from .app import Lcore
from .middleware.base import Middleware

__all__ = [
    "AppStack",
    "app",
    "apps",
    "default_app",
    "delete",
    "error",
    "exception_handler",
    "get",
    "hook",
    "inject",
    "install",
    "make_default_app_wrapper",
    "mount",
    "patch",
    "post",
    "put",
    "route",
    "uninstall",
    "url",
    "use",
]

H = TypeVar("H", bound=Callable[..., Any])
T = TypeVar("T")
E = TypeVar("E", bound=Exception)
R = TypeVar("R")


class AppStack(list[Lcore]):
    """A stack of apps; calling it returns the top one (a new app if it is empty)."""

    def __call__(self) -> Lcore:
        """The current default app."""
        return self.default

    @property
    def default(self) -> Lcore:
        """The top of the stack; pushes a new app when empty."""
        if not self:
            return self.push()
        return self[-1]

    def push(self, value: Lcore | None = None) -> Lcore:
        """Push ``value`` (a new :class:`Lcore` when not an app) and return it."""
        app_ = value if isinstance(value, Lcore) else Lcore()
        self.append(app_)
        return app_

    new_app = push


app: AppStack = AppStack()
default_app: AppStack = app
apps: AppStack = app


def make_default_app_wrapper(name: str) -> Callable[..., Any]:
    """A function calling ``default_app().<name>`` (for shortcuts of your own)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return getattr(default_app(), name)(*args, **kwargs)

    wrapper.__name__ = name
    return wrapper


def route(
    path: Any = None, method: str | Sequence[str] = "GET", callback: Any = None, **options: Any
) -> Any:
    """``default_app().route(...)``."""
    return default_app().route(path, method, callback, **options)


def get(path: str | None = None, **options: Any) -> Callable[[H], H]:
    """``default_app().get(...)``."""
    return default_app().get(path, **options)


def post(path: str | None = None, **options: Any) -> Callable[[H], H]:
    """``default_app().post(...)``."""
    return default_app().post(path, **options)


def put(path: str | None = None, **options: Any) -> Callable[[H], H]:
    """``default_app().put(...)``."""
    return default_app().put(path, **options)


def patch(path: str | None = None, **options: Any) -> Callable[[H], H]:
    """``default_app().patch(...)``."""
    return default_app().patch(path, **options)


def delete(path: str | None = None, **options: Any) -> Callable[[H], H]:
    """``default_app().delete(...)``."""
    return default_app().delete(path, **options)


def error(code: int = 500) -> Callable[[H], H]:
    """``default_app().error(code)``."""
    return default_app().error(code)


def exception_handler(
    exc_type: type[E], *, status: int = 500, model: object = None
) -> Callable[[Callable[[E], R]], Callable[[E], R]]:
    """``default_app().exception_handler(exc_type, status=..., model=...)``."""
    return default_app().exception_handler(exc_type, status=status, model=model)


def hook(name: str) -> Callable[[H], H]:
    """``default_app().hook(name)``."""
    return default_app().hook(name)


def inject(name: str, factory: Callable[[], T], lifetime: str = "singleton") -> Callable[[], T]:
    """``default_app().inject(...)``."""
    return default_app().inject(name, factory, lifetime)


def mount(prefix: str, app: Lcore | WSGIApp, **options: Any) -> None:
    """``default_app().mount(...)``."""
    default_app().mount(prefix, app, **options)


def install(plugin: Any) -> Any:
    """``default_app().install(plugin)``."""
    return default_app().install(plugin)


def uninstall(plugin: Any) -> list[Any]:
    """``default_app().uninstall(plugin)``."""
    return default_app().uninstall(plugin)


def use(
    middleware: Middleware, routes: str | re.Pattern[str] | None = None, order: int | None = None
) -> Middleware:
    """``default_app().use(...)``."""
    return default_app().use(middleware, routes, order)


def url(routename: str, **kargs: Any) -> str:
    """``default_app().get_url(...)``."""
    return default_app().get_url(routename, **kargs)
