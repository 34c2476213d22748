"""Typed handlers: signature analysis, every parameter source and type through the app, the
422 shape listing every problem, 415, returned dataclasses, and plain handlers unchanged."""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
import types
import typing
from collections.abc import Callable
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal, TypedDict
from uuid import UUID

import pytest

from lcore import Body, Cookie, Header, HTTPResponse, Lcore, Path, Query, TestClient
from lcore.params import ParamSpec, analyze_handler, compile_binder, parse_docstring
from tests.enums import Color, Level

EMPTY = inspect.Parameter.empty


@dataclasses.dataclass
class Address:
    street: str
    zip: str


@dataclasses.dataclass
class User:
    name: str
    age: int
    address: Address | None = None
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Category:
    name: str
    children: list[Category] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Everything:
    text: str
    count: int
    ratio: float
    flag: bool
    price: Decimal
    ident: UUID
    day: date
    moment: datetime
    clock: time
    color: Color
    level: Level
    mode: Literal["fast", "slow"]
    maybe: int | None
    numbers: list[int]
    scores: dict[str, float]
    home: Address
    note: str = "none"


class Movie(TypedDict):
    title: str
    year: int


class Draft(TypedDict, total=False):
    title: str
    year: int


class Memo(TypedDict):
    title: str
    body: typing.NotRequired[str]


class Outline(TypedDict):
    heading: str
    sections: list[Outline]


@dataclasses.dataclass
class Receipt:
    id: UUID
    at: datetime
    on: date
    open: time
    total: Decimal
    color: Color
    lines: list[Address]


def client_for(app: Lcore) -> TestClient:
    return TestClient(app)


def problems_of(answer: Any) -> list[dict[str, Any]]:
    """The ``detail`` list of a 422 answer, checking the rest of the shape."""
    assert answer.status_code == 422, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    payload = answer.json
    assert set(payload) == {"error", "status", "detail"}
    assert payload["error"] == "Unprocessable Entity"
    assert payload["status"] == 422
    return payload["detail"]  # type: ignore[no-any-return]


def typed_route(app: Lcore, annotation: Any, default: Any = EMPTY, rule: str = "/v") -> list[Any]:
    """Register ``handler(value: annotation [= default])`` and return what it receives."""
    seen: list[Any] = []

    def handler(value):  # type: ignore[no-untyped-def]
        seen.append(value)
        return "ok"

    handler.__annotations__ = {"value": annotation}
    if default is not EMPTY:
        handler.__defaults__ = (default,)
    app.get(rule)(handler)
    return seen


# -- analysis -----------------------------------------------------------------------------


def test_analysis_sources_wire_names_and_requiredness() -> None:
    def handler(
        id: int,
        q: str,
        limit: Annotated[int, Query(alias="page-size", ge=1)],
        x_token: Annotated[str, Header()],
        agent: Annotated[str | None, Header(alias="User-Agent")],
        sid: Annotated[str, Cookie()],
        user: User,
        tags: list[str] = [],  # noqa: B006 - read only
        plain=3,
    ) -> User:
        return user

    spec = analyze_handler(handler, {"id": int})
    got = {p.name: (p.source, p.wire_name, p.required, p.default) for p in spec.params}
    assert got == {
        "id": ("path", "id", True, EMPTY),
        "q": ("query", "q", True, EMPTY),
        "limit": ("query", "page-size", True, EMPTY),
        "x_token": ("header", "X-Token", True, EMPTY),
        "agent": ("header", "User-Agent", False, EMPTY),
        "sid": ("cookie", "sid", True, EMPTY),
        "user": ("body", "user", True, EMPTY),
        "tags": ("query", "tags", False, []),
    }
    assert spec.typed
    assert spec.return_annotation is User
    assert spec.path_types == {"id": int}
    by_name = {p.name: p for p in spec.params}
    assert by_name["tags"].is_list and not by_name["q"].is_list
    assert by_name["limit"].constraints.ge == 1
    assert not by_name["q"].constraints
    assert by_name["limit"].annotation is int
    assert by_name["user"].embed is False


def test_analysis_of_a_plain_handler() -> None:
    def handler(id, name="x"):  # type: ignore[no-untyped-def]
        return id

    spec = analyze_handler(handler, {"id": str})
    assert [(p.name, p.source, p.annotation) for p in spec.params] == [("id", "path", Any)]
    assert not spec.typed
    assert spec.return_annotation is EMPTY
    assert compile_binder(spec) is None


def test_analysis_skips_star_args_and_positional_only() -> None:
    def handler(a: int, /, b: int, *args: int, c: int = 0, **kw: int) -> None:
        del a, args, kw

    assert [p.name for p in analyze_handler(handler, {}).params] == ["b", "c"]


def test_several_body_parameters_each_read_one_key() -> None:
    def handler(user: User, note: Annotated[str, Body()]) -> None: ...

    assert [(p.name, p.embed) for p in analyze_handler(handler, {}).params] == [
        ("user", True),
        ("note", True),
    ]


