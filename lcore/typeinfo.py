"""What an annotation declares, read in one place for the binder (params, converters), the
schema builder and typed settings: ``Annotated`` metadata, the :class:`Param` marker and
its :class:`Constraints`, optional and union wrappers, body models, the fields of a
dataclass or TypedDict (``Required``/``NotRequired`` included), and a docstring's
``Args:``. Light enough for ``import lcore``."""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Literal, Union, get_args, get_origin

__all__ = [
    "NO_CONSTRAINTS",
    "Constraints",
    "FieldInfo",
    "Param",
    "Shape",
    "ShapeKind",
    "Source",
    "compile_pattern",
    "constraints_of",
    "forbid_extra",
    "forbids_extra",
    "is_dataclass_type",
    "is_list_type",
    "is_model",
    "is_optional",
    "is_response_model",
    "is_typeddict",
    "is_union",
    "marker_of",
    "model_fields",
    "parse_docstring",
    "required_wrappers",
    "shape_of",
    "strip_optional",
    "unwrap_annotated",
]

Source = Literal["path", "query", "header", "cookie", "body"]


# -- bounds and markers -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Constraints:
    """Bounds declared with a marker (``Query(ge=1)``) or on a dataclass field."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None

    def __bool__(self) -> bool:
        return any(getattr(self, f) is not None for f in self.__slots__)


NO_CONSTRAINTS = Constraints()


#: Python's class escapes written as the ECMA-262 ones JSON Schema means (ASCII only).
_CLASS_ESCAPES = {"d": "0-9", "w": "A-Za-z0-9_"}
_ESCAPES_OUTSIDE = {"d": "[0-9]", "D": "[^0-9]", "w": "[A-Za-z0-9_]", "W": "[^A-Za-z0-9_]"}


def compile_pattern(pattern: str) -> re.Pattern[str]:
    r"""Compile a ``pattern`` constraint to test values the way JSON Schema reads it.

    JSON Schema (2020-12, section 6.3.3) uses ECMA-262 regular expressions, searched for
    anywhere in the value. Python's dialect differs where it matters for validation: its
    ``$`` also matches before a final newline (``^[A-Z]{3}$`` would accept ``"ABC\n"``),
    and its ``\d`` and ``\w`` accept digits and letters of every script. So ``$`` outside
    a character class becomes ``\Z`` and ``\d``, ``\D``, ``\w``, ``\W`` become their
    ASCII classes; everything else is Python's syntax as written.

    Raises:
        re.error: The pattern is not a valid regular expression.
    """
    re.compile(pattern)  # the error names the user's pattern, not the rewritten one
    out: list[str] = []
    in_class = False
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\" and i + 1 < n:
            escaped = pattern[i + 1]
            if in_class and escaped in _CLASS_ESCAPES:
                out.append(_CLASS_ESCAPES[escaped])
            elif not in_class and escaped in _ESCAPES_OUTSIDE:
                out.append(_ESCAPES_OUTSIDE[escaped])
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            out.append(char)
            i += 1
            # A "]" (after an optional "^") right at the start of a class is a literal.
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":
                out.append("]")
                i += 1
            continue
        elif char == "$":
            out.append(r"\Z")
            i += 1
            continue
        out.append(char)
        i += 1
    return re.compile("".join(out))


class Param:
    """Where a parameter comes from, how it is documented, and the bounds it must meet.

    Used through ``typing.Annotated``: ``limit: Annotated[int, Query(ge=1, le=100)] = 10``.
    The subclasses :class:`~lcore.params.Query`, ``Header``, ``Cookie``, ``Path`` and
    ``Body`` name the source; ``Param`` itself reads the query string.

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
            compile_pattern(pattern)
        self.alias: str | None = alias
        self.description: str | None = description
        self.example: Any = example
        self.deprecated: bool = deprecated
        self.constraints: Constraints = Constraints(ge, gt, le, lt, min_length, max_length, pattern)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alias={self.alias!r})"


