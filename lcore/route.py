"""Route: one registered handler, its analysed signature, and its call chain compiled once
(async adapter, parameter binder, response model, status option, plugins, post
middleware, mounting)."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .auth import security_guard
from .concurrency import run_coroutine
from .context import RequestContext, context_var
from .errors import PluginError
from .http import path_shift
from .middleware.base import NextHandler
from .params import Binder, HandlerSpec, analyze_handler, compile_binder
from .request import BodyBound
from .response import HTTPError, HTTPResponse, Response
from .typeinfo import is_dataclass_type, is_response_model

if TYPE_CHECKING:
    from .app import Lcore
    from .converters import Invalid
    from .request import Request
    from .routing import ParsedRule

__all__ = ["Route", "RouteReset", "path_shift", "run_coroutine", "yieldroutes"]


def _unresolved_parameter(
    callback: Callable[..., Any], localns: dict[str, Any] | None = None
) -> str:
    """The first parameter (or ``return``) whose annotation names nothing that exists."""
    func = inspect.unwrap(callback)
    namespace = getattr(func, "__globals__", {})
    for name, annotation in getattr(func, "__annotations__", {}).items():

        def probe() -> None: ...

        probe.__annotations__ = {name: annotation}
        try:
            typing.get_type_hints(probe, globalns=namespace, localns=localns, include_extras=True)
        except NameError:
            return str(name)
    return "?"


def _sync_callback(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def call_async(*args: Any, **kwargs: Any) -> Any:
        return run_coroutine(callback(*args, **kwargs))

    return call_async


class Route:
    """One registered route: rule, method, callback, and its compiled call chain.

    Args:
        app: The app the route belongs to.
        rule: The rule, e.g. ``/users/<id:int>``.
        method: The HTTP method (upper-cased; ``ANY`` matches every method).
        callback: The handler.
        name: Name for URL building.
        plugins: Plugins (or decorators) for this route only.
        skiplist: Plugins (instances, classes or names) and middleware names to skip.
        **config: Route options, stored on :attr:`config`.
    """

    def __init__(
        self,
        app: Lcore,
        rule: str,
        method: str,
        callback: Callable[..., Any],
        name: str | None = None,
        plugins: Sequence[Any] | None = None,
        skiplist: Sequence[Any] | None = None,
        **config: Any,
    ) -> None:
        self.app = app
        self.rule = rule
        self.method: str = method.upper()
        self.callback = callback
        self.name = name
        self.plugins: list[Any] = list(plugins or [])
        self.skiplist: list[Any] = list(skiplist or [])
        self.config: dict[str, Any] = dict(config)
        #: The route this one was copied from when its app was mounted.
        self.mounted_from: Route | None = None
        self.mount_prefix: str = ""
        #: Each URL wildcard and the type its filter produces (set when registered).
        self.path_types: dict[str, type[Any]] = {}
        #: The rule split into literal text and wildcards (set when registered).
        self.parsed_rule: ParsedRule | None = None
        self._spec: HandlerSpec | None = None
        #: The local names where the handler was defined (inside an app factory), for
        #: annotations that name them; set by the route decorator.
        self.localns: dict[str, Any] | None = None
        #: The response model and its compiled serialiser, once compiled.
        self._serializer_for: tuple[Any, Callable[[Any], Any]] | None = None
        self.call: Callable[..., Any] = self._compile_call
        self.handle: NextHandler = self._compile_handle
        #: True once compiled when a request may call :attr:`call` directly (no post
        #: middleware, not mounted); until then requests go through :attr:`handle`.
        self.plain: bool = False

    # -- compiled chains ----------------------------------------------------------------

    def _compile_call(self, *args: Any, **kwargs: Any) -> Any:
        self.call = self._build_call()
        return self.call(*args, **kwargs)

    def _compile_handle(self, context: RequestContext) -> Any:
        self.prepare()
        return self.handle(context)

    @property
    def spec(self) -> HandlerSpec:
        """The analysed signature of the handler (parameters, return type, docstring).

        Raises:
            NameError: An annotation names something that does not exist.
            TypeError: A parameter type lcore cannot read, without a default.
        """
        if self._spec is None:
            try:
                self._spec = analyze_handler(self.callback, self.path_types, localns=self.localns)
            except NameError as exc:
                raise NameError(
                    f"{self._where()}: cannot resolve the annotation of parameter"
                    f" {_unresolved_parameter(self.callback, self.localns)!r} ({exc}); define the"
                    " name at module level (or before the handler), before the first request"
                ) from exc
            except TypeError as exc:
                raise TypeError(f"{self._where()}: {exc}") from exc
        return self._spec

    def _where(self) -> str:
        """The handler and its route, for error messages."""
        func = inspect.unwrap(self.callback)
        name = getattr(func, "__qualname__", None) or repr(func)
        module = getattr(func, "__module__", None)
        return f"handler {module + '.' if module else ''}{name} ({self.method} {self.rule})"

    def analyze(self) -> None:
        """Analyse the handler now; a forward reference that cannot be resolved yet is
        retried at the first request.

        Raises:
            TypeError: A parameter type lcore cannot read, without a default, or a
                response model lcore cannot check.
        """
        try:
            _ = self.spec
            if self.mounted_from is None:
                self._serializer()
        except NameError:
            self._spec = None

    def _serializer(self) -> Callable[[Any], Any] | None:
        """The response model's serialiser, compiled once (``None`` without a model).

        Raises:
            TypeError: A response model lcore cannot check.
            NameError: A forward reference inside the model that cannot be resolved yet.
        """
        model = self.response_model()
        if model is None:
            return None
        if self._serializer_for is None or self._serializer_for[0] is not model:
            from .responsemodel import compile_serializer  # NOTE: on first use, as converters

            try:
                self._serializer_for = (model, compile_serializer(model))
            except TypeError as exc:
                raise TypeError(f"{self._where()}: response model {model!r}: {exc}") from exc
        return self._serializer_for[1]

    def _build_call(self) -> Callable[..., Any]:
        callback = self.callback
        if inspect.iscoroutinefunction(callback):
            callback = _sync_callback(callback)
        binder = compile_binder(self.spec) if self.mounted_from is None else None
        if binder is not None:
            callback = _bound_callback(callback, binder)
        serialize = self._serializer() if self.mounted_from is None else None
        if serialize is not None:
            model = self.response_model()
            exact = model if isinstance(model, type) and is_dataclass_type(model) else None
            callback = _checked_result(callback, serialize, exact, self)
        max_body = self.config.get("max_body")
        if max_body is not None and self.mounted_from is None:
            callback = _body_bounded(callback, BodyBound(int(max_body)))
        guard = security_guard(self) if self.mounted_from is None else None
        if guard is not None:
            callback = _guarded(callback, guard)
        status = self.config.get("status")
        if status is not None:
            callback = _with_status(callback, int(status))
        for plugin in reversed(self.all_plugins()):
            try:
                if hasattr(plugin, "apply"):
                    callback = plugin.apply(callback, self)
                else:
                    callback = plugin(callback)
            except RouteReset:
                return self._build_call()
            if not callable(callback):
                raise PluginError(f"plugin {plugin!r} did not return a callable")
        return callback

    def response_model(self) -> Any:
        """The type results are sent through: the ``response_model`` option, else the
        return annotation when it is a model (see :func:`~lcore.typeinfo.is_response_model`);
        ``None`` when there is none or the check is off (the ``check_response`` option, or
        the ``json.check_response`` config key).

        Raises:
            NameError: An annotation names something that does not exist.
            TypeError: A parameter type lcore cannot read, without a default.
        """
        check = self.config.get("check_response")
        if check is None:
            check = self.app.config.get("json.check_response", True)
        if not check:
            return None
        model = self.config.get("response_model")
        if model is not None:
            return model
        returns = self.spec.return_annotation
        return returns if is_response_model(returns) else None

    def refused_result(self, invalid: Invalid) -> HTTPError:
        """The 500 for a result that does not match the route's response model, logged
        once with the route and every problem; the problems are in the body in debug mode.
        """
        import logging

        problems = invalid.details(("response",))
        listed = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            f" ({problem['type']})"
            for problem in problems
        )
        message = f"{self._where()}: the result does not match its response model: {listed}"
        logging.getLogger("lcore").error("%s", message)
        context = context_var.get()
        owner = context.request.app if context is not None else None
        debug = (owner or self.app).debug
        return HTTPError(
            500,
            "Internal Server Error",
            traceback=message if debug else None,
            detail=problems if debug else None,
        )

    def _build_handle(self) -> NextHandler:
        """The context-level handler: post middleware around the (mounted) call."""
        inner: NextHandler
        if self.mounted_from is not None:
            inner = _mounted_handler(self.mounted_from)
            guard = security_guard(self)
            if guard is not None:
                inner = _guarded_handler(inner, guard)
        else:
            call = self.call

            def call_with_args(context: RequestContext) -> Any:
                # Every answer, errors included, is a result the post middleware see:
                # abort(), a 422, an exception handler's answer, a 500 (its exception on
                # the HTTPError's `exception`), as the funnel would make it.
                try:
                    return call(**context.request.url_args)
                except HTTPResponse as answer:
                    return answer
                except Exception as exc:
                    made = (context.app or self.app)._handle_exception(exc)
                    return made.with_traceback(exc.__traceback__)  # raised: hooks can tell

            inner = call_with_args
        return self.app.middleware.wrap(inner, self)

    def reset(self) -> None:
        """Forget the compiled chains; they are rebuilt on the next request."""
        self.call = self._compile_call
        self.handle = self._compile_handle
        self.plain = False

    def prepare(self) -> None:
        """Compile the chains now instead of on the first request."""
        self.call = self._build_call()
        self.handle = self._build_handle()
        self.plain = self.mounted_from is None and not self.app.middleware.entries("post")

    def all_plugins(self) -> list[Any]:
        """The plugins that apply, outermost last: app plugins, then route plugins."""
        unique: set[str] = set()
        result: list[Any] = []
        for plugin in reversed(self.app.plugins + self.plugins):
            if True in self.skiplist:
                break
            name = getattr(plugin, "name", None)
            if name and (name in self.skiplist or name in unique):
                continue
            if plugin in self.skiplist or type(plugin) in self.skiplist:
                continue
            if name:
                unique.add(name)
            result.append(plugin)
        return result[::-1]

    def get_undecorated_callback(self) -> Callable[..., Any]:
        """The handler without decorators that used ``functools.wraps``."""
        func = self.callback
        while hasattr(func, "__wrapped__"):
            func = getattr(func, "__wrapped__")  # noqa: B009 - not a plain function attribute
        return func

    def get_callback_args(self) -> list[str]:
        """Names of the handler's positional-or-keyword and keyword-only parameters."""
        sig = inspect.signature(self.get_undecorated_callback())
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        return [p.name for p in sig.parameters.values() if p.kind in kinds]

    def get_config(self, key: str, default: Any = None) -> Any:
        """A route option, falling back to the app config."""
        if key in self.config:
            return self.config[key]
        return self.app.config.get(key, default)

    def __repr__(self) -> str:
        return f"<Route {self.method} {self.rule!r} -> {getattr(self.callback, '__name__', '?')}>"