def test_descriptions_from_markers_and_the_docstring() -> None:
    def handler(
        limit: Annotated[int, Query(description="From the marker")] = 10,
        offset: int = 0,
    ) -> None:
        """List things.

        Longer text,
        over two lines.

        Args:
            limit: From the docstring, ignored.
            offset: Where to start,
                continued here.

        Returns:
            Nothing.
        """

    spec = analyze_handler(handler, {})
    assert spec.summary == "List things."
    assert spec.description == "Longer text,\nover two lines."
    assert [p.description for p in spec.params] == [
        "From the marker",
        "Where to start, continued here.",
    ]


def test_parse_docstring_edge_cases() -> None:
    assert parse_docstring(None) == (None, None, {})
    assert parse_docstring("Only a summary.") == ("Only a summary.", None, {})
    doc = "Summary.\n\nArgs:\n    *args: Extra.\n    name (str): The name.\n\nRaises:\n    E: x"
    assert parse_docstring(doc) == ("Summary.", None, {"args": "Extra.", "name": "The name."})


def test_markers() -> None:
    marker = Query(alias="q", description="d", example=5, deprecated=True, max_length=3)
    assert (marker.alias, marker.description, marker.example, marker.deprecated) == (
        "q",
        "d",
        5,
        True,
    )
    assert marker.constraints.max_length == 3
    assert repr(Header(alias="X-A")) == "Header(alias='X-A')"
    assert Body(embed=True).embed
    assert [m.source for m in (Query(), Header(), Cookie(), Path(), Body())] == [
        "query",
        "header",
        "cookie",
        "path",
        "body",
    ]
    with pytest.raises(re.error):
        Query(pattern="[")


def test_param_spec_defaults() -> None:
    spec = ParamSpec("q", "query", "q", int, True, EMPTY, None)
    assert not spec.embed and spec.description is None and not spec.constraints


@pytest.mark.parametrize(
    ("annotation", "is_list"),
    [
        (list[int], True),
        (list[int] | None, True),
        (tuple[str, ...], True),
        (int | str | None, False),
    ],
)
def test_param_spec_is_list(annotation: Any, is_list: bool) -> None:
    assert ParamSpec("q", "query", "q", annotation, True, EMPTY, None).is_list is is_list


# -- path ---------------------------------------------------------------------------------


def test_default_filter_wildcard_converted_to_the_annotation(app: Lcore) -> None:
    @app.get("/items/<id>")
    def item(id: int) -> dict[str, Any]:
        return {"id": id, "type": type(id).__name__}

    client = client_for(app)
    assert client.get("/items/42").json == {"id": 42, "type": "int"}
    assert problems_of(client.get("/items/4x")) == [
        {"loc": ["path", "id"], "msg": "expected an integer", "type": "int_parsing"}
    ]


@pytest.mark.parametrize(
    ("annotation", "text", "expected"),
    [
        (float, "2.5", 2.5),
        (date, "2024-02-29", date(2024, 2, 29)),
        (
            UUID,
            "12345678-1234-5678-1234-567812345678",
            UUID(int=0x12345678123456781234567812345678),
        ),
        (Color, "blue", Color.BLUE),
        (Literal["a", "b"], "b", "b"),
        (str, "as-is", "as-is"),
    ],
)
def test_path_types(app: Lcore, annotation: Any, text: str, expected: Any) -> None:
    seen = typed_route(app, annotation, rule="/v/<value>")
    assert client_for(app).get(f"/v/{text}").status_code == 200
    assert seen == [expected]


def test_path_bounds_with_the_path_marker(app: Lcore) -> None:
    @app.get("/pages/<n:int>/<slug>")
    def page(
        n: Annotated[int, Path(ge=1, le=100)], slug: Annotated[str, Path(min_length=3)]
    ) -> str:
        return f"{n}:{slug}"

    client = client_for(app)
    assert client.get("/pages/5/intro").text == "5:intro"
    assert problems_of(client.get("/pages/0/ab")) == [
        {"loc": ["path", "n"], "msg": "must be >= 1", "type": "greater_than_equal"},
        {
            "loc": ["path", "slug"],
            "msg": "must have at least 3 items/characters",
            "type": "too_short",
        },
    ]
    assert problems_of(client.get("/pages/101/long"))[0]["type"] == "less_than_equal"


def test_int_filter_with_float_annotation_is_converted(app: Lcore) -> None:
    seen = typed_route(app, float, rule="/v/<value:int>")
    assert client_for(app).get("/v/7").status_code == 200
    assert seen == [7.0]
    assert type(seen[0]) is float


def test_int_filter_with_int_annotation_is_passed_through(app: Lcore) -> None:
    @app.get("/n/<n:int>")
    def number(n: int) -> dict[str, int]:
        return {"n": n}

    assert app.routes[0].spec.params[0].source == "path"
    assert compile_binder(app.routes[0].spec) is None
    assert client_for(app).get("/n/7").json == {"n": 7}


