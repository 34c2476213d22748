"""Lcore: route registration and the WSGI entry point.

A request takes one path through :meth:`Lcore.__call__` and :meth:`Lcore._dispatch`; every
exception ends in one funnel (:meth:`Lcore._handle_exception`), so nothing escapes and
``start_response`` is called exactly once.
"""

from __future__ import annotations

import contextlib
import inspect
import re
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from ._wsgi import StartResponse, WSGIApp, WSGIEnviron
from .bodies import SentBody, StreamedBody, call_wsgi, close_body, result_chunks
from .concurrency import resolve
from .config import LCORE_KEYS, ConfigDict
from .context import RequestContext, context_var
from .di import DependencyContainer
from .errors import (
    HTTP_CODES,
    ClientError,
    ErrorDetail,
    ExceptionHandler,
    ExceptionHandlers,
    render_error_html,
    render_error_json,
)
from .hooks import HookRegistry
from .http import TrustedProxies, path_shift
from .jsonutil import json_dumps, set_backend
from .limits import Limits
from .middleware.base import Middleware, MiddlewarePipeline, NextHandler
from .plugins import JSONPlugin, is_json_value
from .request import Request
from .response import HTTPError, HTTPResponse, Response, _charset_of
from .route import Route, RouteReset, yieldroutes
from .routing import MatchFailure, Router
from .tasks import BackgroundTaskPool

if TYPE_CHECKING:
    import logging

    from .auth import SecurityScheme
    from .routing import FilterFactory

__all__ = ["Lcore", "Route", "RouteReset", "path_shift", "yieldroutes"]

#: Error answers kept per app, and the longest URL whose answer is kept: a flood of
#: distinct 404 URLs only empties the cache now and then.
_MAX_ERROR_ANSWERS = 256
#: Makes each app's first use of ``app.tasks`` make one pool.
_TASKS_LOCK = threading.Lock()
_MAX_CACHED_URL = 512

H = TypeVar("H", bound=Callable[..., Any])
F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
E = TypeVar("E", bound=Exception)
R = TypeVar("R")


def _logger() -> logging.Logger:
    """lcore's logger, imported on first error (keeps `import lcore` fast)."""
    import logging

    return logging.getLogger("lcore")


#: The client errors of a body that stopped coming: the client went away, or stalled.
_INCOMPLETE_BODY = frozenset({"client_disconnected", "body_truncated"})


def _log_incomplete_body(error: ClientError) -> None:
    """One line at INFO: a client that left is no server error, and may not hear the 400."""
    context = context_var.get()
    environ: WSGIEnviron = {} if context is None else context.request.environ
    # repr(): the raw path may hold any character, a newline included; the line stays one.
    where = f"{environ.get('REQUEST_METHOD', '')} {environ.get('PATH_INFO', '')}"
    _logger().info("incomplete request body: %r: %s (%s)", where, error.msg, error.type)


_NO_BODY_STATUS = frozenset({204, 304})
#: The Python type each built-in wildcard filter produces (custom filters: object).
_FILTER_TYPES: dict[str, type[Any]] = {"re": str, "path": str, "int": int, "float": float}
_DEFAULT_CT = "text/html; charset=UTF-8"


