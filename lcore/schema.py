"""Python types -> JSON Schema 2020-12: the types lcore's converters read, with named
dataclasses, TypedDicts and Enums collected as reusable definitions referenced by ``$ref``.

Used by the OpenAPI document (definitions under ``#/components/schemas/``) and on its own
through :func:`json_schema` (definitions under ``#/$defs/``).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, get_origin
from uuid import UUID

from .jsonutil import json_default
from .scalars import MAX_NUMBER_TEXT
from .typeinfo import (
    Constraints,
    FieldInfo,
    Shape,
    constraints_of,
    forbids_extra,
    marker_of,
    model_fields,
    parse_docstring,
    shape_of,
    unwrap_annotated,
)

__all__ = [
    "COMPONENTS_PREFIX",
    "DEFS_PREFIX",
    "DIALECT",
    "NOT_JSON",
    "SchemaRegistry",
    "apply_constraints",
    "json_schema",
    "json_value",
    "nullable",
    "set_default",
]

#: The JSON Schema dialect of every schema produced here.
DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: Where an OpenAPI document keeps its named schemas.
COMPONENTS_PREFIX = "#/components/schemas/"
#: Where a standalone JSON Schema keeps its named schemas.
DEFS_PREFIX = "#/$defs/"

#: What the converters accept as a Decimal in text: scalars.parse_decimal's http grammar.
DECIMAL_TEXT_PATTERN = r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,4})?$"
# NOTE: a Decimal is a JSON number or a numeric string, exactly what the converters accept:
# the string keywords (pattern, maxLength, format) apply to strings only, and bounds such
# as minimum to numbers only. lcore writes Decimal values with str(), so no precision is
# lost on the way out.
_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    Decimal: {
        "type": ["number", "string"],
        "format": "decimal",
        "pattern": DECIMAL_TEXT_PATTERN,
        "maxLength": MAX_NUMBER_TEXT,
    },
    UUID: {"type": "string", "format": "uuid"},
    datetime: {"type": "string", "format": "date-time"},
    date: {"type": "string", "format": "date"},
    time: {"type": "string", "format": "time"},
    type(None): {"type": "null"},
}
#: ``default_factory`` values whose result is safe to call for the document.
_EMPTY_FACTORIES: tuple[object, ...] = (list, dict, set, frozenset, tuple)
_UNIQUE = (set, frozenset)
#: What :func:`json_value` returns for a value with no JSON form.
NOT_JSON: Any = object()
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9]+")
_ATTRIBUTES = re.compile(r"^(\s*)Attributes:\s*$", re.MULTILINE)
#: Docstrings the standard library writes for classes that have none of their own.
_GENERATED_DOCS = frozenset({"An enumeration.", "Create a collection of name/value pairs."})


def json_value(value: object) -> Any:
    """``value`` as lcore would send it in JSON (a date as its ISO text, an Enum as its
    value), or :data:`NOT_JSON` when it has no JSON form."""
    try:
        text = json.dumps(value, default=json_default, allow_nan=False)
    except (TypeError, ValueError):
        return NOT_JSON
    return json.loads(text)


def _enum_value(value: object) -> Any:
    """A choice as JSON; one without a JSON form as its text (the converters accept that)."""
    found = json_value(value)
    return str(value) if found is NOT_JSON else found


def _json_type(value: object) -> str | None:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def _with_type(values: list[Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Add ``type`` to an ``enum``/``const`` schema when every value has the same one."""
    kinds = {_json_type(v) for v in values}
    if len(kinds) == 1 and None not in kinds:
        return {"type": kinds.pop(), **schema}
    return schema