def test_custom_filter_values_are_passed_as_they_are(app: Lcore) -> None:
    app.add_route_filter("upper", r"[a-z]+", to_python=str.upper)

    @app.get("/shout/<word:upper>")
    def shout(word: str, loud: bool = False) -> str:
        return word + ("!" if loud else "")

    assert client_for(app).get("/shout/hey?loud=on").text == "HEY!"


def test_path_marker_without_a_wildcard_is_refused_at_registration(app: Lcore) -> None:
    with pytest.raises(TypeError, match=r"'x' is marked Path\(\) but the rule has no wildcard <x>"):

        @app.get("/nothing")
        def nothing(x: Annotated[int, Path()] = 1) -> None: ...


# -- query --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annotation", "query", "expected"),
    [
        (str, "value=caf%C3%A9", "café"),
        (int, "value=-12", -12),
        (float, "value=1e-3", 0.001),
        (bool, "value=yes", True),
        (bool, "value=0", False),
        (Decimal, "value=19.99", Decimal("19.99")),
        (UUID, "value=00000000-0000-0000-0000-000000000001", UUID(int=1)),
        (date, "value=2024-01-31", date(2024, 1, 31)),
        (
            datetime,
            "value=2024-01-31T10:00:00%2B00:00",
            datetime(2024, 1, 31, 10, tzinfo=timezone.utc),
        ),
        (time, "value=10:30", time(10, 30)),
        (Color, "value=red", Color.RED),
        (Level, "value=2", Level.HIGH),
        (Literal["asc", "desc"], "value=desc", "desc"),
        (Literal[10, 20], "value=20", 20),
        (int | None, "value=3", 3),
        (list[int], "value=1&value=2&value=3", [1, 2, 3]),
        (list[Color], "value=red&value=blue", [Color.RED, Color.BLUE]),
        (int, "value=1&value=2", 2),
    ],
)
def test_query_types(app: Lcore, annotation: Any, query: str, expected: Any) -> None:
    seen = typed_route(app, annotation)
    answer = client_for(app).get("/v?" + query)
    assert answer.status_code == 200, answer.text
    assert seen == [expected]
    assert type(seen[0]) is type(expected)


@pytest.mark.parametrize(
    ("annotation", "default", "expected"),
    [
        (int, 10, 10),
        (int | None, EMPTY, None),
        (int | None, None, None),
        (list[int], [], []),
        (list[int] | None, None, None),
        (bool, False, False),
    ],
)
def test_query_defaults_when_absent(
    app: Lcore, annotation: Any, default: Any, expected: Any
) -> None:
    seen = typed_route(app, annotation, default)
    assert client_for(app).get("/v").status_code == 200
    assert seen == [expected]


@pytest.mark.parametrize("annotation", [int, list[int], str, Color])
def test_required_query_parameter_missing(app: Lcore, annotation: Any) -> None:
    typed_route(app, annotation)
    assert problems_of(client_for(app).get("/v")) == [
        {"loc": ["query", "value"], "msg": "field required", "type": "missing"}
    ]


def test_query_list_reports_the_bad_items(app: Lcore) -> None:
    typed_route(app, list[int])
    assert problems_of(client_for(app).get("/v?value=1&value=two&value=3&value=+4")) == [
        {"loc": ["query", "value", 1], "msg": "expected an integer", "type": "int_parsing"},
        {"loc": ["query", "value", 3], "msg": "expected an integer", "type": "int_parsing"},
    ]


def test_query_alias_and_bounds(app: Lcore) -> None:
    @app.get("/list")
    def listing(
        size: Annotated[int, Query(alias="page-size", ge=1, le=50)] = 10,
        sort: Annotated[str, Query(pattern="^(name|date)$")] = "name",
        ids: Annotated[list[int], Query(max_length=2)] = [],  # noqa: B006 - read only
    ) -> dict[str, Any]:
        return {"size": size, "sort": sort, "ids": ids}

    client = client_for(app)
    assert client.get("/list").json == {"size": 10, "sort": "name", "ids": []}
    assert client.get("/list?page-size=50&sort=date&ids=1&ids=2").json == {
        "size": 50,
        "sort": "date",
        "ids": [1, 2],
    }
    assert client.get("/list?size=99").json["size"] == 10  # the alias is the only name
    assert problems_of(client.get("/list?page-size=51&sort=size&ids=1&ids=2&ids=3")) == [
        {"loc": ["query", "page-size"], "msg": "must be <= 50", "type": "less_than_equal"},
        {
            "loc": ["query", "sort"],
            "msg": "must match '^(name|date)$'",
            "type": "string_pattern_mismatch",
        },
        {
            "loc": ["query", "ids"],
            "msg": "must have at most 2 items/characters",
            "type": "too_long",
        },
    ]


