"""WSGI type aliases and protocols (PEP 3333) shared by every module."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Protocol, TypeAlias

__all__ = [
    "ExcInfo",
    "Headers",
    "StartResponse",
    "WSGIApp",
    "WSGIEnviron",
    "WriteCallable",
]

#: The WSGI environ: CGI variables plus the ``wsgi.*`` keys (PEP 3333 "environ Variables").
WSGIEnviron: TypeAlias = dict[str, Any]
ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType]
OptExcInfo: TypeAlias = ExcInfo | tuple[None, None, None]
Headers: TypeAlias = list[tuple[str, str]]
WriteCallable: TypeAlias = Callable[[bytes], object]


class StartResponse(Protocol):
    """The ``start_response`` callable a WSGI server passes to the application."""

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = ..., /
    ) -> Callable[[bytes], object]: ...


WSGIApp: TypeAlias = Callable[[WSGIEnviron, StartResponse], Iterable[bytes]]
