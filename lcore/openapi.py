"""The OpenAPI 3.1 document built from an app's routes, and helpers that describe security
schemes. It builds; :mod:`lcore.docs_ui` serves (``/docs``, ``/docs/json``).

The request path never imports this module: the app imports it when the document is first
asked for (``app.openapi()``, ``/docs/json``) or a security scheme is added.
"""

from __future__ import annotations

import copy
import inspect
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast, get_type_hints

from .errors import HTTP_CODES
from .params import HandlerSpec, ParamSpec
from .response import HTTPResponse
from .schema import NOT_JSON, SchemaRegistry, json_value, set_default
from .typeinfo import parse_docstring, shape_of

if TYPE_CHECKING:
    from .app import Lcore
    from .route import Route

__all__ = [
    "DEFAULT_TITLE",
    "DEFAULT_VERSION",
    "OPENAPI_VERSION",
    "api_key",
    "build_document",
    "check_security_scheme",
    "http_basic",
    "http_bearer",
]

OPENAPI_VERSION = "3.1.0"
#: ``info.title`` when ``docs.title`` is not set.
DEFAULT_TITLE = "lcore API"
#: ``info.version`` when ``docs.version`` is not set.
DEFAULT_VERSION = "0.1.0"

#: The methods an OpenAPI path item can hold. Routes with other methods (``ANY``, WebDAV
#: verbs) are left out of the document.
_METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")
_EMPTY = inspect.Parameter.empty
#: The order of an operation's fields in the document (the order the spec lists them).
_OPERATION_ORDER = (
    "tags",
    "summary",
    "description",
    "operationId",
    "parameters",
    "requestBody",
    "responses",
    "deprecated",
    "security",
)
_NO_BODY_STATUS = frozenset({204, 304})
_SCHEME_TYPES = frozenset({"apiKey", "http", "mutualTLS", "oauth2", "openIdConnect"})
_COMPONENT_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_]+")

#: Definitions of the one error shape (DESIGN.md, "One error shape").
_ERROR_DETAIL = "ErrorDetail"
_HTTP_ERROR = "HTTPError"
_VALIDATION_ERROR = "ValidationError"
_ERROR_PROPERTIES: dict[str, Any] = {
    "error": {"type": "string", "description": "The reason phrase of the status."},
    "status": {"type": "integer", "description": "The HTTP status code."},
    "message": {"type": "string", "description": "A message, when it says more than `error`."},
    "detail": {
        "type": "array",
        "items": {"$ref": f"#/components/schemas/{_ERROR_DETAIL}"},
        "description": "Every problem found, when there is something to list.",
    },
}
_ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    _ERROR_DETAIL: {
        "title": _ERROR_DETAIL,
        "type": "object",
        "description": "One problem: where it is, what is wrong, and a stable type.",
        "properties": {
            "loc": {
                "type": "array",
                "items": {"type": ["string", "integer"]},
                "description": "The source (path, query, header, cookie, body), then keys.",
            },
            "msg": {"type": "string"},
            "type": {"type": "string"},
        },
        "required": ["loc", "msg", "type"],
    },
    _HTTP_ERROR: {
        "title": _HTTP_ERROR,
        "type": "object",
        "description": "lcore's error shape.",
        "properties": _ERROR_PROPERTIES,
        "required": ["error", "status"],
    },
    _VALIDATION_ERROR: {
        "title": _VALIDATION_ERROR,
        "type": "object",
        "description": "The input did not validate; `detail` lists every problem.",
        "properties": _ERROR_PROPERTIES,
        "required": ["error", "status", "detail"],
    },
}


# -- security schemes ---------------------------------------------------------------------


def http_bearer(bearer_format: str | None = None, description: str | None = None) -> dict[str, Any]:
    """An HTTP bearer token scheme (``Authorization: Bearer <token>``).

    Args:
        bearer_format: A hint such as ``"JWT"``.
        description: Shown in the document.
    """
    scheme: dict[str, Any] = {"type": "http", "scheme": "bearer"}
    if bearer_format:
        scheme["bearerFormat"] = bearer_format
    return _described(scheme, description)


def http_basic(description: str | None = None) -> dict[str, Any]:
    """HTTP basic authentication (``Authorization: Basic ...``).

    Args:
        description: Shown in the document.
    """
    return _described({"type": "http", "scheme": "basic"}, description)