def _bound_callback(callback: Callable[..., Any], binder: Binder) -> Callable[..., Any]:
    """Call ``callback`` with the parameters the binder reads from the request."""

    def call_bound(**url_args: Any) -> Any:
        context = context_var.get()
        assert context is not None
        return callback(**binder(context.request, url_args))

    return call_bound


def _body_bounded(callback: Callable[..., Any], bound: BodyBound) -> Callable[..., Any]:
    """The route option ``max_body``: this route's requests carry the limit (the bounded
    reader enforces it), and a declared ``Content-Length`` over it is a 413 before the
    parameters are read, whether or not the handler reads the body."""

    def call_bounded(**url_args: Any) -> Any:
        context = context_var.get()
        assert context is not None
        request = context.request
        request.limits = bound.limits_for(request.limits)
        bound.check_declared(request.environ.get("CONTENT_LENGTH"))
        return callback(**url_args)

    return call_bounded


def _guarded(callback: Callable[..., Any], guard: Callable[[Request], None]) -> Callable[..., Any]:
    """Check credentials (the route's security) before the parameters are read."""

    def call_guarded(**url_args: Any) -> Any:
        context = context_var.get()
        assert context is not None
        guard(context.request)
        return callback(**url_args)

    return call_guarded


def _guarded_handler(inner: NextHandler, guard: Callable[[Request], None]) -> NextHandler:
    """A mounted route guarded by the security of the app it is mounted in."""

    def handle_guarded(context: RequestContext) -> Any:
        guard(context.request)
        return inner(context)

    return handle_guarded


