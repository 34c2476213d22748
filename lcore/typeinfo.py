"""What an annotation says beyond its type: ``Annotated`` metadata, declared bounds
(:class:`Constraints`), TypedDict detection. Shared by params, converters and schema, and
light enough for ``import lcore``."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, get_args, get_origin

__all__ = ["NO_CONSTRAINTS", "Constraints", "is_typeddict", "unwrap_annotated"]


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


def unwrap_annotated(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    """Split ``Annotated[T, m1, m2]`` into ``(T, (m1, m2))``; other types pass through."""
    if get_origin(tp) is typing.Annotated:
        args = get_args(tp)
        return args[0], tuple(args[1:])
    return tp, ()


def is_typeddict(tp: Any) -> bool:
    """Whether ``tp`` is a TypedDict class (typing's or typing_extensions')."""
    return isinstance(tp, type) and hasattr(tp, "__total__") and hasattr(tp, "__annotations__")
