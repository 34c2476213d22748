"""The router's lookup: ``Router.resolve`` answers exactly as the generic lookup it
replaced (kept here as the reference), for random route tables and paths."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lcore import Router
from lcore.errors import RouteError
from lcore.routing import MatchFailure
from lcore.routing import _identity as identity  # pyright: ignore[reportPrivateUsage]

Outcome = tuple[Any, ...]


# -- the reference: the lookup before the per-rule argument builders ----------------------


def reference_candidates(router: Router[Any], path: str) -> list[Any]:
    node = router._root  # pyright: ignore[reportPrivateUsage]
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


def reference_fallback(targets: dict[str, Any], method: str) -> Any:
    if method == "HEAD":
        target = targets.get("GET")
        if target is not None:
            return target
    return targets.get("ANY")


def reference_convert(rule: Any, match: re.Match[str]) -> dict[str, Any]:
    groups = match.groups()
    simple = all(c is not None and c[1] is identity for c in rule.converters)
    if simple:
        return {c[0]: g for c, g in zip(rule.converters, groups, strict=True) if c is not None}
    args: dict[str, Any] = {}
    for converter, text in zip(rule.converters, groups, strict=True):
        if converter is None:
            continue
        name, to_python = converter
        try:
            args[name] = to_python(text)
        except ValueError:
            raise MatchFailure(frozenset(), bad_format=True) from None
    return args


def reference_resolve(
    router: Router[Any], method: str, path: str
) -> tuple[Any, dict[str, Any]] | frozenset[str]:
    targets = router.static.get(path)
    if targets is not None:
        target = targets.get(method)
        if target is None:
            target = reference_fallback(targets, method)
        if target is not None:
            return target, {}
    matched: list[dict[str, Any]] = []
    for rule in reference_candidates(router, path):
        match = rule.regex.match(path)
        if match is not None:
            target = rule.targets.get(method)
            if target is None:
                target = reference_fallback(rule.targets, method)
            if target is not None:
                return target, reference_convert(rule, match)
            matched.append(rule.targets)
    allowed: set[str] = set(targets or ())
    for served in matched:
        allowed.update(served)
    return frozenset(allowed)


def outcome(resolve: Callable[[], tuple[Any, dict[str, Any]] | frozenset[str]]) -> Outcome:
    """What a lookup answered, with each argument's type (``1 == 1.0`` must not hide a
    difference)."""
    try:
        found = resolve()
    except MatchFailure as failure:
        return ("bad", failure.allowed, failure.bad_format)
    if isinstance(found, frozenset):
        return ("miss", found)
    target, args = found
    return ("hit", target, list(args.items()), [type(v) for v in args.values()])


# -- route tables -------------------------------------------------------------------------


def _even(conf: str) -> tuple[str, Callable[[str], Any], Callable[[Any], str]]:
    """A custom filter whose converter refuses some text its regex accepts (a 400)."""

    def to_python(text: str) -> int:
        if int(text) % 2:
            raise ValueError(text)
        return int(text)

    return r"[0-9]+", to_python, str


def _upper(conf: str) -> tuple[str, Callable[[str], Any], Callable[[Any], str]]:
    """A custom filter with a non-identity converter that never fails."""
    return conf or r"[a-z]+", str.upper, str


WILDCARDS = [
    "<{n}>",
    "<{n}:int>",
    "<{n}:float>",
    "<{n}:path>",
    "<{n}:re:[a-c]+>",
    "<{n}:re:(x|y)-(\\d+)>",
    "<{n}:even>",
    "<{n}:upper>",
    "<:int>",
    "<:re:[0-9]>",
    "<>",
]
LITERALS = ["a", "b", "ab", "1", "-", "x.y", "é"]
METHODS = ["GET", "POST", "PUT", "HEAD", "ANY"]


@st.composite
def rule_texts(draw: st.DrawFn) -> str:
    """A rule of up to four segments; a segment is a literal, a wildcard, or both, and a
    name may repeat (``/<a>/<a>``)."""
    segments: list[str] = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        kind = draw(st.sampled_from(["literal", "wildcard", "wildcard", "mixed"]))
        name = draw(st.sampled_from(["a", "b", "id"]))
        wildcard = draw(st.sampled_from(WILDCARDS)).format(n=name)
        literal = draw(st.sampled_from(LITERALS))
        segments.append(
            literal if kind == "literal" else wildcard if kind == "wildcard" else literal + wildcard
        )
    rule = "/" + "/".join(segments)
    if draw(st.booleans()):
        rule += "/"
    return rule


@st.composite
def routers(draw: st.DrawFn) -> Router[int]:
    router: Router[int] = Router()
    router.add_filter("even", _even)
    router.add_filter("upper", _upper)
    for index in range(draw(st.integers(min_value=1, max_value=10))):
        rule = draw(rule_texts())
        try:
            router.add(rule, draw(st.sampled_from(METHODS)), index)
        except RouteError:  # a method registered twice for one rule: drawn again, skipped
            continue
    return router


#: Also empty, a newline ("$" would match before it) and Arabic-Indic digits (int() reads them).
SEGMENT_TEXT = "a b ab abc 1 42 -7 0 3.5 1.2.3 x-1 y-22 é x.y A - a1 ba".split() + [
    "",
    "\n",
    "5\n",
    "١٢",
]


@st.composite
def paths(draw: st.DrawFn) -> str:
    """Paths made of the pieces the rules use, so hits, misses, 405s and 400s all occur."""
    pieces = st.sampled_from(SEGMENT_TEXT + LITERALS)
    segments = draw(st.lists(st.lists(pieces, max_size=2).map("".join), max_size=5))
    path = "/" + "/".join(segments)
    if draw(st.booleans()):
        path += "/"
    return path


def filled_paths(router: Router[int]) -> st.SearchStrategy[str]:
    """Paths made from the router's rules, each wildcard filled with text that its filter
    may accept or refuse (so hits with arguments, 405s and 400s occur, not only 404s)."""
    rules = [router.parse(text) for text, _ in router.iter_rules()]
    if not rules:
        return paths()
    anything = st.sampled_from(SEGMENT_TEXT + ["1" * 4301, "ab/1", "a/b/c"])
    refused = {"int": st.just("1" * 4301), "float": st.just("1.2.3"), "even": st.just("3")}

    @st.composite
    def filled(draw: st.DrawFn) -> str:
        parts: list[str] = []
        for token in draw(st.sampled_from(rules)).tokens:
            if isinstance(token, str):
                parts.append(token)
                continue
            fitting = st.from_regex(token.pattern, fullmatch=True)
            text = st.one_of(fitting, fitting, refused.get(token.mode, anything), anything)
            parts.append(draw(text))
        return "".join(parts)

    return filled()


# -- the properties -----------------------------------------------------------------------


@given(routers(), st.lists(paths(), min_size=1, max_size=10), st.sampled_from(METHODS))
def test_resolve_answers_as_the_reference_lookup(
    router: Router[int], requests: list[str], method: str
) -> None:
    for path in requests:
        expected = outcome(lambda: reference_resolve(router, method, path))
        assert outcome(lambda: router.resolve(method, path)) == expected, (path, method)


@given(routers(), st.sampled_from(METHODS), st.data())
def test_paths_filled_from_the_rules_answer_as_the_reference(
    router: Router[int], method: str, data: st.DataObject
) -> None:
    for path in data.draw(st.lists(filled_paths(router), min_size=1, max_size=10)):
        expected = outcome(lambda: reference_resolve(router, method, path))
        assert outcome(lambda: router.resolve(method, path)) == expected, (path, method)


@given(routers(), st.sampled_from(METHODS))
@example(router=Router(), method="GET")
def test_every_rule_answers_its_own_paths_as_the_reference(
    router: Router[int], method: str
) -> None:
    """The rules' own texts, taken as paths (hits for the literal rules and for wildcards
    that accept their own text)."""
    for rule in [text for text, _ in router.iter_rules()]:
        expected = outcome(lambda: reference_resolve(router, method, rule))
        assert outcome(lambda: router.resolve(method, rule)) == expected


@pytest.mark.parametrize(
    ("rule", "path", "args"),
    [
        ("/n/<x:int>", "/n/-12", {"x": -12}),
        ("/n/<x>/<y:int>", "/n/a/3", {"x": "a", "y": 3}),
        ("/n/<x>/<y>", "/n/a/b", {"x": "a", "y": "b"}),
        ("/n/<:int>/<y>", "/n/1/b", {"y": "b"}),
        ("/n/<x>/<:int>/<y>", "/n/a/1/b", {"x": "a", "y": "b"}),
        ("/n/<:int>/<:int>", "/n/1/2", {}),
        ("/n/<x>/<x>", "/n/a/b", {"x": "b"}),
        ("/n/<x:int>/<x>", "/n/1/b", {"x": "b"}),
        ("/n/<x:re:(a)(b)>/<y:int>", "/n/ab/7", {"x": "ab", "y": 7}),
    ],
)
def test_url_arguments_by_rule_shape(rule: str, path: str, args: dict[str, Any]) -> None:
    router: Router[int] = Router()
    router.add(rule, "GET", 1)
    assert router.resolve("GET", path) == (1, args)
    assert router.resolve("GET", path) == reference_resolve(router, "GET", path)


def test_each_lookup_gets_its_own_arguments_dict() -> None:
    """A handler may change ``request.url_args``; the next request must not see it."""
    router: Router[int] = Router()
    for rule in ("/a/<x>", "/b/<x:int>", "/c/<x>/<y>", "/d/<:int>", "/e/<x:int>/<y>"):
        router.add(rule, "GET", 1)
    for path in ("/a/1", "/b/1", "/c/1/2", "/d/1", "/e/1/2"):
        first = router.resolve("GET", path)
        second = router.resolve("GET", path)
        assert not isinstance(first, frozenset) and not isinstance(second, frozenset)
        assert first[1] == second[1] and first[1] is not second[1]


@pytest.mark.parametrize("rule", ["/n/<x:int>", "/n/<x:int>/<y>", "/n/<x:float>"])
def test_a_number_int_or_float_refuses_is_a_bad_format_as_before(rule: str) -> None:
    router: Router[int] = Router()
    router.add(rule, "GET", 1)
    # int() refuses more than 4,300 digits (sys.int_info); float() refuses "1.2.3".
    text = "1" * 5000 if ":int" in rule else "1.2.3"
    path = "/n/" + text + ("/b" if rule.endswith("<y>") else "")
    assert outcome(lambda: router.resolve("GET", path)) == ("bad", frozenset(), True)
    assert outcome(lambda: reference_resolve(router, "GET", path)) == ("bad", frozenset(), True)
