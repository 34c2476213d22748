"""Pure HTTP parsers and helpers (paths, headers, dates, trusted proxies): no I/O, no
environ; each one bounded and fuzzable on its own.

Bad input raises :class:`~lcore.errors.ClientError` (a 4xx with a stable ``type``); a parser
never returns ``None`` to mean "bad input" unless its contract says "absent or invalid".
"""

from __future__ import annotations

import base64
import binascii
import calendar
import html
import re
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote, unquote_to_bytes

from .errors import ClientError

__all__ = [
    "TrustedProxies",
    "decode_path",
    "html_escape",
    "html_quote",
    "http_date",
    "parse_auth",
    "parse_content_length",
    "parse_cookie_header",
    "parse_date",
    "parse_etag_list",
    "parse_options_header",
    "parse_qs_lists",
    "parse_qsl",
    "parse_range_header",
    "parse_transfer_encoding",
    "path_shift",
    "quote_path",
    "quote_url",
]

#: Longest Content-Length accepted: 18 digits stays well inside a 64-bit integer.
_MAX_LENGTH_DIGITS = 18


def parse_content_length(value: str | None) -> int:
    """Parse a Content-Length value; ``-1`` when absent.

    Args:
        value: The raw header value, or ``None``.

    Returns:
        The length in bytes, or ``-1`` when the header is absent or empty.

    Raises:
        ClientError: 400 ``content_length_invalid`` for anything but 1-18 ASCII digits
            (no sign, no spaces inside, no ``_``: ``int()`` would accept ``+5_0``).
    """
    if not value:
        return -1
    value = value.strip(" \t")
    # NOTE: RFC 9110 section 8.6: Content-Length = 1*DIGIT. str.isdigit() accepts
    # non-ASCII digits, hence the isascii() guard.
    if not (value.isascii() and value.isdigit()) or len(value) > _MAX_LENGTH_DIGITS:
        raise ClientError(
            400,
            "Content-Length must be a non-negative integer",
            "content_length_invalid",
            ("header", "Content-Length"),
        )
    return int(value)


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _transfer_encoding_invalid(msg: str) -> ClientError:
    return ClientError(400, msg, "transfer_encoding_invalid", ("header", "Transfer-Encoding"))


def parse_transfer_encoding(value: str | None) -> bool:
    """Check a request's ``Transfer-Encoding``: lcore reads ``chunked`` and nothing else.

    Args:
        value: The raw header value, or ``None`` when the header is absent.

    Returns:
        ``False`` when the header is absent, ``True`` when it names ``chunked`` alone.

    Raises:
        ClientError: 400 ``transfer_encoding_invalid`` when the list is malformed or empty,
            or ``chunked`` is not the last coding, is repeated or has parameters; 501
            ``transfer_encoding_unsupported`` when other codings come before ``chunked``
            (``gzip, chunked``): lcore does not decode them.
    """
    if value is None:
        return False
    if value == "chunked":  # PERF: the only value a client normally sends
        return True
    # NOTE: RFC 9110 section 5.6.1: empty list elements are ignored; codings are
    # case-insensitive tokens, each optionally with parameters after ";".
    names: list[str] = []
    last_has_parameters = False
    for element in value.split(","):
        name, semicolon, _ = element.partition(";")
        name = name.strip(" \t").lower()
        if not name and not semicolon:
            continue
        if _TOKEN.fullmatch(name) is None:
            raise _transfer_encoding_invalid("Transfer-Encoding is not a list of codings")
        names.append(name)
        last_has_parameters = bool(semicolon)
    if not names:
        raise _transfer_encoding_invalid("Transfer-Encoding names no coding")
    # NOTE: RFC 9112 section 6.3 rule 4: when chunked is not the final coding, the body's
    # length cannot be known, and the server MUST answer 400. Section 7.1: chunked is
    # applied once and defines no parameters.
    if names[-1] != "chunked":
        raise _transfer_encoding_invalid("Transfer-Encoding must end with chunked")
    if last_has_parameters or names.count("chunked") > 1:
        raise _transfer_encoding_invalid("chunked must appear once, without parameters")
    if len(names) > 1:
        # NOTE: RFC 9112 section 6.1: a coding the server does not understand -> 501.
        raise ClientError(
            501,
            f"Transfer coding {names[0]!r} is not supported: only chunked is",
            "transfer_encoding_unsupported",
            ("header", "Transfer-Encoding"),
        )
    return True


