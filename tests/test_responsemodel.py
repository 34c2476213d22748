"""Response models: a handler's result sent through its return annotation or the
``response_model`` route option (lcore/responsemodel.py, and its step in route.py)."""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Annotated, Any, Literal, TypedDict
from uuid import UUID

import pytest

from lcore import HTTPError, HTTPResponse, Lcore, Response, TestClient, abort
from lcore.converters import Invalid
from lcore.responsemodel import compile_serializer
from lcore.typeinfo import is_response_model
from tests.enums import Color


@dataclasses.dataclass
class Address:
    city: str
    zip: str | None = None


@dataclasses.dataclass
class UserOut:
    id: int
    name: str
    address: Address | None = None
    tags: list[str] = dataclasses.field(default_factory=list[str])


@dataclasses.dataclass
class UserRow:
    """Another class with the same fields and one more (a stored user)."""

    id: int
    name: str
    password_hash: str
    address: Address | None = None
    tags: list[str] = dataclasses.field(default_factory=list[str])


class TagBase(TypedDict):
    tag: str


class TagOut(TagBase, total=False):
    count: int


@dataclasses.dataclass
class Node:
    name: str
    children: list[Node] = dataclasses.field(default_factory=list["Node"])


class Level(enum.Enum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Everything:
    level: Level
    color: Color
    when: datetime
    day: date
    uid: UUID
    price: Decimal
    ratio: float
    flag: bool
    kind: Literal["a", "b"]


def row(**extra: Any) -> SimpleNamespace:
    return SimpleNamespace(id=1, name="ann", password_hash="secret", **extra)


@pytest.fixture
def app() -> Lcore:
    app = Lcore()
    app.config["error.format"] = "json"
    return app


# -- which annotations are models ---------------------------------------------------------


@pytest.mark.parametrize(
    "annotation",
    [
        UserOut,
        TagOut,
        list[UserOut],
        Sequence[UserOut],
        UserOut | None,
        dict[str, UserOut],
        list[str],
        dict[str, int],
        tuple[int, str],
        UserOut | TagOut,
        set[int],
    ],
)
def test_these_return_annotations_are_response_models(annotation: Any) -> None:
    assert is_response_model(annotation)


@pytest.mark.parametrize(
    "annotation",
    [str, bytes, int, dict, list, dict[str, Any], list[Any], Any, object, None, Response,
     HTTPResponse, Iterator[bytes], Iterator[UserOut], str | None],
)  # fmt: skip
def test_these_return_annotations_are_left_alone(annotation: Any) -> None:
    assert not is_response_model(annotation)


# -- what is sent -------------------------------------------------------------------------


def test_a_row_returned_for_a_model_sends_only_the_models_fields(app: Lcore) -> None:
    @app.get("/me")
    def me() -> UserOut:
        """The current user."""
        return row(address=SimpleNamespace(city="Oslo", zip=None, secret=1))  # type: ignore[return-value]

    answer = TestClient(app).get("/me")
    assert answer.status_code == 200
    assert answer.json == {
        "id": 1,
        "name": "ann",
        "address": {"city": "Oslo", "zip": None},
        "tags": [],
    }
    assert "secret" not in answer.text


def test_a_dict_and_another_dataclass_are_read_through_the_model(app: Lcore) -> None:
    @app.get("/users")
    def users() -> list[UserOut]:
        return [  # type: ignore[list-item]
            {"id": 1, "name": "ann", "password_hash": "x", "tags": ("a", "b")},
            UserRow(2, "bob", "y", Address("Rome")),
            UserOut(3, "cy"),
        ]

    assert TestClient(app).get("/users").json == [
        {"id": 1, "name": "ann", "address": None, "tags": ["a", "b"]},
        {"id": 2, "name": "bob", "address": {"city": "Rome", "zip": None}, "tags": []},
        {"id": 3, "name": "cy", "address": None, "tags": []},
    ]


def test_an_instance_of_the_model_itself_is_sent_as_it_is() -> None:
    serialize = compile_serializer(UserOut)
    user = UserOut(1, "ann")
    assert serialize(user) is user


def test_a_typeddict_model_drops_unknown_keys_and_omits_missing_optional_ones(
    app: Lcore,
) -> None:
    @app.get("/tags")
    def tags() -> list[TagOut]:
        return [{"tag": "a", "count": 2, "internal": True}, {"tag": "b"}]  # type: ignore[typeddict-unknown-key]

    assert TestClient(app).get("/tags").json == [{"tag": "a", "count": 2}, {"tag": "b"}]


def test_scalars_enums_and_dates_are_checked_and_sent_in_their_json_form(app: Lcore) -> None:
    @app.get("/everything")
    def everything() -> Everything:
        return {  # type: ignore[return-value]
            "level": 2,
            "color": Color.RED,
            "when": datetime(2026, 1, 2, 3, 4, 5),
            "day": date(2026, 1, 2),
            "uid": UUID(int=1),
            "price": Decimal("1.50"),
            "ratio": 3,
            "flag": False,
            "kind": "b",
            "extra": object(),
        }

    body = TestClient(app).get("/everything").json
    assert body == {
        "level": 2,
        "color": Color.RED.value,
        "when": "2026-01-02T03:04:05",
        "day": "2026-01-02",
        "uid": str(UUID(int=1)),
        "price": "1.50",
        "ratio": 3,
        "flag": False,
        "kind": "b",
    }


def test_a_recursive_model_is_read_at_every_depth(app: Lcore) -> None:
    @app.get("/tree")
    def tree() -> Node:
        return {"name": "a", "children": [{"name": "b", "children": [{"name": "c", "x": 1}]}]}  # type: ignore[return-value]

    assert TestClient(app).get("/tree").json == {
        "name": "a",
        "children": [{"name": "b", "children": [{"name": "c", "children": []}]}],
    }


def test_none_is_sent_where_the_annotation_allows_it(app: Lcore) -> None:
    @app.get("/maybe")
    def maybe() -> UserOut | None:
        return None

    answer = TestClient(app).get("/maybe")
    assert (answer.status_code, answer.text) == (200, "")


@pytest.mark.filterwarnings("ignore:async handler:UserWarning")
def test_an_async_handler_result_goes_through_its_model(app: Lcore) -> None:
    @app.get("/me")
    async def me() -> UserOut:
        return row()  # type: ignore[return-value]

    assert TestClient(app).get("/me").json == {
        "id": 1,
        "name": "ann",
        "address": None,
        "tags": [],
    }


def test_the_status_option_and_the_model_work_together(app: Lcore) -> None:
    @app.post("/users", status=201)
    def create() -> UserOut:
        return row()  # type: ignore[return-value]

    answer = TestClient(app).post("/users")
    assert answer.status_code == 201
    assert "password_hash" not in answer.json


def test_a_mounted_routes_result_goes_through_its_model_once(app: Lcore) -> None:
    sub = Lcore()
    calls: list[int] = []

    @sub.get("/me")
    def me() -> UserOut:
        calls.append(1)
        return row()  # type: ignore[return-value]

    app.mount("/api", sub)
    assert TestClient(app).get("/api/me").json["name"] == "ann"
    assert calls == [1]


# -- what is left alone -------------------------------------------------------------------


@pytest.mark.parametrize(
    "result",
    [
        HTTPResponse("moved", 302, Location="/elsewhere"),
        HTTPError(404, "no such user"),
    ],
)
def test_a_response_object_returned_goes_out_as_it_is(app: Lcore, result: Any) -> None:
    @app.get("/me")
    def me() -> UserOut:
        return result  # type: ignore[no-any-return]

    answer = TestClient(app).get("/me")
    assert answer.status_code == result.status_code


def test_an_abort_inside_a_model_handler_is_its_answer(app: Lcore) -> None:
    @app.get("/me")
    def me() -> UserOut:
        abort(403)

    assert TestClient(app).get("/me").status_code == 403


def test_results_of_unchecked_annotations_are_unchanged(app: Lcore) -> None:
    @app.get("/stream")
    def stream() -> Iterator[bytes]:
        yield b"a"
        yield b"b"

    @app.get("/loose")
    def loose() -> dict[str, Any]:
        return {"password_hash": "x"}

    client = TestClient(app)
    assert client.get("/stream").body == b"ab"
    assert client.get("/loose").json == {"password_hash": "x"}


# -- a result that does not match ---------------------------------------------------------


def test_a_result_that_does_not_match_is_a_500_without_details_in_production(
    app: Lcore, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/me")
    def broken_me() -> UserOut:
        return {"id": "seven", "password_hash": "secret"}  # type: ignore[return-value]

    with caplog.at_level(logging.ERROR, logger="lcore"):
        answer = TestClient(app).get("/me")
    assert answer.status_code == 500
    assert answer.json == {"error": "Internal Server Error", "status": 500}
    assert "secret" not in answer.text
    records = [r for r in caplog.records if r.name == "lcore"]
    assert len(records) == 1  # logged once, with the route and every problem
    message = records[0].getMessage()
    assert "broken_me (GET /me)" in message
    assert "response.id: expected an integer, got str (result_type)" in message
    assert "response.name: field required (missing)" in message


def test_in_debug_mode_the_problems_are_in_the_500_body(app: Lcore) -> None:
    app.config["debug"] = True

    @app.get("/me")
    def me() -> UserOut:
        return {"id": "seven", "password_hash": "secret"}  # type: ignore[return-value]

    answer = TestClient(app).get("/me")
    assert answer.status_code == 500
    assert answer.json["detail"] == [
        {"loc": ["response", "id"], "msg": "expected an integer, got str", "type": "result_type"},
        {"loc": ["response", "name"], "msg": "field required", "type": "missing"},
    ]
    assert "secret" not in answer.text


def test_in_debug_mode_the_html_500_page_lists_the_problems() -> None:
    app = Lcore()
    app.config["debug"] = True

    @app.get("/me")
    def me() -> UserOut:
        return {"id": 1}  # type: ignore[return-value]

    answer = TestClient(app).get("/me")
    assert answer.status_code == 500
    assert "response.name: field required" in answer.text


@pytest.mark.parametrize(
    ("result", "loc", "kind"),
    [
        (None, ["response"], "model_type"),
        ("text", ["response"], "model_type"),
        ({"id": 1, "name": 2}, ["response", "name"], "result_type"),
        ({"id": True, "name": "a"}, ["response", "id"], "result_type"),
        ({"id": 1, "name": "a", "tags": "ab"}, ["response", "tags"], "list_type"),
        ({"id": 1, "name": "a", "tags": [1]}, ["response", "tags", 0], "result_type"),
        ({"id": 1, "name": "a", "address": {}}, ["response", "address", "city"], "missing"),
    ],
)
def test_each_kind_of_mismatch_is_located(
    app: Lcore, result: Any, loc: list[Any], kind: str
) -> None:
    app.config["debug"] = True

    @app.get("/me")
    def me() -> UserOut:
        return result  # type: ignore[no-any-return]

    detail = TestClient(app).get("/me").json["detail"]
    assert [(d["loc"], d["type"]) for d in detail] == [(loc, kind)]


def test_an_error_handler_for_500_sees_the_refused_result(app: Lcore) -> None:
    @app.error(500)
    def on_500(error: HTTPError) -> dict[str, Any]:
        return {"oops": error.status_code}

    @app.get("/me")
    def me() -> UserOut:
        return {}  # type: ignore[return-value]

    answer = TestClient(app).get("/me")
    assert (answer.status_code, answer.json) == (500, {"oops": 500})


def test_problems_are_capped() -> None:
    serialize = compile_serializer(list[int])
    with pytest.raises(Invalid) as caught:
        serialize(["x"] * 500)
    assert len(caught.value.problems) == 101
    assert caught.value.problems[-1][2] == "too_many_errors"


@pytest.mark.parametrize(
    ("annotation", "value", "expected"),
    [
        (float, float("nan"), "finite_number"),
        (Level, 9, "enum"),
        (Literal["a"], "b", "literal_error"),
        (tuple[int, int], [1], "tuple_length"),
        (dict[str, int], {1: 1}, "dict_key"),
        (dict[str, int], [1], "dict_type"),
        (int | str, 1.5, "union"),
        (UserRow, 3, "model_type"),
        (Address, {"city": "x", "zip": 5}, "result_type"),
    ],
)
def test_serializer_problem_types(annotation: Any, value: Any, expected: str) -> None:
    with pytest.raises(Invalid) as caught:
        compile_serializer(annotation)(value)
    assert caught.value.problems[0][2] == expected


# -- options ------------------------------------------------------------------------------


def test_the_response_model_option_gives_an_untyped_handler_a_model(app: Lcore) -> None:
    @app.get("/me", response_model=UserOut)
    def me():  # type: ignore[no-untyped-def]
        return row()

    assert TestClient(app).get("/me").json == {
        "id": 1,
        "name": "ann",
        "address": None,
        "tags": [],
    }


def test_the_response_model_option_overrides_the_annotation(app: Lcore) -> None:
    @app.get("/tag", response_model=TagOut)
    def tag() -> dict[str, Any]:
        return {"tag": "a", "secret": 1}

    assert TestClient(app).get("/tag").json == {"tag": "a"}


def test_check_response_false_turns_the_check_off_for_a_route(app: Lcore) -> None:
    @app.get("/me", check_response=False)
    def me() -> UserOut:
        return {"whatever": 1}  # type: ignore[return-value]

    assert TestClient(app).get("/me").json == {"whatever": 1}


def test_the_config_key_turns_the_check_off_for_an_app_and_a_route_can_turn_it_on(
    app: Lcore,
) -> None:
    @app.get("/me")
    def me() -> UserOut:
        return {"whatever": 1}  # type: ignore[return-value]

    @app.get("/strict", check_response=True)
    def strict() -> UserOut:
        return row()  # type: ignore[return-value]

    client = TestClient(app)
    assert client.get("/me").status_code == 500
    app.config["json.check_response"] = False  # resets the compiled chains
    assert client.get("/me").json == {"whatever": 1}
    assert "password_hash" not in client.get("/strict").json


def test_the_config_key_is_checked() -> None:
    app = Lcore()
    with pytest.raises(ValueError, match="json.check_response"):
        app.config["json.check_response"] = "sometimes"


# -- the document -------------------------------------------------------------------------


def test_the_response_model_option_describes_the_200(app: Lcore) -> None:
    @app.get("/me", response_model=UserOut)
    def me():  # type: ignore[no-untyped-def]
        """The current user."""
        return row()

    document = app.openapi()
    content = document["paths"]["/me"]["get"]["responses"]["200"]["content"]
    assert content == {"application/json": {"schema": {"$ref": "#/components/schemas/UserOut"}}}


@pytest.mark.parametrize(
    "declared",
    [
        {"description": "The user", "headers": {"ETag": {"schema": {"type": "string"}}}},
        {"description": "The user"},
        None,
    ],
)
def test_a_declared_header_or_description_keeps_the_generated_schema(
    app: Lcore, declared: Any
) -> None:
    @app.get("/me", responses={200: declared})
    def me() -> UserOut:
        """The current user."""
        return UserOut(1, "ann")

    response = app.openapi()["paths"]["/me"]["get"]["responses"]["200"]
    assert response["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/UserOut"}}
    }
    if declared is not None:
        assert response["description"] == "The user"
        if "headers" in declared:
            assert response["headers"] == declared["headers"]