class Lcore:
    """A WSGI application.

    Args:
        **kwargs: Initial config values (``Lcore(debug=True)``); the legacy ``catchall``
            and ``autojson`` flags map to ``catchall`` and ``json.enable``.
    """

    # PERF: set on an app only once it has exception handlers, or routes of another app
    # (mounted or merged) whose handlers come first: until then the class's None, and the
    # funnel tests just that (bench: every scenario). An app stays at 28 instance
    # attributes: CPython 3.11 shares the keys of at most 29 between instances, and past
    # them every self.x read on the request path gets slower (~1.7x per read, measured).
    _exception_handlers: ExceptionHandlers | None = None
    # NOTE: the same for these three: an app that uses none of them keeps its attributes
    # (tests/test_exception_handlers.py counts them). Each is replaced, never mutated, on
    # the class: `mounted_in` and `security_checks` copied on write, the overrides made on
    # first use.
    #: The apps this one is mounted in (their security schemes can be named here).
    mounted_in: tuple[Lcore, ...] = ()
    #: The scheme objects that check :attr:`security_schemes`, by the same names.
    security_checks: Mapping[str, SecurityScheme[Any, Any]] = MappingProxyType({})
    _dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] | None = None
    _tasks: BackgroundTaskPool | None = None

    @property
    def tasks(self) -> BackgroundTaskPool:
        """The app's :class:`~lcore.BackgroundTaskPool` (4 threads), made on first use:
        ``app.tasks.submit(fn, ...)``, and where ``ctx.after_response`` work runs.
        :meth:`close` shuts it down (waiting for its tasks). Assign your own pool to size
        it differently: ``app.tasks = BackgroundTaskPool(max_workers=8)``."""
        pool = self._tasks
        if pool is None:
            with _TASKS_LOCK:
                pool = self._tasks
                if pool is None:
                    pool = self._tasks = BackgroundTaskPool()
        return pool

    @tasks.setter
    def tasks(self, pool: BackgroundTaskPool) -> None:
        self._tasks = pool

    @property
    def dependency_overrides(self) -> dict[Callable[..., Any], Callable[..., Any]]:
        """``Depends`` targets swapped for others, for this app only (tests):
        ``app.dependency_overrides[current_user] = fake_user``. Read on every request, so
        a change holds at once."""
        overrides = self._dependency_overrides
        if overrides is None:
            overrides = self._dependency_overrides = {}
        return overrides

    def __init__(self, **kwargs: Any) -> None:
        self.config: ConfigDict = ConfigDict()
        self.routes: list[Route] = []
        self.router: Router[Route] = Router()
        self.plugins: list[Any] = []
        self.middleware: MiddlewarePipeline = MiddlewarePipeline()
        self.middleware.on_change = self._middleware_changed
        self._pre: NextHandler | None = None
        self.hooks: HookRegistry = HookRegistry()
        self.error_handler: dict[int, Callable[[HTTPError], Any]] = {}
        #: Dependencies registered with :meth:`inject`, reachable as ``ctx.<name>``.
        self.dependencies: DependencyContainer = DependencyContainer()
        self.limits: Limits = Limits()
        self.trusted_proxies: TrustedProxies = TrustedProxies()
        self.debug: bool = False
        self.catchall: bool = True
        self._json_errors = False
        #: lcore's default error answers by (status line, message, Allow, URL): see
        #: _finish_default_error.
        self._error_answers: dict[
            tuple[str, str, str | None, str], tuple[bytes, tuple[tuple[str, str], ...]]
        ] = {}
        # Whether dict/list/dataclass results become JSON; kept by reset(), which every
        # change it depends on (install, uninstall, json.* keys) calls.
        self._json_results = False
        #: Security schemes for the OpenAPI document (see :meth:`add_security_scheme`).
        self.security_schemes: dict[str, dict[str, Any]] = {}
        #: Security requirements of every operation that sets none of its own.
        self.default_security: list[dict[str, list[str]]] = []
        self._openapi: dict[str, Any] | None = None
        for key, check in LCORE_KEYS.items():
            self.config.meta_set(key, "filter", check)
        self.config.on_change(self._config_changed)
        self.config["catchall"] = True
        self.config["error.format"] = "html"
        if "autojson" in kwargs:
            kwargs["json.enable"] = kwargs.pop("autojson")
        for key, value in kwargs.items():
            self.config[key.replace("__", ".")] = value
        self.install(JSONPlugin())
        # PERF: hook lists are kept as attributes; __call__ tests them for emptiness.
        self._h_request_start = self.hooks["on_request_start"]
        self._h_before = self.hooks["before_request"]
        self._h_auth = self.hooks["on_auth_resolved"]
        self._h_enter = self.hooks["on_handler_enter"]
        self._h_exit = self.hooks["on_handler_exit"]
        self._h_build = self.hooks["on_response_build"]
        self._h_after = self.hooks["after_request"]
        self._h_send = self.hooks["on_response_send"]
        self._h_module_request = self.hooks["on_module_request"]

    # -- configuration ------------------------------------------------------------------

    def _config_changed(self, key: str, value: Any) -> None:
        # Error answers depend on the config (error.format, json.backend, debug).
        self._error_answers.clear()
        if key == "debug":
            self.debug = bool(value)
            if self.debug:
                self._docs_changed()
        elif key == "catchall":
            self.catchall = bool(value) if value is not None else True
        elif key == "error.format":
            self._json_errors = value == "json"
        elif key == "proxy.trusted":
            self.trusted_proxies = TrustedProxies(value or ())
        elif key == "json.backend":
            set_backend(value or "auto")
        elif key.startswith("request.max_"):
            field = key[len("request.") :]
            if field in Limits.__dataclass_fields__:
                default = getattr(Limits(), field)
                values = {f: getattr(self.limits, f) for f in Limits.__dataclass_fields__}
                values[field] = default if value is None else value
                self.limits = Limits(**values)
        elif key.startswith("json."):
            self.reset()
        elif key.startswith("docs."):
            self._docs_changed()
        for hook in self.hooks["config"]:
            hook(key, value)

    # -- routes -------------------------------------------------------------------------

    @overload
    def route(self, path: H, /) -> H: ...
    @overload
    def route(
        self,
        path: str | Sequence[str] | None = None,
        method: str | Sequence[str] = "GET",
        callback: None = None,
        name: str | None = None,
        apply: Any = None,
        skip: Any = None,
        **config: Any,
    ) -> Callable[[H], H]: ...
    @overload
    def route(
        self,
        path: str | Sequence[str] | None,
        method: str | Sequence[str],
        callback: H,
        name: str | None = None,
        apply: Any = None,
        skip: Any = None,
        **config: Any,
    ) -> H: ...
    def route(
        self,
        path: Any = None,
        method: str | Sequence[str] = "GET",
        callback: Any = None,
        name: str | None = None,
        apply: Any = None,
        skip: Any = None,
        **config: Any,
    ) -> Any:
        """Register a handler for a rule; use as ``@app.route(...)`` or call directly.

        Args:
            path: A rule or list of rules; ``None`` derives them from the handler's
                signature (:func:`yieldroutes`). ``@app.route`` without parentheses works.
            method: A method or list of methods (``ANY`` matches all).
            callback: The handler, when not used as a decorator.
            name: Name for :meth:`get_url`.
            apply: Plugin(s) or decorator(s) for this route only.
            skip: Plugins or middleware names to skip; ``True`` skips every plugin.
            **config: Route options, kept on ``route.config``.

        Returns:
            The handler itself (so its type is unchanged), or a decorator.

        Raises:
            RouteError: The same method and rule are already registered.
        """
        if callable(path):
            path, callback = None, path
        plugins = _as_list(apply)
        skiplist = _as_list(skip)

        def decorator(func: H, _depth: int = 1) -> H:
            rules = [path] if isinstance(path, str) else list(path or yieldroutes(func))
            methods = [method] if isinstance(method, str) else list(method)
            localns = _caller_locals(_depth)
            for rule in rules:
                for verb in methods:
                    new = Route(self, rule, verb.upper(), func, name, plugins, skiplist, **config)
                    new.localns = localns
                    self.add_route(new)
            if inspect.iscoroutinefunction(func):
                warnings.warn(
                    f"async handler {func.__name__!r} blocks its worker thread: lcore is a"
                    " WSGI framework and runs coroutines to completion synchronously",
                    UserWarning,
                    stacklevel=3,
                )
            with contextlib.suppress(AttributeError, TypeError):
                # NOTE: lets a decorator applied afterwards (auth_basic) see that wrapping
                # the function now would leave the registered route unguarded.
                setattr(func, "__lcore_route__", True)  # noqa: B010 - not a known attribute
            return func

        return decorator(callback, 2) if callback is not None else decorator

    def get(
        self, path: str | Sequence[str] | None = None, method: str = "GET", **options: Any
    ) -> Callable[[H], H]:
        """Register a GET handler (HEAD is served by it too)."""
        decorator: Callable[[H], H] = self.route(path, method, **options)
        return decorator

    def post(
        self, path: str | Sequence[str] | None = None, method: str = "POST", **options: Any
    ) -> Callable[[H], H]:
        """Register a POST handler."""
        decorator: Callable[[H], H] = self.route(path, method, **options)
        return decorator

    def put(
        self, path: str | Sequence[str] | None = None, method: str = "PUT", **options: Any
    ) -> Callable[[H], H]:
        """Register a PUT handler."""
        decorator: Callable[[H], H] = self.route(path, method, **options)
        return decorator

    def patch(
        self, path: str | Sequence[str] | None = None, method: str = "PATCH", **options: Any
    ) -> Callable[[H], H]:
        """Register a PATCH handler."""
        decorator: Callable[[H], H] = self.route(path, method, **options)
        return decorator

    def delete(
        self, path: str | Sequence[str] | None = None, method: str = "DELETE", **options: Any
    ) -> Callable[[H], H]:
        """Register a DELETE handler."""
        decorator: Callable[[H], H] = self.route(path, method, **options)
        return decorator

    def add_route(self, route: Route) -> None:
        """Register a prepared :class:`Route`.

        Raises:
            RouteError: The same method and rule are already registered.
        """
        # The handler is analysed before the router sees the route, so a handler lcore
        # cannot bind is refused without leaving a half-registered route behind.
        parsed = self.router.parse(route.rule)
        route.parsed_rule = parsed
        route.path_types = {
            name: _FILTER_TYPES.get(mode, object) for name, mode, _ in parsed.wildcards()
        }
        route.analyze()
        self.router.add(route.rule, route.method, route, name=route.name)
        self.routes.append(route)
        self._openapi = None

    def add_route_filter(
        self,
        name: str,
        pattern: str,
        to_python: Callable[[str], Any] | None = None,
        to_url: Callable[[Any], str] | None = None,
    ) -> None:
        """Register a wildcard filter ``<x:name>`` matching ``pattern``."""
        convert_in: Callable[[str], Any] = to_python or _same_text
        convert_out: Callable[[Any], str] = to_url or str

        def factory(conf: str) -> tuple[str, Callable[[str], Any], Callable[[Any], str]]:
            del conf
            return pattern, convert_in, convert_out

        self.router.add_filter(name, factory)

    def add_filter_factory(self, name: str, factory: FilterFactory) -> None:
        """Register a filter whose pattern depends on its config text."""
        self.router.add_filter(name, factory)

    def get_url(self, routename: str, **kargs: Any) -> str:
        """Build the URL of a named route, prefixed with the current ``SCRIPT_NAME``.

        Raises:
            RouteBuildError: Unknown route or missing wildcard value.
        """
        context = context_var.get()
        script = context.request.script_name if context is not None else "/"
        location = self.router.build(routename, **kargs)
        return script.rstrip("/") + self._mount_prefix(context) + "/" + location.lstrip("/")

    def _mount_prefix(self, context: RequestContext | None) -> str:
        """Where this app is mounted for the current request: the prefixes of the mounts
        between the app that routed it and this one; ``""`` when it did not route through
        this app."""
        route = context.route if context is not None else None
        prefix = ""
        while route is not None and route.app is not self:
            if route.mount_prefix:
                prefix += (
                    "/" + route.mount_prefix.strip("/") if route.mount_prefix.strip("/") else ""
                )
            route = route.mounted_from
        return prefix if route is not None else ""

    def match(self, environ: WSGIEnviron) -> tuple[Route, dict[str, Any]]:
        """Find the route for an environ.

        Raises:
            HTTPError: 404, 405 (with ``Allow``) or 400.
        """
        request = Request(environ, self)
        try:
            return self.router.lookup(request.method, request.path)
        except MatchFailure as failure:
            raise _match_error(failure) from None

    # -- dependencies -------------------------------------------------------------------

    def inject(
        self, name: str, factory: Callable[[], T], lifetime: str = "singleton"
    ) -> Callable[[], T]:
        """Register a dependency: ``ctx.<name>`` is then ``factory()``'s value, made once
        per app (``"singleton"``, on first use, thread-safe), once per request
        (``"scoped"``, closed at its end) or on every access (``"transient"``).

        Returns:
            ``factory``.

        Raises:
            ValueError: An unknown lifetime, or a name ``ctx`` already uses.
        """
        return self.dependencies.register(name, factory, lifetime)

    # -- composition --------------------------------------------------------------------

    def mount(self, prefix: str, app: Lcore | WSGIApp, **options: Any) -> None:
        """Serve another app under ``prefix``.

        An :class:`Lcore` app's routes are copied under the prefix (the sub-app is not
        changed and can be mounted elsewhere); its own hooks, middleware, plugins and
        error handlers apply only to its routes. Any other WSGI app gets every request
        under the prefix with ``SCRIPT_NAME``/``PATH_INFO`` shifted.

        Raises:
            ValueError: ``prefix`` does not start with ``/``, or a WSGI app at ``/``.
        """
        if not prefix.startswith("/"):
            raise ValueError("the mount prefix must start with '/'")
        if isinstance(app, Lcore):
            self._mount_lcore(prefix, app, **options)
        else:
            if prefix.strip("/") == "":
                raise ValueError("a WSGI application cannot be mounted at '/'")
            self._mount_wsgi(prefix, app, **options)

    def _mount_lcore(self, prefix: str, app: Lcore, **options: Any) -> None:
        base = prefix.rstrip("/")
        for inner in app.routes:
            rule = base + inner.rule if inner.rule.startswith("/") else f"{base}/{inner.rule}"
            if inner.rule == "/" and prefix.endswith("/"):
                rule = base + "/"
            route = Route(
                self, rule, inner.method, inner.callback, inner.name, **{**inner.config, **options}
            )
            route.mounted_from = inner
            route.localns = inner.localns
            route.mount_prefix = prefix
            self.add_route(route)
        app.config["_mount.prefix"] = prefix
        if self not in app.mounted_in:
            app.mounted_in = (*app.mounted_in, self)
            app.reset()  # its routes may name this app's security schemes
        self.exception_handlers  # noqa: B018 - the sub-app's exception handlers come first
        for hook in self.hooks["on_module_mount"]:
            hook(prefix, app)

    def _mount_wsgi(self, prefix: str, app: WSGIApp, **options: Any) -> None:
        segments = len(prefix.strip("/").split("/"))

        def mountpoint() -> HTTPResponse:
            context = context_var.get()
            assert context is not None
            environ = dict(context.request.environ)
            try:
                script, path = path_shift(
                    environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", "/"), segments
                )
            except AssertionError:
                script, path = prefix.rstrip("/"), "/"
            environ["SCRIPT_NAME"], environ["PATH_INFO"] = script, path
            return call_wsgi(app, environ)

        rule = prefix.rstrip("/") + "<:re:(/.*)?>"
        self.add_route(Route(self, rule, "ANY", mountpoint, skiplist=[True], **options))

    def merge(self, routes: Lcore | Iterable[Route]) -> None:
        """Add routes of another app (or a list of routes) without a prefix."""
        self.exception_handlers  # noqa: B018 - the routes' own app's handlers come first
        for route in routes.routes if isinstance(routes, Lcore) else routes:
            self.add_route(route)

    def use(
        self,
        middleware: Middleware,
        routes: str | re.Pattern[str] | None = None,
        order: int | None = None,
    ) -> Middleware:
        """Add middleware (``routes``: a regex scoping it to matching paths)."""
        return self.middleware.add(middleware, routes, order)

    def install(self, plugin: Any) -> Any:
        """Install a plugin for every route of this app.

        Raises:
            TypeError: The plugin is neither callable nor has ``apply``.
        """
        if hasattr(plugin, "setup"):
            plugin.setup(self)
        if not callable(plugin) and not hasattr(plugin, "apply"):
            raise TypeError("plugins must be callable or have an apply() method")
        self.plugins.append(plugin)
        self.reset()
        return plugin

    def uninstall(self, plugin: Any) -> list[Any]:
        """Remove plugins by instance, class, name, or ``True`` for all; returns them."""
        removed: list[Any] = []
        for installed in list(self.plugins):
            if (
                plugin is True
                or installed is plugin
                or type(installed) is plugin
                or getattr(installed, "name", None) == plugin
            ):
                self.plugins.remove(installed)
                removed.append(installed)
                if hasattr(installed, "close"):
                    installed.close()
        if removed:
            self.reset()
        return removed

    def _middleware_changed(self) -> None:
        self._pre = self.middleware.pre_chain()
        self.reset()

    def reset(self, route: Route | int | None = None) -> None:
        """Drop compiled route chains (all, one route, or by index)."""
        if route is None:
            targets = self.routes
        elif isinstance(route, int):
            targets = [self.routes[route]]
        else:
            targets = [route]
        self._json_results = self._json_enabled()
        for target in targets:
            target.reset()
        for hook in self.hooks["app_reset"]:
            hook()

    def close(self) -> None:
        """Close every plugin that can be closed, then shut the :attr:`tasks` pool down,
        waiting for its pending tasks (``run()`` calls this on a clean shutdown)."""
        for plugin in self.plugins:
            if hasattr(plugin, "close"):
                plugin.close()
        pool = self._tasks
        if pool is not None:
            pool.shutdown(wait=True)
            self._tasks = None  # a later use (the app served again) makes a fresh pool

    # -- the OpenAPI document -----------------------------------------------------------

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document of this app's routes.

        Built on first use and cached until a route is added or a security scheme or a
        ``docs.*`` setting changes. The dict is shared: copy it before changing it.

        Raises:
            ValueError: Two routes share an ``operation_id``, or a route's ``security``
                option names an undeclared scheme.
        """
        document = self._openapi
        if document is None:
            from .openapi import build_document

            document = self._openapi = build_document(self)
        return document

    def enable_docs(self, path: str = "/docs", title: str | None = None) -> None:
        """Serve the document at ``GET {path}/json`` and a reference page at ``GET {path}``.

        Sets ``docs.enabled`` (and ``docs.path``, ``docs.title``). Calling it again is
        harmless; the two routes are hidden from the document. Debug mode does this on its
        own unless ``docs.enabled`` is false.

        Args:
            path: Where the page is served; it must start with ``/`` and not end with one.
            title: The document's title (``docs.title``).

        Raises:
            ValueError: A malformed path.
            RouteError: The app already has its own ``GET`` route at one of the two rules.
        """
        from .docs_ui import register_docs

        if title is not None:
            self.config["docs.title"] = title
        self.config["docs.path"] = path
        self.config["docs.enabled"] = True
        register_docs(self, path)

    def add_security_scheme(
        self, name: str, scheme: SecurityScheme[Any, Any] | dict[str, Any], default: bool = False
    ) -> None:
        """Declare a security scheme: routes that require it are checked, and documented
        with it (``components.securitySchemes``) and their 401.

        Routes name it with the ``security`` option (``security=["bearerAuth"]``);
        ``default=True`` requires it for every route that has no ``security`` option
        (``security=[]`` makes one public) and does not check credentials itself.

        Args:
            name: The scheme's name, e.g. ``"bearerAuth"`` (a scheme object takes it as its
                ``scheme_name``).
            scheme: An lcore scheme (``HTTPBearer(verify=...)``, ``APIKeyHeader(...)``...),
                or an OpenAPI security scheme object (``lcore.openapi.http_bearer()``...),
                which is checked for the presence of a credential only.
            default: Require it for every route by default.

        Raises:
            ValueError: A name OpenAPI does not allow, a scheme without a known type, or
                one lcore cannot check (``mutualTLS``).
        """
        from .auth import scheme_from_description
        from .openapi import check_security_scheme

        if not isinstance(scheme, dict):
            described = check_security_scheme(name, scheme.openapi())
            check = scheme
        else:
            described = check_security_scheme(name, scheme)
            check = scheme_from_description(name, scheme)
        self.security_schemes[name] = described
        check.scheme_name = name
        self.security_checks = {**self.security_checks, name: check}
        if default and {name: []} not in self.default_security:
            self.default_security.append({name: []})
        self._openapi = None
        self.reset()  # the guards compiled into route chains change

    def _docs_changed(self) -> None:
        """Forget the cached document; register the docs routes when ``docs.enabled`` is
        true, or unset in debug mode."""
        self._openapi = None
        enabled = self.config.get("docs.enabled")
        if enabled or (enabled is None and self.debug):
            from .docs_ui import register_docs

            register_docs(self, self.config.get("docs.path") or "/docs", explicit=bool(enabled))

    # -- hooks and error handlers -------------------------------------------------------

    def add_hook(self, name: str, func: Callable[..., Any]) -> None:
        """Register a lifecycle hook.

        Raises:
            KeyError: Unknown hook name.
        """
        self.hooks.add(name, func)

    def remove_hook(self, name: str, func: Callable[..., Any]) -> bool:
        """Unregister a hook; ``True`` when it was registered."""
        return self.hooks.remove(name, func)

    def hook(self, name: str) -> Callable[[F], F]:
        """Decorator form of :meth:`add_hook`."""

        def decorator(func: F) -> F:
            self.add_hook(name, func)
            return func

        return decorator

    def trigger_hook(self, name: str, *args: Any, **kwargs: Any) -> list[Any]:
        """Run every hook of ``name``."""
        return self.hooks.trigger(name, *args, **kwargs)

    @overload
    def error(self, code: int = 500, callback: None = None) -> Callable[[F], F]: ...
    @overload
    def error(self, code: int, callback: F) -> F: ...
    def error(self, code: int = 500, callback: Any = None) -> Any:
        """Register an error page for a status; the handler gets the :class:`HTTPError`
        and its return value becomes the body."""

        def decorator(func: F) -> F:
            self.error_handler[int(code)] = func
            return func

        return decorator(callback) if callback is not None else decorator

    @property
    def exception_handlers(self) -> ExceptionHandlers:
        """This app's handlers by exception class (see :meth:`exception_handler`)."""
        handlers = self._exception_handlers
        if handlers is None:
            handlers = self._exception_handlers = ExceptionHandlers()
        return handlers

    def exception_handler(
        self, exc_type: type[E], *, status: int = 500, model: object = None
    ) -> Callable[[Callable[[E], R]], Callable[[E], R]]:
        """Decorator form of :meth:`add_exception_handler`: answer ``exc_type`` (and its
        subclasses) raised by a route, a hook or a middleware with what the handler
        returns.

        Example::

            @app.exception_handler(OutOfStock, status=409)
            def out_of_stock(exc: OutOfStock) -> Problem:
                return Problem(item=exc.item)
        """

        def decorator(func: Callable[[E], R]) -> Callable[[E], R]:
            self.add_exception_handler(exc_type, func, status=status, model=model)
            return func

        return decorator

    def add_exception_handler(
        self,
        exc_type: type[E],
        func: Callable[[E], object],
        *,
        status: int = 500,
        model: object = None,
    ) -> None:
        """Answer ``exc_type`` (and its subclasses) with ``func(exc)``.

        The most specific class of the exception's MRO wins; a mounted sub-app's handlers
        answer for its routes before its parent's. The result is an answer as a route's
        result is (str, bytes, dict, dataclass, ...) with ``status``, or an
        ``HTTPResponse`` with its own status; the hooks and ``after_request`` see it like
        any answer. An exception ``func`` raises is logged and answered with a 500 (an
        ``HTTPResponse`` it raises is its answer); it never reaches a handler again.

        ``HTTPResponse`` and ``HTTPError`` are answers already: their pages are handled
        by status with :meth:`error`. lcore's own 4xx client errors (``ClientError``) are
        handled only by a handler for ``ClientError`` or one of its subclasses, never by
        one for ``Exception``.

        Args:
            exc_type: An exception class (not ``HTTPResponse`` or a subclass).
            func: Called with the exception; ``async def`` works too.
            status: The status of a result that is not an ``HTTPResponse`` (500 by default).
            model: What the body holds, for the OpenAPI responses of routes that name the
                exception in their ``raises`` option (default: ``func``'s return
                annotation).

        Raises:
            TypeError: ``exc_type`` is not an exception class, or is an ``HTTPResponse``.
            ValueError: ``status`` is not a status code (100 to 599).
        """
        if not _is_exception_class(exc_type):
            raise TypeError(f"exception_handler needs an exception class, not {exc_type!r}")
        if issubclass(exc_type, HTTPResponse):
            raise TypeError(
                f"{exc_type.__name__} is an answer, not an error: handle its status with"
                " app.error(code)"
            )
        if not _is_status(status):
            raise ValueError(f"exception_handler status must be 100 to 599, not {status!r}")
        self.exception_handlers.add(ExceptionHandler(exc_type, func, status, model))
        self._docs_changed()

    def find_exception_handler(
        self, exc_type: type[BaseException], route: Route | None = None
    ) -> ExceptionHandler | None:
        """The handler that answers ``exc_type`` raised while ``route`` runs (``None``:
        outside a route): the sub-apps the route was mounted from, innermost first, then
        this app; in each, the most specific class of the exception's MRO."""
        apps: list[Lcore] = []
        while route is not None:
            apps.append(route.app)
            route = route.mounted_from
        for owner in (*reversed(apps), self):
            handlers = owner._exception_handlers
            if handlers:
                handler = handlers.find(exc_type)
                if handler is not None:
                    return handler
        return None

    # -- introspection ------------------------------------------------------------------

    def show_routes(self) -> list[dict[str, Any]]:
        """One dict per route: method, rule, name, callback, plugins."""
        return [
            {
                "method": r.method,
                "rule": r.rule,
                "name": r.name,
                "callback": f"{r.callback.__module__}:{getattr(r.callback, '__qualname__', '?')}",
                "plugins": [getattr(p, "name", type(p).__name__) for p in r.all_plugins()],
            }
            for r in self.routes
        ]

    def show_middleware(self) -> list[dict[str, Any]]:
        """One dict per middleware: name, order, routes, type."""
        return self.middleware.describe()

    def run(self, **kwargs: Any) -> None:
        """Serve this app (see :func:`lcore.servers.run`)."""
        from .servers import run

        run(self, **kwargs)

    # -- the WSGI entry point -----------------------------------------------------------

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        """Handle one request (PEP 3333)."""
        context = RequestContext(Request(environ, self), Response(), self)
        token = context_var.set(context)
        started = False
        body: Iterable[bytes] = ()
        try:
            try:
                if self._h_request_start:
                    for hook in self._h_request_start:
                        hook()
                if self._h_before:
                    for hook in self._h_before:
                        hook()
                pre = self._pre
                result = pre(context) if pre is not None else None
                if result is None:
                    result = self._dispatch(context)
                elif self.middleware.has_post:
                    result = self._through_post(context, result)  # a pre middleware's answer
            except Exception as exc:  # the one funnel: see _handle_exception
                # PERF: an abort() or redirect() is its own answer, without the funnel's
                # frame (bench: abort(403), redirect).
                result = exc if isinstance(exc, HTTPResponse) else self._handle_exception(exc)
                if self.middleware.has_post and context.route_chain_ran is False:
                    # Raised before a route's chain could see it (a hook, a pre middleware,
                    # the router): the post middleware see this answer too.
                    result = self._through_post(context, result)
            status, headers, body = self._finish(context, result)
            # PERF: a raised result's traceback holds this frame, and this frame held the
            # result: without this, every abort() or redirect() is a reference cycle left
            # for the garbage collector, ~3 us later (bench: abort(403), redirect).
            del result
            if self._h_send:
                for hook in self._h_send:
                    hook()
            started = True
            start_response(status, headers)
            if context._sent_callbacks is not None:
                # The on_sent callbacks run when the server closes the body, after its
                # last byte; they read what was sent on ctx.sent.
                sent = context.sent = SentBody(body, status, headers, context)
                return sent
            return body
        except Exception:
            # Last resort: a hook or an error handler failed while finishing.
            _logger().exception("error while finishing %s", environ.get("PATH_INFO"))
            if started or not self.catchall:
                raise
            close_body(body)
            body = ()
            return self._panic(environ, start_response)
        finally:
            context_var.reset(token)
            if context._cleanups is not None and not isinstance(body, StreamedBody):
                context.close()
            if context._sent_callbacks is not None and context.sent is None:
                context.close_sent()  # no body for the server to close: nothing was sent

    def _panic(self, environ: WSGIEnviron, start_response: StartResponse) -> list[bytes]:
        """Answer 500 when even the error path failed."""
        if self._json_errors:
            data, content_type = render_error_json(500), "application/json"
        else:
            data = render_error_html(
                "500 Internal Server Error",
                environ.get("PATH_INFO", "/"),
                "Internal Server Error",
                traceback.format_exc() if self.debug else None,
            )
            content_type = _DEFAULT_CT
        start_response(
            "500 Internal Server Error",
            [("Content-Type", content_type), ("Content-Length", str(len(data)))],
            sys.exc_info(),
        )
        return [data]

    wsgi = __call__

    def _dispatch(self, context: RequestContext) -> Any:
        request = context.request
        environ = request.environ
        # PERF: Request.path and Request.method, inline for the usual ASCII path (bench:
        # plaintext GET, and every other scenario).
        path = environ.get("PATH_INFO")
        if path and path[0] == "/" and path.isascii():
            request._path = path
        else:
            path = request.path
        try:
            found = self.router.resolve(environ.get("REQUEST_METHOD", "GET"), path)
        except MatchFailure as failure:
            if self.middleware.has_post:
                return self._through_post(context, _match_error(failure))
            return _match_error(failure)
        if isinstance(found, frozenset):
            # PERF: returned, not raised, and no HTTPError yet: _finish answers a miss
            # from the cached page when nothing else could see it (bench: 404, 405).
            if self.middleware.has_post:
                return self._through_post(context, _route_miss(found).error())
            return _route_miss(found)
        route, args = found
        request.route = route
        request.url_args = args
        context.route = route
        if self._h_module_request and route.mount_prefix:
            for hook in self._h_module_request:
                hook(route.mount_prefix, context)
        if self._h_auth:
            for hook in self._h_auth:
                hook()
        if self._h_enter:
            for hook in self._h_enter:
                hook()
        if route.plain:
            result = route.call(**args)
        else:
            context.route_chain_ran = True  # post middleware see what it answers, or raises
            result = route.handle(context)
        # A raised answer (abort(), an error the route chain turned into its answer)
        # carries its traceback: the handler did not return, so on_handler_exit is not run.
        if self._h_exit and getattr(result, "__traceback__", None) is None:
            for hook in self._h_exit:
                hook()
        return result

    def _through_post(self, context: RequestContext, answer: Any) -> Any:
        """Pass an answer that no route's chain gave (a 404 or 405, a pre middleware's
        answer, an error raised before the handler) through the post middleware, so
        that every answer the app sends is seen by them. Each gets ``answer`` as the
        result of ``next_handler(ctx)``; route ``skip`` lists do not apply (no route
        answered)."""
        context.route_chain_ran = True  # once: a failure in here is not passed again

        def answered(ctx: RequestContext) -> Any:
            del ctx
            return answer

        return self.middleware.wrap(answered)(context)

    def _handle_exception(self, exc: Exception) -> Any:
        """The one error funnel: every exception becomes a response here."""
        if isinstance(exc, HTTPResponse):
            return exc
        # PERF: handlers by class are looked up only for an exception that is not an
        # answer, and only where some app may have handlers: one flag test otherwise
        # (bench: abort(403), 404 and 405 never come here; a 422 pays the flag).
        if self._exception_handlers is not None:
            context = context_var.get()
            route = context.route if context is not None else None
            handler = self.find_exception_handler(type(exc), route)
            if handler is not None:
                return self._exception_answer(handler, exc)
        if isinstance(exc, ClientError):
            if exc.type in _INCOMPLETE_BODY:
                _log_incomplete_body(exc)
            return HTTPError(exc.status, exc.msg, detail=exc.detail)
        if not self.catchall:
            raise exc
        _logger().error("unhandled error in handler", exc_info=exc)
        return HTTPError(
            500,
            "Internal Server Error",
            exception=exc,
            traceback="".join(traceback.format_exception(exc)),
        )

    def _exception_answer(self, handler: ExceptionHandler, exc: Exception) -> HTTPResponse:
        """What an exception handler answers for ``exc``; a failure of its own is a 500."""
        try:
            result = resolve(handler.func(exc))
        except HTTPResponse as answer:
            return answer
        except Exception as failure:
            # NOTE: bounded: a handler's failure is answered here, never handled again.
            _logger().exception("exception handler %r failed", handler)
            return HTTPError(
                500,
                "Internal Server Error",
                exception=failure,
                traceback="".join(traceback.format_exception(failure)),
            )
        if isinstance(result, HTTPResponse):
            return result
        return HTTPResponse(result, handler.status)

    def render_error(self, context: RequestContext, error: HTTPError) -> HTTPError:
        """Render ``error``'s page now, in place, as the app would when sending it: the
        body of its ``@error`` handler or the default page (JSON or HTML), with its
        content type; an ``@error`` handler's own ``HTTPResponse`` is copied onto it.

        The app then sends it as it is, never rendered again: a post middleware can
        transform the page (:class:`~lcore.CompressionMiddleware` compresses it), and
        middleware further out still see the ``HTTPError`` (with its ``exception``), its
        ``body`` now the page as sent: a message changed there is sent as it is, so
        change messages in an ``@error`` handler or a middleware further in.

        Args:
            context: The request being answered.
            error: The error answer, as ``next_handler(ctx)`` returned it.

        Returns:
            ``error``, rendered (as it is when rendered for this request already).
        """
        request = context.request
        if error.rendered_for is not request:
            answer = self._error_response(error, context)
            if answer is not error:
                answer.apply(error)
            # NOTE: per request, not a flag: an HTTPError kept and raised again (say by an
            # exception handler) is rendered anew, never sent with another answer's body.
            # The request, not the context: TimeoutMiddleware runs the chain on a copy.
            error.rendered_for = request
        return error

    def _error_response(self, error: HTTPError, context: RequestContext) -> HTTPResponse:
        """Render an HTTPError through an ``@error`` handler or the default page."""
        if error.rendered_for is context.request:
            return error  # by render_error, for a post middleware
        code = error.status_code
        # The innermost app wins: a mounted sub-app's handler serves its own routes.
        apps: list[Lcore] = []
        route = context.route
        while route is not None:
            apps.append(route.app)
            route = route.mounted_from
        handler = None
        for owner in reversed([self, *apps]):
            handler = owner.error_handler.get(code)
            if handler is not None:
                break
        if handler is not None:
            try:
                body = handler(error)
                if isinstance(body, HTTPResponse):
                    return body
                if is_json_value(body):
                    error.content_type = "application/json"
                    body = json_dumps(body).encode()
                error.body = body
                return error
            except Exception as exc:
                _logger().exception("error handler for %d failed", code)
                error = HTTPError(500, "Internal Server Error", exception=exc)
        return self.default_error_handler(error)

    def default_error_handler(self, error: HTTPError) -> HTTPError:
        """Fill ``error`` with the standard body: JSON (``error.format = 'json'``, and
        always for 422 validation errors) or an HTML page; tracebacks only in debug."""
        code = error.status_code
        message = error.body if isinstance(error.body, str) else ""
        context = context_var.get()
        if self._errors_as_json(context) or (code == 422 and error.detail):
            error.body = self._error_json(code, message, error.detail, error.traceback)
            error.content_type = "application/json"
        else:
            url = context.request.environ.get("PATH_INFO", "/") if context else "/"
            error.body = render_error_html(
                error.status_line,
                url,
                message or HTTP_CODES.get(code, "Unknown"),
                error.traceback if self.debug else None,
            )
            error.content_type = _DEFAULT_CT
        return error

    def _errors_as_json(self, context: RequestContext | None) -> bool:
        """Whether error bodies are JSON: the ``error.format`` of the app whose route
        answers (a mounted sub-app's own), else this app's."""
        route = context.route if context is not None else None
        while route is not None and route.mounted_from is not None:
            route = route.mounted_from
        return (route.app if route is not None else self)._json_errors

    def _error_json(
        self, code: int, message: str, detail: list[ErrorDetail] | None, traceback: str | None
    ) -> bytes:
        """The JSON error body: the one error shape, with the message or detail."""
        reason = HTTP_CODES.get(code, "Unknown")
        payload: dict[str, Any] = {"error": reason, "status": code}
        if detail:
            payload["detail"] = detail
        # A message that only restates the reason phrase (lcore's own 405 and 500)
        # adds nothing: the shape stays {"error", "status"}.
        elif message and message.lower() not in ("unknown error.", reason.lower()):
            payload["message"] = message
        if self.debug and traceback:
            payload["traceback"] = traceback
        return json_dumps(payload).encode()

    def _finish(
        self, context: RequestContext, result: object
    ) -> tuple[str, list[tuple[str, str]], Iterable[bytes]]:
        """Turn a handler result into the WSGI status, headers and body."""
        response = context.response
        # PERF: the common case, a str or bytes result with nothing else set, builds the
        # header list directly (bench: plaintext GET).
        if response._headers is None and not response._cookies:
            if self._h_build or self._h_after:
                if (
                    isinstance(result, (str, bytes))
                    and response._status_code >= 200
                    and response._status_code not in _NO_BODY_STATUS
                ):
                    return self._finish_hooked(context, result)
                return self._finish_general(context, result)
            body: bytes | None = None
            content_type = response._content_type
            flat = response._flat
            if content_type is None and flat is not None:
                content_type = flat.get("Content-Type")  # set after the flat headers
            if isinstance(result, str):
                try:
                    body = (
                        result.encode()
                        if content_type is None
                        else result.encode(_charset_of(content_type))
                    )
                except (LookupError, UnicodeError):
                    # NOTE: the general finish turns the failure into the error response.
                    body = None
            elif isinstance(result, bytes):
                body = result
            elif type(result) is HTTPError or type(result) is _RouteMiss:
                # PERF: lcore's own error answers go straight to their direct finish; what
                # this branch already checked is not checked again (bench: 404, 405,
                # abort(403)).
                if not self._h_send and response._flat is None and response._content_type is None:
                    answer = self._default_error(context, result)
                    if answer is not None:
                        return answer
            elif type(result) is HTTPResponse:
                answer = self._finish_plain_response(context, result)  # bench: redirect
                if answer is not None:
                    return answer
            code = response._status_code
            if body is not None and code >= 200 and code not in _NO_BODY_STATUS:
                if flat is None:
                    headers = [
                        ("Content-Type", content_type or _DEFAULT_CT),
                        ("Content-Length", str(len(body))),
                    ]
                else:
                    # PERF: headers set on a fresh response go straight from their flat
                    # storage to the list, in the order headerlist gives them (bench:
                    # plaintext with one set_header; middleware.py).
                    headers = response._flat_list()
                    headers.append(("Content-Length", str(len(body))))
                if context.request.environ.get("REQUEST_METHOD") == "HEAD":
                    return response._status_line, headers, []
                return response._status_line, headers, [body]
        elif (
            # PERF: a tuple: `str | bytes` would build a union on every call (bench:
            # plaintext with one set_header).
            isinstance(result, (str, bytes))
            and response._status_code >= 200
            and response._status_code not in _NO_BODY_STATUS
        ):
            return self._finish_text(context, result)
        return self._finish_general(context, result)

    def _run_response_hooks(self) -> None:
        """The ``on_response_build`` hooks, then the ``after_request`` hooks."""
        for hook in self._h_build:
            hook()
        for hook in self._h_after:
            hook()

    def _finish_hooked(
        self, context: RequestContext, result: str | bytes
    ) -> tuple[str, list[tuple[str, str]], Iterable[bytes]]:
        """Finish a str or bytes result through build/after hooks while the response has
        no HeaderDict and no cookies: what :meth:`_finish_text` does, on the flat storage.
        """
        # PERF: the hooks see the response as the general finish shows it (Content-Length
        # set, last), but its headers stay flat: a hook that only reads, counts or sets a
        # header costs its call (bench: JSON GET with an after_request hook). A failure
        # falls back to the general loop, where it would have landed.
        response = context.response
        hooks_ran = False
        try:
            content_type = response._content_type
            flat = response._flat
            if content_type is None and flat is not None:
                content_type = flat.get("Content-Type")  # set after the flat headers
            body = _text_body(
                result, response.default_content_type if content_type is None else content_type
            )
            if flat is None:
                response._flat = {"Content-Length": str(len(body))}
            else:
                flat["Content-Length"] = str(len(body))
            hooks_ran = True
            # PERF: the loops of _run_response_hooks, inline: one frame less per request.
            for hook in self._h_build:
                hook()
            for hook in self._h_after:
                hook()
        except Exception as exc:
            return self._finish_general(
                context, self._handle_exception(exc), hooks_ran=hooks_ran, tries=2
            )
        code = response._status_code
        flat = response._flat
        if (
            flat is not None
            and response._headers is None
            and not response._cookies
            and code >= 200
            and code not in _NO_BODY_STATUS
        ):
            headers = response._flat_list()
            if body and context.request.environ.get("REQUEST_METHOD") != "HEAD":
                return response._status_line, headers, [body]
            return response._status_line, headers, []
        # A hook changed what the list holds: headerlist builds it as usual.
        headers = response.headerlist
        if not body or _bodiless(context, code):
            return response._status_line, headers, []
        return response._status_line, headers, [body]

    def _finish_text(
        self, context: RequestContext, result: str | bytes
    ) -> tuple[str, list[tuple[str, str]], Iterable[bytes]]:
        """Finish a str or bytes result of a response with headers, cookies or
        build/after hooks: what :meth:`_finish_general` does, without its detours."""
        # PERF: headers, cookies or an after_request hook no longer cost the general
        # finish (bench: plaintext with one set_header; JSON GET with an after_request
        # hook). A failure falls back to the general loop, where it would have landed.
        response = context.response
        hooks_ran = False
        try:
            # The storage itself: its names are stored Title-Case, its values checked.
            data = response.headers._data
            content_type = data.get("Content-Type")
            body = _text_body(
                result, content_type[-1] if content_type else response.default_content_type
            )
            # NOTE: as result_chunks: a handler's Content-Length stays on an empty body.
            if body or "Content-Length" not in data:
                data["Content-Length"] = [str(len(body))]
            if self._h_build or self._h_after:
                hooks_ran = True
                self._run_response_hooks()
        except Exception as exc:
            return self._finish_general(
                context, self._handle_exception(exc), hooks_ran=hooks_ran, tries=2
            )
        code = response._status_code
        if hooks_ran or response._cookies:
            # A hook may have changed anything: the status, the headers, the cookies.
            headers = response.headerlist
        else:
            # As headerlist, for a status with a body and no cookies.
            headers = [] if content_type else [("Content-Type", response.default_content_type)]
            for name, values in data.items():
                for value in values:
                    headers.append((name, value))
        if not body or _bodiless(context, code):
            return response._status_line, headers, []
        return response._status_line, headers, [body]

    def _finish_general(
        self, context: RequestContext, result: Any, *, hooks_ran: bool = False, tries: int = 3
    ) -> tuple[str, list[tuple[str, str]], Iterable[bytes]]:
        kind = result.__class__
        if kind is _RouteMiss or kind is HTTPError:
            answer = self._finish_default_error(context, result)
            if answer is not None:
                return answer
            if isinstance(result, _RouteMiss):
                result = result.error()
        elif kind is HTTPResponse:
            answer = self._finish_plain_response(context, result)
            if answer is not None:
                return answer
        response = context.response
        for _ in range(tries):  # an error handler or after_request hook may replace the result
            try:
                if isinstance(result, HTTPError):
                    result = self._error_response(result, context)
                if isinstance(result, HTTPResponse):
                    result.apply(response)
                    result = response.body
                chunks = result_chunks(result, context, self._json_results)
                # The hooks run once: a response that one of them raised replaces the
                # result without running them again (else a hook that raises would loop).
                if not hooks_ran:
                    hooks_ran = True
                    self._run_response_hooks()
                break
            except Exception as exc:
                result = self._handle_exception(exc)
        else:
            _logger().error("error handlers and after_request hooks keep failing; sending 500")
            context.response = response = Response(render_error_json(500), 500)
            response.content_type = "application/json"
            chunks = [response.body]
        code = response.status_code
        headers = response.headerlist
        if _bodiless(context, code):
            close_body(chunks)
            chunks = []
        return response.status_line, headers, chunks

    def _untouched(self, context: RequestContext) -> bool:
        """Whether nothing could see or change an answer built now: no build, after or send
        hooks, and a response without headers, cookies or a content type set."""
        response = context.response
        return not (
            self._h_build
            or self._h_after
            or self._h_send
            or response._headers is not None
            or response._flat is not None
            or response._cookies
            or response._content_type is not None
        )

    def _finish_default_error(
        self, context: RequestContext, error: _RouteMiss | HTTPError
    ) -> tuple[str, list[tuple[str, str]], list[bytes]] | None:
        """lcore's default error answer, built directly; ``None`` where the general finish
        is needed (an ``@error`` handler, hooks, headers or cookies, detail, a traceback).

        The answer is the general finish's, byte for byte.
        """
        # PERF: no HTTPResponse.apply, result_chunks or headerlist for lcore's own error
        # pages (bench: 404, 405, abort(403)).
        if not self._untouched(context):
            return None
        return self._default_error(context, error)

    def _default_error(
        self, context: RequestContext, error: _RouteMiss | HTTPError
    ) -> tuple[str, list[tuple[str, str]], list[bytes]] | None:
        """:meth:`_finish_default_error` for a response nothing has touched."""
        if isinstance(error, _RouteMiss):
            code, status_line, allow = error.code, error.status_line, error.allow
            message = error.message
        else:
            body = error.body
            # PERF: an HTTPError that set nothing but its status and body (abort(), or
            # HTTPError(code, text)) holds just those three instance attributes: every
            # other one is the class's None, with no look-up each (bench: abort(403)).
            if len(error.__dict__) != 3 and (
                error._headers is not None
                or error._flat is not None
                or error._cookies
                or error.detail is not None
                or error.traceback is not None
                or error._content_type is not None
                or error.rendered_for is not None
            ):
                return None
            if not (body is None or type(body) is str):
                return None
            code, status_line, allow = error._status_code, error._status_line, None
            message = body or ""
        if code in self.error_handler:
            return None
        route = context.route
        # The innermost app's @error handlers win (see _error_response); a route of this
        # app, not mounted, has no other app to ask.
        if route is not None and (route.mounted_from is not None or route.app is not self):
            while route is not None:
                if code in route.app.error_handler:
                    return None
                if route.mounted_from is None and route.app._json_errors != self._json_errors:
                    return None  # the sub-app's error.format: the general finish reads it
                route = route.mounted_from
        environ = context.request.environ
        url = environ.get("PATH_INFO", "/")
        key = (status_line, message, allow, url)
        # PERF: the answer is a pure function of the key and the app's config: built once
        # (bench: 404, 405, abort(403)). The list is copied: a server may add to it.
        answer = self._error_answers.get(key)
        if answer is None:
            # The status line names the code: a kept answer passed this test already.
            if code < 200 or code in _NO_BODY_STATUS:
                return None
            answer = self._default_error_answer(code, status_line, message, allow, url)
            if len(url) <= _MAX_CACHED_URL:
                if len(self._error_answers) >= _MAX_ERROR_ANSWERS:
                    self._error_answers.clear()
                self._error_answers[key] = answer
        data, headers = answer
        if environ.get("REQUEST_METHOD") == "HEAD":
            return status_line, list(headers), []
        return status_line, list(headers), [data]

    def _default_error_answer(
        self, code: int, status_line: str, message: str, allow: str | None, url: str
    ) -> tuple[bytes, tuple[tuple[str, str], ...]]:
        """The body and headers of lcore's default error answer (no traceback)."""
        if self._json_errors:
            data, content_type = self._error_json(code, message, None, None), "application/json"
        else:
            data = render_error_html(status_line, url, message or HTTP_CODES.get(code, "Unknown"))
            content_type = _DEFAULT_CT
        headers: tuple[tuple[str, str], ...] = (
            ("Content-Type", content_type),
            ("Content-Length", str(len(data))),
        )
        if allow is not None:
            headers = (("Allow", allow), *headers)
        return data, headers

    def _finish_plain_response(
        self, context: RequestContext, result: HTTPResponse
    ) -> tuple[str, list[tuple[str, str]], list[bytes]] | None:
        """A returned or raised HTTPResponse (a redirect) with a str or bytes body, built
        directly; ``None`` where the general finish is needed.

        The answer is the general finish's, byte for byte; ``result`` is not changed.
        """
        # PERF: no HTTPResponse.apply onto the response, no result_chunks (bench: redirect).
        if result._cookies or not self._untouched(context):
            return None
        code = result._status_code
        if code < 200 or code in _NO_BODY_STATUS:
            return None
        body = result.body
        if type(body) is str:
            if not body:
                data = b""
            else:
                try:
                    data = body.encode(result.charset)
                except (LookupError, UnicodeError):
                    return None  # the general finish turns it into the 500 it is
        elif type(body) is bytes:
            data = body
        else:
            return None
        if result._headers is None:
            # PERF: headerlist's list, built from the flat storage (bench: redirect); it
            # never holds Content-Length.
            length = str(len(data)) if data else "0"
            headers = result._flat_list()
            headers.append(("Content-Length", length))
        else:
            headers = result.headerlist
            # Stored names are Title-Case: the list shows any Content-Length by this name.
            for name, _ in headers:
                if name == "Content-Length":
                    if data:
                        return None  # replaced in place: the general finish does it
                    break
            else:
                headers.append(("Content-Length", str(len(data))))
        if context.request.environ.get("REQUEST_METHOD") == "HEAD":
            return result._status_line, headers, []
        return result._status_line, headers, [data] if data else []

    def _json_enabled(self) -> bool:
        """Whether dict/list/dataclass results become JSON (JSON plugin on, ``json.enable``)."""
        installed = any(getattr(p, "name", None) == "json" for p in self.plugins)
        return installed and bool(self.config.get("json.enable", True))


