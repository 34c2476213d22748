"""examples/bookshop.py as a client sees it: one declaration documents and enforces
dependencies, security, response models and exception handlers."""

from __future__ import annotations

import pytest

from lcore import Lcore, TestClient
from tests.examples import load_example

STAFF = {"Authorization": "Bearer staff-token"}
READER = {"Authorization": "Bearer reader-token"}


bookshop = load_example("bookshop.py", "lcore_bookshop_example")


@pytest.fixture
def app() -> Lcore:
    made: Lcore = bookshop.create_app()
    return made


def test_rows_are_sent_through_their_models(app: Lcore) -> None:
    client = TestClient(app)
    assert client.get("/me", headers=STAFF).json == {
        "name": "sam",
        "scopes": ["books:read", "books:write"],
    }  # no password_hash
    books = client.get("/books", headers=READER).json
    assert [sorted(book) for book in books] == [
        ["author", "id", "price_cents", "stock", "title"]
    ] * 2  # no cost_cents


def test_security_is_enforced_as_documented(app: Lcore) -> None:
    client = TestClient(app)
    assert client.get("/health").json == {"status": "ok"}
    assert client.get("/books").status_code == 401
    assert client.get("/books", headers={"Authorization": "Bearer nope"}).status_code == 401
    forbidden = client.post("/books/1/sale", headers=READER)
    assert forbidden.status_code == 403
    assert forbidden.json["detail"][0]["type"] == "insufficient_scope"
    operation = app.openapi()["paths"]["/books/{book_id}/sale"]["post"]
    assert operation["security"] == [{"oauth2": ["books:write"]}]
    assert {"401", "403", "404", "409", "422"} <= set(operation["responses"])
    assert app.openapi()["paths"]["/health"]["get"]["security"] == []


def test_dependencies_read_and_document_their_parameters(app: Lcore) -> None:
    client = TestClient(app)
    assert [b["id"] for b in client.get("/books?limit=1&offset=1", headers=STAFF).json] == [2]
    problems = client.get("/books?limit=0", headers=STAFF).json["detail"]
    assert problems[0]["loc"] == ["query", "limit"]
    names = [p["name"] for p in app.openapi()["paths"]["/books"]["get"]["parameters"]]
    assert names == ["limit", "offset"]


def test_exception_handler_answers_with_its_model(app: Lcore) -> None:
    client = TestClient(app)
    sold_out = client.post("/books/2/sale", headers=STAFF)
    assert (sold_out.status_code, sold_out.json) == (409, {"error": "out of stock", "book_id": 2})
    assert client.post("/books/1/sale", headers=STAFF).json["stock"] == 2
    added = client.post(
        "/books", json={"title": "Emma", "author": "Jane Austen", "price_cents": 899}, headers=STAFF
    )
    assert added.status_code == 201 and added.json["id"] == 3