@pytest.mark.parametrize(
    ("marker", "query", "msg", "kind"),
    [
        (Query(ge=1), "value=0", "must be >= 1", "greater_than_equal"),
        (Query(gt=1), "value=1", "must be > 1", "greater_than"),
        (Query(le=1), "value=2", "must be <= 1", "less_than_equal"),
        (Query(lt=1), "value=1", "must be < 1", "less_than"),
    ],
)
def test_numeric_bounds(app: Lcore, marker: Query, query: str, msg: str, kind: str) -> None:
    typed_route(app, Annotated[int, marker])
    assert problems_of(client_for(app).get("/v?" + query)) == [
        {"loc": ["query", "value"], "msg": msg, "type": kind}
    ]


def test_an_empty_value_is_present_and_must_parse(app: Lcore) -> None:
    typed_route(app, int | None, None)
    assert problems_of(client_for(app).get("/v?value=")) == [
        {"loc": ["query", "value"], "msg": "expected an integer", "type": "int_parsing"}
    ]


# -- headers and cookies ------------------------------------------------------------------


def test_headers(app: Lcore) -> None:
    @app.get("/h")
    def headers(
        x_token: Annotated[str, Header()],
        agent: Annotated[str, Header(alias="User-Agent")] = "?",
        content_type: Annotated[str | None, Header()] = None,
        x_count: Annotated[int, Header(ge=0)] = 0,
        accept_language: Annotated[list[str], Header()] = [],  # noqa: B006 - read only
    ) -> dict[str, Any]:
        return {
            "token": x_token,
            "agent": agent,
            "ct": content_type,
            "count": x_count,
            "langs": accept_language,
        }

    client = client_for(app)
    answer = client.get(
        "/h",
        headers={
            "X-Token": "abc",
            "User-Agent": "tests",
            "X-Count": "3",
            "Accept-Language": "en, fr ,de",
        },
        content_type="text/plain",
    )
    assert answer.json == {
        "token": "abc",
        "agent": "tests",
        "ct": "text/plain",
        "count": 3,
        "langs": ["en", "fr", "de"],
    }
    assert problems_of(client.get("/h", headers={"X-Count": "-1"})) == [
        {"loc": ["header", "X-Token"], "msg": "field required", "type": "missing"},
        {"loc": ["header", "X-Count"], "msg": "must be >= 0", "type": "greater_than_equal"},
    ]


def test_cookies(app: Lcore) -> None:
    @app.get("/c")
    def cookies(
        session: Annotated[str, Cookie()],
        visits: Annotated[int, Cookie()] = 0,
        theme: Annotated[Color, Cookie(alias="ui-theme")] = Color.RED,
    ) -> dict[str, Any]:
        return {"session": session, "visits": visits, "theme": theme}

    client = client_for(app)
    answer = client.get("/c", headers={"Cookie": "session=s1; visits=4; ui-theme=blue"})
    assert answer.json == {"session": "s1", "visits": 4, "theme": "blue"}
    assert problems_of(client.get("/c", headers={"Cookie": "visits=many; ui-theme=green"})) == [
        {"loc": ["cookie", "session"], "msg": "field required", "type": "missing"},
        {"loc": ["cookie", "visits"], "msg": "expected an integer", "type": "int_parsing"},
        {"loc": ["cookie", "ui-theme"], "msg": "expected one of 'red', 'blue'", "type": "enum"},
    ]


# -- body ---------------------------------------------------------------------------------


def test_whole_body_dataclass(app: Lcore) -> None:
    received: list[User] = []

    @app.post("/users")
    def create(user: User) -> User:
        received.append(user)
        return user

    client = client_for(app)
    sent = {"name": "ann", "age": 30, "address": {"street": "Main", "zip": "123"}}
    answer = client.post("/users", json=sent)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json == {**sent, "tags": []}
    assert received == [User("ann", 30, Address("Main", "123"))]
    assert problems_of(client.post("/users", json={"age": "30", "address": {"zip": 1}})) == [
        {"loc": ["body", "name"], "msg": "field required", "type": "missing"},
        {"loc": ["body", "age"], "msg": "expected an integer", "type": "int_type"},
        {"loc": ["body", "address", "street"], "msg": "field required", "type": "missing"},
        {"loc": ["body", "address", "zip"], "msg": "expected a string", "type": "string_type"},
    ]


def test_every_type_in_a_body(app: Lcore) -> None:
    received: list[Everything] = []

    @app.post("/all")
    def everything(value: Everything) -> Everything:
        received.append(value)
        return value

    sent = {
        "text": "t",
        "count": 3,
        "ratio": 0.5,
        "flag": True,
        "price": "9.99",
        "ident": "00000000-0000-0000-0000-000000000002",
        "day": "2024-03-01",
        "moment": "2024-03-01T12:00:00+00:00",
        "clock": "08:15:00",
        "color": "blue",
        "level": 2,
        "mode": "slow",
        "maybe": None,
        "numbers": [1, 2],
        "scores": {"a": 1.5, "b": 2},
        "home": {"street": "s", "zip": "z"},
    }
    answer = client_for(app).post("/all", json=sent)
    assert answer.status_code == 200, answer.text
    assert received == [
        Everything(
            "t",
            3,
            0.5,
            True,
            Decimal("9.99"),
            UUID(int=2),
            date(2024, 3, 1),
            datetime(2024, 3, 1, 12, tzinfo=timezone.utc),
            time(8, 15),
            Color.BLUE,
            Level.HIGH,
            "slow",
            None,
            [1, 2],
            {"a": 1.5, "b": 2.0},
            Address("s", "z"),
        )
    ]
    assert answer.json == {**sent, "scores": {"a": 1.5, "b": 2.0}, "note": "none"}


