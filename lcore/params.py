"""Typed handler parameters: markers (Query, Header, Cookie, Body, Path), the analysis of a
handler's signature into :class:`ParamSpec` entries, and the binder compiled from them.

Analysis runs once per route (at registration, or at the first request when a forward
reference cannot be resolved yet); the request path only runs the compiled binder.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Union, get_args, get_origin

from .errors import ClientError, ErrorDetail
from .http import parse_options_header
from .typeinfo import NO_CONSTRAINTS, Constraints, is_typeddict, unwrap_annotated

if TYPE_CHECKING:
    from .converters import Converter
    from .request import Request

__all__ = [
    "Body",
    "Cookie",
    "HandlerSpec",
    "Header",
    "Param",
    "ParamSpec",
    "Path",
    "Query",
    "analyze_handler",
    "compile_binder",
]

Source = Literal["path", "query", "header", "cookie", "body"]


class Param:
    """Where a parameter comes from, how it is documented, and the bounds it must meet.

    Used through ``typing.Annotated``: ``limit: Annotated[int, Query(ge=1, le=100)] = 10``.

    Args:
        alias: The name on the wire when it differs from the parameter's name.
        description: Shown in the OpenAPI document.
        example: An example value for the document.
        deprecated: Mark the parameter deprecated in the document.
        ge: Greater than or equal (numbers).
        gt: Greater than (numbers).
        le: Less than or equal (numbers).
        lt: Less than (numbers).
        min_length: Shortest string or list.
        max_length: Longest string or list.
        pattern: A regular expression the string must contain a match of.
    """

    source: ClassVar[Source] = "query"
    __slots__ = ("alias", "constraints", "deprecated", "description", "example")

    def __init__(
        self,
        *,
        alias: str | None = None,
        description: str | None = None,
        example: Any = None,
        deprecated: bool = False,
        ge: float | None = None,
        gt: float | None = None,
        le: float | None = None,
        lt: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
    ) -> None:
        if pattern is not None:
            re.compile(pattern)
        self.alias: str | None = alias
        self.description: str | None = description
        self.example: Any = example
        self.deprecated: bool = deprecated
        self.constraints: Constraints = Constraints(ge, gt, le, lt, min_length, max_length, pattern)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alias={self.alias!r})"


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
        **kwargs: As for :class:`Param`.
    """

    source: ClassVar[Source] = "body"
    __slots__ = ("embed",)

    def __init__(self, *, embed: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.embed: bool = embed


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

    @property
    def constraints(self) -> Constraints:
        """Bounds from the marker."""
        return self.marker.constraints if self.marker is not None else NO_CONSTRAINTS

    @property
    def is_list(self) -> bool:
        """A query/header parameter that takes every repeated value."""
        inner = _strip_optional(self.annotation)
        return get_origin(inner) in (list, tuple, set, frozenset, Sequence)


@dataclasses.dataclass(slots=True)
class HandlerSpec:
    """Everything the binder and the OpenAPI document need to know about a handler."""

    params: list[ParamSpec]
    return_annotation: Any
    summary: str | None
    description: str | None
    typed: bool
    path_types: dict[str, type[Any]] = dataclasses.field(default_factory=dict[str, type[Any]])


def _strip_optional(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _is_optional(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType) and type(None) in get_args(tp)


def _is_model(tp: Any) -> bool:
    inner = _strip_optional(unwrap_annotated(tp)[0])
    if get_origin(inner) in (list, tuple, Sequence):
        args = get_args(inner)
        inner = args[0] if args else None
    elif get_origin(inner) in (dict, Mapping) or inner is dict:
        return True
    return isinstance(inner, type) and (dataclasses.is_dataclass(inner) or is_typeddict(inner))


_DOC_ARGS = re.compile(r"^\s*(Args|Arguments|Parameters):\s*$")
_DOC_SECTION = re.compile(r"^\s*[A-Z][A-Za-z ]*:\s*$")
_DOC_ARG = re.compile(r"^\s+(\*{0,2}\w+)(?:\s*\([^)]*\))?:\s*(.*)$")


def parse_docstring(doc: str | None) -> tuple[str | None, str | None, dict[str, str]]:
    """Split a Google-style docstring into summary, description and ``Args:`` entries."""
    if not doc:
        return None, None, {}
    lines = inspect.cleandoc(doc).splitlines()
    summary = lines[0].strip() or None
    body: list[str] = []
    args: dict[str, str] = {}
    current: str | None = None
    section: str | None = None
    for line in lines[1:]:
        if _DOC_ARGS.match(line):
            section, current = "args", None
            continue
        if _DOC_SECTION.match(line) and not line.startswith(" "):
            section, current = "other", None
            continue
        if section == "args":
            found = _DOC_ARG.match(line)
            if found and (len(line) - len(line.lstrip())) <= 4:
                name = found.group(1).lstrip("*")
                args[name] = found.group(2).strip()
                current = name
            elif current and line.strip():
                args[current] = (args[current] + " " + line.strip()).strip()
            continue
        if section is None:
            body.append(line)
    description = "\n".join(body).strip() or None
    return summary, description, args


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
    marker = next((m for m in metadata if isinstance(m, Param)), None)
    if param.name in path_types and marker is not None and not isinstance(marker, Path):
        raise TypeError(
            f"parameter {param.name!r} is the URL wildcard <{param.name}>: mark it Path(),"
            f" not {type(marker).__name__}(), or rename one of them"
        )
    if param.name in path_types:
        source: Source = "path"
    elif marker is not None:
        source = marker.source
    elif _is_model(annotation):
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
    required = not has_default and not _is_optional(annotation)
    embed = isinstance(marker, Body) and marker.embed
    description = (marker.description if marker is not None else None) or doc
    spec = ParamSpec(
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
    )
    try:
        from .converters import build_converter  # NOTE: on first use: not on `import lcore`

        build_converter(declared, source != "body")
    except TypeError:
        if has_default:
            return None  # a type lcore cannot read: keep the default, as for plain handlers
        raise TypeError(
            f"parameter {param.name!r} has type {annotation!r}, which lcore cannot read from"
            f" the {source}; give it a default or a supported type"
        ) from None
    return spec


# -- the binder ---------------------------------------------------------------------------

Binder = Callable[["Request", dict[str, Any]], dict[str, Any]]
_JSON_MEDIA = frozenset({"application/json", "application/json-rpc"})


def _needs_path_conversion(spec: ParamSpec, produced: type[Any]) -> bool:
    """Whether a wildcard's value must go through a converter: its filter produced another
    type than the annotation asks for, or the marker declares bounds."""
    annotation = spec.annotation
    if produced is object or annotation is Any or annotation is object:
        return False  # a custom filter's value, or no declared type: passed as it is
    return annotation is not produced or bool(spec.constraints)


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
    from .converters import build_converter

    converter: Converter | None = None
    if param.source == "path":
        if _needs_path_conversion(param, spec.path_types.get(param.name, str)):
            converter = build_converter(param.declared, True)
        else:
            return None  # the router's value is passed as it is
    else:
        converter = build_converter(param.declared, param.source != "body")
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
        converter,
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

    def bind(request: Request, url_args: dict[str, Any]) -> dict[str, Any]:
        kwargs = dict(url_args) if url_args else {}
        errors: list[ErrorDetail] | None = None
        # PERF: read the MultiDict's storage directly (bench: typed query GET).
        query = request.query._data if uses_query else _NO_VALUES
        cookies = request.cookies._data if uses_cookies else _NO_VALUES
        body: Any = _read_body(request) if uses_body else None
        environ = request.environ
        for step in steps:
            source = step.source
            raw: Any
            if source == _QUERY:
                values = query.get(step.key)
                raw = (values if step.is_list else values[-1]) if values else None
            elif source == _PATH:
                raw = url_args[step.name]
                if type(raw) is not str:
                    # <id:int> with `id: str`, or bounds on a filtered value: convert the
                    # filter's value from its text like any other wildcard.
                    raw = str(raw)
            elif source == _HEADER:
                raw = environ.get(step.key)
                if raw is not None and step.is_list:
                    raw = [item.strip() for item in raw.split(",")]
            elif source == _COOKIE:
                values = cookies.get(step.key)
                raw = values[-1] if values else None
            else:
                raw = _embedded(body, step.key) if step.embed else body
            if raw is None:
                if step.required:
                    errors = errors or []
                    errors.append(
                        {"loc": list(step.loc), "msg": "field required", "type": "missing"}
                    )
                else:
                    kwargs[step.name] = step.default
                continue
            convert = step.convert
            if convert is None:
                kwargs[step.name] = raw
                continue
            try:
                kwargs[step.name] = convert(raw)
            except Invalid as invalid:
                errors = errors or []
                errors.extend(invalid.details(step.loc))
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
