"""An app that reads every kind of input, answering errors as JSON."""

from __future__ import annotations

from typing import Any

import pytest

from lcore import Lcore, request, response


@pytest.fixture
def target() -> Lcore:
    app = Lcore()
    app.config["error.format"] = "json"

    @app.post("/body")
    def body() -> dict[str, Any]:
        data = request.body_bytes
        return {"length": len(data), "head": data[:32].decode("latin-1")}

    @app.post("/json")
    def json_body() -> dict[str, Any]:
        return {"json": request.json}

    @app.post("/form")
    def form() -> dict[str, Any]:
        return {"fields": len(request.forms), "form": dict(request.forms)}

    @app.get("/query")
    def query() -> dict[str, Any]:
        return {"fields": len(request.query), "query": dict(request.query)}

    @app.get("/cookies")
    def cookies() -> dict[str, Any]:
        return {"count": len(request.cookies), "cookies": dict(request.cookies)}

    @app.get("/inject")
    def inject() -> str:
        response.set_header("X-Echo", request.query.get("v", ""))
        return "never sent"

    @app.get("/<name>")
    def named(name: str) -> dict[str, str]:
        return {"name": name, "path": request.path}

    return app