def test_typeddict_bodies(app: Lcore) -> None:
    @app.post("/movies")
    def movie(value: Movie) -> dict[str, Any]:
        return {"type": type(value).__name__, "value": value}

    @app.post("/drafts")
    def draft(value: Draft) -> Draft:
        return value

    @app.post("/outlines")
    def outline(value: Outline) -> Outline:
        return value

    client = client_for(app)
    assert client.post("/movies", json={"title": "Heat", "year": 1995, "x": 1}).json == {
        "type": "dict",
        "value": {"title": "Heat", "year": 1995},
    }
    assert problems_of(client.post("/movies", json={"year": 1995.5})) == [
        {"loc": ["body", "title"], "msg": "field required", "type": "missing"},
        {"loc": ["body", "year"], "msg": "expected an integer", "type": "int_type"},
    ]
    assert client.post("/drafts", json={}).json == {}
    tree = {"heading": "a", "sections": [{"heading": "b", "sections": []}]}
    assert client.post("/outlines", json=tree).json == tree
    assert problems_of(client.post("/outlines", json={"heading": "a", "sections": [{}]})) == [
        {"loc": ["body", "sections", 0, "heading"], "msg": "field required", "type": "missing"},
        {"loc": ["body", "sections", 0, "sections"], "msg": "field required", "type": "missing"},
    ]


def test_typing_extensions_typeddict_body_with_required_keys(app: Lcore) -> None:
    te = pytest.importorskip("typing_extensions")
    Note = te.TypedDict("Note", {"title": te.Required[str], "body": str}, total=False)
    seen: list[Any] = []

    def save(note):  # type: ignore[no-untyped-def]
        seen.append(note)
        return "ok"

    save.__annotations__ = {"note": Note}
    app.post("/notes")(save)
    client = client_for(app)
    assert client.post("/notes", json={"title": "t"}).status_code == 200
    assert seen == [{"title": "t"}]
    assert problems_of(client.post("/notes", json={"body": "b"})) == [
        {"loc": ["body", "title"], "msg": "field required", "type": "missing"}
    ]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="typing.NotRequired is 3.11+")
def test_not_required_keys_under_postponed_annotations(app: Lcore) -> None:
    # Memo's own __required_keys__ wrongly lists "body": its annotations are strings.
    @app.post("/memos")
    def save(memo: Memo) -> Memo:
        return memo

    client = client_for(app)
    assert client.post("/memos", json={"title": "t"}).json == {"title": "t"}
    assert problems_of(client.post("/memos", json={"body": "b"})) == [
        {"loc": ["body", "title"], "msg": "field required", "type": "missing"}
    ]


def test_list_and_dict_bodies(app: Lcore) -> None:
    @app.post("/batch")
    def batch(users: list[User]) -> list[User]:
        return users

    @app.post("/scores")
    def scores(values: dict[str, int]) -> dict[str, int]:
        return {k: v * 2 for k, v in values.items()}

    @app.post("/tree")
    def tree(root: Category) -> Category:
        return root

    client = client_for(app)
    users = [{"name": "a", "age": 1}, {"name": "b", "age": 2, "tags": ["x"]}]
    assert client.post("/batch", json=users).json == [
        {"name": "a", "age": 1, "address": None, "tags": []},
        {"name": "b", "age": 2, "address": None, "tags": ["x"]},
    ]
    assert problems_of(client.post("/batch", json=[{"name": "a", "age": 1}, {"age": "2"}])) == [
        {"loc": ["body", 1, "name"], "msg": "field required", "type": "missing"},
        {"loc": ["body", 1, "age"], "msg": "expected an integer", "type": "int_type"},
    ]
    assert client.post("/scores", json={"a": 1, "b": 2}).json == {"a": 2, "b": 4}
    assert problems_of(client.post("/scores", json={"a": "1"})) == [
        {"loc": ["body", "a"], "msg": "expected an integer", "type": "int_type"}
    ]
    nested = {"name": "root", "children": [{"name": "leaf", "children": []}]}
    assert client.post("/tree", json=nested).json == nested


