"""Hostile Cookie headers: parsed leniently, never an error."""

from __future__ import annotations

import pytest

from lcore import Lcore
from tests.raw_wsgi import expect_json, send


@pytest.mark.parametrize(
    ("header", "cookies"),
    [
        pytest.param("\x00\x01garbage;;;===;", {}, id="garbage"),
        pytest.param('a="unbalanced; b=2', {"a": '"unbalanced', "b": "2"}, id="quotes"),
        pytest.param('a="quoted"; b=""', {"a": "quoted", "b": ""}, id="quoted-values"),
        pytest.param("novalue; a=1", {"a": "1"}, id="missing-equals"),
        pytest.param("=1; a=2", {"a": "2"}, id="missing-name"),
        pytest.param("bad=\xff\xfe; ok=1", {"ok": "1"}, id="non-utf8-value"),
        pytest.param("\xff=1; ok=1", {"ok": "1"}, id="non-utf8-name"),
        pytest.param("e=caf\xc3\xa9", {"e": "café"}, id="utf8-value"),
        pytest.param("a=1, b=2", {"a": "1, b=2"}, id="comma-separated"),
        pytest.param(" ; ; a = 1 ; ", {"a": "1"}, id="whitespace"),
        pytest.param("a=" + "x" * 100_000, {"a": "x" * 100_000}, id="huge-value"),
    ],
)
def test_hostile_cookie_header(target: Lcore, header: str, cookies: dict[str, str]) -> None:
    result = send(target, "/cookies", HTTP_COOKIE=header)
    assert expect_json(result)["cookies"] == cookies


def test_10000_cookies(target: Lcore) -> None:
    header = "; ".join(f"c{i}={i}" for i in range(10_000))
    data = expect_json(send(target, "/cookies", HTTP_COOKIE=header))
    assert data["count"] == 1000  # request.max_fields: the rest is not read
    assert data["cookies"]["c999"] == "999"
    assert "c1000" not in data["cookies"]


def test_signed_cookie_garbage_reads_as_absent(app: Lcore) -> None:
    from lcore import request

    @app.get("/")
    def index() -> dict[str, object]:
        return {"value": request.get_cookie("s", "absent", secret="k")}

    for raw in ("v1.", "v1..", "v1.!!.!!", "v1." + "A" * 5000 + ".x", '"v1.a.b"'):
        assert expect_json(send(app, "/", HTTP_COOKIE=f"s={raw}")) == {"value": "absent"}
