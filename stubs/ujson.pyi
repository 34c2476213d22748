# Minimal stubs for ujson (the optional "speed" extra), covering what lcore calls.
from collections.abc import Callable
from typing import Any

def dumps(
    obj: Any,
    ensure_ascii: bool = ...,
    double_precision: int = ...,
    encode_html_chars: bool = ...,
    escape_forward_slashes: bool = ...,
    sort_keys: bool = ...,
    indent: int = ...,
    allow_nan: bool = ...,
    reject_bytes: bool = ...,
    default: Callable[[Any], Any] | None = ...,
    separators: tuple[str, str] | None = ...,
) -> str: ...
def loads(s: str | bytes, precise_float: bool = ...) -> Any: ...
