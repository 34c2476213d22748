"""MultiDict, FormsDict, HeaderDict and WSGIHeaderDict."""

from __future__ import annotations

import pytest

from lcore import FormsDict, HeaderDict, MultiDict, WSGIHeaderDict
from lcore.datastructures import check_header_name, check_header_value, iter_pairs


def test_multidict_keeps_every_value() -> None:
    d: MultiDict[str] = MultiDict([("a", "1"), ("b", "2")], a="3")
    assert d["a"] == "3"
    assert d.getall("a") == ["1", "3"]
    assert d.getlist("a") == ["1", "3"]
    assert d.getone("a") == "1"
    assert d.getone("missing", "d") == "d"
    assert d.getall("missing") == []
    assert list(d) == ["a", "b"]
    assert len(d) == 2
    assert "a" in d and "z" not in d
    assert list(d.allitems()) == [("a", "1"), ("a", "3"), ("b", "2")]
    assert list(d.items()) == [("a", "3"), ("b", "2")]
    assert list(d.values()) == ["3", "2"]
    assert repr(d) == "MultiDict([('a', '1'), ('a', '3'), ('b', '2')])"


def test_multidict_from_mapping_and_mutation() -> None:
    d: MultiDict[int] = MultiDict({"x": 1})
    d.append("x", 2)
    assert d.getall("x") == [1, 2]
    d["x"] = 5
    assert d.getall("x") == [5]
    d.append("y", 1)
    d.replace("y", 9)
    assert d.getall("y") == [9]
    del d["y"]
    assert "y" not in d
    with pytest.raises(KeyError):
        _ = d["y"]
    assert MultiDict().getall("k") == []


def test_multidict_get_index_and_type() -> None:
    d: MultiDict[str] = MultiDict([("n", "1"), ("n", "x")])
    assert d.get("n") == "x"
    assert d.get("n", index=0) == "1"
    assert d.get("n", None, 0, type=int) == 1
    assert d.get("n", -1, type=int) == -1  # ValueError -> default
    assert d.get("n", "d", 5) == "d"  # IndexError -> default
    assert d.get("missing") is None
    assert d.get("missing", "d") == "d"
    assert d.get("n", "d", type=lambda v: None + v) == "d"  # TypeError -> default


def test_forms_dict_attribute_access() -> None:
    f = FormsDict([("name", "Jo"), ("name", "Ann")])
    assert f.name == "Ann"
    assert f.missing == ""
    with pytest.raises(AttributeError):
        _ = f.__nonexistent_dunder__
    copy = f.decode()
    assert isinstance(copy, FormsDict)
    assert copy.getall("name") == ["Jo", "Ann"]
    assert copy is not f
    assert f.getunicode("name") == "Ann"
    assert f.getunicode("missing", "d") == "d"


def test_header_dict_is_case_insensitive() -> None:
    h = HeaderDict([("content-type", "text/plain")])
    h["x_custom_header"] = "1"
    h.append("X-Multi", "a")
    h.append("x-multi", "b")
    assert h["Content-Type"] == "text/plain"
    assert h["CONTENT-TYPE"] == "text/plain"
    assert "content-type" in h
    assert 5 not in h
    assert list(h) == ["Content-Type", "X-Custom-Header", "X-Multi"]
    assert h.getall("X-MULTI") == ["a", "b"]
    assert h.getlist("x-multi") == ["a", "b"]
    assert h.get("x-multi") == "b"
    assert h.get("x-multi", None, 0) == "a"
    assert h.get("x-multi", -1, type=int) == -1
    h["Content-Length"] = "12"
    assert h.get("content-length", 0, type=int) == 12
    del h["Content-Length"]
    h.replace("x-multi", "c")
    assert h.getall("X-Multi") == ["c"]
    del h["x-custom-header"]
    assert "X-Custom-Header" not in h
    h.filter(["content-type", "not-there"])
    assert list(h) == ["X-Multi"]


@pytest.mark.parametrize("bad", ["a\r", "\nb", "a\0b"])
def test_header_dict_refuses_control_characters(bad: str) -> None:
    h = HeaderDict()
    with pytest.raises(ValueError):
        h["X"] = bad
    with pytest.raises(ValueError):
        h.append("X", bad)
    with pytest.raises(ValueError):
        h[bad] = "v"
    with pytest.raises(ValueError):
        h.replace("X", bad)
    assert len(h) == 0


def test_check_header_value() -> None:
    assert check_header_value("fine value\t") == "fine value\t"
    with pytest.raises(TypeError):
        check_header_value(b"bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    ["", "plain", "tab\tinside", "caf\xe9", "\x80\x9f\xa0\xff", '"q", (c); k=v', "a" * 9999],
)
def test_check_header_value_allows_visible_latin1_spaces_and_tabs(value: str) -> None:
    assert check_header_value(value) == value


@pytest.mark.parametrize(
    "value",
    [chr(code) for code in range(32) if code != 9] + ["\x7f", "ok\x7f", "€", "\u0100", "\udcff"],
)
def test_check_header_value_refuses_controls_and_non_latin1(value: str) -> None:
    with pytest.raises(ValueError, match="header value"):
        check_header_value(value)


