"""Handlers defined inside an app factory, under ``from __future__ import annotations``:
their annotations may name the factory's local names (types, aliases, dependencies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pytest

from lcore import Depends, Lcore, Query, TestClient


def create_app() -> Lcore:
    app = Lcore()

    @dataclass
    class Greeting:
        text: str

    def shout(word: str = "hi") -> str:
        return word.upper()

    Loud = Annotated[str, Depends(shout)]
    Count = Annotated[int, Query(ge=1, le=3)]

    @app.get("/greet")
    def greet(loud: Loud, times: Count = 1) -> Greeting:
        return Greeting(" ".join([loud] * times))

    def direct(n: Count = 2) -> str:
        return str(n)

    app.route("/direct", callback=direct)
    return app


def test_factory_locals_resolve() -> None:
    client = TestClient(create_app())
    assert client.get("/greet?word=yo&times=2").json == {"text": "YO YO"}
    assert client.get("/greet?times=9").status_code == 422
    assert client.get("/direct").text == "2"
    operation = create_app().openapi()["paths"]["/greet"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["times", "word"]


def test_a_name_defined_nowhere_is_still_named() -> None:
    app = Lcore()

    def make() -> None:
        @app.get("/x")
        def x(value: Missing) -> str:  # type: ignore[name-defined]  # noqa: F821 - the point
            return "x"

    make()
    with pytest.raises(NameError, match="parameter 'value'"):
        _ = app.routes[0].spec
