"""A small lcore app: run it with ``python examples/hello.py`` and open http://127.0.0.1:8080/."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from lcore import Lcore, abort, request

app = Lcore()
users: dict[int, dict[str, str]] = {1: {"name": "Alice"}, 2: {"name": "Bob"}}


@app.route("/")
def index() -> str:
    """Say hello."""
    return "Hello, World!"


@app.route("/api/users/<id:int>")
def get_user(id: int) -> dict[str, str]:
    """Fetch a user by ID."""
    if id not in users:
        abort(404, "User not found")
    return users[id]


@app.route("/api/users", method="POST")
def create_user() -> dict[str, object]:
    """Create a user from a JSON body."""
    data = request.json
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        abort(400, 'send a JSON object like {"name": "Carol"}')
    new_id = max(users) + 1
    users[new_id] = {"name": data["name"]}
    return {"id": new_id, "created": True}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