@pytest.mark.parametrize("name", ["X-Token", "x_custom", "!#$%&'*+-.^_`|~09azAZ"])
def test_check_header_name_accepts_tokens(name: str) -> None:
    assert check_header_name(name) == name


@pytest.mark.parametrize(
    "name", ["", " ", "a b", "a:b", "é", "a\tb", "a\r\nb", "a\x00", "\x7f", "(x)", "a=b", "{}"]
)
def test_check_header_name_refuses_what_is_not_a_token(name: str) -> None:
    with pytest.raises(ValueError, match="header name"):
        check_header_name(name)
    with pytest.raises(ValueError, match="header name"):
        HeaderDict()[name] = "v"


def test_check_header_name_needs_a_string() -> None:
    with pytest.raises(TypeError):
        check_header_name(5)  # type: ignore[arg-type]  # the check a type checker cannot make
    with pytest.raises(TypeError):
        HeaderDict().append(5, "v")  # type: ignore[arg-type]  # the same, through the dict


def test_header_dict_takes_any_number_of_distinct_names() -> None:
    h = HeaderDict()
    for i in range(2000):  # more than the names cached as checked
        h.append(f"x-name_{i}", str(i))
    assert h["X-Name-1999"] == "1999"
    assert len(h) == 2000


def test_wsgi_header_dict() -> None:
    environ = {
        "HTTP_X_TOKEN": "abc",
        "HTTP_ACCEPT": "*/*",
        "CONTENT_TYPE": "text/plain",
        "CONTENT_LENGTH": "3",
        "HTTP_WEIRD": 5,
        "PATH_INFO": "/",
        "wsgi.input": None,
    }
    h = WSGIHeaderDict(environ)
    assert h["x-token"] == "abc"
    assert h["Content-Type"] == "text/plain"
    assert h["content-length"] == "3"
    assert "accept" in h
    assert 3 not in h
    # A value that is not a string is not a header: left out, so iterating never fails.
    assert sorted(h) == ["Accept", "Content-Length", "Content-Type", "X-Token"]
    assert len(h) == 4
    assert dict(h) == {
        "X-Token": "abc",
        "Accept": "*/*",
        "Content-Type": "text/plain",
        "Content-Length": "3",
    }
    assert "Weird" not in h
    with pytest.raises(KeyError):
        _ = h["Weird"]  # not a string: not a header value
    with pytest.raises(KeyError):
        _ = h["Missing"]
    assert h.raw("Weird", "d") == "d"
    assert h.raw("x-token") == "abc"
    assert h.get("missing") is None
    with pytest.raises(TypeError):
        h["X"] = "1"
    with pytest.raises(TypeError):
        del h["X-Token"]


@pytest.mark.parametrize(
    "key",
    [
        "HTTP_X_-A",
        "HTTP_",
        "HTTP__",
        "HTTP_x",
        "HTTP_X__A",
        "HTTP_É",
        "HTTP_ß",
        "HTTP_ǅ",
        "HTTP_日本",
        "HTTP_A B",
        "HTTP_\x00",
        "HTTP_CONTENT_TYPE",
        "HTTP_CONTENT_LENGTH",
    ],
)
def test_wsgi_header_dict_lists_only_what_it_can_read(key: str) -> None:
    h = WSGIHeaderDict({key: "odd", "HTTP_ACCEPT": "*/*", "CONTENT_TYPE": "text/plain"})
    headers = dict(h)  # iterating and reading back never raises
    assert headers["Accept"] == "*/*"
    assert headers["Content-Type"] == "text/plain"
    assert len(h) == len(headers) == len(list(h))
    for name, value in headers.items():
        assert name
        assert name in h
        assert h[name] == h.get(name) == value


def test_wsgi_header_dict_ignores_keys_that_are_not_text() -> None:
    h = WSGIHeaderDict({"HTTP_ACCEPT": "*/*"})
    assert h.get(5) is None  # type: ignore[call-overload]  # a key of the wrong type: missing
    assert 5 not in h


def test_iter_pairs() -> None:
    assert list(iter_pairs({"a": 1})) == [("a", 1)]
    assert list(iter_pairs([("a", 1), ("a", 2)])) == [("a", 1), ("a", 2)]


def test_header_dict_keyword_construction() -> None:
    h = HeaderDict({"content-type": "a/b"}, x_token="t")
    assert list(h.allitems()) == [("Content-Type", "a/b"), ("X-Token", "t")]


def test_from_lists_takes_the_lists_as_its_storage() -> None:
    data = {"a": ["1", "3"], "b": ["2"]}
    forms = FormsDict.from_lists(data)
    assert isinstance(forms, FormsDict)
    assert forms["a"] == "3" and forms.getall("a") == ["1", "3"] and forms.b == "2"
    assert list(forms.allitems()) == [("a", "1"), ("a", "3"), ("b", "2")]
    forms.append("b", "4")
    assert data["b"] == ["2", "4"]  # no copy: the dict handed over is the storage
