"""Multi-valued and case-insensitive mappings: MultiDict, FormsDict, HeaderDict, WSGIHeaderDict."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Generic, TypeVar, cast, overload

if TYPE_CHECKING:
    from typing_extensions import Self

from ._wsgi import WSGIEnviron

__all__ = [
    "FormsDict",
    "HeaderDict",
    "MultiDict",
    "WSGIHeaderDict",
    "check_header_name",
    "check_header_value",
    "iter_pairs",
]

V = TypeVar("V")
D = TypeVar("D")
T = TypeVar("T")


def iter_pairs(items: Mapping[str, V] | Iterable[tuple[str, V]]) -> Iterable[tuple[str, V]]:
    """``(key, value)`` pairs of a mapping or of an iterable of pairs."""
    if isinstance(items, Mapping):
        mapping = cast(Mapping[str, V], items)
        return mapping.items()
    return items


class MultiDict(MutableMapping[str, V], Generic[V]):
    """A mapping that keeps every value of a key; plain access returns the last one."""

    __slots__ = ("_data",)

    def __init__(
        self, items: Iterable[tuple[str, V]] | Mapping[str, V] | None = None, /, **kwargs: V
    ) -> None:
        data: dict[str, list[V]] = {}
        self._data = data
        if items is not None:
            for key, value in iter_pairs(items):
                values = data.get(key)
                if values is None:
                    data[key] = [value]
                else:
                    values.append(value)
        for key, value in kwargs.items():
            self.append(key, value)

    @classmethod
    def from_lists(cls, data: dict[str, list[V]]) -> Self:
        """A MultiDict over ``data`` (each key's values, in order), which it takes as its
        own storage: no copy, so the caller must not keep using ``data``."""
        # PERF: no __init__ (its argument handling costs ~0.2 us; bench: query string read).
        instance = cls.__new__(cls)
        instance._data = data
        return instance

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __getitem__(self, key: str) -> V:
        return self._data[key][-1]

    def __setitem__(self, key: str, value: V) -> None:
        self._data[key] = [value]

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.allitems())!r})"

    @overload
    def get(self, key: str, /) -> V | None: ...
    @overload
    def get(self, key: str, /, default: V | D) -> V | D: ...
    @overload
    def get(
        self, key: str, /, default: D, index: int = ..., *, type: Callable[[V], T]
    ) -> T | D: ...
    def get(
        self,
        key: str,
        /,
        default: object = None,
        index: int = -1,
        *,
        type: Callable[[V], object] | None = None,
    ) -> object:
        """Return the value at ``index`` (last by default), converted by ``type``.

        The default is returned when the key is missing, the index is out of range, or
        ``type`` raises ``ValueError``/``TypeError``.
        """
        return self._lookup(key, default, index, type)

    def _lookup(
        self, key: str, default: object, index: int, convert: Callable[[V], object] | None
    ) -> object:
        try:
            value = self._data[key][index]
        except (KeyError, IndexError):
            return default
        if convert is None:
            return value
        try:
            return convert(value)
        except (ValueError, TypeError):
            return default

    def append(self, key: str, value: V) -> None:
        """Add a value, keeping the existing ones."""
        values = self._data.get(key)
        if values is None:
            self._data[key] = [value]
        else:
            values.append(value)

    def replace(self, key: str, value: V) -> None:
        """Replace every value of ``key`` with one value."""
        self._data[key] = [value]

    def getall(self, key: str) -> list[V]:
        """Every value of ``key`` (an empty list when missing)."""
        return list(self._data.get(key, ()))

    getlist = getall

    def getone(self, key: str, default: V | None = None) -> V | None:
        """The first value of ``key``."""
        values = self._data.get(key)
        return values[0] if values else default

    def allitems(self) -> Iterator[tuple[str, V]]:
        """Every ``(key, value)`` pair, repeated keys included."""
        for key, values in self._data.items():
            for value in values:
                yield key, value


class FormsDict(MultiDict[str]):
    """A MultiDict of text values that also reads keys as attributes (``''`` when missing)."""

    __slots__ = ()

    @overload
    def get(self, key: str, /) -> str | None: ...
    @overload
    def get(self, key: str, /, default: str | D) -> str | D: ...
    @overload
    def get(
        self, key: str, /, default: D, index: int = ..., *, type: Callable[[str], T]
    ) -> T | D: ...
    def get(
        self,
        key: str,
        /,
        default: object = None,
        index: int = -1,
        *,
        type: Callable[[str], object] | None = None,
    ) -> object:
        """Return the value at ``index`` (last by default), converted by ``type``.

        The default is returned when the key is missing, the index is out of range, or
        ``type`` raises ``ValueError``/``TypeError``.
        """
        # PERF: the usual call, the last value unconverted, in this one frame (bench: query
        # string read).
        if index == -1 and type is None:
            values = self._data.get(key)
            return values[index] if values else default
        return self._lookup(key, default, index, type)

    def __getattr__(self, name: str) -> str:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        values = self._data.get(name)
        return values[-1] if values else ""

    def decode(self, encoding: str | None = None) -> FormsDict:
        """A copy (values are already text; kept for Bottle compatibility)."""
        del encoding
        return FormsDict(self.allitems())

    def getunicode(
        self, name: str, default: str | None = None, encoding: str | None = None
    ) -> str | None:
        """The value of ``name`` or ``default`` (values are already text)."""
        del encoding
        values = self._data.get(name)
        return values[-1] if values else default


#: RFC 9110 section 5.5: a field value holds visible characters (VCHAR), obs-text
#: (0x80-0xFF), spaces and tabs; anything else cannot leave the app (PEP 3333 allows no
#: control characters, and only latin-1).
_BAD_VALUE_CHAR = re.compile(r"[^\t\x20-\x7e\x80-\xff]")
#: RFC 9110 section 5.6.2: a field name is a token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def check_header_value(value: str) -> str:
    """Refuse a header value (or status line) that PEP 3333 does not let leave the app.

    Allowed are visible latin-1 characters, spaces and tabs (RFC 9110 section 5.5).

    Raises:
        ValueError: The value holds a control character (CR, LF or NUL among them, DEL
            too) or a character outside latin-1.
        TypeError: The value is not a string.
    """
    if not isinstance(value, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"header values must be str, not {type(value).__name__}")
    # PERF: the usual value is printable ASCII, which two C-level scans confirm; only
    # other values meet the regex (timeit: a Response with three headers set).
    if not (value.isascii() and value.isprintable()):
        bad = _BAD_VALUE_CHAR.search(value)
        if bad is not None:
            # The value itself stays out of the message: it may be long, or a secret.
            raise ValueError(
                f"header value holds {bad.group()!r} at position {bad.start()}: a header"
                " value holds visible latin-1 characters, spaces and tabs only: no CR, LF"
                " or NUL, no other control character or DEL (RFC 9110 section 5.5)"
            )
    return value


def check_header_name(name: str) -> str:
    """Refuse a header name that is not a token (RFC 9110 section 5.1).

    Raises:
        ValueError: The name is empty or holds a character outside the token set
            (letters, digits and ``!#$%&'*+-.^_`|~``), such as CR, LF, NUL, a space or ``:``.
        TypeError: The name is not a string.
    """
    if not isinstance(name, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"header names must be str, not {type(name).__name__}")
    if _TOKEN.fullmatch(name) is None:
        raise ValueError(
            f"invalid header name {name!r}: a header name is a non-empty token of"
            " letters, digits and !#$%&'*+-.^_`|~ (RFC 9110 section 5.1)"
        )
    return name


#: Header names as given -> as stored, for names already checked. Bounded: names are few
#: in a real app, and a flood of distinct ones only stops being cached.
_STORED_NAMES: dict[str, str] = {}
_MAX_STORED_NAMES = 512


def _header_key(name: str) -> str:
    """The stored form of a header name (Title-Case, ``_`` as ``-``), for a look-up."""
    key = _STORED_NAMES.get(name)
    return key if key is not None else name.title().replace("_", "-")


def _checked_header_key(name: str) -> str:
    """The stored form of a header name being set, after checking it is a token.

    Raises:
        ValueError: The name is not a token.
        TypeError: The name is not a string.
    """
    # PERF: a name seen before is a dict hit: no check, no title-casing (timeit: a
    # Response with three headers set, 3.9 us before the checks grew, 3.0 us after).
    key = _STORED_NAMES.get(name)
    if key is None:
        key = check_header_name(name).title().replace("_", "-")
        if len(_STORED_NAMES) < _MAX_STORED_NAMES:
            _STORED_NAMES[name] = key
    return key


class HeaderDict(MultiDict[str]):
    """Case-insensitive headers; names are checked tokens stored Title-Case, and values are
    checked by :func:`check_header_value`."""

    __slots__ = ()

    def __init__(
        self, items: Iterable[tuple[str, str]] | Mapping[str, str] | None = None, /, **kwargs: str
    ) -> None:
        super().__init__()
        for key, value in iter_pairs(items or ()):
            self.append(key, value)
        for key, value in kwargs.items():
            self.append(key, value)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and _header_key(key) in self._data

    def __getitem__(self, key: str) -> str:
        return self._data[_header_key(key)][-1]

    def __setitem__(self, key: str, value: str) -> None:
        self._data[_checked_header_key(key)] = [check_header_value(value)]

    def __delitem__(self, key: str) -> None:
        del self._data[_header_key(key)]

    def _lookup(
        self, key: str, default: object, index: int, convert: Callable[[str], object] | None
    ) -> object:
        return super()._lookup(_header_key(key), default, index, convert)

    def append(self, key: str, value: str) -> None:
        """Add a header value, keeping existing ones."""
        super().append(_checked_header_key(key), check_header_value(value))

    def replace(self, key: str, value: str) -> None:
        """Set a header to exactly one value."""
        self[key] = value

    def getall(self, key: str) -> list[str]:
        """Every value of a header."""
        return list(self._data.get(_header_key(key), ()))

    getlist = getall

    def filter(self, names: Iterable[str]) -> None:
        """Remove the named headers."""
        for name in names:
            self._data.pop(_header_key(name), None)


def _environ_key(name: str) -> str:
    key = name.replace("-", "_").upper()
    if key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
        return key
    return "HTTP_" + key


class WSGIHeaderDict(Mapping[str, str]):
    """A read-only, case-insensitive view of the request headers in a WSGI environ.

    It lists the headers it can serve: an environ key that no header name maps back to
    (``HTTP_X_-A``, ``HTTP_``, a lower-case ``HTTP_x``, ``HTTP_CONTENT_TYPE``) or a value
    that is not a string is left out, so iterating never leads to a ``KeyError``.
    """

    __slots__ = ("environ",)

    def __init__(self, environ: WSGIEnviron) -> None:
        self.environ: WSGIEnviron = environ

    def __getitem__(self, key: str) -> str:
        if not isinstance(key, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise KeyError(key)
        value = self.environ.get(_environ_key(key))
        if not isinstance(value, str):
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and isinstance(self.environ.get(_environ_key(key)), str)

    def __iter__(self) -> Iterator[str]:
        for key, value in list(self.environ.items()):
            if not isinstance(value, str):
                continue
            if key.startswith("HTTP_"):
                name = key[5:].replace("_", "-").title()
            elif key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
                name = key.replace("_", "-").title()
            else:
                continue
            # NOTE: only names that lead back to this very key: the CGI form loses "-"
            # versus "_" and case, so some keys (HTTP_X_-A) have no name that reads them.
            if name and _environ_key(name) == key:
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def raw(self, key: str, default: str | None = None) -> str | None:
        """The header value exactly as the server passed it."""
        value = self.environ.get(_environ_key(key), default)
        return value if isinstance(value, str) else default

    def __setitem__(self, key: str, value: str) -> None:
        raise TypeError(f"{type(self).__name__} is read-only")

    def __delitem__(self, key: str) -> None:
        raise TypeError(f"{type(self).__name__} is read-only")