def api_key(
    name: str,
    location: Literal["header", "query", "cookie"] = "header",
    description: str | None = None,
) -> dict[str, Any]:
    """An API key sent in a header, a query parameter or a cookie.

    Args:
        name: The header, query parameter or cookie name (``"X-API-Key"``).
        location: ``"header"``, ``"query"`` or ``"cookie"``.
        description: Shown in the document.

    Raises:
        ValueError: An unknown location.
    """
    if location not in ("header", "query", "cookie"):
        raise ValueError(f"api_key location must be header, query or cookie, not {location!r}")
    return _described({"type": "apiKey", "name": name, "in": location}, description)


def _described(scheme: dict[str, Any], description: str | None) -> dict[str, Any]:
    if description:
        scheme["description"] = description
    return scheme


def check_security_scheme(name: str, scheme: Mapping[str, Any]) -> dict[str, Any]:
    """Check a security scheme before it is added to an app; returns a copy.

    Raises:
        ValueError: A name OpenAPI does not allow, or a scheme without a known ``type``.
    """
    if not _COMPONENT_NAME.match(name):
        raise ValueError(
            f"security scheme name {name!r} may only use letters, digits, '.', '-' and '_'"
        )
    kind = scheme.get("type")
    if kind not in _SCHEME_TYPES:
        raise ValueError(
            f"security scheme {name!r} needs a 'type' of {sorted(_SCHEME_TYPES)}, not {kind!r}"
            " (see lcore.openapi.http_bearer, http_basic and api_key)"
        )
    return dict(scheme)


# -- the document -------------------------------------------------------------------------


def build_document(app: Lcore) -> dict[str, Any]:
    """Build the OpenAPI 3.1 document of ``app``'s routes.

    Raises:
        ValueError: Two routes share an ``operation_id`` option, or a route's ``security``
            option names a scheme that was never declared.
    """
    return _DocumentBuilder(app).build()


@dataclass(slots=True)
class _Operation:
    """An operation on its way into the document, before its operationId is settled."""

    route: Route
    template: str
    method: str
    body: dict[str, Any]
    explicit_id: str | None
    name: str


