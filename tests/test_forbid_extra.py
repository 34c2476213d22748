"""Refusing unknown fields in dataclass and TypedDict bodies: the ``forbid_extra`` class
decorator (typeinfo), ``Body(forbid_extra=True)`` (params), both converter graphs
(converters) and the JSON Schema (schema)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, TypedDict

import pytest

from lcore import Body, Lcore, TestClient, forbid_extra
from lcore.converters import Invalid, build_converter
from lcore.schema import json_schema
from lcore.typeinfo import forbids_extra


@forbid_extra
@dataclasses.dataclass
class Strict:
    name: str
    qty: int = 1


@dataclasses.dataclass
class Loose:
    name: str
    inner: Strict | None = None


@forbid_extra
class StrictDict(TypedDict):
    tag: str


@dataclasses.dataclass
class Outer:
    title: str
    items: list[Loose] = dataclasses.field(default_factory=list[Loose])


def problems(tp: Any, value: Any, *, forbid: bool = False) -> list[tuple[Any, ...]]:
    convert = build_converter(tp, False, forbid_extra=forbid)
    with pytest.raises(Invalid) as caught:
        convert(value)
    return caught.value.problems


def test_the_decorator_keeps_the_class_and_marks_it() -> None:
    assert forbids_extra(Strict)
    assert forbids_extra(StrictDict)
    assert not forbids_extra(Loose)
    assert Strict("a").qty == 1


def test_the_decorator_refuses_other_classes() -> None:
    with pytest.raises(TypeError, match="dataclass or a TypedDict"):
        forbid_extra(int)


def test_an_unknown_key_is_a_problem_with_the_others() -> None:
    assert problems(Strict, {"name": 3, "colour": "red", "size": 2}) == [
        (("name",), "expected a string", "string_type"),
        (("colour",), "extra fields not permitted", "extra_forbidden"),
        (("size",), "extra fields not permitted", "extra_forbidden"),
    ]


def test_a_typeddict_refuses_unknown_keys() -> None:
    assert problems(StrictDict, {"tag": "a", "x": 1}) == [
        (("x",), "extra fields not permitted", "extra_forbidden")
    ]


def test_a_marked_model_nested_in_a_loose_one_refuses_its_own_unknown_keys() -> None:
    convert = build_converter(Loose, False)
    assert convert({"name": "a", "other": 1}) == Loose("a")  # the loose model ignores it
    assert problems(Loose, {"name": "a", "inner": {"name": "b", "x": 1}}) == [
        (("inner", "x"), "extra fields not permitted", "extra_forbidden")
    ]


def test_the_per_parameter_option_refuses_unknown_keys_at_every_depth() -> None:
    value = {"title": "t", "x": 0, "items": [{"name": "a", "y": 1}]}
    assert build_converter(Outer, False)(value) == Outer("t", [Loose("a")])
    assert problems(Outer, value, forbid=True) == [
        (("items", 0, "y"), "extra fields not permitted", "extra_forbidden"),
        (("x",), "extra fields not permitted", "extra_forbidden"),
    ]


def test_the_per_parameter_option_does_not_change_the_shared_fast_converter() -> None:
    build_converter(Outer, False, forbid_extra=True)
    assert build_converter(Outer, False)({"title": "t", "x": 0}) == Outer("t")


def test_a_body_of_a_marked_model_is_a_422_at_the_unknown_key() -> None:
    app = Lcore()

    @app.post("/items")
    def create(item: Strict) -> dict[str, str]:
        return {"name": item.name}

    answer = TestClient(app).post("/items", json={"name": "pen", "price": 2})
    assert answer.status_code == 422
    assert answer.json["detail"] == [
        {"loc": ["body", "price"], "msg": "extra fields not permitted", "type": "extra_forbidden"}
    ]


def test_body_forbid_extra_refuses_unknown_keys_for_one_route() -> None:
    app = Lcore()

    @app.post("/strict")
    def strict(item: Annotated[Loose, Body(forbid_extra=True)]) -> dict[str, str]:
        return {"name": item.name}

    @app.post("/loose")
    def loose(item: Loose) -> dict[str, str]:
        return {"name": item.name}

    client = TestClient(app)
    assert client.post("/loose", json={"name": "a", "x": 1}).json == {"name": "a"}
    answer = client.post("/strict", json={"name": 1, "x": 1})
    assert answer.status_code == 422
    assert [d["type"] for d in answer.json["detail"]] == ["string_type", "extra_forbidden"]
    assert answer.json["detail"][1]["loc"] == ["body", "x"]


def test_an_embedded_body_parameter_reports_under_its_key() -> None:
    app = Lcore()

    @app.post("/pair")
    def pair(
        first: Annotated[Loose, Body(embed=True, forbid_extra=True)],
        second: Annotated[Loose, Body(embed=True)],
    ) -> str:
        return first.name + second.name

    client = TestClient(app)
    ok = client.post("/pair", json={"first": {"name": "a"}, "second": {"name": "b", "x": 1}})
    assert ok.text == "ab"
    bad = client.post("/pair", json={"first": {"name": "a", "x": 1}, "second": {"name": "b"}})
    assert bad.json["detail"] == [
        {
            "loc": ["body", "first", "x"],
            "msg": "extra fields not permitted",
            "type": "extra_forbidden",
        }
    ]


def test_the_schema_says_additional_properties_false_only_for_marked_models() -> None:
    schema = json_schema(Loose)
    assert "additionalProperties" not in schema
    assert "additionalProperties" not in schema["$defs"]["Loose"]
    assert schema["$defs"]["Strict"]["additionalProperties"] is False
    assert json_schema(StrictDict)["$defs"]["StrictDict"]["additionalProperties"] is False
