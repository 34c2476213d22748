"""Type-checked by mypy and pyright: typed handlers as users write them (never run)."""

from __future__ import annotations

import dataclasses
import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, TypedDict
from uuid import UUID

from typing_extensions import NotRequired, assert_type

from lcore import Body, Cookie, Header, HTTPResponse, Lcore, Param, Path, Query, TestClient
from lcore.converters import Constraints

app = Lcore()


class Status(enum.Enum):
    """Where an item is in its life."""

    DRAFT = "draft"
    LIVE = "live"


@dataclasses.dataclass
class NewItem:
    """What a client sends to create an item."""

    name: str
    price: Decimal
    tags: list[str] = dataclasses.field(default_factory=list[str])


@dataclasses.dataclass
class Item:
    """An item as stored."""

    id: UUID
    name: str
    price: Decimal
    status: Status
    created: datetime
    tags: list[str]


class Filters(TypedDict):
    """Search filters sent as a JSON body."""

    text: str
    since: NotRequired[date]


ITEM = Item(UUID(int=1), "pen", Decimal("1.50"), Status.LIVE, datetime(2024, 1, 1), [])


@app.get("/items")
def list_items(
    limit: Annotated[int, Query(ge=1, le=100, description="Page size")] = 10,
    sort: Literal["name", "price"] = "name",
    tags: list[str] | None = None,
) -> list[Item]:
    """List items.

    Args:
        limit: How many items to return.
        sort: The field to sort on.
        tags: Only items with all of these tags.
    """
    del limit, sort, tags
    return [ITEM]


@app.get("/items/<item_id>")
def get_item(
    item_id: Annotated[UUID, Path(description="The item's id")],
    x_token: Annotated[str, Header()],
    session: Annotated[str | None, Cookie(alias="sid")] = None,
) -> Item:
    """Fetch one item."""
    del item_id, x_token, session
    return ITEM


@app.post("/items", status=201)
def create_item(item: NewItem) -> Item:
    """Create an item."""
    return Item(UUID(int=2), item.name, item.price, Status.DRAFT, datetime.now(), item.tags)


@app.put("/items/<item_id:int>")
def replace_item(
    item_id: int,
    item: NewItem,
    note: Annotated[str, Body(max_length=200, example="why")],
    notify: Annotated[bool, Body(embed=True)] = False,
) -> Item:
    """Replace an item, with a note for the audit log."""
    del item_id, note, notify
    return create_item(item)


@app.patch("/items/<item_id:int>/status")
def set_status(item_id: int, status: Annotated[Status, Body(embed=True)]) -> dict[str, Any]:
    """Move an item to another status."""
    return {"id": item_id, "status": status}


@app.post("/search")
def search(filters: Filters, page: Annotated[int, Query(gt=0)] = 1) -> list[Item]:
    """Search items."""
    del filters, page
    return []


@app.delete("/items/<item_id:int>")
def delete_item(item_id: int) -> HTTPResponse:
    """Delete an item."""
    del item_id
    return HTTPResponse(status=204)


@app.get("/plain/<name>")
def plain(name: str) -> str:
    """A handler with no typed extras keeps working as in Bottle."""
    return name


@app.get("/slow")
async def slow(delay: Annotated[float, Query(ge=0, lt=5)] = 0.1) -> dict[str, float]:
    """An async handler (run to completion on the worker thread)."""
    return {"delay": delay}


# The decorators return the handler itself: its parameters and result keep their types.
assert_type(list_items(), list[Item])
assert_type(list_items(limit=5, sort="price", tags=["a"]), list[Item])
assert_type(get_item(UUID(int=1), "token"), Item)
assert_type(get_item(item_id=UUID(int=1), x_token="t", session=None), Item)
assert_type(create_item(NewItem("pen", Decimal(1))), Item)
assert_type(replace_item(1, NewItem("pen", Decimal(1)), "note", notify=True), Item)
assert_type(set_status(1, Status.LIVE), dict[str, Any])
assert_type(search({"text": "pen"}), list[Item])
assert_type(search({"text": "pen", "since": date(2024, 1, 1)}, page=2), list[Item])
assert_type(delete_item(1), HTTPResponse)
assert_type(plain("x"), str)


async def call_slow() -> None:
    """An async handler stays awaitable, with its own result type."""
    assert_type(await slow(delay=1.0), dict[str, float])


# Markers are ordinary objects with typed attributes.
marker = Query(alias="page-size", ge=1, le=100, pattern=r"^\d+$", deprecated=True)
assert_type(marker, Query)
assert_type(marker.alias, str | None)
assert_type(marker.description, str | None)
assert_type(marker.deprecated, bool)
assert_type(marker.constraints, Constraints)
assert_type(marker.constraints.ge, float | None)
assert_type(marker.constraints.max_length, int | None)
assert_type(Body(embed=True).embed, bool)
markers: list[Param] = [Query(), Header(), Cookie(), Path(), Body()]

client = TestClient(app)
created = client.post("/items", json={"name": "pen", "price": "1.50"})
assert_type(created.status_code, int)
assert_type(created.json, Any)


# -- dependencies and security (issue 11) ---------------------------------------------------

from collections.abc import Iterator  # noqa: E402 - grouped with the section that uses it

from lcore import (  # noqa: E402
    APIKeyHeader,
    BasicCredentials,
    Depends,
    HTTPBasic,
    HTTPBearer,
    Inject,
    OAuth2PasswordBearer,
    Request,
    Security,
    auth_basic,
)


@dataclasses.dataclass
class Account:
    """A principal."""

    name: str
    scopes: list[str]


def find_account(token: str) -> Account | None:
    return None


def db_session() -> Iterator[str]:
    yield "session"


bearer = HTTPBearer(find_account)
assert_type(bearer, HTTPBearer[Account])
assert_type(bearer.authenticate(Request({})), Account)
assert_type(HTTPBearer(), HTTPBearer[str])
assert_type(APIKeyHeader("X-Key"), APIKeyHeader[str])
assert_type(APIKeyHeader("X-Key", {"k": 1}.get), APIKeyHeader[int])
assert_type(HTTPBasic(), HTTPBasic[BasicCredentials])
assert_type(HTTPBasic(lambda c: c.username), HTTPBasic[str])
oauth = OAuth2PasswordBearer("/token", find_account, scopes={"write": "Write"})
assert_type(oauth, OAuth2PasswordBearer[Account])


@app.get("/account")
def account(
    user: Annotated[Account, Depends(bearer)],
    session: Annotated[str, Depends(db_session)],
    settings: Annotated[dict[str, str], Inject()],
    writer: Annotated[Account, Security(oauth, scopes=["write"])],
    request: Request,
) -> str:
    return user.name + session + settings["x"] + writer.name + request.path


assert_type(account(Account("a", []), "s", {}, Account("b", []), Request({})), str)


@app.get("/basic")
@auth_basic(lambda user, password: password == "pw")
def basic_only(limit: int = 1) -> int:
    return limit


assert_type(basic_only(limit=2), int)
