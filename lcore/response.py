"""The outgoing response: Response, HTTPResponse, HTTPError, abort and cookies."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from .datastructures import (
    _STORED_NAMES,
    HeaderDict,
    _checked_header_key,
    _header_key,
    check_header_value,
    iter_pairs,
)
from .errors import HTTP_CODES, ErrorDetail
from .http import http_date, max_age_seconds, parse_date, parse_options_header
from .security import DigestMod, sign_cookie

if TYPE_CHECKING:
    from .request import Request

__all__ = [
    "BaseResponse",
    "HTTPError",
    "HTTPResponse",
    "Response",
    "abort",
]

_DEFAULT_CONTENT_TYPE = "text/html; charset=UTF-8"
_SAMESITE = {"lax": "Lax", "strict": "Strict", "none": "None"}
#: Characters a cookie value may not hold unsigned (RFC 6265 section 4.1.1 cookie-octet).
_COOKIE_FORBIDDEN = frozenset('";\\\x7f') | frozenset(chr(i) for i in range(32))
_COOKIE_NAME_FORBIDDEN = _COOKIE_FORBIDDEN | frozenset(" ,=()<>@:/[]?{}\t")
_MAX_COOKIE_SIZE = 3800
_DEFAULT = object()
#: Stored names :meth:`Response.set_header` never keeps flat: the finish and
#: :attr:`Response.headerlist` treat these two specially.
_NOT_FLAT = frozenset({"Content-Type", "Content-Length"})

#: Content-Type value -> its charset. Keyed by the value itself, so it can never go stale
#: whichever way the header changes. Bounded: a value built from request data must not
#: grow it without limit; past the bound the parser just runs each time.
_CHARSETS: dict[str, str] = {}
_MAX_CHARSETS = 256


def _charset_of(content_type: str) -> str:
    """The ``charset`` parameter of a Content-Type value, ``UTF-8`` when it names none."""
    # PERF: parse_options_header walks the parameters in Python (~1.2 us); an app sends a
    # handful of distinct values, so each is parsed once (bench: plaintext with a content
    # type).
    charset = _CHARSETS.get(content_type)
    if charset is None:
        charset = parse_options_header(content_type)[1].get("charset", "UTF-8")
        if len(_CHARSETS) < _MAX_CHARSETS:
            _CHARSETS[content_type] = charset
    return charset


def _cookie_attribute(label: str, value: str) -> str:
    """Refuse a ``Set-Cookie`` attribute value that could end the attribute or the line.

    Raises:
        ValueError: Not visible ASCII and spaces, or a ``;`` (RFC 6265 section 4.1.1:
            any CHAR except CTLs or ``;``), which would start an attribute of its own.
        TypeError: Not a string.
    """
    if not isinstance(value, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"cookie {label} must be str, not {type(value).__name__}")
    if not (value.isascii() and value.isprintable()) or ";" in value:
        raise ValueError(
            f"cookie {label} {value!r} must be visible ASCII and spaces, without ';'"
            " (RFC 6265 section 4.1.1)"
        )
    return value


#: ``(code, status line)`` of every status with a known reason phrase.
# PERF: one dict lookup instead of a format per error response (bench: 404, 405, abort(403)).
_STATUS_PAIRS: dict[int, tuple[int, str]] = {
    code: (code, f"{code} {reason}") for code, reason in HTTP_CODES.items()
}


def _status_pair(status: int | str) -> tuple[int, str]:
    """Normalise ``404`` or ``"404 Custom Reason"`` to ``(code, status line)``."""
    if type(status) is int:
        pair = _STATUS_PAIRS.get(status)
        if pair is not None:
            return pair
    if isinstance(status, int):
        code = status
        line = f"{code} {HTTP_CODES.get(code, 'Unknown')}"
    else:
        text = check_header_value(status.strip())
        head = text.split(None, 1)[0] if text else ""
        # NOTE: RFC 9112 section 4: the status code is exactly three digits ("0200" is not).
        if not (head.isascii() and head.isdigit() and len(head) == 3):
            raise ValueError(f"invalid status line: {status!r}")
        code = int(head)
        line = text if " " in text else f"{code} {HTTP_CODES.get(code, 'Unknown')}"
    if not 100 <= code <= 999:
        raise ValueError(f"status code out of range: {code}")
    return code, line


class Response:
    """The response being built for the current request (also usable on its own).

    Args:
        body: The body: ``str``, ``bytes``, an iterable, a file, or a value a plugin converts.
        status: An int or a status line like ``"404 Not Found"``.
        headers: Initial headers (mapping or ``(name, value)`` pairs).
        **more_headers: More headers; ``_`` in the name becomes ``-``.
    """

    # NOTE: no __slots__ here: HTTPResponse must also be an Exception, and CPython cannot
    # combine a slotted base with BaseException's instance layout.

    default_status = 200
    default_content_type = _DEFAULT_CONTENT_TYPE
    #: Headers set with :meth:`set_header` while no :class:`HeaderDict` exists: one value
    #: each, by stored name; Content-Type only when set after them (see
    #: :meth:`_set_content_type`), Content-Length only from the finish. The first read or write
    #: that needs more moves them into :attr:`headers`; until then the finish reads them
    #: as they are.
    # PERF: a class default, so a response that sets no header pays no attribute write
    # (bench: plaintext GET), and one set_header is one small dict (bench: plaintext with
    # one set_header).
    _flat: dict[str, str] | None = None

    def __init__(
        self,
        body: Any = "",
        status: int | str | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        **more_headers: str,
    ) -> None:
        self.body: Any = body
        self._status_code = 200
        self._status_line = "200 OK"
        self._headers: HeaderDict | None = None
        self._content_type: str | None = None
        self._cookies: list[str] | None = None
        if status is not None:
            self.status = status
        if headers or more_headers:
            for name, value in iter_pairs(headers or ()):
                self.add_header(name, value)
            for name, value in more_headers.items():
                self.add_header(name, value)

    # -- status -----------------------------------------------------------------------------

    @property
    def status(self) -> str:
        """The status line, e.g. ``"200 OK"``; set it from an int or a status line."""
        return self._status_line

    @status.setter
    def status(self, value: int | str) -> None:
        self._status_code, self._status_line = _status_pair(value)

    @property
    def status_line(self) -> str:
        """The status line, e.g. ``"404 Not Found"``."""
        return self._status_line

    @property
    def status_code(self) -> int:
        """The numeric status, e.g. ``404``."""
        return self._status_code

    @status_code.setter
    def status_code(self, value: int) -> None:
        self.status = value

    # -- headers ----------------------------------------------------------------------------

    @property
    def headers(self) -> HeaderDict:
        """The response headers (case-insensitive, multi-valued, live)."""
        headers = self._headers
        if headers is None:
            # PERF: built in one step; the content type and the flat headers were checked
            # when they were set (bench: plaintext with one set_header).
            headers = self._headers = HeaderDict.__new__(HeaderDict)
            content_type = self._content_type
            data: dict[str, list[str]]
            if content_type is None:
                data = headers._data = {}
            else:
                data = headers._data = {"Content-Type": [content_type]}
                self._content_type = None
            flat = self._flat
            if flat is not None:
                self._flat = None
                for name, value in flat.items():
                    data[name] = [value]
        return headers

    def get_header(self, name: str, default: str | None = None) -> str | None:
        """The last value of a header, or ``default``."""
        if self._headers is None:
            # PERF: a name seen before is one dict hit, no call (bench: middleware.py,
            # the stack: compression and CORS read headers other middleware set).
            key = _STORED_NAMES.get(name) or _header_key(name)
            if key == "Content-Type" and self._content_type is not None:
                return self._content_type
            flat = self._flat
            if flat is None:
                return default
            return flat.get(key, default)
        return self._headers.get(name, default)

    def set_header(self, name: str, value: str) -> None:
        """Set a header, replacing earlier values.

        Raises:
            ValueError: The name is not a token, or the value holds a control character
                (CR, LF, NUL, DEL, ...; a tab is fine) or a character outside latin-1.
            TypeError: The name or value is not a string.
        """
        # PERF: the storage is written here, with no HeaderDict frames: a name seen before
        # is one dict hit, and the usual value passes two C-level scans (bench: plaintext
        # with one set_header). The checks are check_header_name/check_header_value's.
        key = _STORED_NAMES.get(name)
        if key is None:
            key = _checked_header_key(name)
        if not (value.__class__ is str and value.isascii() and value.isprintable()):
            check_header_value(value)
        headers = self._headers
        if headers is not None:
            headers._data[key] = [value]
        elif key in _NOT_FLAT:
            self.headers._data[key] = [value]
        else:
            flat = self._flat
            if flat is None:
                self._flat = {key: value}
            else:
                flat[key] = value

    def _set_content_type(self, value: str) -> None:
        """Set a checked Content-Type while the headers are flat (no :class:`HeaderDict`).

        It is kept apart, first in the list, when set before any flat header (the usual
        case); set after flat headers, it joins them, so that the list keeps the order
        of setting, as the :class:`HeaderDict` would. Never both."""
        flat = self._flat
        if flat is None or self._content_type is not None:
            self._content_type = value
        else:
            flat["Content-Type"] = value

    def _flat_list(self) -> list[tuple[str, str]]:
        """The header list of a response whose headers are flat (no :class:`HeaderDict`):
        the Content-Type (the default when unset) and the flat headers, in order."""
        flat = self._flat
        content_type = self._content_type
        if flat is None:
            return [("Content-Type", content_type or self.default_content_type)]
        if content_type is None and "Content-Type" in flat:
            return list(flat.items())
        return [("Content-Type", content_type or self.default_content_type), *flat.items()]

    def _set_checked(self, headers: dict[str, str]) -> None:
        """Set headers made by :func:`checked_headers` (names stored, values checked),
        replacing earlier values, as :meth:`set_header` would one by one."""
        # PERF: one dict update for a middleware's constant headers (bench:
        # middleware.py, SecurityHeadersMiddleware, CORSMiddleware).
        if self._headers is None:
            flat = self._flat
            if flat is None:
                self._flat = headers.copy()
            else:
                flat.update(headers)
        else:
            data = self._headers._data
            for key, value in headers.items():
                data[key] = [value]

    def add_header(self, name: str, value: str) -> None:
        """Add a header value, keeping earlier ones.

        Raises:
            ValueError: As for :meth:`set_header`.
            TypeError: The name or value is not a string.
        """
        self.headers.append(name, value)

    def __getitem__(self, name: str) -> str:
        value = self.get_header(name)
        if value is None:
            raise KeyError(name)
        return value

    def __setitem__(self, name: str, value: str) -> None:
        self.set_header(name, value)

    def __delitem__(self, name: str) -> None:
        del self.headers[name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get_header(name) is not None

    def iter_headers(self) -> Iterator[tuple[str, str]]:
        """The final header list, default Content-Type and ``Set-Cookie`` included."""
        return iter(self.headerlist)

    @property
    def headerlist(self) -> list[tuple[str, str]]:
        """The WSGI header list (name, value) with ``Set-Cookie`` lines appended."""
        code = self._status_code
        out: list[tuple[str, str]]
        if self._flat is not None:
            self.headers  # noqa: B018 - moves the flat headers into the HeaderDict
        if self._headers is None:
            out = []
            if code not in (204, 304) and code >= 200:
                out.append(("Content-Type", self._content_type or self.default_content_type))
        else:
            # PERF: read from the storage, not through allitems() and HeaderDict look-ups
            # (bench: plaintext with one set_header, JSON GET with an after_request hook).
            data = self._headers._data
            if "Content-Type" in data or code in (204, 304) or code < 200:
                out = []
            else:
                out = [("Content-Type", self.default_content_type)]
            for name, values in data.items():
                for value in values:
                    out.append((name, value))
            if code in (204, 304):
                dropped = _NO_BODY_HEADERS[code]
                out = [(k, v) for k, v in out if k not in dropped]
        if self._cookies:
            out.extend(("Set-Cookie", c) for c in self._cookies)
        return out

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header (the default until set)."""
        value = self.get_header("Content-Type")
        return value if value is not None else self.default_content_type

    @content_type.setter
    def content_type(self, value: str) -> None:
        if self._headers is None:
            # PERF: the usual value passes two C-level scans without a call (bench:
            # plaintext with a content type; S6).
            if not (value.__class__ is str and value.isascii() and value.isprintable()):
                check_header_value(value)
            self._set_content_type(value)
        else:
            self.headers["Content-Type"] = value

    @property
    def content_length(self) -> int:
        """``Content-Length`` as an int, ``-1`` when unset."""
        value = self.get_header("Content-Length")
        return int(value) if value is not None and value.isdigit() else -1

    @content_length.setter
    def content_length(self, value: int) -> None:
        self.set_header("Content-Length", str(int(value)))

    @property
    def charset(self) -> str:
        """The ``charset`` of the Content-Type, ``UTF-8`` by default."""
        return _charset_of(self.content_type)

    @property
    def expires(self) -> datetime | None:
        """The ``Expires`` header as an aware datetime."""
        from datetime import timezone

        value = self.get_header("Expires")
        stamp = parse_date(value) if value else None
        return None if stamp is None else datetime.fromtimestamp(stamp, timezone.utc)

    @expires.setter
    def expires(self, value: datetime | date | float | int | str) -> None:
        self.set_header("Expires", http_date(value))

    # -- cookies ----------------------------------------------------------------------------

    def set_cookie(
        self,
        name: str,
        value: object,
        secret: str | bytes | None = None,
        digestmod: DigestMod = hashlib.sha256,
        *,
        max_age: int | timedelta | None = None,
        expires: datetime | date | float | int | str | None = None,
        domain: str | None = None,
        path: str | None = None,
        secure: bool = False,
        httponly: bool = True,
        samesite: str | object | None = _DEFAULT,
        same_site: str | object | None = _DEFAULT,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header.

        Args:
            name: Cookie name (an RFC 6265 token).
            value: A ``str``; with ``secret``, any JSON value, signed with HMAC.
            secret: Key for a signed cookie, read back with ``request.get_cookie(secret=)``.
            digestmod: Hash for the HMAC (SHA-256).
            max_age: Lifetime in seconds (or a timedelta).
            expires: Expiry time (datetime, date, epoch seconds or an HTTP date).
            domain: ``Domain`` attribute.
            path: ``Path`` attribute.
            secure: Send only over HTTPS.
            httponly: Hide from JavaScript (default ``True``).
            samesite: ``'lax'`` (default), ``'strict'`` or ``'none'``; explicit ``None``
                also means ``SameSite=None``.
            same_site: Alias of ``samesite``.
            partitioned: Add the ``Partitioned`` attribute (CHIPS).

        Raises:
            TypeError: A non-str value without ``secret``.
            ValueError: A bad name, a value with forbidden characters, an oversized cookie,
                an unknown ``samesite``, or a ``domain``, ``path`` or ``expires`` text that
                is not visible ASCII or holds a ``;``.
        """
        if not name or any(c in _COOKIE_NAME_FORBIDDEN for c in name) or not name.isascii():
            raise ValueError(f"invalid cookie name: {name!r}")
        if secret is not None:
            text = sign_cookie(name, value, secret, digestmod)
        elif isinstance(value, str):
            if any(c in _COOKIE_FORBIDDEN for c in value):
                raise ValueError(
                    "cookie values must not contain control characters, '\"', ';' or '\\';"
                    " encode the value or use secret="
                )
            text = f'"{value}"' if (" " in value or "," in value) else value
        else:
            raise TypeError("cookie values must be str unless a secret is given")
        if len(name) + len(text) > _MAX_COOKIE_SIZE:
            raise ValueError(f"cookie {name!r} is larger than {_MAX_COOKIE_SIZE} characters")
        parts = [f"{name}={text}"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age_seconds(max_age)}")
        if expires is not None:
            parts.append(f"Expires={_cookie_attribute('expires', http_date(expires))}")
        if domain is not None:
            parts.append(f"Domain={_cookie_attribute('domain', domain)}")
        if path is not None:
            parts.append(f"Path={_cookie_attribute('path', path)}")
        if secure:
            parts.append("Secure")
        if httponly:
            parts.append("HttpOnly")
        site = samesite if same_site is _DEFAULT else same_site
        if site is _DEFAULT:
            site = "lax"
        if site is None:
            site = "none"
        if not isinstance(site, str) or site.lower() not in _SAMESITE:
            raise ValueError(f"samesite must be 'lax', 'strict' or 'none', not {site!r}")
        parts.append(f"SameSite={_SAMESITE[site.lower()]}")
        if partitioned:
            parts.append("Partitioned")
        if self._cookies is None:
            self._cookies = []
        self._cookies.append(check_header_value("; ".join(parts)))

    def delete_cookie(
        self,
        name: str,
        *,
        path: str | None = None,
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = True,
    ) -> None:
        """Expire a cookie in the browser (pass the ``path``/``domain`` it was set with)."""
        self.set_cookie(
            name,
            "",
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
        )

    @property
    def cookies(self) -> list[str]:
        """The ``Set-Cookie`` values added so far."""
        if self._cookies is None:
            self._cookies = []
        return self._cookies

    def copy(self, cls: type[Response] | None = None) -> Response:
        """A copy with the same status, headers and cookies (the body is shared)."""
        other = (cls or type(self))()
        other._status_code, other._status_line = self._status_code, self._status_line
        other._content_type = self._content_type
        if self._headers is not None:
            other._headers = HeaderDict(self._headers.allitems())
        if self._flat is not None:
            other._flat = dict(self._flat)
        if self._cookies:
            other._cookies = list(self._cookies)
        other.body = self.body
        return other

    def close(self) -> None:
        """Close the body if it can be closed."""
        close = getattr(self.body, "close", None)
        if callable(close):
            close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._status_line}>"


_NO_BODY_HEADERS = {
    204: frozenset({"Content-Type", "Content-Length"}),
    304: frozenset(
        {
            "Allow",
            "Content-Encoding",
            "Content-Language",
            "Content-Length",
            "Content-Md5",
            "Content-Range",
            "Content-Type",
            "Last-Modified",
        }
    ),
}

BaseResponse = Response


def checked_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers checked once, for :meth:`Response._set_checked` to set on many responses:
    names in their stored form (checked tokens), values checked; a later name replaces
    an earlier one.

    Raises:
        ValueError: A name or value :meth:`Response.set_header` refuses, or
            ``Content-Type``/``Content-Length`` (set those with ``set_header``).
        TypeError: A name or value is not a string.
    """
    checked: dict[str, str] = {}
    for name, value in headers:
        key = _checked_header_key(name)
        if key in _NOT_FLAT:
            raise ValueError(f"{key} is not a header to set this way")
        check_header_value(value)
        checked[key] = value
    return checked


class HTTPResponse(Response, Exception):
    """A response that can be raised or returned from a handler; it replaces the response."""

    # PERF: Response.__init__'s defaults on the class: an exception instance's attribute
    # writes cost ~40 ns each, and a redirect or an abort() needs none of these (bench:
    # redirect, abort(403)). tests/test_response.py pins that they match.
    _status_code = 200
    _status_line = "200 OK"
    _headers: HeaderDict | None = None
    _content_type: str | None = None
    _cookies: list[str] | None = None

    def __init__(
        self,
        body: Any = "",
        status: int | str | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        **more_headers: str,
    ) -> None:
        if headers or more_headers:
            super().__init__(body, status, headers, **more_headers)
            return
        self.body = body
        if status is not None:
            self._status_code, self._status_line = _status_pair(status)

    def apply(self, other: Response) -> None:
        """Copy this response's status, body, and headers/cookies onto ``other``.

        Headers already set on ``other`` are kept unless this response sets them too.
        """
        other._status_code, other._status_line = self._status_code, self._status_line
        if self._flat is not None:
            self.headers  # noqa: B018 - moves the flat headers into the HeaderDict
        if self._headers is not None:
            target = other.headers
            for key in self._headers:
                values = self._headers.getall(key)
                target.replace(key, values[0])
                for extra in values[1:]:
                    target.append(key, extra)
        elif self._content_type is not None:
            other.content_type = self._content_type
        if self._cookies:
            other.cookies.extend(self._cookies)
        other.body = self.body


class HTTPError(HTTPResponse):
    """An error response, rendered through ``@app.error(code)`` handlers or the default page.

    Args:
        status: The status (500 by default).
        body: The message shown to the client.
        exception: The exception that caused it, if any.
        traceback: Its formatted traceback (shown only in debug mode).
        content_type: Optional Content-Type of ``body``.
        detail: Problems to list in the JSON error shape.
        **more_headers: Extra headers, e.g. ``Allow`` on a 405.
    """

    default_status = 500
    # PERF: None by default on the class: an exception instance's attribute writes cost
    # ~40 ns each, and abort() sets none of these (bench: abort(403)).
    exception: BaseException | None = None
    traceback: str | None = None
    detail: list[ErrorDetail] | None = None
    #: The request this error's page was rendered for (``Lcore.render_error``): the app
    #: sends its body as it is to that request, and renders it anew for any other.
    rendered_for: Request | None = None

    def __init__(
        self,
        status: int | str | None = None,
        body: Any = None,
        exception: BaseException | None = None,
        traceback: str | None = None,
        content_type: str | None = None,
        detail: list[ErrorDetail] | None = None,
        **more_headers: str,
    ) -> None:
        if more_headers:
            super().__init__(body, 500 if status is None else status, None, **more_headers)
        else:
            # PERF: HTTPResponse.__init__'s no-header case, inline (bench: abort(403)).
            self.body = body
            self._status_code, self._status_line = _status_pair(500 if status is None else status)
        if exception is not None:
            self.exception = exception
        if traceback is not None:
            self.traceback = traceback
        if detail is not None:
            self.detail = detail
        if content_type is not None:
            self.content_type = content_type


def abort(code: int = 500, text: str = "Unknown Error.") -> NoReturn:
    """Stop the handler and answer with an error status and message.

    Raises:
        HTTPError: Always.
    """
    # PERF: raised as built, never held by this frame: the traceback holds the frame, and
    # a frame holding the error would be a reference cycle left for the garbage collector;
    # a try/finally to drop it costs more than the call (bench: abort(403)).
    raise _plain_error(code, text)


def _plain_error(code: int | str, text: Any) -> HTTPError:
    """``HTTPError(code, text)``, built without ``__init__``'s frame.

    Raises:
        ValueError: A bad status.
    """
    # PERF: __init__'s work for a status and a body: args set by the exception's __new__
    # as a call would set them, and the instance dict copied from one kept per status, so
    # no attribute is written one by one (bench: abort(403)).
    error = _new_error(HTTPError, code, text)
    fields = _ERROR_FIELDS.get(code) if type(code) is int else None
    if fields is None:
        status_code, status_line = _status_pair(code)
        fields = {"_status_code": status_code, "_status_line": status_line}
        if type(code) is int and len(_ERROR_FIELDS) < 1000:
            _ERROR_FIELDS[code] = fields
    fields = fields.copy()
    fields["body"] = text
    error.__dict__ = fields
    return error


#: The instance attributes of an HTTPError for each status code it was built with.
_ERROR_FIELDS: dict[int, dict[str, Any]] = {}
_new_error = HTTPError.__new__
