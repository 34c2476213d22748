"""Type-checked by mypy and pyright: the API as users write it."""

from __future__ import annotations

from typing_extensions import assert_type

from lcore import Lcore, TestClient, TestResponse, abort, ctx, request, response

app = Lcore()


@app.route("/items/<id:int>")
def get_item(id: int) -> dict[str, int]:  # noqa: A002
    """Fetch an item."""
    if id < 0:
        abort(404, "no such item")
    return {"id": id}


@app.get("/hello")
def hello() -> str:
    """Say hello."""
    response.set_header("X-Hello", "1")
    ctx.state["seen"] = True
    return "hi " + request.method


@app.route
def bare() -> str:
    """A route derived from the function name."""
    return "bare"


assert_type(get_item(1), dict[str, int])
assert_type(hello(), str)
assert_type(bare(), str)
assert_type(request.query.get("q"), str | None)
assert_type(request.path, str)
assert_type(response.status_code, int)

client = TestClient(app)
result = client.get("/hello")
assert_type(result, TestResponse)
assert_type(result.status_code, int)