def _text_body(result: str | bytes, content_type: str) -> bytes:
    """A str or bytes result as the body, a str in ``content_type``'s charset.

    Raises:
        LookupError, UnicodeError: The charset is unknown or cannot encode the text.
    """
    if not result:
        return b""  # NOTE: as result_chunks: an empty str is never encoded
    if isinstance(result, str):
        return result.encode(_charset_of(content_type))
    return result


def _bodiless(context: RequestContext, code: int) -> bool:
    """Whether the answer goes without a body: a 1xx, 204 or 304 status, or a HEAD."""
    return (
        code in _NO_BODY_STATUS
        or code < 200
        or context.request.environ.get("REQUEST_METHOD") == "HEAD"
    )


def _same_text(text: str) -> str:
    return text


def _match_error(failure: MatchFailure) -> HTTPError:
    if failure.bad_format:
        return HTTPError(400, "Path has wrong format")
    if failure.allowed:
        return HTTPError(405, "Method not allowed", Allow=_allow_header(failure.allowed))
    return HTTPError(404)


def _allow_header(allowed: frozenset[str]) -> str:
    """The ``Allow`` value of a 405: the methods served, HEAD with GET, without ANY."""
    methods = set(allowed)
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(m for m in sorted(methods) if m != "ANY")


class _RouteMiss:
    """No route serves the request: a 404, or a 405 when ``allow`` is set.

    :meth:`Lcore._dispatch` returns one; :meth:`Lcore._finish_general` answers it directly
    or turns it into the :class:`HTTPError` that :func:`_match_error` would have built.
    """

    __slots__ = ("allow", "code", "message", "status_line")

    def __init__(self, allow: str | None) -> None:
        self.allow = allow
        if allow is None:
            self.code, self.status_line, self.message = 404, "404 Not Found", ""
        else:
            self.code, self.status_line = 405, "405 Method Not Allowed"
            self.message = "Method not allowed"

    def error(self) -> HTTPError:
        """The HTTPError for the general finish (``@error`` handlers and hooks see it)."""
        if self.allow is None:
            return HTTPError(404)
        return HTTPError(405, "Method not allowed", Allow=self.allow)