class _DocumentBuilder:
    def __init__(self, app: Lcore) -> None:
        self.app = app
        self.registry = SchemaRegistry(reserved=_ERROR_SCHEMAS)
        self.uses_errors = False
        self.tags: list[str] = []
        self.schemes: dict[str, dict[str, Any]] = {}

    def build(self) -> dict[str, Any]:
        app = self.app
        operations: list[_Operation] = []
        paths: dict[str, dict[str, Any]] = {}
        for route in app.routes:
            operation = self._operation(route)
            if operation is None:
                continue
            item = paths.setdefault(operation.template, {})
            key = operation.method.lower()
            if key not in item:  # the first route registered for a template wins, as routed
                item[key] = operation.body
                operations.append(operation)
        self.schemes.update(app.security_schemes)
        _assign_operation_ids(operations)
        for operation in operations:
            self._check_security(operation)
            required = operation.body.get("security", app.default_security)
            if any(required):
                # A route behind a security scheme answers 401 without credentials.
                self.uses_errors = True
                operation.body.setdefault("responses", {}).setdefault(
                    "401", self._error_response(401)
                )
            if any(scopes for requirement in required for scopes in requirement.values()):
                # A principal without a required scope gets a 403.
                operation.body.setdefault("responses", {}).setdefault(
                    "403", self._error_response(403)
                )
            fields = dict(operation.body)
            operation.body.clear()  # in place: the path item holds this dict
            operation.body.update((k, fields[k]) for k in _OPERATION_ORDER if k in fields)
        document: dict[str, Any] = {"openapi": OPENAPI_VERSION, "info": self._info()}
        servers = app.config.get("docs.servers")
        if servers:
            document["servers"] = [{"url": s} if isinstance(s, str) else dict(s) for s in servers]
        document["paths"] = paths
        if app.default_security:
            document["security"] = [dict(r) for r in app.default_security]
        components: dict[str, Any] = {}
        schemas = dict(self.registry.components)
        if self.uses_errors:
            schemas.update(copy.deepcopy(_ERROR_SCHEMAS))
        if schemas:
            components["schemas"] = schemas
        if self.schemes:
            components["securitySchemes"] = self.schemes
        if components:
            document["components"] = components
        if self.tags:
            document["tags"] = [{"name": tag} for tag in self.tags]
        return document

    def _info(self) -> dict[str, Any]:
        config = self.app.config
        info: dict[str, Any] = {
            "title": config.get("docs.title") or DEFAULT_TITLE,
            "version": config.get("docs.version") or DEFAULT_VERSION,
        }
        description = config.get("docs.description")
        if description:
            info["description"] = description
        return info

    # -- one operation ------------------------------------------------------------------

    def _operation(self, route: Route) -> _Operation | None:
        options = route.config
        if options.get("include_in_schema", True) is False or route.method not in _METHODS:
            return None
        parsed = route.parsed_rule or self.app.router.parse(route.rule)
        template: list[str] = []
        wildcards: list[tuple[str, str, str]] = []
        for token in parsed.tokens:
            if isinstance(token, str):
                template.append(token)
            elif token.name is None:
                return None  # an anonymous wildcard (a mounted WSGI app) has no template
            else:
                template.append("{" + token.name + "}")
                wildcards.append((token.name, token.mode, token.pattern))
        origin = route
        while origin.mounted_from is not None:
            origin = origin.mounted_from
        for app in _apps_of(route):
            for name, scheme in app.security_schemes.items():
                self.schemes.setdefault(name, scheme)
        body: dict[str, Any] = {}
        tags = _tags_of(route)
        if tags:
            body["tags"] = tags
            self.tags.extend(t for t in tags if t not in self.tags)
        mark = self.registry.snapshot()
        try:
            self._describe(body, route, origin.spec, wildcards)
        except (NameError, TypeError) as exc:
            self.registry.rollback(mark)
            for key in ("summary", "description", "parameters", "requestBody", "responses"):
                body.pop(key, None)
            self._describe(body, route, None, wildcards, unresolved=exc)
        if options.get("deprecated"):
            body["deprecated"] = True
        security = self._security(route, origin)
        if security is not None:
            body["security"] = security
        name = getattr(inspect.unwrap(origin.callback), "__name__", "") or "operation"
        explicit = options.get("operation_id")
        return _Operation(
            route,
            "".join(template),
            route.method,
            body,
            str(explicit) if explicit else None,
            _UNSAFE_ID.sub("_", name).strip("_") or "operation",
        )

    def _describe(
        self,
        body: dict[str, Any],
        route: Route,
        spec: HandlerSpec | None,
        wildcards: list[tuple[str, str, str]],
        unresolved: Exception | None = None,
    ) -> None:
        """Fill summary, description, parameters, request body and responses."""
        options = route.config
        if spec is not None:
            summary, description = spec.summary, spec.description
        else:
            summary, description, _ = parse_docstring(inspect.getdoc(route.callback))
        summary = options.get("summary") or summary
        description = options.get("description") or description
        if unresolved is not None:
            note = (
                "Parameters and responses are not documented: the handler's annotations"
                f" could not be read ({type(unresolved).__name__}: {unresolved})."
            )
            description = f"{description}\n\n{note}" if description else note
        if summary:
            body["summary"] = summary
        if description:
            body["description"] = description
        params = spec.all_params() if spec is not None else []
        parameters = [self._path_parameter(w, params) for w in wildcards]
        parameters.extend(
            self._parameter(p) for p in params if p.source in ("query", "header", "cookie")
        )
        if parameters:
            body["parameters"] = parameters
        request_body = self._request_body([p for p in params if p.source == "body"])
        if request_body is not None:
            body["requestBody"] = request_body
        body["responses"] = self._responses(route, spec)

    def _path_parameter(
        self, wildcard: tuple[str, str, str], params: list[ParamSpec]
    ) -> dict[str, Any]:
        name, mode, pattern = wildcard
        found = next((p for p in params if p.source == "path" and p.name == name), None)
        if found is not None and found.annotation is not Any:
            schema = self.registry.schema(found.declared)
        else:
            schema = _filter_schema(mode, pattern)
        parameter: dict[str, Any] = {"name": name, "in": "path", "required": True}
        if found is not None:
            _document_param(parameter, found)
        parameter["schema"] = schema
        return parameter

    def _parameter(self, param: ParamSpec) -> dict[str, Any]:
        schema = self.registry.schema(param.declared)
        if param.default is not _EMPTY:
            set_default(schema, param.default)
        name = param.wire_name
        if param.source == "header" and (param.marker is None or not param.marker.alias):
            name = "-".join(part.capitalize() for part in name.split("-"))
        parameter: dict[str, Any] = {"name": name, "in": param.source}
        if param.required:
            parameter["required"] = True
        _document_param(parameter, param)
        parameter["schema"] = schema
        return parameter

    def _request_body(self, params: list[ParamSpec]) -> dict[str, Any] | None:
        if not params:
            return None
        schema: dict[str, Any]
        if len(params) == 1 and not params[0].embed:
            param = params[0]
            schema = self.registry.schema(param.declared)
            if param.default is not _EMPTY:
                set_default(schema, param.default)
            required, description = param.required, param.description
        else:
            properties: dict[str, Any] = {}
            names: list[str] = []
            for param in params:
                prop = self.registry.schema(param.declared)
                if param.default is not _EMPTY:
                    set_default(prop, param.default)
                if param.description:
                    prop["description"] = param.description
                properties[param.wire_name] = prop
                if param.required:
                    names.append(param.wire_name)
            schema = {"type": "object", "properties": properties}
            if names:
                schema["required"] = names
            required, description = bool(names), None
        request_body: dict[str, Any] = {"content": {"application/json": {"schema": schema}}}
        if description:
            request_body["description"] = description
        if required:
            request_body["required"] = True
        return request_body

    def _responses(self, route: Route, spec: HandlerSpec | None) -> dict[str, Any]:
        status = int(route.config.get("status") or 200)
        returns = spec.return_annotation if spec is not None else _EMPTY
        if route.config.get("response_model") is not None:
            returns = route.config["response_model"]
        responses: dict[str, Any] = {str(status): self._response(status, returns)}
        if spec is not None and _validates_input(spec):
            self.uses_errors = True
            responses["422"] = {
                "description": "Validation failed",
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{_VALIDATION_ERROR}"}
                    }
                },
            }
        if spec is not None and any(param.source == "body" for param in spec.all_params()):
            # A route that reads a JSON body can refuse it before validation: malformed or
            # too deep (400), over request.max_body (413), not JSON at all (415).
            self.uses_errors = True
            for code in (400, 413, 415):
                responses.setdefault(str(code), self._error_response(code))
        if route.config.get("max_body") is not None:
            # The route option max_body answers 413 to a body over it, read or not.
            self.uses_errors = True
            responses.setdefault("413", self._error_response(413))
        if route.path_types:
            # A templated path can name nothing: a value the wildcard's filter refuses, or
            # an id the handler does not know.
            self.uses_errors = True
            responses.setdefault("404", self._error_response(404))
        for exc_type in _raised(route):
            status, response = self._raised_response(route, exc_type)
            responses[str(status)] = response
        declared: Mapping[Any, Any] = route.config.get("responses") or {}
        for code, value in declared.items():
            response = self._declared_response(code, value)
            generated = responses.get(str(code), {})
            if "content" not in response and "content" in generated:
                # A header or a description declared for a status keeps the schema the
                # annotation (or response_model) gives it.
                response["content"] = generated["content"]
            responses[str(code)] = response
        return responses

    def _raised_response(
        self, route: Route, exc_type: type[Exception]
    ) -> tuple[int, dict[str, Any]]:
        """The status and response of the exception handler that answers ``exc_type`` on
        ``route`` (named in its ``raises`` option): the handler's model or return
        annotation, described by its docstring's first line."""
        handler = self.app.find_exception_handler(exc_type, route)
        if handler is None:
            raise ValueError(
                f"route {route.method} {route.rule} raises {exc_type.__name__}, which no"
                " exception handler answers (app.exception_handler)"
            )
        model = handler.model
        if model is None:
            try:
                model = get_type_hints(handler.func, include_extras=True).get("return", _EMPTY)
            except (NameError, TypeError):  # an annotation that does not resolve: no schema
                model = _EMPTY
        response = self._response(handler.status, model)
        summary, _, _ = parse_docstring(inspect.getdoc(handler.func))
        if summary:
            response["description"] = summary
        return handler.status, response

    def _error_response(self, status: int) -> dict[str, Any]:
        """A response in lcore's one error shape."""
        return {
            "description": _reason(status),
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{_HTTP_ERROR}"}}
            },
        }

    def _response(self, status: int, returns: Any) -> dict[str, Any]:
        response: dict[str, Any] = {"description": _reason(status)}
        if returns is _EMPTY or returns is None or status in _NO_BODY_STATUS:
            return response
        if returns is str:
            response["content"] = {"text/html": {"schema": {"type": "string"}}}
        elif _is_json_result(returns):
            mark = self.registry.snapshot()
            try:
                schema = self.registry.schema(returns)
            except TypeError:  # a result type with no schema: documented without one
                self.registry.rollback(mark)
            else:
                response["content"] = {"application/json": {"schema": schema}}
        return response

    def _declared_response(self, code: object, value: object) -> dict[str, Any]:
        """A response from the ``responses`` route option: a type, a response object, or
        ``None`` for a bare description."""
        if isinstance(value, Mapping):
            declared: dict[str, Any] = dict(value)  # pyright: ignore[reportUnknownArgumentType]
            declared.setdefault("description", _reason(code))
            return declared
        response: dict[str, Any] = {"description": _reason(code)}
        if value is None:
            return response
        if isinstance(value, type) and issubclass(value, HTTPResponse):
            self.uses_errors = True
            schema: dict[str, Any] = {"$ref": f"#/components/schemas/{_HTTP_ERROR}"}
        else:
            schema = self.registry.schema(value)
        response["content"] = {"application/json": {"schema": schema}}
        return response

    def _security(self, route: Route, origin: Route) -> list[dict[str, list[str]]] | None:
        """The operation's ``security``, from what guards the route (``auth``): its option
        or an app default, and the schemes its handler depends on; ``None`` where the
        document's own default holds."""
        from .auth import Resolved, SecurityScheme, requirement_objects, route_requirements

        try:
            alternatives = route_requirements(route)
        except ValueError as exc:
            raise ValueError(f"route {route.method} {route.rule}: {exc}") from None
        own: list[tuple[SecurityScheme[Any, Any], tuple[str, ...]]] = [
            (scheme, ()) for scheme in getattr(origin.callback, "__lcore_security__", None) or ()
        ]
        try:
            dependencies = origin.spec.all_dependencies()
        except (NameError, TypeError):
            dependencies = []
        for dep in dependencies:
            target: object = dep.target
            if isinstance(target, SecurityScheme):
                scheme: SecurityScheme[Any, Any] = target  # pyright: ignore[reportUnknownVariableType]
                own.append((scheme, dep.scopes))
        for scheme, _ in [*own, *(pair for alt in alternatives or () for pair in alt)]:
            self._add_scheme(route, scheme)
        if alternatives is None:
            if not own:
                return None
            alternatives = [cast("Resolved", [])]
        elif (
            not own
            and route.config.get("security") is None
            and self.app.default_security
            and route_requirements_source(route) is self.app
        ):
            return None  # the document's top-level default says it
        return requirement_objects([[*alt, *own] for alt in alternatives])

    def _add_scheme(self, route: Route, scheme: Any) -> None:
        name: str = scheme.scheme_name
        described: dict[str, Any] = scheme.openapi()
        known = self.schemes.get(name)
        if known is None:
            self.schemes[name] = check_security_scheme(name, described)
        elif known != described:
            raise ValueError(
                f"route {route.method} {route.rule}: two different security schemes are"
                f" named {name!r}; give one of them another scheme_name"
            )

    def _check_security(self, operation: _Operation) -> None:
        requirements: list[dict[str, Any]] = operation.body.get("security", [])
        for requirement in requirements:
            for name in requirement:
                if name not in self.schemes:
                    raise ValueError(
                        f"route {operation.method} {operation.route.rule} names security"
                        f" scheme {name!r}, which was never declared"
                        " (app.add_security_scheme)"
                    )