def _checked_result(
    callback: Callable[..., Any],
    serialize: Callable[[Any], Any],
    exact: type[Any] | None,
    route: Route,
) -> Callable[..., Any]:
    """Send the handler's result through the route's response model; a response object
    (``HTTPResponse``, ``HTTPError``, ``Response``) goes out as it is, and so does an
    instance of the model's own dataclass (``exact``)."""
    from .converters import Invalid

    def call_checked(*args: Any, **kwargs: Any) -> Any:
        result = callback(*args, **kwargs)
        # PERF: the model's own instance, first and without a call (bench/typed.py, "POST
        # dataclass body, 5 fields" returns its Item).
        if type(result) is exact or isinstance(result, Response):
            return result
        try:
            return serialize(result)
        except Invalid as invalid:
            raise route.refused_result(invalid) from None

    return call_checked


def _with_status(callback: Callable[..., Any], status: int) -> Callable[..., Any]:
    """Answer with the route's ``status`` option when the handler returns normally."""

    def call_with_status(*args: Any, **kwargs: Any) -> Any:
        result = callback(*args, **kwargs)
        context = context_var.get()
        if context is not None and not isinstance(result, HTTPResponse):
            context.response.status = status
        return result

    return call_with_status


class RouteReset(Exception):
    """Raised by a plugin's ``apply`` to ask for the chain to be rebuilt."""