def test_several_body_parameters_read_keys(app: Lcore) -> None:
    @app.post("/orders")
    def order(
        user: User,
        note: Annotated[str, Body(max_length=5)],
        priority: Annotated[int, Body(ge=0)] = 1,
    ) -> dict[str, Any]:
        return {"user": user.name, "note": note, "priority": priority}

    client = client_for(app)
    answer = client.post("/orders", json={"user": {"name": "a", "age": 1}, "note": "hi"})
    assert answer.json == {"user": "a", "note": "hi", "priority": 1}
    assert problems_of(client.post("/orders", json={"user": {"age": 1}, "priority": -1})) == [
        {"loc": ["body", "user", "name"], "msg": "field required", "type": "missing"},
        {"loc": ["body", "note"], "msg": "field required", "type": "missing"},
        {"loc": ["body", "priority"], "msg": "must be >= 0", "type": "greater_than_equal"},
    ]
    assert problems_of(client.post("/orders", json=[1])) == [
        {"loc": ["body", "user"], "msg": "field required", "type": "missing"},
        {"loc": ["body", "note"], "msg": "field required", "type": "missing"},
    ]


def test_embedded_single_body_parameter(app: Lcore) -> None:
    @app.post("/rename")
    def rename(new_name: Annotated[str, Body(embed=True, alias="newName")]) -> str:
        return new_name

    client = client_for(app)
    assert client.post("/rename", json={"newName": "x"}).text == "x"
    assert problems_of(client.post("/rename", json="x")) == [
        {"loc": ["body", "newName"], "msg": "field required", "type": "missing"}
    ]


def test_a_scalar_body(app: Lcore) -> None:
    @app.post("/double")
    def double(number: Annotated[int, Body()]) -> dict[str, int]:
        return {"n": number * 2}

    client = client_for(app)
    assert client.post("/double", json=21).json == {"n": 42}
    assert problems_of(client.post("/double", json="21")) == [
        {"loc": ["body"], "msg": "expected an integer", "type": "int_type"}
    ]


def test_missing_and_optional_bodies(app: Lcore) -> None:
    @app.post("/need")
    def need(user: User) -> str:
        return user.name

    @app.post("/maybe")
    def maybe(user: User | None = None) -> str:
        return "none" if user is None else user.name

    client = client_for(app)
    expected = [{"loc": ["body"], "msg": "field required", "type": "missing"}]
    assert problems_of(client.post("/need")) == expected
    assert problems_of(client.post("/need", body=b"", content_type="application/json")) == expected
    assert client.post("/maybe").text == "none"
    assert client.post("/maybe", json={"name": "a", "age": 1}).text == "a"


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/problem+json"],
)
def test_json_media_types_are_read(app: Lcore, content_type: str) -> None:
    @app.post("/users")
    def create(user: User) -> str:
        return user.name

    body = b'{"name": "a", "age": 1}'
    answer = client_for(app).post("/users", body=body, content_type=content_type)
    assert answer.text == "a"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
def test_a_non_json_body_is_415(app: Lcore, content_type: str | None) -> None:
    @app.post("/users")
    def create(user: User) -> str:
        return user.name

    answer = client_for(app).post("/users", body=b"name=a", content_type=content_type)
    assert answer.status_code == 415
    assert answer.json == {
        "error": "Unsupported Media Type",
        "status": 415,
        "detail": [
            {
                "loc": ["header", "Content-Type"],
                "msg": "Expected a JSON body (Content-Type: application/json)",
                "type": "unsupported_media_type",
            }
        ],
    }


def test_malformed_json_is_400(app: Lcore) -> None:
    @app.post("/users")
    def create(user: User) -> str:
        return user.name

    answer = client_for(app).post("/users", body=b"{", content_type="application/json")
    assert answer.status_code == 400
    assert answer.json["detail"] == [
        {"loc": ["body"], "msg": "Invalid JSON", "type": "json_invalid"}
    ]


# -- one 422 listing every problem ----------------------------------------------------------


def test_422_lists_every_problem_from_every_source() -> None:
    app = Lcore()  # HTML errors by default: a 422 is JSON all the same

    @app.post("/items/<item_id>")
    def create(
        item_id: int,
        user: User,
        limit: Annotated[int, Query(ge=1)],
        x_token: Annotated[str, Header()],
        session: Annotated[int, Cookie()],
        verbose: bool = False,
    ) -> User:
        return user

    answer = client_for(app).post(
        "/items/abc?limit=0&verbose=sometimes",
        json={"age": "x", "address": {"street": 1}, "tags": ["ok", 2]},
        headers={"Cookie": "session=zz"},
    )
    assert answer.json == {
        "error": "Unprocessable Entity",
        "status": 422,
        "detail": [
            {"loc": ["path", "item_id"], "msg": "expected an integer", "type": "int_parsing"},
            {"loc": ["body", "name"], "msg": "field required", "type": "missing"},
            {"loc": ["body", "age"], "msg": "expected an integer", "type": "int_type"},
            {
                "loc": ["body", "address", "street"],
                "msg": "expected a string",
                "type": "string_type",
            },
            {"loc": ["body", "address", "zip"], "msg": "field required", "type": "missing"},
            {"loc": ["body", "tags", 1], "msg": "expected a string", "type": "string_type"},
            {"loc": ["query", "limit"], "msg": "must be >= 1", "type": "greater_than_equal"},
            {"loc": ["header", "X-Token"], "msg": "field required", "type": "missing"},
            {"loc": ["cookie", "session"], "msg": "expected an integer", "type": "int_parsing"},
            {
                "loc": ["query", "verbose"],
                "msg": "expected a boolean (true/false, 1/0, yes/no, on/off)",
                "type": "bool_parsing",
            },
        ],
    }
    assert answer.headers["Content-Type"] == "application/json"


