"""The router: rule syntax, wildcard filters, O(1) static lookup, an indexed dynamic lookup,
and URL building.

Rules are strings like ``/users/<id:int>``. A wildcard is ``<name>``, ``<name:filter>`` or
``<name:filter:config>``; ``<:filter>`` is anonymous (matched, not passed). A backslash
escapes the next character. Filters: ``re`` (the default, ``[^/]+`` unless configured),
``int``, ``float``, ``path``, plus custom ones.

Static rules live in a dict. Dynamic rules are indexed in a trie by their leading static
path segments, so a lookup only tries the rules that share the path's prefix: per-request
cost does not grow with the number of routes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlencode

from .errors import RouteBuildError, RouteError, RouterUnknownModeError, RouteSyntaxError

__all__ = ["FilterFactory", "MatchFailure", "Router"]

T = TypeVar("T")

#: A filter turns its config text into (regex, to_python, to_url).
FilterFactory = Callable[[str], tuple[str, Callable[[str], Any], Callable[[Any], str]]]

_TOKEN = re.compile(
    r"\\(.)"  # an escaped character
    r"|<([A-Za-z_][A-Za-z0-9_]*)?"  # <name
    r"(?::([A-Za-z_][A-Za-z0-9_]*)?"  # :filter
    r"(?::((?:\\.|[^\\>])*))?)?>"  # :config>
)
_DEFAULT_PATTERN = "[^/]+"
#: RFC 9110 section 9.1: a method is a token.
_METHOD = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _identity(value: str) -> str:
    return value


def _to_text(value: object) -> str:
    return str(value)


def _re_filter(conf: str) -> tuple[str, Callable[[str], Any], Callable[[Any], str]]:
    return (conf or _DEFAULT_PATTERN), _identity, _to_text


def _int_to_url(value: object) -> str:
    return str(int(value))  # type: ignore[call-overload]  # any int-like: int() checks it


def _int_filter(conf: str) -> tuple[str, Callable[[str], Any], Callable[[Any], str]]:
    del conf
    # NOTE: [0-9], not \d: \d also matches non-ASCII digits, which int() accepts.
    return r"-?[0-9]+", int, _int_to_url


def _float_filter(conf: str) -> tuple[str, Callable[[str], Any], Callable[[Any], str]]:
    del conf
    return r"-?[0-9.]+", float, _to_text


def _path_filter(conf: str) -> tuple[str, Callable[[str], Any], Callable[[Any], str]]:
    del conf
    # NOTE: (?s:) so a segment may hold a decoded %0A: a path value is any text.
    return r"(?s:.+?)", _identity, _to_text


def _noncapturing(pattern: str) -> str:
    """Turn capturing groups of a user regex into non-capturing ones.

    Named groups ``(?P<x>...)`` lose their names too, so they cannot clash with ours.
    """
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            end = pattern.find(">", i) if pattern.startswith("(?P<", i) else -1
            if end > 0:
                out.append("(?:")
                i = end + 1
                continue
            if not pattern.startswith("(?", i):
                out.append("(?:")
                i += 1
                continue
        out.append(ch)
        i += 1
    return "".join(out)


@dataclass(slots=True)
class _Wildcard:
    name: str | None
    pattern: str
    to_python: Callable[[str], Any]
    to_url: Callable[[Any], str]
    is_path: bool
    mode: str = "re"


@dataclass(slots=True)
class ParsedRule:
    """A rule split into literal text and wildcards, with its anchored regex."""

    rule: str
    tokens: list[str | _Wildcard]
    regex: str
    static: bool
    names: tuple[str | None, ...]

    def wildcards(self) -> list[tuple[str, str, str]]:
        """``(name, filter, regex)`` of each named wildcard, in order."""
        return [
            (t.name, t.mode, t.pattern)
            for t in self.tokens
            if not isinstance(t, str) and t.name is not None
        ]

    def literal_prefix(self) -> str:
        """The literal text before the first wildcard."""
        prefix: list[str] = []
        for token in self.tokens:
            if not isinstance(token, str):
                break
            prefix.append(token)
        return "".join(prefix)


#: Turns a rule's regex match into the handler's URL arguments.
_ArgsOf = Callable[[re.Match[str]], dict[str, Any]]


@dataclass(slots=True)
class _DynamicRule(Generic[T]):
    """One dynamic rule: its regex, how a match becomes URL arguments, and the target for
    each method."""

    parsed: ParsedRule
    regex: re.Pattern[str]
    converters: tuple[tuple[str, Callable[[str], Any]] | None, ...]
    targets: dict[str, T] = field(default_factory=dict[str, T])
    #: ``regex.match``, bound once (the lookup calls it for every candidate).
    match: Callable[[str], re.Match[str] | None] = field(init=False)
    #: The match's URL arguments, by a function built for this rule's wildcards.
    args_of: _ArgsOf = field(init=False)

    def __post_init__(self) -> None:
        self.match = self.regex.match
        self.args_of = _args_builder(self.converters)


@dataclass(slots=True)
class _Node(Generic[T]):
    children: dict[str, _Node[T]] = field(default_factory=dict[str, "_Node[T]"])
    rules: list[_DynamicRule[T]] = field(default_factory=list[_DynamicRule[T]])


class MatchFailure(Exception):
    """No route matched: ``allowed`` is empty for a 404, the allowed methods for a 405."""

    def __init__(self, allowed: frozenset[str], bad_format: bool = False) -> None:
        super().__init__(allowed)
        self.allowed = allowed
        self.bad_format = bad_format


class Router(Generic[T]):
    """Maps ``(method, path)`` to a target (a :class:`~lcore.app.Route` in the app).

    Args:
        strict: Accepted for Bottle compatibility; order is always "more specific static
            prefix first, then registration order".
    """

    default_pattern = _DEFAULT_PATTERN
    default_filter = "re"

    def __init__(self, strict: bool = False) -> None:
        self.strict_order = strict
        self.filters: dict[str, FilterFactory] = {
            "re": _re_filter,
            "int": _int_filter,
            "float": _float_filter,
            "path": _path_filter,
        }
        self.static: dict[str, dict[str, T]] = {}
        self._root: _Node[T] = _Node()
        self._dynamic: dict[str, _DynamicRule[T]] = {}
        self.rules: dict[str, dict[str, T]] = {}
        self.builder: dict[str, ParsedRule] = {}

    # -- registration -------------------------------------------------------------------

    def add_filter(self, name: str, func: FilterFactory) -> None:
        """Register a filter: ``func(config) -> (regex, to_python, to_url)``."""
        self.filters[name] = func

    def parse(self, rule: str) -> ParsedRule:
        """Split a rule into literal text and wildcards.

        Raises:
            RouteSyntaxError: A ``<`` that does not start a valid wildcard, or a bad regex.
            RouterUnknownModeError: An unknown filter name.
        """
        tokens: list[str | _Wildcard] = []
        regex: list[str] = []
        names: list[str | None] = []
        literal: list[str] = []
        pos = 0
        for match in _TOKEN.finditer(rule):
            literal.append(rule[pos : match.start()])
            pos = match.end()
            escaped, name, mode, conf = match.groups()
            if escaped is not None:
                literal.append(escaped)
                continue
            if literal:
                text = "".join(literal)
                if text:
                    tokens.append(text)
                    regex.append(re.escape(text))
                literal = []
            mode = mode or self.default_filter
            factory = self.filters.get(mode)
            if factory is None:
                raise RouterUnknownModeError(f"unknown filter {mode!r} in rule {rule!r}")
            pattern, to_python, to_url = factory(conf or "")
            wildcard = _Wildcard(name, pattern, to_python, to_url, mode == "path", mode)
            tokens.append(wildcard)
            names.append(name)
            regex.append(f"({_noncapturing(pattern)})")
        tail = "".join(literal) + rule[pos:]
        if "<" in rule[pos:]:
            raise RouteSyntaxError(
                f"malformed wildcard in rule {rule!r} (escape a literal '<' as '\\<')"
            )
        if tail:
            tokens.append(tail)
            regex.append(re.escape(tail))
        # NOTE: \Z, not $: "$" also matches before a trailing newline, so "/n/5%0A" would
        # match "/n/<x:int>" with x=5.
        source = "^" + "".join(regex) + r"\Z"
        try:
            re.compile(source)
        except re.error as exc:
            raise RouteSyntaxError(f"bad pattern in rule {rule!r}: {exc}") from exc
        static = all(isinstance(t, str) for t in tokens)
        return ParsedRule(rule, tokens, source, static, tuple(names))

    def add(self, rule: str, method: str, target: T, name: str | None = None) -> ParsedRule:
        """Add a target for ``method`` on ``rule``; returns the parsed rule.

        ``method`` is upper-cased here, as a convenience of registration; a request's
        method is matched exactly as sent (RFC 9110 section 9.1: ``get`` is not ``GET``).

        Raises:
            RouteError: The same method is already registered for an equivalent rule, or
                the method is not a token.
        """
        parsed = self.parse(rule)
        method = method.upper()
        if _METHOD.fullmatch(method) is None:
            raise RouteError(
                f"invalid method {method!r} for rule {rule!r}: a method is a token"
                " (RFC 9110 section 9.1)"
            )
        if name:
            self.builder[name] = parsed
        self.rules.setdefault(rule, {})
        if parsed.static:
            path = parsed.literal_prefix()
            targets = self.static.setdefault(path, {})
            if method in targets:
                raise RouteError(f"route {method} {rule!r} is already registered")
            targets[method] = target
            self.rules[rule][method] = target
            return parsed
        dynamic = self._dynamic.get(parsed.regex)
        if dynamic is None:
            converters: list[tuple[str, Callable[[str], Any]] | None] = []
            for token in parsed.tokens:
                if isinstance(token, _Wildcard):
                    converters.append(None if token.name is None else (token.name, token.to_python))
            dynamic = _DynamicRule[T](parsed, re.compile(parsed.regex), tuple(converters))
            self._dynamic[parsed.regex] = dynamic
            self._index(parsed).rules.append(dynamic)
        if method in dynamic.targets:
            raise RouteError(
                f"route {method} {rule!r} is already registered (as {dynamic.parsed.rule!r})"
            )
        dynamic.targets[method] = target
        self.rules[rule][method] = target
        return parsed

    def _index(self, parsed: ParsedRule) -> _Node[T]:
        """The trie node for the rule's leading, fully static path segments."""
        prefix = parsed.literal_prefix()
        node = self._root
        segments = prefix.split("/")[1:-1] if prefix.startswith("/") else []
        for segment in segments:
            child = node.children.get(segment)
            if child is None:
                child = node.children[segment] = _Node()
            node = child
        return node

    # -- matching -----------------------------------------------------------------------

    def find(self, method: str, path: str) -> tuple[T, dict[str, Any]] | None:
        """Find the target for a request; ``None`` when nothing serves ``method`` here.

        Raises:
            MatchFailure: A wildcard's converter refused the text (a 400).
        """
        found = self.resolve(method, path)
        return None if isinstance(found, frozenset) else found

    def resolve(self, method: str, path: str) -> tuple[T, dict[str, Any]] | frozenset[str]:
        """Find the target for a request in one search; on a miss, every method some route
        serves at ``path`` instead (empty for a 404, the ``Allow`` set for a 405).

        Raises:
            MatchFailure: A wildcard's converter refused the text (a 400).
        """
        targets = self.static.get(path)
        if targets is not None:
            target = targets.get(method)
            if target is None:
                target = _fallback(targets, method)
            if target is not None:
                return target, {}
        # PERF: a miss collects the allowed methods on the way, so a 404 or 405 walks the
        # trie once, not twice (bench: 404, 405); the list is made only then (bench: lookup,
        # 10 routes).
        matched: list[dict[str, T]] | None = None
        for rule in self._candidates(path):
            match = rule.match(path)
            if match is not None:
                served = rule.targets
                target = served.get(method)
                if target is None:
                    target = _fallback(served, method)
                if target is not None:
                    return target, rule.args_of(match)
                if matched is None:
                    matched = [served]
                else:
                    matched.append(served)
        if targets is None and matched is None:
            return _NO_METHODS
        allowed: set[str] = set(targets or ())
        for served in matched or ():
            allowed.update(served)
        return frozenset(allowed)

    def _candidates(self, path: str) -> list[_DynamicRule[T]]:
        """Dynamic rules that may match ``path``: walk the trie along the path's leading
        segments; deeper (more specific) prefixes first, registration order within one."""
        node = self._root
        found = node.rules
        pos = 1
        while node.children:
            end = path.find("/", pos)
            if end < 0:
                break
            child = node.children.get(path[pos:end])
            if child is None:
                break
            node = child
            if node.rules:
                found = node.rules + found if found else node.rules
            pos = end + 1
        return found

    def allowed_methods(self, path: str) -> frozenset[str]:
        """Every method some route serves at ``path`` (for a 405's ``Allow``)."""
        allowed: set[str] = set(self.static.get(path, ()))
        for rule in self._candidates(path):
            if rule.regex.match(path) is not None:
                allowed.update(rule.targets)
        return frozenset(allowed)

    def lookup(self, method: str, path: str) -> tuple[T, dict[str, Any]]:
        """Find the target for a request.

        Returns:
            ``(target, url_args)``.

        Raises:
            MatchFailure: Nothing matched (404), or only other methods did (405), or a
                wildcard's converter refused the text (400).
        """
        found = self.resolve(method, path)
        if isinstance(found, frozenset):
            raise MatchFailure(found)
        return found

    def match(self, environ: dict[str, Any]) -> tuple[T, dict[str, Any]]:
        """Match a WSGI environ (``REQUEST_METHOD`` and ``PATH_INFO``)."""
        return self.lookup(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO") or "/")

    # -- building -----------------------------------------------------------------------

    def build(self, _name: str, *anons: object, **query: object) -> str:
        """Build the URL of the named route (or rule), quoting each value.

        Unused keyword arguments become the query string.

        Raises:
            RouteBuildError: Unknown route, or a wildcard without a value.
        """
        parsed = self.builder.get(_name)
        if parsed is None:
            if _name.startswith("/"):
                parsed = self.parse(_name)
            else:
                raise RouteBuildError(f"no route named {_name!r}")
        parts: list[str] = []
        anon_values: Iterator[object] = iter(anons)
        for token in parsed.tokens:
            if isinstance(token, str):
                parts.append(quote(token, safe="/:@!$&'()*+,;=-._~"))
                continue
            if token.name is None:
                try:
                    value = next(anon_values)
                except StopIteration:
                    raise RouteBuildError(f"missing anonymous value for {_name!r}") from None
            elif token.name in query:
                value = query.pop(token.name)
            else:
                raise RouteBuildError(f"missing value {token.name!r} for route {_name!r}")
            text = token.to_url(value)
            parts.append(quote(text, safe="/" if token.is_path else ""))
        url = "".join(parts)
        if query:
            url += "?" + urlencode([(k, str(v)) for k, v in query.items()])
        return url

    def iter_rules(self) -> Iterable[tuple[str, dict[str, T]]]:
        """Every ``(rule, {method: target})`` pair."""
        return self.rules.items()


#: The methods served at a path no route matches (shared: a 404 allocates nothing).
_NO_METHODS: frozenset[str] = frozenset()


def _fallback(targets: dict[str, T], method: str) -> T | None:
    """HEAD falls back to GET; any method falls back to ANY."""
    if method == "HEAD":
        target = targets.get("GET")
        if target is not None:
            return target
    return targets.get("ANY")


def _args_builder(converters: tuple[tuple[str, Callable[[str], Any]] | None, ...]) -> _ArgsOf:
    """The function that turns a match of a rule with these wildcards into URL arguments
    (``converters``: ``(name, to_python)`` per wildcard, ``None`` for an anonymous one).

    A converter's ``ValueError`` becomes a :class:`MatchFailure` with ``bad_format`` (a 400).
    """
    # PERF: one function per rule shape instead of a generic loop over the wildcards, so a
    # rule with one wildcard (the usual /items/<id:int>) costs one call, no loop (bench:
    # lookup, 10 routes; int param, 100 routes).
    named = [(group, c[0], c[1]) for group, c in enumerate(converters, 1) if c is not None]
    if not named:
        return lambda match: {}
    if len(named) == 1:
        ((group, name, to_python),) = named
        if to_python is _identity:
            return lambda match: {name: match.group(group)}

        def one_converted(match: re.Match[str]) -> dict[str, Any]:
            try:
                return {name: to_python(match.group(group))}
            except ValueError:
                raise MatchFailure(frozenset(), bad_format=True) from None

        return one_converted
    if all(to_python is _identity for _, _, to_python in named):
        names = tuple(name for _, name, _ in named)
        if len(named) == len(converters):
            return lambda match: dict(zip(names, match.groups(), strict=True))
        groups = tuple(group for group, _, _ in named)
        return lambda match: dict(zip(names, match.group(*groups), strict=True))

    def converted(match: re.Match[str]) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for group, name, to_python in named:
            try:
                args[name] = to_python(match.group(group))
            except ValueError:
                raise MatchFailure(frozenset(), bad_format=True) from None
        return args

    return converted