def _mounted_handler(inner_route: Route) -> NextHandler:
    """Run a sub-app's own pre middleware and hooks around its route's chain."""
    sub = inner_route.app
    hooks = sub.hooks

    def mounted(context: RequestContext) -> Any:
        # The sub-app's own configuration holds for its routes: request.app (and with it
        # request.limits, request.app.config) is the sub-app while its pipeline runs.
        request = context.request
        outer_app = request.app
        request.app = sub
        try:
            return run(context)
        finally:
            request.app = outer_app

    def run(context: RequestContext) -> Any:
        for hook in hooks["on_request_start"]:
            hook()
        for hook in hooks["before_request"]:
            hook()
        pre = sub.middleware.pre_chain()
        if pre is not None:
            early = pre(context)
            if early is not None:
                return early
        for hook in hooks["on_auth_resolved"]:
            hook()
        for hook in hooks["on_handler_enter"]:
            hook()
        try:
            # Looked up per call: the inner route compiles itself on first use (and again
            # after the sub-app resets); a captured reference would recompile every time.
            result = inner_route.handle(context)
            if getattr(result, "__traceback__", None) is None:  # returned, not raised
                for hook in hooks["on_handler_exit"]:
                    hook()
            return result
        finally:
            for name in ("on_response_build", "after_request", "on_response_send"):
                for hook in hooks[name]:
                    hook()

    return mounted


def yieldroutes(func: Callable[..., Any]) -> Iterator[str]:
    """Derive rules from a function: ``/name`` plus ``/<arg>`` for each parameter; one rule
    per optional parameter. ``__`` in the function name becomes ``/``."""
    path = "/" + func.__name__.replace("__", "/").lstrip("/")
    spec = inspect.signature(func)
    required = [p for p in spec.parameters.values() if p.default is inspect.Parameter.empty]
    optional = [p for p in spec.parameters.values() if p.default is not inspect.Parameter.empty]
    path += "".join(f"/<{p.name}>" for p in required)
    yield path
    for param in optional:
        path += f"/<{param.name}>"
        yield path