def test_a_422_goes_through_an_error_handler(app: Lcore) -> None:
    @app.error(422)
    def on_invalid(error: Any) -> dict[str, Any]:
        return {"problems": len(error.detail)}

    typed_route(app, int)
    assert client_for(app).get("/v?value=x").json == {"problems": 1}


# -- plain handlers are unchanged -------------------------------------------------------------


def test_plain_handlers_get_their_wildcards_as_before(app: Lcore) -> None:
    @app.get("/plain/<name>/<id:int>")
    def plain(name, id, extra=5):  # type: ignore[no-untyped-def]
        return {"name": name, "id": id, "extra": extra}

    @app.get("/kw/<name>")
    def keywords(**kwargs):  # type: ignore[no-untyped-def]
        return kwargs

    client = client_for(app)
    assert client.get("/plain/bob/7?extra=9").json == {"name": "bob", "id": 7, "extra": 5}
    assert client.get("/kw/ann?x=1").json == {"name": "ann"}
    assert all(compile_binder(route.spec) is None for route in app.routes)


def test_annotated_wildcards_of_the_right_type_need_no_binder(app: Lcore) -> None:
    @app.get("/a/<name>/<id:int>/<rest:path>")
    def handler(name: str, id: int, rest: str, later=None) -> str:  # type: ignore[no-untyped-def]
        return f"{name}/{id}/{rest}/{later}"

    assert compile_binder(app.routes[0].spec) is None
    assert client_for(app).get("/a/x/3/y/z").text == "x/3/y/z/None"


def test_parameters_of_unreadable_types_with_defaults_are_left_alone(app: Lcore) -> None:
    @app.get("/clock")
    def clock(now: Callable[[], float] = lambda: 1.5, scale: int = 2) -> str:
        return str(now() * scale)

    assert [p.name for p in app.routes[0].spec.params] == ["scale"]
    assert client_for(app).get("/clock?now=x&scale=3").text == "4.5"


def test_parameters_of_unreadable_types_without_defaults_are_refused(app: Lcore) -> None:
    with pytest.raises(TypeError, match="parameter 'z' has type <class 'complex'>, which lcore"):

        @app.get("/z")
        def z(z: complex) -> str:
            return str(z)


# -- forward references and async handlers -------------------------------------------------

FORWARD_MODULE = """
from __future__ import annotations
from dataclasses import dataclass
from lcore import Lcore

app = Lcore()


@app.post("/later")
def create(item: Later) -> Later:
    return item


@app.post("/never")
def never(item: NeverDefined) -> str:
    return "unreachable"


@dataclass
class Later:
    name: str
    size: int = 1
"""


def test_forward_references_are_resolved_at_the_first_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = types.ModuleType("lcore_forward_refs")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(FORWARD_MODULE, "<forward_refs>", "exec"), module.__dict__)
    app: Lcore = module.app
    client = client_for(app)
    assert client.post("/later", json={"name": "x"}).json == {"name": "x", "size": 1}
    assert problems_of(client.post("/later", json={"size": "2"})) == [
        {"loc": ["body", "name"], "msg": "field required", "type": "missing"},
        {"loc": ["body", "size"], "msg": "expected an integer", "type": "int_type"},
    ]
    assert app.routes[0].spec.params[0].annotation is module.Later
    # A name that never appears is a programming error: a 500, retried on each request.
    assert client.post("/never", json={}).status_code == 500


def test_async_typed_handlers_warn_and_bind(app: Lcore) -> None:
    with pytest.warns(UserWarning, match="async handler 'search' blocks its worker thread"):

        @app.get("/search")
        async def search(q: str, limit: Annotated[int, Query(ge=1)] = 10) -> dict[str, Any]:
            return {"q": q, "limit": limit}

    client = client_for(app)
    assert client.get("/search?q=x&limit=3").json == {"q": "x", "limit": 3}
    assert problems_of(client.get("/search?limit=0")) == [
        {"loc": ["query", "q"], "msg": "field required", "type": "missing"},
        {"loc": ["query", "limit"], "msg": "must be >= 1", "type": "greater_than_equal"},
    ]


# -- results and the status option ------------------------------------------------------------