def decode_path(raw: str) -> str:
    """Decode a WSGI ``PATH_INFO`` (bytes carried as latin-1, PEP 3333) to text as UTF-8.

    Raises:
        ClientError: 400 ``path_invalid_utf8`` when the bytes are not UTF-8.
    """
    if raw.isascii():
        return raw
    try:
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise ClientError(
            400, "The request path is not valid UTF-8", "path_invalid_utf8", ("path",)
        ) from None


#: RFC 3986 section 3.3: what a path segment may hold as it is (unreserved, sub-delims,
#: ":" and "@"), plus the "/" between segments.
_PATH_SAFE = "/!$&'()*+,;=:@"
#: Anything a URL may not hold as it is: a "%" that does not start an escape, and every
#: character that is neither unreserved nor reserved (RFC 3986 section 2).
_URL_UNSAFE = re.compile(r"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def quote_path(path: str) -> str:
    """Percent-encode decoded path text (``request.path``) for use in a URL.

    Every character but the unreserved ones, the sub-delims, ``:``, ``@`` and ``/`` is
    escaped, ``%``, ``?`` and ``#`` included, so the result decodes back to ``path``.
    A path that starts with ``//`` gets its second slash escaped: a URL without a host
    that began with ``//`` would name a host (RFC 3986 section 3.3).

    Raises:
        ValueError: ``path`` is not valid Unicode (a lone surrogate).
    """
    quoted = quote(path, safe=_PATH_SAFE)
    if quoted.startswith("//"):
        quoted = "/%2F" + quoted[2:]
    return quoted


def quote_url(url: str) -> str:
    """Percent-encode what a URL may not hold, leaving the rest as it is.

    Non-ASCII characters become UTF-8 escapes; controls, spaces and the characters
    RFC 3986 allows nowhere (``"<>\\^`{|}``) are escaped; valid escapes (``%20``) and
    reserved characters are kept, so an encoded URL passes unchanged. A ``#`` after the
    first one is escaped (a fragment cannot hold one).

    Raises:
        ValueError: ``url`` is not valid Unicode (a lone surrogate).
    """
    quoted = _URL_UNSAFE.sub(_escape, url)
    head, hash_, fragment = quoted.partition("#")
    if "#" in fragment:
        quoted = head + hash_ + fragment.replace("#", "%23")
    return quoted


def _escape(match: re.Match[str]) -> str:
    return quote(match.group(), safe="")


def _decode_component(part: str, where: str) -> str:
    if "+" in part:
        part = part.replace("+", " ")
    if "%" not in part and part.isascii():
        return part
    try:
        return unquote_to_bytes(part.encode("latin-1")).decode("utf-8")
    except UnicodeError:
        raise ClientError(
            400,
            f"The {where} is not valid UTF-8",
            f"{where.split(maxsplit=1)[0]}_invalid_utf8",
            (where,),
        ) from None


def path_shift(script_name: str, path_info: str, shift: int = 1) -> tuple[str, str]:
    """Move ``shift`` segments from ``path_info`` to ``script_name`` (negative: back).

    Raises:
        AssertionError: More segments asked for than there are.
    """
    if shift == 0:
        return script_name, path_info
    path = path_info.strip("/").split("/")
    script = script_name.strip("/").split("/")
    path = [] if path == [""] else path
    script = [] if script == [""] else script
    if 0 < shift <= len(path):
        script, path = script + path[:shift], path[shift:]
    elif 0 > shift >= -len(script):
        script, path = script[:shift], script[shift:] + path
    else:
        raise AssertionError("cannot shift past the start or end of the path")
    new_script = "/" + "/".join(script)
    new_path = "/" + "/".join(path)
    if path_info.endswith("/") and path:
        new_path += "/"
    return new_script, new_path


def _fields(qs: str, max_fields: int, where: str) -> list[str]:
    """``qs`` split at ``&``, empty fields kept.

    Raises:
        ClientError: 413 ``too_many_fields`` past ``max_fields`` non-empty fields.
    """
    parts = qs.split("&", max_fields)
    if len(parts) > max_fields:
        parts = [p for p in qs.split("&") if p]
        if len(parts) > max_fields:
            raise ClientError(
                413,
                f"More than {max_fields} fields (request.max_fields)",
                "too_many_fields",
                (where,),
            )
    return parts


def parse_qsl(qs: str, max_fields: int, where: str = "query") -> list[tuple[str, str]]:
    """Parse ``application/x-www-form-urlencoded`` text into ``(name, value)`` pairs.

    Args:
        qs: The raw text (latin-1 carried bytes, as in a WSGI ``QUERY_STRING``).
        max_fields: The most fields accepted (``request.max_fields``).
        where: ``"query"`` or ``"body"``; names the location in errors.

    Raises:
        ClientError: 413 ``too_many_fields`` past ``max_fields``; 400 ``*_invalid_utf8``.
    """
    if not qs:
        return []
    parts = _fields(qs, max_fields, where)
    plain = qs.isascii() and "%" not in qs and "+" not in qs
    pairs: list[tuple[str, str]] = []
    for part in parts:
        if part:
            name, _, value = part.partition("=")
            if not plain:  # PERF: nothing to decode in the common case
                name, value = _decode_component(name, where), _decode_component(value, where)
            pairs.append((name, value))
    return pairs


def parse_qs_lists(qs: str, max_fields: int, where: str = "query") -> dict[str, list[str]]:
    """Parse ``application/x-www-form-urlencoded`` text into each name's values, in order:
    the storage of a :class:`~lcore.datastructures.MultiDict`, built in one pass.

    Raises:
        ClientError: As :func:`parse_qsl`.
    """
    data: dict[str, list[str]] = {}
    # PERF: the field count is checked on the split itself; _fields runs only when the text
    # may hold too many fields (bench: query string read).
    parts = qs.split("&", max_fields)
    if len(parts) > max_fields:
        parts = _fields(qs, max_fields, where)
    if "%" in qs or "+" in qs or not qs.isascii():
        for part in parts:
            if part:
                name, _, value = part.partition("=")
                name, value = _decode_component(name, where), _decode_component(value, where)
                values = data.get(name)
                if values is None:
                    data[name] = [value]
                else:
                    values.append(value)
        return data
    for part in parts:
        if part:
            # PERF: no pairs list in between, nothing to decode, and a membership test
            # rather than a get() call (bench: query string read).
            name, _, value = part.partition("=")
            if name in data:
                data[name].append(value)
            else:
                data[name] = [value]
    return data


def parse_options_header(value: str) -> tuple[str, dict[str, str]]:
    """Split a header like ``text/html; charset="utf-8"`` into a lower-cased value and params.

    Linear in the length of ``value``, however many ``;`` or quotes it holds.
    """
    head, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for item in _split_params(rest) if rest else ():
        key, eq, val = item.partition("=")
        if not eq:
            continue
        key = key.strip().lower()
        if not key:
            continue
        val = val.strip()
        if len(val) >= 2 and val[0] == val[-1] == '"':
            val = val[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        params[key] = val
    return head.strip().lower(), params


#: The rest of a quoted string after its opening quote: escaped pairs and plain characters,
#: then the closing quote if there is one. The two alternatives never overlap, so the match
#: is linear.
_QUOTED_TAIL = re.compile(r'(?:[^"\\]|\\.)*"?', re.DOTALL)


def _split_params(text: str) -> list[str]:
    """Cut ``;``-separated items, honouring quoted strings (RFC 9110 section 5.6.4).

    An unterminated quoted string runs to the end of the text.
    """
    if '"' not in text:
        return text.split(";")
    items: list[str] = []
    start = pos = 0
    end = len(text)
    semi = text.find(";")
    while True:
        # NOTE: the next ";" is searched again only once the scan has passed it, and the
        # search for a quote stops at it, so each character is looked at a bounded number
        # of times: many ";" or many quotes cost one pass, not one pass per item.
        if 0 <= semi < pos:
            semi = text.find(";", pos)
        stop = end if semi < 0 else semi
        quote = text.find('"', pos, stop)
        if quote >= 0:
            tail = _QUOTED_TAIL.match(text, quote + 1)
            pos = end if tail is None else tail.end()
            continue
        if semi < 0:
            items.append(text[start:])
            return items
        items.append(text[start:semi])
        start = pos = semi + 1


def parse_cookie_header(value: str, max_cookies: int) -> list[tuple[str, str]]:
    """Parse a ``Cookie`` header leniently: malformed pairs are skipped, never fatal.

    Unlike ``http.cookies.SimpleCookie``, one bad pair does not hide the ones after it.
    Values that are not UTF-8 are skipped. At most ``max_cookies`` pairs are read.
    """
    pairs: list[tuple[str, str]] = []
    for item in value.split(";", max_cookies)[:max_cookies]:
        name, eq, val = item.partition("=")
        name = name.strip()
        if not eq or not name:
            continue
        val = val.strip()
        if len(val) >= 2 and val[0] == val[-1] == '"':
            val = val[1:-1]
        if not val.isascii() or not name.isascii():
            try:
                val = val.encode("latin-1").decode("utf-8")
                name = name.encode("latin-1").decode("utf-8")
            except UnicodeError:
                continue
        pairs.append((name, val))
    return pairs


def parse_auth(header: str) -> tuple[str, str] | None:
    """Read HTTP Basic credentials; ``None`` when absent, another scheme, or malformed."""
    scheme, _, data = header.strip().partition(" ")
    if scheme.lower() != "basic" or not data:
        return None
    try:
        decoded = base64.b64decode(data.strip().encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep:
        return None
    return user, password


def http_date(value: datetime | date | float | int | str) -> str:
    """Format a time as an IMF-fixdate (RFC 9110 section 5.6.7); strings pass through."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        stamp = value.timestamp()
    elif isinstance(value, date):
        stamp = float(calendar.timegm(value.timetuple()))
    else:
        stamp = float(value)
    from email.utils import formatdate

    return formatdate(stamp, usegmt=True)


def parse_date(value: str) -> float | None:
    """Parse an HTTP date to epoch seconds; ``None`` when absent or invalid."""
    from email.utils import parsedate_tz

    try:
        parsed = parsedate_tz(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    try:
        return float(calendar.timegm((*parsed[:6], 0, 1, -1)) - (parsed[9] or 0))
    except (OverflowError, ValueError):
        return None


def parse_range_header(header: str, maxlen: int) -> Iterator[tuple[int, int]]:
    """Yield satisfiable ``(start, end_exclusive)`` byte ranges of ``Range: bytes=...``.

    Malformed specs are skipped (RFC 9110 section 14.2 lets a server ignore them).
    """
    unit, _, ranges = header.partition("=")
    if unit.strip().lower() != "bytes" or not ranges:
        return
    for spec in ranges.split(",", 100)[:100]:
        first, dash, last = spec.strip().partition("-")
        if not dash or not (first.isdigit() or last.isdigit()):
            continue
        if (first and not (first.isascii() and first.isdigit())) or (
            last and not (last.isascii() and last.isdigit())
        ):
            continue
        if not first:
            start, end = max(0, maxlen - int(last)), maxlen
        elif not last:
            start, end = int(first), maxlen
        else:
            start, end = int(first), min(int(last) + 1, maxlen)
        if 0 <= start < end <= maxlen:
            yield start, end


def parse_etag_list(header: str) -> list[str]:
    """Split an ``If-None-Match``/``If-Match`` value into entity tags (``*`` kept as is).

    Weak tags keep their ``W/`` prefix so callers can choose weak or strong comparison.
    """
    tags: list[str] = []
    for item in header.split(",", 100)[:100]:
        tag = item.strip()
        if tag:
            tags.append(tag)
    return tags


def html_escape(string: str) -> str:
    """Escape ``& < > " '`` for HTML text and attribute values."""
    return html.escape(string, quote=True)


def html_quote(string: str) -> str:
    """Escape and quote a string for use as an HTML attribute value."""
    escaped = html_escape(string).replace("\n", "&#10;").replace("\r", "&#13;")
    return '"' + escaped.replace("\t", "&#9;") + '"'


def max_age_seconds(value: int | timedelta) -> int:
    """Normalise a cookie ``max_age`` to whole seconds."""
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value)


def epoch_now() -> float:
    """Wall-clock seconds, one place to patch in tests."""
    return time.time()


# -- proxies ----------------------------------------------------------------------------


class TrustedProxies:
    """The set of reverse proxies whose ``X-Forwarded-*`` headers are believed.

    Args:
        entries: IP addresses or networks (``10.0.0.0/8``), as a list or a comma string.
        hops: When given, exactly this many proxies stand in front of the app, and the
            client is the ``hops``-th ``X-Forwarded-For`` entry from the right; when
            ``None``, the entries are walked from the right, skipping trusted addresses.

    Raises:
        ValueError: An entry is not an IP address or network, or ``hops`` is below 1.
    """

    __slots__ = ("_addresses", "_hops", "_networks")

    def __init__(
        self,
        entries: str | list[str] | tuple[str, ...] | set[str] | frozenset[str] = (),
        hops: int | None = None,
    ) -> None:
        import ipaddress  # NOTE: imported on first use, to keep `import lcore` fast

        if hops is not None and hops < 1:
            raise ValueError(f"hops must be at least 1, not {hops}")
        self._hops = hops

        items = entries.split(",") if isinstance(entries, str) else list(entries)
        self._addresses: frozenset[str] = frozenset()
        networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        addresses: set[str] = set()
        for item in (i.strip() for i in items):
            if not item:
                continue
            if "/" in item:
                networks.append(ipaddress.ip_network(item, strict=False))
            else:
                addresses.add(str(ipaddress.ip_address(item)))
        self._addresses = frozenset(addresses)
        self._networks = tuple(networks)

    def __bool__(self) -> bool:
        return bool(self._addresses or self._networks)

    def __contains__(self, address: object) -> bool:
        if not isinstance(address, str):
            return False
        if address in self._addresses:
            return True
        if not self._networks:
            return False
        import ipaddress

        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self._networks)

    @property
    def hops(self) -> int | None:
        """How many proxies are trusted in front of the app, or ``None`` (walk the chain)."""
        return self._hops

    def client_address(self, remote: str | None, forwarded: str) -> str | None:
        """The client's address as this set of proxies reports it.

        Args:
            remote: ``REMOTE_ADDR``, the peer that connected.
            forwarded: The ``X-Forwarded-For`` header (``""`` when absent).

        Returns:
            ``remote`` when the peer is not trusted. Otherwise, with :attr:`hops` set, the
            ``hops``-th entry from the right (``remote`` when there are fewer entries: the
            request did not come through every proxy); without, the rightmost entry that
            is not a trusted proxy, or the leftmost when all are.
        """
        if remote not in self:
            return remote
        # NOTE: only the last 32 entries are read: a client can send any number of them,
        # and no deployment has more proxies than that.
        hops = [ip.strip() for ip in forwarded.split(",")[-32:] if ip.strip()]
        count = self._hops
        if count is not None:
            return hops[-count] if len(hops) >= count else remote
        for hop in reversed(hops):
            if hop not in self:
                return hop
        return hops[0] if hops else remote