def route_requirements_source(route: Route) -> Lcore | None:
    """The app whose default security guards ``route`` (the innermost with one)."""
    from .auth import apps_of

    return next((app for app in apps_of(route) if app.default_security), None)


def _validates_input(spec: HandlerSpec) -> bool:
    """Whether the route's binder checks anything (so it can answer 422): any parameter
    but a wildcard passed on as the router produced it. Mirrors ``compile_binder``."""
    return any(
        param.source != "path" or param.needs_path_conversion(spec.path_types.get(param.name, str))
        for param in spec.all_params()
    )


def _raised(route: Route) -> list[type[Exception]]:
    """The exception classes of the route's ``raises`` option (one class, or several)."""
    raises: object = route.config.get("raises")
    if raises is None:
        return []
    if isinstance(raises, type):
        listed: list[object] = [raises]
    elif isinstance(raises, Iterable):
        listed = list(cast("Iterable[object]", raises))
    else:
        listed = [raises]
    classes: list[type[Exception]] = []
    for item in listed:
        if not (isinstance(item, type) and issubclass(item, Exception)):
            raise ValueError(
                f"route {route.method} {route.rule}: raises lists {item!r}, not an exception class"
            )
        classes.append(item)
    return classes


def _apps_of(route: Route) -> list[Lcore]:
    """The sub-apps a mounted route came through, innermost first."""
    apps: list[Lcore] = []
    origin = route.mounted_from
    while origin is not None:
        apps.insert(0, origin.app)
        origin = origin.mounted_from
    return apps