def test_a_declared_response_with_its_own_content_keeps_it(app: Lcore) -> None:
    own = {"description": "A tag", "content": {"text/plain": {"schema": {"type": "string"}}}}

    @app.get("/me", responses={200: own})
    def me() -> UserOut:
        """The current user."""
        return UserOut(1, "ann")

    response = app.openapi()["paths"]["/me"]["get"]["responses"]["200"]
    assert response["content"] == own["content"]


def test_the_fast_form_reads_a_dict_row_alone() -> None:
    from lcore import responsemodel

    fast = responsemodel._build_fast(UserOut, {}, {})
    assert fast({"id": 1, "name": "a", "tags": ["x"], "secret": 0}) == {
        "id": 1,
        "name": "a",
        "address": None,
        "tags": ["x"],
    }
    with pytest.raises(responsemodel._Doubt):
        fast({"id": True, "name": "a"})


def test_a_missing_optional_typeddict_key_is_left_out_by_the_combined_form() -> None:
    serialize = compile_serializer(TagOut)
    assert serialize({"tag": "a", "x": 1}) == {"tag": "a"}


def test_a_response_model_lcore_cannot_check_is_refused_at_registration(app: Lcore) -> None:
    with pytest.raises(TypeError, match=r"odd \(GET /odd\): response model"):

        @app.get("/odd", response_model=Iterator[int])
        def odd() -> list[int]:
            return [1]


