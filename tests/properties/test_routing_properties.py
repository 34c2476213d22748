"""The router: a URL built for a named route matches that route with the same values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from hypothesis import given
from hypothesis import strategies as st

from lcore import Router
from lcore.http import decode_path
from lcore.routing import MatchFailure

#: (filter spec, strategy for its values); the values never contain '/' unless the filter
#: is ``path`` (a server decodes %2F before routing, so '/' cannot be inside a segment).
segment_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/"), min_size=1
)
path_text = st.lists(segment_text, min_size=1, max_size=4).map("/".join)

RE_FILTERS: list[tuple[str, str]] = [
    ("re:[a-z]+", "[a-z]+"),
    ("re:\\d{2,4}", "[0-9]{2,4}"),
    ("re:(?:ab|cd)+", "(ab|cd)+"),
    ("re:[0-9a-f]{8}", "[0-9a-f]{8}"),
    ("re:(x|y)-(\\d+)", "(x|y)-[0-9]+"),
]


@dataclass
class Wildcard:
    spec: str  # what goes after the name: "", ":int", ":path", ":re:..."
    values: st.SearchStrategy[Any]


def wildcard_kinds() -> list[Wildcard]:
    kinds = [
        Wildcard("", segment_text),
        Wildcard(":int", st.integers(min_value=-(10**12), max_value=10**12)),
        Wildcard(":re", segment_text),
    ]
    kinds += [
        Wildcard(f":{spec}", st.from_regex(regex, fullmatch=True)) for spec, regex in RE_FILTERS
    ]
    return kinds


literal = st.text(st.sampled_from("abcxyz-_.~é "), min_size=1, max_size=6)


@st.composite
def rules(draw: st.DrawFn, index: int) -> tuple[str, dict[str, Any]]:
    """A rule ``/r<index>/...`` (unique first segment) and values for its wildcards."""
    parts = [f"r{index}"]
    values: dict[str, Any] = {}
    for position in range(draw(st.integers(min_value=0, max_value=4))):
        if draw(st.booleans()):
            parts.append(draw(literal))
            continue
        kind = draw(st.sampled_from(wildcard_kinds()))
        name = f"w{position}"
        parts.append(f"<{name}{kind.spec}>")
        values[name] = draw(kind.values)
    if draw(st.booleans()):
        parts.append("<tail:path>")
        values["tail"] = draw(path_text)
    rule = "/" + "/".join(parts)
    if draw(st.booleans()):
        rule += "/"
    return rule, values


@st.composite
def route_tables(draw: st.DrawFn) -> list[tuple[str, dict[str, Any]]]:
    count = draw(st.integers(min_value=1, max_value=8))
    return [draw(rules(i)) for i in range(count)]


def as_server_would(url: str) -> str:
    """Percent-decode the path of a built URL as a WSGI server does, then as lcore does."""
    path = url.split("?", 1)[0]
    return decode_path(unquote_to_bytes(path).decode("latin-1"))


@given(route_tables(), st.sampled_from(["GET", "POST", "ANY"]))
def test_built_url_matches_its_own_route(
    table: list[tuple[str, dict[str, Any]]], method: str
) -> None:
    router: Router[int] = Router()
    for index, (rule, _values) in enumerate(table):
        router.add(rule, method, index, name=f"route{index}")
    for index, (_rule, values) in enumerate(table):
        url = router.build(f"route{index}", **values)
        target, args = router.lookup("GET" if method == "ANY" else method, as_server_would(url))
        assert target == index
        assert args == values


@given(route_tables(), st.dictionaries(st.sampled_from(["q", "page", "x y"]), segment_text))
def test_extra_build_arguments_become_the_query(
    table: list[tuple[str, dict[str, Any]]], query: dict[str, str]
) -> None:
    from urllib.parse import parse_qsl

    router: Router[int] = Router()
    rule, values = table[0]
    router.add(rule, "GET", 0, name="r")
    url = router.build("r", **values, **query)
    path, _, qs = url.partition("?")
    assert dict(parse_qsl(qs, keep_blank_values=True)) == query
    assert router.lookup("GET", as_server_would(path)) == (0, values)


@given(route_tables(), st.sampled_from(["PUT", "DELETE"]))
def test_other_methods_get_405_with_the_registered_one(
    table: list[tuple[str, dict[str, Any]]], other: str
) -> None:
    router: Router[int] = Router()
    for index, (rule, _values) in enumerate(table):
        router.add(rule, "POST", index, name=f"route{index}")
    for index, (_rule, values) in enumerate(table):
        url = router.build(f"route{index}", **values)
        try:
            router.lookup(other, as_server_would(url))
        except MatchFailure as failure:
            assert failure.allowed == {"POST"}
        else:
            raise AssertionError("a method that was not registered matched")


RULES = st.sampled_from(
    ["/", "/a", "/a/<x>", "/a/<x:int>", "/a/b", "/<name>", "/f/<p:path>", "/a/<x:re:\\d+>"]
)
ROUTER_METHODS = st.sampled_from(["GET", "POST", "PUT", "ANY"])
PROBE_PATHS = st.sampled_from(["/", "/a", "/a/", "/a/1", "/a/x", "/a/b", "/b", "/f/g/h", "/zz/q"])


@given(
    st.lists(st.tuples(RULES, ROUTER_METHODS), max_size=6, unique=True),
    st.sampled_from(["GET", "HEAD", "POST", "DELETE", "get"]),
    PROBE_PATHS,
)
def test_resolve_is_find_then_allowed_methods(
    routes: list[tuple[str, str]], method: str, path: str
) -> None:
    router: Router[int] = Router()
    for index, (rule, route_method) in enumerate(routes):
        router.add(rule, route_method, index)
    try:
        expected: object = router.find(method, path)
    except MatchFailure as failure:
        expected = ("400", failure.bad_format)
    if expected is None:
        expected = router.allowed_methods(path)
    try:
        found: object = router.resolve(method, path)
    except MatchFailure as failure:
        found = ("400", failure.bad_format)
    assert found == expected
