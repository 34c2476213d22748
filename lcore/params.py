"""Typed handler parameters: markers (Query, Header, Cookie, Body, Path), the analysis of a
handler's signature into :class:`ParamSpec` entries, and the binder compiled from them.

Analysis runs once per route (at registration, or at the first request when a forward
reference cannot be resolved yet); the request path only runs the compiled binder.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from .errors import ClientError, ErrorDetail
from .http import parse_options_header
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
    from .request import Request

__all__ = [
    "Binder",
    "Body",
    "Cookie",
    "HandlerSpec",
    "Header",
    "Param",
    "ParamSpec",
    "Path",
    "Query",
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


@dataclasses.dataclass(slots=True)
class HandlerSpec:
    """Everything the binder and the OpenAPI document need to know about a handler."""

    params: list[ParamSpec]
    return_annotation: Any
    summary: str | None
    description: str | None
    typed: bool
    path_types: dict[str, type[Any]] = dataclasses.field(default_factory=dict[str, type[Any]])


def analyze_handler(
    callback: Callable[..., Any], path_types: Mapping[str, type[Any]]
) -> HandlerSpec:
    """Analyse a handler's signature.

    Args:
        callback: The handler (decorators that use ``functools.wraps`` are looked through).
        path_types: Each URL wildcard's name and the type its filter produces (``int``
            for ``<id:int>``, ``str`` for the default filter, ``object`` for custom ones).

    Raises:
        NameError: An annotation refers to a name that does not exist (yet).
        TypeError: A parameter's type cannot be validated and it has no default, or a
            ``Path()`` parameter names no wildcard of the rule.
    """
    func = inspect.unwrap(callback)
    signature = inspect.signature(func)
    hints = typing.get_type_hints(func, include_extras=True)
    summary, description, docs = parse_docstring(inspect.getdoc(func))
    specs: list[ParamSpec] = []
    typed = False
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.POSITIONAL_ONLY):
            continue
        declared = hints.get(param.name, _NO_DEFAULT)
        spec = _analyze_param(param, declared, path_types, docs.get(param.name))
        if spec is None:
            continue
        if declared is not _NO_DEFAULT:
            typed = True
        specs.append(spec)
    bodies = [s for s in specs if s.source == "body"]
    if len(bodies) > 1:
        specs = [dataclasses.replace(s, embed=True) if s.source == "body" else s for s in specs]
    returns = hints.get("return", _NO_DEFAULT)
    return HandlerSpec(specs, returns, summary, description, typed, dict(path_types))


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