def _document_param(parameter: dict[str, Any], param: ParamSpec) -> None:
    """What a marker or the docstring says about a parameter."""
    if param.description:
        parameter["description"] = param.description
    marker = param.marker
    if marker is None:
        return
    if marker.deprecated:
        parameter["deprecated"] = True
    if marker.example is not None:
        example = json_value(marker.example)
        if example is not NOT_JSON:
            parameter["example"] = example


def _filter_schema(mode: str, pattern: str) -> dict[str, Any]:
    """The schema of a wildcard's text, from its filter."""
    if mode == "int":
        return {"type": "integer"}
    if mode == "float":
        return {"type": "number"}
    if mode == "path" or (mode == "re" and pattern == "[^/]+"):
        return {"type": "string"}
    # NOTE: the router matches the whole segment, JSON Schema's pattern searches: anchor it.
    return {"type": "string", "pattern": f"^(?:{pattern})$"}


def _tags_of(route: Route) -> list[str]:
    """The ``tags`` option, else the last segment of the innermost mount prefix."""
    tags = route.config.get("tags")
    if isinstance(tags, str):
        return [tags]
    if tags is not None:
        return [str(t) for t in tags]
    prefix = ""
    origin: Route | None = route
    while origin is not None:
        prefix = origin.mount_prefix or prefix
        origin = origin.mounted_from
    segments = [s for s in prefix.split("/") if s and "<" not in s]
    return segments[-1:]


