"""Type-checked by mypy and pyright: exception handlers by class, and request.bound_app /
request.bound_route read in a handler without a None check (never run)."""

from __future__ import annotations

import dataclasses

from typing_extensions import assert_type

import lcore
from lcore import ExceptionHandler, HTTPResponse, Lcore, Route, ctx, request
from lcore.request import Request

app = Lcore()


class OutOfStock(ValueError):
    """An item that cannot be sold now."""

    def __init__(self, item: str) -> None:
        super().__init__(item)
        self.item = item


@dataclasses.dataclass
class Problem:
    """The body of a 409."""

    item: str


@app.exception_handler(OutOfStock, status=409)
def out_of_stock(exc: OutOfStock) -> Problem:
    """The item is out of stock."""
    assert_type(exc.item, str)
    return Problem(exc.item)


assert_type(out_of_stock(OutOfStock("book")), Problem)


# A handler for a base class answers its subclasses: it takes the class it names.
@app.exception_handler(ValueError, status=400, model=Problem)
def bad_value(exc: ValueError) -> HTTPResponse:
    """A value the handler refused."""
    return HTTPResponse(str(exc), 400)


async def async_handler(exc: KeyError) -> str:
    """Async handlers work too."""
    return str(exc)


app.add_exception_handler(KeyError, async_handler)
lcore.exception_handler(LookupError)(lambda exc: f"missing: {exc}")

found = app.find_exception_handler(OutOfStock)
assert_type(found, ExceptionHandler | None)
if found is not None:
    assert_type(found.status, int)
    assert_type(found.exc_type, type[Exception])


@app.get("/config")
def config_value() -> str:
    """The body limit of the app that answers, read without a None check."""
    assert_type(request.bound_app, Lcore)
    assert_type(request.bound_route, Route)
    assert_type(ctx.bound_app, Lcore)
    assert_type(ctx.bound_route, Route)
    assert_type(request.app, Lcore | None)
    return f"{request.bound_app.config['request.max_body']} {request.bound_route.rule}"


assert_type(Request({}).bound_app, Lcore)


def wrong_handler(exc: KeyError) -> str:
    """Takes a class the registration does not give it."""
    return str(exc)


# Both checkers refuse a handler that cannot take the class it is registered for.
app.add_exception_handler(OutOfStock, wrong_handler)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # the point of this line
