"""Type-checked by mypy and pyright: response models and ``forbid_extra`` as users write
them (never run)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, TypedDict

from typing_extensions import assert_type

from lcore import Body, Lcore, forbid_extra

app = Lcore()


@forbid_extra
@dataclasses.dataclass
class NewUser:
    """What a client sends to sign up; any other key is refused."""

    name: str
    email: str


@forbid_extra
class Rename(TypedDict):
    """A new name; any other key is refused."""

    name: str


@dataclasses.dataclass
class UserOut:
    """A user as clients see it."""

    id: int
    name: str


@dataclasses.dataclass
class UserRow:
    """A user as stored."""

    id: int
    name: str
    email: str
    password_hash: str


ROW = UserRow(1, "ann", "ann@example.com", "x")


@app.post("/users", status=201)
def sign_up(user: NewUser) -> UserOut:
    """Sign up."""
    return UserOut(1, user.name)


@app.get("/users/<uid:int>", response_model=UserOut)
def get_user(uid: int) -> UserRow:
    """One user: the stored row, sent through UserOut."""
    return ROW


@app.patch("/users/<uid:int>", check_response=False)
def rename(uid: int, change: Annotated[Rename, Body(forbid_extra=True)]) -> UserOut:
    """Rename a user."""
    return UserOut(uid, change["name"])


assert_type(forbid_extra(UserOut), type[UserOut])
assert_type(NewUser("ann", "ann@example.com"), NewUser)
assert_type(Rename(name="bob"), Rename)
assert_type(sign_up(NewUser("ann", "a@b")), UserOut)
assert_type(get_user(1), UserRow)
assert_type(rename(1, {"name": "bob"}), UserOut)
assert_type(Body(forbid_extra=True).forbid_extra, bool)