def test_a_model_defined_further_down_the_module_works(app: Lcore) -> None:
    @app.get("/later")
    def later() -> list[DefinedLater]:
        return [{"x": 1, "y": 2}]  # type: ignore[list-item]

    assert TestClient(app).get("/later").json == [{"x": 1}]


@dataclasses.dataclass
class DefinedLater:
    x: int


def test_the_fast_form_reads_an_objects_attributes_alone() -> None:
    from lcore import responsemodel

    fast = responsemodel._build_fast(UserOut, {}, {})
    assert fast(row(tags=["x"])) == {"id": 1, "name": "ann", "address": None, "tags": ["x"]}
    for odd in ({"id": 1, "name": "a"}.items(), 3, None):
        with pytest.raises(responsemodel._Doubt):
            fast(odd)


def test_a_serialiser_is_compiled_once_per_annotation_and_the_cache_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lcore import responsemodel

    monkeypatch.setattr(responsemodel, "_SERIALIZERS", {})
    monkeypatch.setattr(responsemodel, "_MAX_SERIALIZERS", 2)
    first = compile_serializer(list[UserOut])
    assert compile_serializer(list[UserOut]) is first
    compile_serializer(TagOut)
    compile_serializer(Node)  # past the bound: the cache starts again
    assert list(responsemodel._SERIALIZERS) == [Node]
    unhashable = list[Annotated[int, {"doc": 1}]]  # its metadata cannot be hashed
    assert compile_serializer(unhashable)([1, 2]) == [1, 2]
    assert list(responsemodel._SERIALIZERS) == [Node]


def test_a_decimal_for_a_float_field_is_sent_as_a_number() -> None:
    serialize = compile_serializer(dict[str, float])
    assert serialize({"a": Decimal("1.5"), "b": 2}) == {"a": 1.5, "b": 2}
    with pytest.raises(Invalid):
        serialize({"a": Decimal("NaN")})


def test_rows_of_any_values_are_sent_as_they_are_and_keys_still_checked() -> None:
    from lcore.converters import Invalid
    from lcore.responsemodel import compile_serializer

    rows = [{"id": 1, "tags": ["a"], "nested": {"x": None}}, {"id": 2}]
    serialize = compile_serializer(list[dict[str, Any]])
    assert serialize(rows) == rows
    assert compile_serializer(dict[str, Any])(rows[0]) == rows[0]
    with pytest.raises(Invalid):
        serialize([{"id": 1}, {2: "not text"}])
    with pytest.raises(Invalid):
        serialize({"not": "a list"})