def _types_of(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        kinds: list[object] = kind  # pyright: ignore[reportUnknownVariableType]  # JSON data
        return {str(k) for k in kinds}
    return set()


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` that also accepts ``null`` (OpenAPI 3.1: a type list, not ``nullable``)."""
    if not schema or "null" in _types_of(schema):
        return schema
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    if "anyOf" in schema and len(schema) == 1:
        return {"anyOf": [*schema["anyOf"], {"type": "null"}]}
    out = dict(schema)
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif isinstance(kind, list):
        out["type"] = [*kind, "null"]
    elif "enum" not in out:
        return {"anyOf": [schema, {"type": "null"}]}
    return out


def apply_constraints(schema: dict[str, Any], rules: Constraints) -> dict[str, Any]:
    """Add the JSON Schema keywords for bounds declared with a marker (``Query(ge=1)``).

    Length bounds go to the keyword of the schema's type (``minLength`` for strings,
    ``minItems`` for arrays, ``minProperties`` for objects), as the converters check them.
    """
    if not rules:
        return schema
    out = dict(schema)
    for name, keyword in (
        ("ge", "minimum"),
        ("gt", "exclusiveMinimum"),
        ("le", "maximum"),
        ("lt", "exclusiveMaximum"),
    ):
        value = getattr(rules, name)
        if value is not None:
            out[keyword] = value
    kinds = _types_of(schema)
    for kind, low, high in (
        ("string", "minLength", "maxLength"),
        ("array", "minItems", "maxItems"),
        ("object", "minProperties", "maxProperties"),
    ):
        if kind in kinds:
            if rules.min_length is not None:
                out[low] = rules.min_length
            if rules.max_length is not None:
                out[high] = rules.max_length
    if rules.pattern is not None:
        out["pattern"] = rules.pattern
    return out


def _class_docs(tp: type[Any]) -> tuple[str | None, dict[str, str]]:
    """A class's own docstring as a description, and its ``Attributes:`` (or ``Args:``)
    entries; ``None`` for the docstrings Python generates (dataclass signatures)."""
    doc = tp.__dict__.get("__doc__")
    if not isinstance(doc, str) or doc in _GENERATED_DOCS:
        return None, {}
    if dataclasses.is_dataclass(tp) and doc.startswith(f"{tp.__name__}("):
        return None, {}
    summary, description, fields = parse_docstring(_ATTRIBUTES.sub(r"\1Args:", doc))
    text = "\n\n".join(part for part in (summary, description) if part)
    return text or None, fields


class SchemaRegistry:
    """Builds JSON Schemas and keeps the named ones (dataclasses, TypedDicts, Enums).

    A named type is defined once, in :attr:`components`, and referenced everywhere with
    ``{"$ref": ref_prefix + name}``; that is also what makes recursive types work. Two
    different types with the same ``__name__`` get distinct names: the first keeps its
    name, a later one is qualified with its module and qualified name
    (``app_models_Item``), then numbered if that is taken too. The names depend only on
    the order the types are met in, so the same app always gives the same names.

    Args:
        ref_prefix: Prefix of ``$ref`` values (:data:`COMPONENTS_PREFIX` or
            :data:`DEFS_PREFIX`).
        reserved: Names already used by the caller's own definitions.
    """

    def __init__(self, ref_prefix: str = COMPONENTS_PREFIX, reserved: Iterable[str] = ()) -> None:
        self.ref_prefix = ref_prefix
        #: Each named schema, by its name.
        self.components: dict[str, dict[str, Any]] = {}
        self._names: dict[Any, str] = {}
        self._taken: set[str] = set(reserved)

    # -- names --------------------------------------------------------------------------

    def ref(self, name: str) -> dict[str, Any]:
        """A reference to the definition ``name``."""
        return {"$ref": self.ref_prefix + name}

    def name_of(self, tp: type[Any]) -> str | None:
        """The definition name given to ``tp``, when it has one yet."""
        return self._names.get(tp)

    def _claim(self, tp: type[Any]) -> str:
        candidates = [
            _UNSAFE_NAME.sub("_", tp.__name__).strip("_") or "Schema",
            _UNSAFE_NAME.sub("_", f"{tp.__module__}.{tp.__qualname__}").strip("_"),
        ]
        name = next((c for c in candidates if c not in self._taken), None)
        number = 2
        while name is None:
            candidate = f"{candidates[1]}_{number}"
            name = candidate if candidate not in self._taken else None
            number += 1
        self._taken.add(name)
        self._names[tp] = name
        return name

    def snapshot(self) -> tuple[int, int, frozenset[str]]:
        """A mark to :meth:`rollback` to (used when a schema fails half-way)."""
        return len(self.components), len(self._names), frozenset(self._taken)

    def rollback(self, mark: tuple[int, int, frozenset[str]]) -> None:
        """Forget the definitions added since ``mark``."""
        components, names, taken = mark
        for key in list(self.components)[components:]:
            del self.components[key]
        for key in list(self._names)[names:]:
            del self._names[key]
        self._taken = set(taken)

    # -- schemas ------------------------------------------------------------------------

    def schema(self, tp: Any) -> dict[str, Any]:
        """The JSON Schema of annotation ``tp`` (bounds of ``Annotated`` markers included).

        Raises:
            TypeError: A type lcore cannot describe.
            NameError: A forward reference inside a model that cannot be resolved.
        """
        shape = shape_of(tp)
        return apply_constraints(self._plain(shape), constraints_of(shape.metadata))

    def _plain(self, shape: Shape) -> dict[str, Any]:
        kind, tp, args = shape.kind, shape.tp, shape.args
        if kind == "any":
            return {}
        if kind == "union":
            inner = (
                self.schema(args[0])
                if len(args) == 1
                else {"anyOf": [self.schema(a) for a in args]}
            )
            return nullable(inner) if shape.optional else inner
        if kind == "literal":
            return self._literal(args)
        if kind == "tuple":
            if not args:  # tuple[()]
                return {"type": "array", "maxItems": 0}
            items = [self.schema(a) for a in args]
            return {
                "type": "array",
                "prefixItems": items,
                "items": False,
                "minItems": len(args),
                "maxItems": len(args),
            }
        if kind == "list":
            schema: dict[str, Any] = {"type": "array"}
            if args:
                schema["items"] = self.schema(args[0])
            if shape.container in _UNIQUE:
                schema["uniqueItems"] = True
            return schema
        if kind == "dict":
            schema = {"type": "object"}
            if args:
                schema["additionalProperties"] = self.schema(args[0])
            return schema
        if kind == "enum":
            return self._named(tp, self._enum)
        if kind == "dataclass":
            return self._named(tp, self._dataclass)
        if kind == "typeddict":
            return self._named(tp, self._typeddict)
        scalar = _SCALARS.get(tp)
        if scalar is not None:
            return dict(scalar)
        if kind == "class" and issubclass(tp, dict | Mapping):
            return {"type": "object"}  # a dict subclass: described, though not converted
        raise TypeError(f"lcore cannot describe values of type {tp!r}")

    def _literal(self, args: tuple[Any, ...]) -> dict[str, Any]:
        values = [_enum_value(a.value if isinstance(a, enum.Enum) else a) for a in args]
        if len(values) == 1:
            return _with_type(values, {"const": values[0]})
        return _with_type(values, {"enum": values})

    def _named(self, tp: type[Any], build: Callable[[type[Any]], dict[str, Any]]) -> dict[str, Any]:
        name = self._names.get(tp)
        if name is None:
            name = self._claim(tp)
            self.components[name] = {}  # a placeholder: a recursive reference finds the name
            self.components[name] = build(tp)
        return self.ref(name)

    def _enum(self, tp: type[enum.Enum]) -> dict[str, Any]:
        values = [_enum_value(member.value) for member in tp]
        schema: dict[str, Any] = {"title": tp.__name__}
        description, _ = _class_docs(tp)
        if description:
            schema["description"] = description
        schema.update(_with_type(values, {"enum": values}))
        return schema

    def _dataclass(self, tp: type[Any]) -> dict[str, Any]:
        description, field_docs = _class_docs(tp)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in model_fields(tp):
            prop = self._field(field.annotation, field_docs.get(field.name))
            factory = field.default_factory
            if field.default is not dataclasses.MISSING:
                set_default(prop, field.default)
            elif factory is not None and (get_origin(factory) or factory) in _EMPTY_FACTORIES:
                set_default(prop, factory())
            elif field.required:
                required.append(field.name)
            properties[field.name] = prop
        return _object(tp, properties, required, description)

    def _typeddict(self, tp: type[Any]) -> dict[str, Any]:
        description, field_docs = _class_docs(tp)
        fields: list[FieldInfo] = model_fields(tp)
        properties = {f.name: self._field(f.annotation, field_docs.get(f.name)) for f in fields}
        required = [f.name for f in fields if f.required]
        return _object(tp, properties, required, description)

    def _field(self, annotation: Any, doc: str | None) -> dict[str, Any]:
        """A model field: its schema plus what a ``Param`` marker on it documents."""
        schema = self.schema(annotation)
        marker = marker_of(unwrap_annotated(annotation)[1])
        description = (marker.description if marker is not None else None) or doc
        if description:
            schema["description"] = description
        if marker is not None:
            example = json_value(marker.example) if marker.example is not None else NOT_JSON
            if example is not NOT_JSON:
                schema["examples"] = [example]
            if marker.deprecated:
                schema["deprecated"] = True
        return schema


def set_default(schema: dict[str, Any], value: object) -> None:
    """Record a JSON-able default in ``schema`` (``None`` only where it allows null)."""
    found = json_value(value)
    if found is NOT_JSON or (found is None and not _allows_null(schema)):
        return
    schema["default"] = found


def _allows_null(schema: Mapping[str, Any]) -> bool:
    if not schema or "null" in _types_of(schema):
        return True
    options: list[Any] = schema.get("anyOf", [])
    return any(isinstance(o, dict) and "null" in _types_of(o) for o in options)  # pyright: ignore[reportUnknownArgumentType]


def _object(
    tp: type[Any], properties: dict[str, Any], required: list[str], description: str | None
) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": tp.__name__}
    if description:
        schema["description"] = description
    schema["type"] = "object"
    schema["properties"] = properties
    if required:
        schema["required"] = required
    if forbids_extra(tp):  # NOTE: only then: other models take (and ignore) extra keys
        schema["additionalProperties"] = False
    return schema


def json_schema(tp: Any) -> dict[str, Any]:
    """A standalone JSON Schema 2020-12 for annotation ``tp``.

    Named types are defined under ``$defs`` and referenced with ``#/$defs/Name``.

    Raises:
        TypeError: A type lcore cannot describe.
        NameError: A forward reference that cannot be resolved.
    """
    registry = SchemaRegistry(DEFS_PREFIX)
    root = registry.schema(tp)
    document: dict[str, Any] = {"$schema": DIALECT, **root}
    if registry.components:
        document["$defs"] = registry.components
    return document
