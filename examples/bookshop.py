"""A typed bookshop service: dependencies, security schemes, response models and
exception handlers, each declared once and both documented and enforced. The handlers
return the store's rows; ``response_model`` sends only the public fields of each.

Run ``python examples/bookshop.py`` and open http://127.0.0.1:8080/docs; send
``Authorization: Bearer staff-token`` (every scope) or ``Bearer reader-token`` (read only).
tests/test_bookshop.py drives it, and schemathesis checks it against its own document.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from lcore import (
    Depends,
    HTTPError,
    Inject,
    Lcore,
    OAuth2PasswordBearer,
    Param,
    Path,
    Query,
    Security,
)


@dataclass
class UserRow:
    """A user as the store keeps it, secrets included."""

    name: str
    scopes: list[str]
    password_hash: str


@dataclass
class UserOut:
    """A user as clients see it."""

    name: str
    scopes: list[str]


@dataclass
class NewBook:
    """A book to add."""

    title: str
    author: str
    price_cents: Annotated[int, Param(ge=0, le=1_000_000)]
    stock: Annotated[int, Param(ge=0, le=10_000)] = 0


@dataclass
class Book:
    """A book in the shop."""

    id: int
    title: str
    author: str
    price_cents: int
    stock: int


@dataclass
class BookRow:
    """A book as the store keeps it, with what the shop pays for it."""

    id: int
    title: str
    author: str
    price_cents: int
    stock: int
    cost_cents: int = 0


@dataclass
class Page:
    """Which slice of a list to answer with."""

    limit: int
    offset: int


@dataclass
class OutOfStockBody:
    """The answer when a book cannot be sold."""

    error: str
    book_id: int


@dataclass
class Store:
    """Stands in for a database: one per app, shared by requests."""

    users: dict[str, UserRow] = field(default_factory=dict[str, UserRow])
    books: dict[int, BookRow] = field(default_factory=dict[int, BookRow])
    lock: threading.Lock = field(default_factory=threading.Lock)


class OutOfStock(Exception):
    """A sale of a book that has none left."""

    def __init__(self, book_id: int) -> None:
        super().__init__(f"book {book_id} is out of stock")
        self.book_id = book_id


def make_store() -> Store:
    store = Store()
    store.users["staff-token"] = UserRow("sam", ["books:read", "books:write"], "pbkdf2:...")
    store.users["reader-token"] = UserRow("rae", ["books:read"], "pbkdf2:...")
    store.books[1] = BookRow(1, "Middlemarch", "George Eliot", 1299, 3, 700)
    store.books[2] = BookRow(2, "Leaves of Grass", "Walt Whitman", 999, 0, 500)
    return store


def create_app() -> Lcore:
    """A fresh app with its own store (tests make one each)."""
    app = Lcore()
    app.config.update(
        {
            "docs.title": "Bookshop API",
            "docs.version": "1.0.0",
            "docs.enabled": True,
            "error.format": "json",
        }
    )
    app.inject("store", make_store)

    def find_user(token: str) -> UserRow | None:
        store: Store = app.dependencies.resolve("store")
        return store.users.get(token)

    oauth = OAuth2PasswordBearer(
        "/token",
        find_user,
        scopes={"books:read": "See books", "books:write": "Change books"},
        description="Bearer tokens: staff-token (every scope) or reader-token.",
    )
    app.add_security_scheme("oauth2", oauth, default=True)

    def paging(
        limit: Annotated[int, Query(ge=1, le=100, description="At most this many.")] = 20,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> Page:
        return Page(limit, offset)

    def locked(store: Annotated[Store, Inject()]) -> Iterator[Store]:
        with store.lock:  # held for the request, released when it ends
            yield store

    Reader = Annotated[UserRow, Security(oauth, scopes=["books:read"])]
    Writer = Annotated[UserRow, Security(oauth, scopes=["books:write"])]
    BookId = Annotated[int, Path(ge=1, le=1_000_000, description="The book's id.")]

    @app.exception_handler(OutOfStock, status=409, model=OutOfStockBody)
    def out_of_stock(exc: OutOfStock) -> OutOfStockBody:
        return OutOfStockBody("out of stock", exc.book_id)

    @app.get("/health", security=[], tags=["meta"])
    def health() -> dict[str, str]:
        """Whether the service is up (no credentials needed)."""
        return {"status": "ok"}

    @app.get("/me", tags=["users"], response_model=UserOut)
    def me(user: Annotated[UserRow, Depends(oauth)]) -> UserRow:
        """Who the token belongs to (its password hash is never sent)."""
        return user

    @app.get("/books", tags=["books"], response_model=list[Book])
    def list_books(
        user: Reader,
        page: Annotated[Page, Depends(paging)],
        store: Annotated[Store, Inject()],
    ) -> list[BookRow]:
        """The books, in id order."""
        rows = sorted(store.books.values(), key=lambda row: row.id)
        return rows[page.offset : page.offset + page.limit]

    @app.get("/books/<book_id:int>", tags=["books"], response_model=Book)
    def get_book(book_id: BookId, user: Reader, store: Annotated[Store, Inject()]) -> BookRow:
        """One book."""
        row = store.books.get(book_id)
        if row is None:
            raise HTTPError(404, "no such book")
        return row

    @app.post("/books", tags=["books"], status=201, response_model=Book)
    def add_book(book: NewBook, user: Writer, store: Annotated[Store, Depends(locked)]) -> BookRow:
        """Add a book (scope books:write)."""
        new_id = max(store.books, default=0) + 1
        store.books[new_id] = BookRow(new_id, book.title, book.author, book.price_cents, book.stock)
        return store.books[new_id]

    @app.post("/books/<book_id:int>/sale", tags=["books"], raises=[OutOfStock], response_model=Book)
    def sell(book_id: BookId, user: Writer, store: Annotated[Store, Depends(locked)]) -> BookRow:
        """Sell one copy: 409 when none is left."""
        row = store.books.get(book_id)
        if row is None:
            raise HTTPError(404, "no such book")
        if row.stock == 0:
            raise OutOfStock(book_id)
        row.stock -= 1
        return row

    return app


app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