def _is_json_result(tp: Any) -> bool:
    """Whether a handler returning ``tp`` answers with JSON (dicts, lists, dataclasses)."""
    shape = shape_of(tp)
    if shape.kind == "union":
        return bool(shape.args) and all(_is_json_result(a) for a in shape.args)
    if shape.kind in ("dict", "dataclass", "typeddict"):
        return True
    return shape.kind == "list" and shape.container is list


def _reason(code: object) -> str:
    text = str(code)
    if text.isdigit():
        return HTTP_CODES.get(int(text), "Response")
    return "Default response" if text == "default" else f"{text} response"


def _assign_operation_ids(operations: list[_Operation]) -> None:
    """Give each operation a unique, stable operationId.

    An ``operation_id`` option is kept as given (two alike are an error); otherwise the
    handler's name, with the method added when the name is shared (``item_get``,
    ``item_delete``) and a number after that (``item_get_2``), in registration order.

    Raises:
        ValueError: Two routes have the same ``operation_id`` option.
    """
    taken: dict[str, _Operation] = {}
    for operation in operations:
        chosen = operation.explicit_id
        if chosen is None:
            continue
        if chosen in taken:
            first = taken[chosen]
            raise ValueError(
                f"operation_id {chosen!r} is used by {first.method} {first.route.rule}"
                f" and {operation.method} {operation.route.rule}"
            )
        taken[chosen] = operation
        operation.body["operationId"] = chosen
    counts: dict[str, int] = {}
    for operation in operations:
        if operation.explicit_id is None:
            counts[operation.name] = counts.get(operation.name, 0) + 1
    numbers: dict[str, int] = {}  # the next number to try after each base
    for operation in operations:
        if operation.explicit_id is not None:
            continue
        base = operation.name
        if counts[base] > 1 or base in taken:
            base = f"{base}_{operation.method.lower()}"
        chosen, number = base, numbers.get(base, 2)
        while chosen in taken:
            chosen = f"{base}_{number}"
            number += 1
        numbers[base] = number
        taken[chosen] = operation
        operation.body["operationId"] = chosen