_NOT_FOUND = _RouteMiss(None)
#: One 405 marker per set of allowed methods (a pure function of the set; bounded).
_METHOD_MISSES: dict[frozenset[str], _RouteMiss] = {}


def _route_miss(allowed: frozenset[str]) -> _RouteMiss:
    if not allowed:
        return _NOT_FOUND
    miss = _METHOD_MISSES.get(allowed)
    if miss is None:
        miss = _RouteMiss(_allow_header(allowed))
        if len(_METHOD_MISSES) < 256:
            _METHOD_MISSES[allowed] = miss
    return miss


def _is_exception_class(value: object) -> bool:
    """Whether ``value`` is an exception class (an untyped caller may pass anything)."""
    return isinstance(value, type) and issubclass(value, Exception)


def _is_status(value: object) -> bool:
    """Whether ``value`` is a status code: an int from 100 to 599, not a bool."""
    return type(value) is int and 100 <= value <= 599


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)  # pyright: ignore[reportUnknownArgumentType]
    return [value]


def _caller_locals(depth: int) -> dict[str, Any] | None:
    """The local names where a handler is defined, when that is inside a function (an app
    factory): its annotations may name them, even under ``from __future__ import
    annotations``. ``None`` at module level."""
    frame = sys._getframe(depth + 1)
    if frame.f_locals is frame.f_globals:
        return None
    return dict(frame.f_locals)
