"""Typed handler parameters: markers (Query, Header, Cookie, Body, Path), the analysis of a
handler's signature into :class:`ParamSpec` entries, and the binder compiled from them.

Analysis runs once per route (at registration, or at the first request when a forward
reference cannot be resolved yet); the request path only runs the compiled binder.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Coroutine, Mapping, Sequence
from types import CoroutineType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

from .auth import SecurityScheme
from .concurrency import run_coroutine
from .context import RequestContext, context_var
from .errors import ClientError, ErrorDetail
from .http import parse_options_header
from .request import Request
from .response import Response
from .typeinfo import (
    NO_CONSTRAINTS,
    Constraints,
    Param,
    Source,
    is_list_type,
    is_model,
    is_optional,
    marker_of,
    parse_docstring,
    unwrap_annotated,
)

if TYPE_CHECKING:
    from .converters import Converter

__all__ = [
    "Binder",
    "Body",
    "Cookie",
    "DependencySpec",
    "Depends",
    "HandlerSpec",
    "Header",
    "Inject",
    "Param",
    "ParamSpec",
    "Path",
    "Query",
    "Security",
    "Source",
    "analyze_handler",
    "compile_binder",
    "parse_docstring",
]


class Query(Param):
    """A query-string parameter (the default for scalar and ``list[scalar]`` types)."""

    source: ClassVar[Source] = "query"
    __slots__ = ()


class Header(Param):
    """A request header; ``x_token`` reads ``X-Token`` unless an ``alias`` is given."""

    source: ClassVar[Source] = "header"
    __slots__ = ()


class Cookie(Param):
    """A cookie."""

    source: ClassVar[Source] = "cookie"
    __slots__ = ()


class Path(Param):
    """A URL wildcard (``<id>``), with documentation and bounds."""

    source: ClassVar[Source] = "path"
    __slots__ = ()


class Body(Param):
    """The JSON body, or with ``embed=True`` (or several body parameters) one key of it.

    Args:
        embed: Read the key named like the parameter from a JSON object body.
        forbid_extra: Refuse keys that are not fields, in every dataclass and TypedDict
            this parameter reads (nested ones included): each is a 422 problem of type
            ``extra_forbidden``.
        **kwargs: As for :class:`Param`.
    """

    source: ClassVar[Source] = "body"
    __slots__ = ("embed", "forbid_extra")

    def __init__(self, *, embed: bool = False, forbid_extra: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.embed: bool = embed
        self.forbid_extra: bool = forbid_extra


class Depends:
    """A parameter whose value another callable computes: ``user: Annotated[User,
    Depends(current_user)]``.

    The dependency is analysed like a handler when the route is registered: its own typed
    parameters (query, header, cookie, body, URL wildcards, other dependencies, a
    ``Request``) are read from the request and appear in the route's OpenAPI operation.
    It runs before the handler, once per request however many parameters ask for it
    (unless ``use_cache=False``); a generator dependency is resumed when the request ends,
    so the code after its ``yield`` cleans up. ``app.dependency_overrides[dep] = fake``
    swaps it for tests.

    Args:
        dependency: A function, a class (its ``__init__`` parameters are read), or a
            callable object such as a security scheme (``lcore.HTTPBearer``).
        use_cache: Share one value per request between every parameter that asks for
            this dependency.
    """

    __slots__ = ("dependency", "use_cache")

    def __init__(self, dependency: Callable[..., Any], *, use_cache: bool = True) -> None:
        if not callable(dependency):
            raise TypeError(f"Depends() takes a callable, not {dependency!r}")
        self.dependency: Callable[..., Any] = dependency
        self.use_cache: bool = use_cache

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_callable_name(self.dependency)})"


class Security(Depends):
    """A :class:`Depends` on a security scheme that also requires OAuth2-style scopes:
    ``user: Annotated[User, Security(oauth2, scopes=["books:write"])]``. A principal
    without every scope gets a 403.

    Args:
        dependency: The security scheme (``lcore.OAuth2PasswordBearer`` and friends).
        scopes: The scopes the route needs; listed in the operation's ``security``.
        use_cache: As for :class:`Depends`.
    """

    __slots__ = ("scopes",)

    def __init__(
        self,
        dependency: Callable[..., Any],
        *,
        scopes: Sequence[str] = (),
        use_cache: bool = True,
    ) -> None:
        super().__init__(dependency, use_cache=use_cache)
        if isinstance(scopes, str):
            scopes = [scopes]
        self.scopes: tuple[str, ...] = tuple(scopes)


class Inject:
    """A parameter served by the app's dependency container (``app.inject``):
    ``db: Annotated[Database, Inject()]`` reads ``db``, ``Inject("database")`` another
    name. Its lifetime (singleton, scoped, transient) is the registered one, and
    ``app.dependencies.override(name, factory)`` swaps it for tests.

    Args:
        name: The registered name; the parameter's name when omitted.
    """

    __slots__ = ("name",)

    def __init__(self, name: str | None = None) -> None:
        self.name: str | None = name

    def __repr__(self) -> str:
        return f"Inject({self.name!r})" if self.name else "Inject()"


def _callable_name(func: object) -> str:
    name = getattr(func, "__qualname__", None) or getattr(type(func), "__qualname__", None)
    return str(name or repr(func))


_NO_DEFAULT: Any = inspect.Parameter.empty


@dataclasses.dataclass(frozen=True, slots=True)
class ParamSpec:
    """One handler parameter, as analysed from its signature.

    Attributes:
        name: The Python parameter name.
        source: ``path``, ``query``, ``header``, ``cookie`` or ``body``.
        wire_name: The name in the request (alias, header name, query key).
        annotation: The declared type with ``Annotated`` metadata removed.
        declared: The annotation as written (markers and bounds included).
        required: No default and not optional.
        default: The default (``inspect.Parameter.empty`` when there is none).
        marker: The ``Query``/``Header``/... marker, when one was given.
        embed: A body parameter that reads one key of a JSON object.
        description: From the marker or the docstring's ``Args:`` section.
        converter: The converter for the declared type, built once when the handler is
            analysed (text or JSON, by source); ``None`` for an unannotated wildcard.
    """

    name: str
    source: Source
    wire_name: str
    annotation: Any
    required: bool
    default: Any
    marker: Param | None
    embed: bool = False
    description: str | None = None
    declared: Any = None
    converter: Converter | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def constraints(self) -> Constraints:
        """Bounds from the marker."""
        return self.marker.constraints if self.marker is not None else NO_CONSTRAINTS

    @property
    def is_list(self) -> bool:
        """A query/header parameter that takes every repeated value."""
        return is_list_type(self.annotation)

    def needs_path_conversion(self, produced: type[Any]) -> bool:
        """Whether a wildcard's value must go through the converter: its filter produced
        another type than the annotation asks for (``produced``), or the marker declares
        bounds."""
        annotation = self.annotation
        if produced is object or annotation is Any or annotation is object:
            return False  # a custom filter's value, or no declared type: passed as it is
        return annotation is not produced or bool(self.constraints)


DependencyKind = Literal["call", "named", "request", "context", "response"]


@dataclasses.dataclass(frozen=True, slots=True)
class DependencySpec:
    """A parameter whose value is not read from the request but made for it.

    Attributes:
        name: The Python parameter name.
        kind: ``call`` (``Depends``), ``named`` (``Inject``, from the app's container),
            or ``request``/``context``/``response`` (a parameter annotated ``Request``,
            ``RequestContext`` or ``Response`` gets the current one).
        target: The callable for ``call``; the registered name for ``named``.
        spec: The dependency's own analysed signature (``call`` only).
        use_cache: One value per request for every parameter asking for ``target``.
        scopes: The scopes a :class:`Security` marker requires.
        annotation: The declared type with ``Annotated`` metadata removed.
    """

    name: str
    kind: DependencyKind
    target: Any = None
    spec: HandlerSpec | None = dataclasses.field(default=None, compare=False, repr=False)
    use_cache: bool = True
    scopes: tuple[str, ...] = ()
    annotation: Any = None


@dataclasses.dataclass(slots=True)
class HandlerSpec:
    """Everything the binder and the OpenAPI document need to know about a handler."""

    params: list[ParamSpec]
    return_annotation: Any
    summary: str | None
    description: str | None
    typed: bool
    path_types: dict[str, type[Any]] = dataclasses.field(default_factory=dict[str, type[Any]])
    #: Parameters made by dependencies (``Depends``, ``Inject``, ``Request``), in order.
    dependencies: list[DependencySpec] = dataclasses.field(default_factory=list["DependencySpec"])

    def all_params(self) -> list[ParamSpec]:
        """The request parameters this handler and its dependencies read (the handler's
        first), each ``(source, wire name)`` once: what the OpenAPI operation lists."""
        seen: set[tuple[str, str]] = set()
        found: list[ParamSpec] = []
        for param in self.params:
            seen.add((param.source, param.wire_name))
            found.append(param)
        for dependency in self.dependencies:
            if dependency.spec is None:
                continue
            for param in dependency.spec.all_params():
                if (param.source, param.wire_name) not in seen:
                    seen.add((param.source, param.wire_name))
                    found.append(param)
        return found

    def all_dependencies(self) -> list[DependencySpec]:
        """This handler's dependencies and theirs, depth first, each target once."""
        seen: set[int] = set()
        found: list[DependencySpec] = []

        def walk(spec: HandlerSpec) -> None:
            for dependency in spec.dependencies:
                key = id(dependency.target) if dependency.kind == "call" else id(dependency)
                if key in seen:
                    continue
                seen.add(key)
                if dependency.spec is not None:
                    walk(dependency.spec)
                found.append(dependency)

        walk(self)
        return found


def analyze_handler(
    callback: Callable[..., Any],
    path_types: Mapping[str, type[Any]],
    *,
    localns: Mapping[str, Any] | None = None,
    _chain: tuple[Callable[..., Any], ...] = (),
) -> HandlerSpec:
    """Analyse a handler's signature (and, through ``Depends``, its dependencies').

    Args:
        callback: The handler (decorators that use ``functools.wraps`` are looked through).
        path_types: Each URL wildcard's name and the type its filter produces (``int``
            for ``<id:int>``, ``str`` for the default filter, ``object`` for custom ones).
        localns: Local names the annotations may use (where the handler was defined).

    Raises:
        NameError: An annotation refers to a name that does not exist (yet).
        TypeError: A parameter's type cannot be validated and it has no default, a
            ``Path()`` parameter names no wildcard of the rule, or dependencies form a
            cycle.
    """
    func, hints_of = _introspected(callback)
    signature = inspect.signature(func)
    hints = typing.get_type_hints(hints_of, localns=_namespace(localns), include_extras=True)
    summary, description, docs = parse_docstring(inspect.getdoc(func))
    specs: list[ParamSpec] = []
    dependencies: list[DependencySpec] = []
    typed = False
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.POSITIONAL_ONLY):
            continue
        declared = hints.get(param.name, _NO_DEFAULT)
        dependency = _analyze_dependency(param, declared, path_types, (*_chain, callback), localns)
        if dependency is not None:
            dependencies.append(dependency)
            typed = True
            continue
        spec = _analyze_param(param, declared, path_types, docs.get(param.name))
        if spec is None:
            if _chain and param.default is inspect.Parameter.empty:
                raise TypeError(
                    f"dependency {_callable_name(callback)} parameter {param.name!r} has no"
                    " annotation lcore can read and no default"
                )
            continue
        if declared is not _NO_DEFAULT:
            typed = True
        specs.append(spec)
    bodies = [s for s in specs if s.source == "body"]
    if len(bodies) > 1:
        specs = [dataclasses.replace(s, embed=True) if s.source == "body" else s for s in specs]
    returns = hints.get("return", _NO_DEFAULT)
    analysed = HandlerSpec(
        specs, returns, summary, description, typed, dict(path_types), dependencies
    )
    if not _chain and dependencies:
        _share_body(analysed)
    return analysed


