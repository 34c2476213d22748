"""The query read against its references as they were at 6ac58fd: ``parse_qs_lists`` (the field
limit inlined, a separate plain loop) and ``FormsDict.get`` (a fast path for the last value)."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import example, given
from hypothesis import strategies as st

from lcore.datastructures import FormsDict, MultiDict
from lcore.errors import ClientError
from lcore.http import _decode_component, _fields, parse_qs_lists
from lcore.limits import DEFAULT_LIMITS
from lcore.request import Request


def old_parse_qs_lists(qs: str, max_fields: int, where: str = "query") -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    if not qs:
        return data
    parts = _fields(qs, max_fields, where)
    plain = qs.isascii() and "%" not in qs and "+" not in qs
    for part in parts:
        if not part:
            continue
        name, _, value = part.partition("=")
        if not plain:
            name, value = _decode_component(name, where), _decode_component(value, where)
        values = data.get(name)
        if values is None:
            data[name] = [value]
        else:
            values.append(value)
    return data


def outcome(parse: Callable[[], dict[str, list[str]]]) -> object:
    try:
        return ("ok", list(parse().items()))  # items in order: insertion order is observable
    except ClientError as error:
        return ("error", error.status, error.type, error.msg, repr(error.detail))


# Query text as a WSGI server hands it over (latin-1 carried bytes): separators, escapes
# valid and not (bad UTF-8 too), plus signs, repeated names, empty fields.
query_texts = st.lists(
    st.sampled_from(
        [
            "a",
            "b",
            "=",
            "&",
            "&&",
            "%",
            "%2",
            "%41",
            "%C3%A9",
            "%FF",
            "%E9",
            "+",
            "é",
            "\xff",
            "x y",
            "",
        ]
    ),
    max_size=30,
).map("".join) | st.text(alphabet=st.characters(max_codepoint=255), max_size=40)


@given(query_texts, st.integers(min_value=1, max_value=12), st.sampled_from(["query", "body"]))
@example("a=1&a=2&b=&c&&=d&a=3", 5, "query")
@example("&&&&&&&&a", 1, "query")
@example("a&b&c", 2, "query")
@example("a&b", 2, "query")
@example("%FF=1", 4, "body")
def test_parse_qs_lists_agrees_with_the_old_parser(qs: str, max_fields: int, where: str) -> None:
    assert outcome(lambda: parse_qs_lists(qs, max_fields, where)) == outcome(
        lambda: old_parse_qs_lists(qs, max_fields, where)
    )


@given(query_texts)
def test_request_query_agrees_with_the_old_parser(qs: str) -> None:
    def read() -> dict[str, list[str]]:
        return dict(Request({"QUERY_STRING": qs}).query._data)

    expected = outcome(lambda: old_parse_qs_lists(qs, DEFAULT_LIMITS.max_fields))
    assert outcome(read) == expected
    query = Request({"QUERY_STRING": qs}).query if expected[0] == "ok" else None
    if query is not None:
        assert type(query) is FormsDict
        assert repr(query) == repr(FormsDict(list(query.allitems())))


def old_get(
    storage: dict[str, list[str]],
    key: str,
    default: object = None,
    index: int = -1,
    convert: Callable[[str], object] | None = None,
) -> object:
    # MultiDict.get as it was for every MultiDict: the _lookup path.
    return MultiDict.from_lists(storage)._lookup(key, default, index, convert)  # pyright: ignore[reportPrivateUsage]


def outcome_of(call: Callable[[], object]) -> object:
    try:
        return ("ok", call())
    except Exception as error:  # the same exception type either way
        return ("error", type(error))


storages = st.dictionaries(
    st.sampled_from(["a", "b", "c", ""]),
    st.lists(st.sampled_from(["1", "x", "", "-2"]), max_size=3),
)
converters: st.SearchStrategy[Callable[[str], object] | None] = st.sampled_from(
    [None, int, str.upper]
)


@given(
    storages,
    st.sampled_from(["a", "b", "c", "", "z"]),
    st.none() | st.just("dflt"),
    st.integers(min_value=-4, max_value=3),
    converters,
)
def test_forms_get_agrees_with_the_generic_lookup(
    storage: dict[str, list[str]],
    key: str,
    default: str | None,
    index: int,
    convert: Callable[[str], object] | None,
) -> None:
    forms = FormsDict.from_lists({k: list(v) for k, v in storage.items()})
    expected = outcome_of(lambda: old_get(storage, key, default, index, convert))
    assert outcome_of(lambda: forms.get(key, default, index, type=convert)) == expected
    if index == -1 and convert is None:
        assert outcome_of(lambda: forms.get(key, default)) == expected
        if default is None:
            assert outcome_of(lambda: forms.get(key)) == expected