def test_returned_dataclasses_are_serialised(app: Lcore) -> None:
    receipt = Receipt(
        UUID(int=7),
        datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc),
        date(2024, 5, 6),
        time(9, 30),
        Decimal("12.50"),
        Color.BLUE,
        [Address("a", "1"), Address("b", "2")],
    )

    @app.get("/receipt")
    def one() -> Receipt:
        return receipt

    @app.get("/receipts")
    def many() -> list[Receipt]:
        return [receipt, receipt]

    expected = {
        "id": "00000000-0000-0000-0000-000000000007",
        "at": "2024-05-06T07:08:09+00:00",
        "on": "2024-05-06",
        "open": "09:30:00",
        "total": "12.50",
        "color": "blue",
        "lines": [{"street": "a", "zip": "1"}, {"street": "b", "zip": "2"}],
    }
    client = client_for(app)
    answer = client.get("/receipt")
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json == expected
    assert client.get("/receipts").json == [expected, expected]


def test_status_option(app: Lcore) -> None:
    @app.post("/users", status=201)
    def create(user: User) -> User:
        return user

    @app.post("/accepted", status=201)
    def accepted() -> HTTPResponse:
        return HTTPResponse("later", status=202)

    client = client_for(app)
    answer = client.post("/users", json={"name": "a", "age": 1})
    assert answer.status == "201 Created"
    assert answer.json["name"] == "a"
    assert client.post("/users", json={}).status_code == 422
    assert client.post("/accepted").status_code == 202


# -- one analysis per parameter ---------------------------------------------------------


def test_the_converter_built_by_analysis_is_the_one_the_binder_uses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import lcore.converters

    built: list[object] = []
    real = lcore.converters.build_converter

    def counting(tp: Any, text: bool) -> Any:
        built.append(tp)
        return real(tp, text)

    monkeypatch.setattr(lcore.converters, "build_converter", counting)
    app = Lcore()

    @app.post("/users/<uid>")
    def create(uid: int, user: User, limit: Annotated[int, Query(ge=1)] = 5) -> str:
        return f"{uid} {user.name} {limit}"

    assert len(built) == 3  # analysed once at registration: one converter per parameter
    response = TestClient(app).post("/users/7?limit=2", json={"name": "ann", "age": 3})
    assert (response.status_code, response.text) == (200, "7 ann 2")
    assert len(built) == 3  # the first request compiled the binder from those converters
    spec = app.routes[0].spec
    assert all(param.converter is not None for param in spec.params)


@pytest.mark.parametrize("tp", [list, set, tuple])
def test_a_bare_container_query_parameter_reads_every_value(tp: Any) -> None:
    app = Lcore()

    def handler(tags: Any) -> str:
        return str(sorted(tags))

    handler.__annotations__["tags"] = tp
    app.get("/t", callback=handler)
    response = TestClient(app).get("/t?tags=b&tags=a")
    assert (response.status_code, response.text) == (200, "['a', 'b']")


def test_a_pattern_matches_the_whole_value_as_the_document_says() -> None:
    # Regression: Python's $ matched before a final newline, so "ABC\n" passed
    # ^[A-Z]{3}$ while the published JSON Schema refuses it.
    app = Lcore()

    @app.get("/code")
    def code(value: Annotated[str, Query(pattern=r"^[A-Z]{3}$")]) -> str:
        return value

    @app.post("/digits")
    def digits(body: Annotated[str, Body(pattern=r"^\d+$")]) -> str:
        return body

    client = TestClient(app)
    assert client.get("/code?value=ABC").text == "ABC"
    refused = client.get("/code?value=ABC%0A")
    assert refused.status_code == 422
    assert refused.json["detail"][0]["type"] == "string_pattern_mismatch"
    assert client.post("/digits", json="123").text == "123"
    assert client.post("/digits", json="\u0661\u0662").status_code == 422
    schema = app.openapi()["paths"]["/code"]["get"]["parameters"][0]["schema"]
    assert schema["pattern"] == r"^[A-Z]{3}$"


def test_an_unreadable_annotation_names_the_handler_and_the_route() -> None:
    app = Lcore()
    with pytest.raises(TypeError) as caught:

        @app.get("/area")
        def area(size: complex) -> str:
            return str(size)

    message = str(caught.value)
    assert "area" in message and "(GET /area)" in message and "'size'" in message
    # A parameter marked to be read must be readable, default or not.
    with pytest.raises(TypeError, match=r"\(GET /marked\).*'size'.*use a supported type"):

        @app.get("/marked")
        def marked(size: Annotated[complex, Query()] = 1j) -> str:
            return str(size)

    # An unmarked one with a default stays the handler's own (a plugin may pass it).
    @app.get("/kept")
    def kept(size: complex = 1j) -> str:
        return str(size)

    assert TestClient(app).get("/kept?size=2").text == "1j"


def test_a_forward_reference_is_resolved_at_the_first_request_or_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    namespace: dict[str, Any] = {}
    exec(  # a handler whose module defines its parameter's type only later
        "def show(n: 'Later') -> str:\n    return repr(n)\n",
        namespace,
    )
    app = Lcore()
    app.route("/show", callback=namespace["show"])  # registration defers the name
    client = TestClient(app)
    failed = client.get("/show?n=3")
    assert failed.status_code == 500
    assert "(GET /show): cannot resolve the annotation of parameter 'n'" in caplog.text
    namespace["Later"] = int
    assert client.get("/show?n=3").text == "3"