def unwrap_annotated(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    """Split ``Annotated[T, m1, m2]`` into ``(T, (m1, m2))``; other types pass through."""
    if get_origin(tp) is typing.Annotated:
        args = get_args(tp)
        return args[0], tuple(args[1:])
    return tp, ()


def marker_of(metadata: Iterable[Any]) -> Param | None:
    """The first :class:`Param` marker among ``Annotated`` metadata."""
    return next((item for item in metadata if isinstance(item, Param)), None)


def constraints_of(metadata: Iterable[Any]) -> Constraints:
    """The bounds of the first marker among ``Annotated`` metadata (any object with a
    ``constraints`` attribute); :data:`NO_CONSTRAINTS`, which is false, when none."""
    for item in metadata:
        found = getattr(item, "constraints", None)
        if isinstance(found, Constraints):
            return found
    return NO_CONSTRAINTS


# -- shapes -------------------------------------------------------------------------------


def is_union(tp: Any) -> bool:
    """Whether ``tp`` is ``A | B`` or ``Union[A, B]`` (``Optional[A]`` included)."""
    return get_origin(tp) in (Union, types.UnionType)


def is_optional(tp: Any) -> bool:
    """Whether ``tp`` is a union that admits ``None``."""
    return is_union(tp) and type(None) in get_args(tp)


def strip_optional(tp: Any) -> Any:
    """``A`` for ``A | None``; any other type (wider unions included) as it is."""
    if is_union(tp):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def is_typeddict(tp: Any) -> bool:
    """Whether ``tp`` is a TypedDict class (typing's or typing_extensions')."""
    return isinstance(tp, type) and hasattr(tp, "__total__") and hasattr(tp, "__annotations__")


def is_dataclass_type(tp: Any) -> bool:
    """Whether ``tp`` is a dataclass (the class, not an instance)."""
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


# -- the shape of a type ------------------------------------------------------------------

ShapeKind = Literal[
    "any", "union", "literal", "tuple", "list", "dict", "enum", "dataclass", "typeddict",
    "class", "other",
]  # fmt: skip
#: Bare classes that hold a sequence of anything, and the container a value of each becomes.
_SEQUENCE_CLASSES: dict[Any, type[Any]] = {
    list: list, tuple: tuple, set: set, frozenset: frozenset, Sequence: list
}  # fmt: skip


@dataclasses.dataclass(frozen=True, slots=True)
class Shape:
    """What kind of value an annotation declares, read once for every consumer (the
    converters, the schema builder, typed settings), so they cannot disagree on it.

    Attributes:
        kind: ``any`` (``Any``/``object``); ``union`` (``args``: the options but ``None``;
            ``optional``: ``None`` is one); ``literal`` (``args``: the values); ``tuple``,
            a fixed-length tuple (``args``: each item's type; none for ``tuple[()]``);
            ``list``, any number of items (``args``: the item type, or none;
            ``container``: ``list``, ``tuple``, ``set`` or ``frozenset``); ``dict``
            (``args``: the value type, or none); ``enum``, ``dataclass`` and ``typeddict``
            (``tp`` is the class); ``class``, any other class (a scalar such as ``int``,
            whose meaning each consumer knows); ``other``, nothing lcore reads.
        tp: The annotation without its ``Annotated`` metadata.
        args: As told under ``kind``.
        optional: A union that admits ``None``.
        container: For ``list``: the type a value becomes (``list`` for ``Sequence``).
        metadata: The ``Annotated`` metadata (markers, bounds).
    """

    kind: ShapeKind
    tp: Any
    args: tuple[Any, ...] = ()
    optional: bool = False
    container: type[Any] = list
    metadata: tuple[Any, ...] = ()


def shape_of(annotation: Any) -> Shape:
    """The :class:`Shape` of ``annotation``."""
    tp, metadata = unwrap_annotated(annotation)
    if tp is Any or tp is object:
        return Shape("any", tp, metadata=metadata)
    origin, args = get_origin(tp), get_args(tp)
    if is_union(tp):
        options = tuple(a for a in args if a is not type(None))
        return Shape("union", tp, options, len(options) < len(args), metadata=metadata)
    if origin is Literal:
        return Shape("literal", tp, args, metadata=metadata)
    if origin is tuple and args and args[-1] is not Ellipsis:
        # NOTE: Python 3.10 spells the args of tuple[()] as ((),); 3.11+ as ().
        items = () if args == ((),) else args
        return Shape("tuple", tp, items, metadata=metadata)
    if origin in _SEQUENCE_CLASSES:
        item = args[:1] if args and args[0] is not Ellipsis else ()
        return Shape("list", tp, item, container=_SEQUENCE_CLASSES[origin], metadata=metadata)
    if origin in (dict, Mapping):
        return Shape("dict", tp, args[1:2] if len(args) == 2 else (), metadata=metadata)
    if not isinstance(tp, type) or origin is not None:
        return Shape("other", tp, metadata=metadata)
    if tp in _SEQUENCE_CLASSES:
        return Shape("list", tp, container=_SEQUENCE_CLASSES[tp], metadata=metadata)
    if tp is dict or tp is Mapping:
        return Shape("dict", tp, metadata=metadata)
    if issubclass(tp, enum.Enum):
        return Shape("enum", tp, metadata=metadata)
    if is_dataclass_type(tp):
        return Shape("dataclass", tp, metadata=metadata)
    if is_typeddict(tp):
        return Shape("typeddict", tp, metadata=metadata)
    return Shape("class", tp, metadata=metadata)


def _without_none(tp: Any) -> Shape:
    """The shape of ``tp``, or of ``A`` when ``tp`` is ``A | None``."""
    shape = shape_of(tp)
    if shape.kind == "union" and len(shape.args) == 1:
        return shape_of(shape.args[0])
    return shape


def is_list_type(tp: Any) -> bool:
    """Whether ``tp`` (``None`` aside) takes several values: a list, tuple, set or
    sequence, so a query or header parameter of it reads every repeated value."""
    return _without_none(tp).kind in ("list", "tuple")


def is_model(tp: Any) -> bool:
    """Whether a parameter of type ``tp`` is read from the JSON body by default: a
    dataclass, TypedDict or dict, a list or tuple of them, optional or not."""
    shape = _without_none(tp)
    if shape.kind == "dict":
        return True
    if shape.kind == "tuple" or (shape.kind == "list" and shape.container in (list, tuple)):
        shape = shape_of(shape.args[0]) if shape.args else shape
    return shape.kind in ("dataclass", "typeddict")


def is_response_model(annotation: Any) -> bool:
    """Whether a return annotation asks for its result to be sent through it.

    It does when it holds a dataclass or TypedDict, or a container (``list``, ``tuple``,
    ``set``, ``Sequence``, ``dict``) with a declared item type other than ``Any``, at the
    top or as an option of a union (``Optional`` included). Anything else (``str``,
    ``bytes``, ``Response``, iterators, ``dict``, ``list[Any]``, ``Any``) is left alone.
    """
    shape = shape_of(annotation)
    if shape.kind == "union":
        return any(is_response_model(option) for option in shape.args)
    if shape.kind in ("dataclass", "typeddict", "tuple"):
        return True
    if shape.kind in ("list", "dict") and shape.args:
        return shape_of(shape.args[0]).kind != "any"
    return False


# -- model fields -------------------------------------------------------------------------


_MISSING: Any = dataclasses.MISSING
_FORBID_EXTRA = "__lcore_forbid_extra__"
M = typing.TypeVar("M", bound=type[Any])


def forbid_extra(model: M) -> M:
    """Class decorator: a body of this dataclass or TypedDict with a key that is not one
    of its fields is refused (a 422 problem of type ``extra_forbidden`` at that key), and
    its JSON Schema says ``"additionalProperties": false``.

    Args:
        model: The dataclass or TypedDict; returned as it is, marked.

    Raises:
        TypeError: ``model`` is neither a dataclass nor a TypedDict.
    """
    if not (is_dataclass_type(model) or is_typeddict(model)):
        raise TypeError(f"forbid_extra() takes a dataclass or a TypedDict, not {model!r}")
    setattr(model, _FORBID_EXTRA, True)
    return model


def forbids_extra(model: type[Any]) -> bool:
    """Whether ``model`` was decorated with :func:`forbid_extra` (or inherits it)."""
    return getattr(model, _FORBID_EXTRA, False) is True


@dataclasses.dataclass(frozen=True, slots=True)
class FieldInfo:
    """One field of a dataclass or TypedDict, as declared.

    Attributes:
        name: The field's name (the JSON key).
        annotation: Its type, ``Annotated`` metadata kept, ``Required``/``NotRequired``
            removed.
        required: The field must be given: no default (dataclass) or a required key
            (TypedDict).
        default: The dataclass default; ``dataclasses.MISSING`` when there is none.
        default_factory: The dataclass ``default_factory``, or ``None``.
        init: The dataclass's ``__init__`` takes it (``field(init=False)`` does not).
    """

    name: str
    annotation: Any
    required: bool
    default: Any
    default_factory: Callable[[], Any] | None
    init: bool


def required_wrappers() -> dict[Any, bool]:
    """``Required``/``NotRequired`` of typing (3.11+) and of typing_extensions, if loaded,
    each mapped to whether it makes a key required."""
    found: dict[Any, bool] = {}
    for module in (typing, sys.modules.get("typing_extensions")):
        for name, required in (("Required", True), ("NotRequired", False)):
            wrapper = getattr(module, name, None)
            if wrapper is not None:
                found[wrapper] = required
    return found


def model_fields(tp: type[Any]) -> list[FieldInfo]:
    """The fields of dataclass or TypedDict ``tp``, in declaration order.

    Raises:
        NameError: An annotation names something that does not exist (yet).
        TypeError: ``tp`` is neither a dataclass nor a TypedDict.
    """
    hints = typing.get_type_hints(tp, include_extras=True)
    if is_dataclass_type(tp):
        return [_dataclass_field(f, hints.get(f.name, Any)) for f in dataclasses.fields(tp)]
    if not is_typeddict(tp):
        raise TypeError(f"{tp!r} is neither a dataclass nor a TypedDict")
    required_keys: frozenset[str] = getattr(tp, "__required_keys__", frozenset(hints))
    wrappers = required_wrappers()
    fields: list[FieldInfo] = []
    for name, declared in hints.items():
        annotation, required = declared, name in required_keys
        # NOTE: under `from __future__ import annotations` (PEP 563) Python < 3.12 builds
        # __required_keys__ from `total` alone, missing PEP 655's wrappers; the resolved
        # hints still carry Required/NotRequired, so the wrapper decides.
        while get_origin(annotation) in wrappers:
            required = wrappers[get_origin(annotation)]
            annotation = get_args(annotation)[0]
        fields.append(FieldInfo(name, annotation, required, _MISSING, None, True))
    return fields


def _dataclass_field(field: dataclasses.Field[Any], annotation: Any) -> FieldInfo:
    factory: Callable[[], Any] | None = None
    if field.default_factory is not _MISSING:
        factory = typing.cast("Callable[[], Any]", field.default_factory)
    required = field.init and field.default is _MISSING and factory is None
    return FieldInfo(field.name, annotation, required, field.default, factory, field.init)


# -- docstrings ---------------------------------------------------------------------------

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
