"""A small typed bookshelf API to browse at /docs: run ``python examples/docs_demo.py``
and open http://127.0.0.1:8080/docs.

The UI tests (tests/ui/) and scripts/screenshots serve this app.
"""

from __future__ import annotations

import enum
import os
import sys
from dataclasses import dataclass, field
from typing import Annotated

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from lcore import HTTPBearer, HTTPError, Lcore, Path, Query, response


class Genre(enum.Enum):
    """What kind of book it is."""

    NOVEL = "novel"
    POETRY = "poetry"
    SCIENCE = "science"


@dataclass
class NewBook:
    """A book to add to the shelf."""

    title: str
    author: str
    year: int
    genre: Genre = Genre.NOVEL
    tags: list[str] = field(default_factory=list[str])


@dataclass
class Book:
    """A book on the shelf."""

    id: int
    title: str
    author: str
    year: int
    genre: Genre
    tags: list[str]


@dataclass
class NotFound:
    """The error body of a 404."""

    error: str
    status: int


TOKEN = "let-me-in"
app = Lcore()
app.config.update({"docs.title": "Bookshelf API", "docs.version": "1.2.0", "error.format": "json"})
app.config["docs.description"] = (
    "A tiny **bookshelf** to try the API browser with.\n\n"
    "Deleting a book needs the bearer token `let-me-in`."
)
app.add_security_scheme(
    "bearerAuth",
    HTTPBearer(
        lambda token: "demo" if token == TOKEN else None,
        description="Any request with the demo token.",
    ),
)
app.enable_docs()

shelf: dict[int, Book] = {
    1: Book(1, "Middlemarch", "George Eliot", 1871, Genre.NOVEL, ["classic"]),
    2: Book(2, "Leaves of Grass", "Walt Whitman", 1855, Genre.POETRY, []),
}


@app.get("/books", tags=["books"])
def list_books(
    limit: Annotated[int, Query(ge=1, le=100, description="At most this many books.")] = 10,
    genre: Genre | None = None,
    q: Annotated[str | None, Query(description="Text the title must contain.")] = None,
) -> list[Book]:
    """List the books on the shelf.

    Books come back in the order they were added. Use `genre` and `q` to narrow the list;
    *both* may be combined.
    """
    books = [b for b in shelf.values() if genre is None or b.genre == genre]
    if q:
        books = [b for b in books if q.lower() in b.title.lower()]
    return books[:limit]


BookId = Annotated[int, Path(description="The book's id.", ge=1, example=1)]


@app.get("/books/<book_id:int>", tags=["books"], responses={404: NotFound})
def get_book(book_id: BookId) -> Book:
    """Fetch one book by its id."""
    if book_id not in shelf:
        raise HTTPError(404, "no such book")
    return shelf[book_id]


@app.post("/books", tags=["books"], status=201)
def add_book(book: NewBook) -> Book:
    """Add a book to the shelf.

    The year must be a whole number; a body that does not match the schema is answered
    with **422** and a list of every problem.
    """
    new_id = max(shelf, default=0) + 1
    shelf[new_id] = Book(new_id, book.title, book.author, book.year, book.genre, book.tags)
    return shelf[new_id]


@app.delete("/books/<book_id:int>", tags=["books"], security=["bearerAuth"], status=204)
def delete_book(book_id: BookId) -> None:
    """Remove a book (needs the bearer token)."""
    if shelf.pop(book_id, None) is None:
        raise HTTPError(404, "no such book")


@app.get("/shelf", tags=["books"], deprecated=True)
def old_list() -> list[Book]:
    """List every book (use GET /books instead)."""
    return list(shelf.values())


@app.get(
    "/health",
    tags=["meta"],
    responses={
        200: {
            "description": "The service is up.",
            "content": {"text/plain": {"schema": {"type": "string", "const": "ok"}}},
        }
    },
)
def health() -> str:
    """Say whether the service is up, as plain text."""
    response.content_type = "text/plain; charset=UTF-8"
    return "ok"


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