def _share_body(spec: HandlerSpec) -> None:
    """A handler and its dependencies read one JSON body: when more than one of them
    reads it, each reads its own key of it (as several body parameters of one handler do)."""
    specs: list[HandlerSpec] = []
    readers = 0
    seen: set[int] = set()

    def walk(each: HandlerSpec, target: object) -> None:
        nonlocal readers
        specs.append(each)
        if id(target) not in seen:
            seen.add(id(target))
            readers += sum(1 for p in each.params if p.source == "body")
        for dependency in each.dependencies:
            if dependency.spec is not None:
                walk(dependency.spec, dependency.target)

    walk(spec, spec)
    if readers < 2:
        return
    for each in specs:
        each.params = [
            dataclasses.replace(p, embed=True) if p.source == "body" else p for p in each.params
        ]


def _namespace(localns: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return dict(localns) if localns is not None else None


def _introspected(callback: Callable[..., Any]) -> tuple[Any, Any]:
    """What to read a callable's signature and its type hints from: a function itself, a
    class's ``__init__``, a callable object's ``__call__``."""
    func: Any = inspect.unwrap(callback)
    if inspect.isclass(func):
        return func, func.__init__
    if not (inspect.isfunction(func) or inspect.ismethod(func) or inspect.isbuiltin(func)):
        call = getattr(func, "__call__", None)  # noqa: B004 - a callable object's method
        if call is not None and (inspect.ismethod(call) or inspect.isfunction(call)):
            return call, call
    return func, func


_CONTEXT_KINDS: tuple[tuple[type[Any], DependencyKind], ...] = (
    (Request, "request"),
    (RequestContext, "context"),
    (Response, "response"),
)


def _analyze_dependency(
    param: inspect.Parameter,
    declared: Any,
    path_types: Mapping[str, type[Any]],
    chain: tuple[Callable[..., Any], ...],
    localns: Mapping[str, Any] | None,
) -> DependencySpec | None:
    """The dependency a parameter asks for, or ``None`` for a request parameter."""
    if declared is _NO_DEFAULT:
        return None
    annotation, metadata = unwrap_annotated(declared)
    for item in metadata:
        if isinstance(item, Inject):
            return DependencySpec(
                param.name, "named", item.name or param.name, annotation=annotation
            )
        if isinstance(item, Depends):
            target = item.dependency
            if any(target is seen for seen in chain):
                names = [_callable_name(f) for f in (*chain, target)]
                start = next(i for i, f in enumerate(chain) if f is target)
                raise TypeError("dependency cycle: " + " -> ".join(names[start:]))
            spec = analyze_handler(target, path_types, localns=localns, _chain=chain)
            scopes = item.scopes if isinstance(item, Security) else ()
            return DependencySpec(
                param.name, "call", target, spec, item.use_cache, scopes, annotation
            )
    if isinstance(annotation, type) and not metadata:
        for base, kind in _CONTEXT_KINDS:
            if issubclass(annotation, base):
                return DependencySpec(param.name, kind, annotation=annotation)
    return None


def _analyze_param(
    param: inspect.Parameter,
    declared: Any,
    path_types: Mapping[str, type[Any]],
    doc: str | None,
) -> ParamSpec | None:
    has_default = param.default is not inspect.Parameter.empty
    if declared is _NO_DEFAULT:
        if param.name in path_types:
            return ParamSpec(
                param.name, "path", param.name, Any, True, _NO_DEFAULT, None, False, doc, Any
            )
        return None  # left alone: its default is used, as in Bottle
    annotation, metadata = unwrap_annotated(declared)
    marker = marker_of(metadata)
    if param.name in path_types and marker is not None and not isinstance(marker, Path):
        raise TypeError(
            f"parameter {param.name!r} is the URL wildcard <{param.name}>: mark it Path(),"
            f" not {type(marker).__name__}(), or rename one of them"
        )
    if param.name in path_types:
        source: Source = "path"
    elif marker is not None:
        source = marker.source
    elif is_model(annotation):
        source = "body"
    else:
        source = "query"
    if source == "path" and param.name not in path_types:
        # Else every request would fail looking the wildcard up: a 500, not a 4xx.
        raise TypeError(
            f"parameter {param.name!r} is marked Path() but the rule has no wildcard <{param.name}>"
        )
    wire = param.name
    if marker is not None and marker.alias:
        wire = marker.alias
    elif source == "header":
        wire = "-".join(part.capitalize() for part in param.name.split("_"))
    required = not has_default and not is_optional(annotation)
    embed = isinstance(marker, Body) and marker.embed
    description = (marker.description if marker is not None else None) or doc
    try:
        from .converters import build_converter  # NOTE: on first use: not on `import lcore`

        if isinstance(marker, Body) and marker.forbid_extra:
            converter = build_converter(declared, False, forbid_extra=True)
        else:
            converter = build_converter(declared, source != "body")
    except TypeError:
        if has_default and marker is None:
            # NOTE: an unmarked parameter of a type lcore cannot read keeps its default,
            # as in a plain handler (a plugin may pass it); a marked one asks to be read.
            return None
        raise TypeError(
            f"parameter {param.name!r} has type {annotation!r}, which lcore cannot read from"
            f" the {source}; "
            + (
                "use a supported type"
                if marker is not None
                else "give it a default or a supported type"
            )
        ) from None
    return ParamSpec(
        param.name,
        source,
        wire,
        annotation,
        required,
        param.default,
        marker,
        embed,
        description,
        declared,
        converter,
    )


# -- the binder ---------------------------------------------------------------------------

Binder = Callable[["Request", dict[str, Any]], dict[str, Any]]
_JSON_MEDIA = frozenset({"application/json", "application/json-rpc"})


_PATH, _QUERY, _HEADER, _COOKIE, _BODY = range(5)
_SOURCE_CODES: dict[str, int] = {
    "path": _PATH,
    "query": _QUERY,
    "header": _HEADER,
    "cookie": _COOKIE,
    "body": _BODY,
}


@dataclasses.dataclass(frozen=True, slots=True)
class _Step:
    """One compiled parameter read: everything decided before the first request."""

    source: int
    name: str
    key: str  # the query key, environ key (HTTP_X_TOKEN), cookie or body key
    convert: Converter | None
    is_list: bool
    required: bool
    default: Any
    loc: tuple[str, ...]
    embed: bool


def _compile_step(param: ParamSpec, spec: HandlerSpec) -> _Step | None:
    if param.source == "path" and not param.needs_path_conversion(
        spec.path_types.get(param.name, str)
    ):
        return None  # the router's value is passed as it is
    key = param.wire_name
    if param.source == "header":
        key = "HTTP_" + key.upper().replace("-", "_")
        if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            key = key[5:]
    if param.source == "body" and not param.embed:
        loc: tuple[str, ...] = ("body",)
    else:
        loc = (param.source, param.wire_name)
    default = None if param.default is _NO_DEFAULT else param.default
    return _Step(
        _SOURCE_CODES[param.source],
        param.name,
        key,
        param.converter,
        param.is_list,
        param.required,
        default,
        loc,
        param.embed,
    )


def compile_binder(spec: HandlerSpec) -> Binder | None:
    """Compile the per-request binder; ``None`` when the handler needs no binding (its URL
    wildcards are passed through as they are, like a plain Bottle handler)."""
    if not spec.dependencies:
        return _compile_reads(spec)
    bind_with = _compile_with_dependencies(spec)

    def bind(request: Request, url_args: dict[str, Any]) -> dict[str, Any]:
        return bind_with(request, url_args, {})

    return bind


def _compile_reads(spec: HandlerSpec) -> Binder | None:
    """The binder of the parameters read from the request (dependencies aside)."""
    from .converters import Invalid

    steps = [step for step in (_compile_step(p, spec) for p in spec.params) if step is not None]
    if not steps:
        return None
    uses_query = any(step.source == _QUERY for step in steps)
    uses_cookies = any(step.source == _COOKIE for step in steps)
    uses_body = any(step.source == _BODY for step in steps)

    # PERF: each step a plain tuple, unpacked in the loop header: one instruction for
    # what were nine attribute reads per parameter (bench/typed.py, N typed query params).
    plan = [
        (s.source, s.name, s.key, s.convert, s.is_list, s.required, s.default, s.loc, s.embed)
        for s in steps
    ]

    def bind(request: Request, url_args: dict[str, Any]) -> dict[str, Any]:
        kwargs = dict(url_args) if url_args else {}
        errors: list[ErrorDetail] | None = None
        # PERF: read the MultiDict's storage directly (bench: typed query GET).
        query = request.query._data if uses_query else _NO_VALUES
        cookies = request.cookies._data if uses_cookies else _NO_VALUES
        body: Any = _read_body(request) if uses_body else None
        environ = request.environ
        for source, name, key, convert, is_list, required, default, loc, embed in plan:
            raw: Any
            if source == _QUERY:
                values = query.get(key)
                raw = (values if is_list else values[-1]) if values else None
            elif source == _PATH:
                raw = url_args[name]
                if type(raw) is not str:
                    # <id:int> with `id: str`, or bounds on a filtered value: convert the
                    # filter's value from its text like any other wildcard.
                    raw = str(raw)
            elif source == _HEADER:
                raw = environ.get(key)
                if raw is not None and is_list:
                    raw = [item.strip() for item in raw.split(",")]
            elif source == _COOKIE:
                values = cookies.get(key)
                raw = values[-1] if values else None
            else:
                raw = _embedded(body, key) if embed else body
            if raw is None:
                if required:
                    errors = errors or []
                    errors.append({"loc": list(loc), "msg": "field required", "type": "missing"})
                else:
                    kwargs[name] = default
                continue
            if convert is None:
                kwargs[name] = raw
                continue
            try:
                kwargs[name] = convert(raw)
            except Invalid as invalid:
                errors = errors or []
                errors.extend(invalid.details(loc))
        if errors:
            raise ClientError(422, "Validation failed", "validation_error", detail=errors)
        return kwargs

    return bind


_NO_VALUES: dict[str, list[str]] = {}


# -- dependencies -------------------------------------------------------------------------

#: A binder that shares one per-request cache of dependency values with its dependencies.
_CachedBinder = Callable[["Request", dict[str, Any], dict[int, Any]], dict[str, Any]]
_Resolver = Callable[["Request", dict[str, Any], dict[int, Any]], Any]


def _compile_with_dependencies(spec: HandlerSpec) -> _CachedBinder:
    """The binder of a handler (or dependency) with dependencies: each dependency first,
    in order, then the handler's own parameters. Every 422 problem, the dependencies'
    included, is reported at once; any other error (a 401 from a security scheme) stops
    at once."""
    reads = _compile_reads(spec)
    resolvers = [(dep.name, _compile_resolver(dep)) for dep in spec.dependencies]

    def bind(request: Request, url_args: dict[str, Any], cache: dict[int, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        errors: list[ErrorDetail] | None = None
        for name, resolve in resolvers:
            try:
                values[name] = resolve(request, url_args, cache)
            except ClientError as exc:
                if exc.type != "validation_error":
                    raise
                errors = (errors or []) + exc.detail
        kwargs: dict[str, Any] = {}
        try:
            kwargs = reads(request, url_args) if reads is not None else dict(url_args)
        except ClientError as exc:
            if errors is None or exc.type != "validation_error":
                raise
            errors += exc.detail
        if errors:
            raise ClientError(422, "Validation failed", "validation_error", detail=errors)
        kwargs.update(values)
        return kwargs

    return bind


def _compile_resolver(dep: DependencySpec) -> _Resolver:
    """How one dependency's value is made on a request."""
    if dep.kind == "request":
        return _the_request
    if dep.kind == "context":
        return _the_context
    if dep.kind == "response":
        return _the_response
    if dep.kind == "named":
        return _named_resolver(str(dep.target))
    assert dep.spec is not None
    return _call_resolver(dep.target, dep.spec, dep.use_cache, dep.scopes)


def _the_request(request: Request, url_args: dict[str, Any], cache: dict[int, Any]) -> Any:
    return request


def _the_context(request: Request, url_args: dict[str, Any], cache: dict[int, Any]) -> Any:
    return _current_context()


def _the_response(request: Request, url_args: dict[str, Any], cache: dict[int, Any]) -> Any:
    return _current_context().response


def _current_context() -> RequestContext:
    context = context_var.get()
    if context is None:
        raise RuntimeError("a dependency was resolved outside a request")
    return context


def _named_resolver(name: str) -> _Resolver:
    def resolve(request: Request, url_args: dict[str, Any], cache: dict[int, Any]) -> Any:
        context = _current_context()
        for app in (request.app, context.app):
            if app is not None and name in app.dependencies:
                return app.dependencies.resolve(name, context)
        raise LookupError(
            f"no dependency named {name!r} is registered: call app.inject({name!r}, factory)"
        )

    return resolve


def _call_resolver(
    target: Callable[..., Any], spec: HandlerSpec, use_cache: bool, scopes: tuple[str, ...]
) -> _Resolver:
    """Resolve ``Depends(target)``: read its own parameters, call it (an override when
    the app has one), keep the value for the rest of the request."""
    key = id(target)
    call = _made_callable(target, spec, scopes)
    overridden: dict[int, _Resolver] = {}

    def resolve(request: Request, url_args: dict[str, Any], cache: dict[int, Any]) -> Any:
        if use_cache and key in cache:
            return cache[key]
        app = request.app
        # PERF: per app, no process-wide switch: an app that made no overrides (its
        # class's None) or has none left (an empty dict), and is mounted nowhere, costs
        # two attribute reads and no call (bench/typed.py, dependency scenarios).
        if app is None or app._dependency_overrides or app.mounted_in:
            replacement = _override_of(request, target)
        else:
            replacement = None
        if replacement is not None:
            inner = overridden.get(id(replacement))
            if inner is None:
                inner = _call_resolver(
                    replacement,
                    analyze_handler(replacement, spec.path_types),
                    use_cache=False,
                    scopes=scopes,
                )
                overridden[id(replacement)] = inner
            value = inner(request, url_args, cache)
        else:
            value = call(request, url_args, cache)
        if use_cache:
            cache[key] = value
        return value

    return resolve


def _override_of(request: Request, target: Callable[..., Any]) -> Callable[..., Any] | None:
    """The replacement ``app.dependency_overrides`` sets for ``target``: the answering
    app's (a mounted sub-app's own), then the one the request came in through."""
    app = request.app
    if app is not None:
        overrides = app._dependency_overrides
        if overrides:
            replacement = overrides.get(target)
            if replacement is not None:
                return replacement
        if not app.mounted_in:
            return None  # the request came in through this app: no other app to ask
    context = context_var.get()
    outer = context.app if context is not None else None
    if outer is None or outer is app:
        return None
    overrides = outer._dependency_overrides
    return overrides.get(target) if overrides else None


def _made_callable(
    target: Callable[..., Any], spec: HandlerSpec, scopes: tuple[str, ...]
) -> _Resolver:
    """Call ``target`` with its parameters read from the request: awaited when it is a
    coroutine function, advanced to its ``yield`` (and finished when the request ends)
    when it is a generator function. A security scheme also gets the required scopes."""
    if isinstance(target, SecurityScheme):
        # PERF: a scheme reads the request itself: no binder for its `request` parameter,
        # no keyword call through __call__ (bench/typed.py, bearer-secured row).
        scheme: SecurityScheme[Any, Any] = target  # pyright: ignore[reportUnknownVariableType]
        authenticate = scheme.authenticate

        def call_scheme(request: Request, url_args: dict[str, Any], cache: dict[int, Any]) -> Any:
            return authenticate(request, scopes)

        return call_scheme
    if scopes:
        raise TypeError(
            f"Security(scopes=...) needs a security scheme, not {_callable_name(target)}"
        )
    path_names = tuple(p.name for p in spec.params if p.source == "path")
    reads_with = _compile_with_dependencies(spec) if spec.dependencies else None
    plain = _compile_reads(spec) if reads_with is None else None
    func: Any = inspect.unwrap(target)
    is_async = inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004 - a callable object's method
    )
    is_generator = inspect.isgeneratorfunction(func)
    is_async_generator = inspect.isasyncgenfunction(func)

    def call(request: Request, url_args: dict[str, Any], cache: dict[int, Any]) -> Any:
        args = {name: url_args[name] for name in path_names} if path_names else {}
        if reads_with is not None:
            kwargs = reads_with(request, args, cache)
        elif plain is not None:
            kwargs = plain(request, args)
        else:
            kwargs = args
        if is_generator:
            return _enter_generator(target(**kwargs))
        if is_async_generator:
            return _enter_async_generator(target(**kwargs))
        value: Any = target(**kwargs)
        if is_async or type(value) is CoroutineType:
            value = run_coroutine(cast("Coroutine[Any, Any, Any]", value))
        return value

    return call


def _enter_generator(generator: Any) -> Any:
    """The value a generator dependency yields; the rest of it runs when the request ends."""
    value = next(generator)

    def finish() -> None:
        try:
            next(generator)
        except StopIteration:
            return
        generator.close()
        raise RuntimeError(f"dependency {generator!r} yielded more than once")

    _current_context().on_close(finish)
    return value


def _enter_async_generator(generator: Any) -> Any:
    """The value an async generator dependency yields; its clean-up runs at the end."""
    value = run_coroutine(generator.__anext__())

    def finish() -> None:
        try:
            run_coroutine(generator.__anext__())
        except StopAsyncIteration:
            return
        raise RuntimeError(f"dependency {generator!r} yielded more than once")

    _current_context().on_close(finish)
    return value


def _embedded(body: object, key: str) -> Any:
    """One key of a JSON object body (``None`` when the body is not an object)."""
    if isinstance(body, dict):
        mapping: dict[str, Any] = body  # pyright: ignore[reportUnknownVariableType]  # JSON object
        return mapping.get(key)
    return None


def _read_body(request: Request) -> Any:
    """The JSON body for body parameters; ``None`` when there is none.

    Raises:
        ClientError: 415 for a non-JSON body; 400/413 from the bounded JSON reader.
    """
    content_type: str = request.environ.get("CONTENT_TYPE", "")
    if content_type == "application/json":  # PERF: the usual exact value, no parsing
        return request.json
    media = parse_options_header(content_type)[0] if content_type else ""
    is_json = media in _JSON_MEDIA or (media.startswith("application/") and media.endswith("+json"))
    if not is_json:
        if request.body_bytes:
            raise ClientError(
                415,
                "Expected a JSON body (Content-Type: application/json)",
                "unsupported_media_type",
                ("header", "Content-Type"),
            )
        return None
    return request.json
