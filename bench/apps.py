"""Identical small apps in lcore, Bottle, Flask, Falcon and raw WSGI, for bench/run.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
HELLO = "Hello, World!"
PAYLOAD = {"message": "Hello, World!", "items": [1, 2, 3], "ok": True}


def lcore_app(routes: int = 100) -> WSGI:
    from lcore import Lcore, request

    app = Lcore()

    @app.get("/plaintext")
    def plaintext() -> str:
        return HELLO

    @app.get("/json")
    def json_get() -> dict[str, Any]:
        return PAYLOAD

    @app.get("/query")
    def query() -> str:
        return request.query.get("name") or ""

    @app.post("/echo")
    def echo() -> Any:
        return request.json

    for i in range(routes):
        app.route(f"/r{i}/<id:int>", callback=_lcore_item(i))
    return app


def _lcore_item(i: int) -> Callable[[int], str]:
    def item(id: int) -> str:
        return str(id + i)

    item.__name__ = f"item{i}"
    return item


def bottle_app(routes: int = 100) -> WSGI:
    import bottle

    app = bottle.Bottle()

    @app.get("/plaintext")
    def plaintext() -> str:
        return HELLO

    @app.get("/json")
    def json_get() -> dict[str, Any]:
        return PAYLOAD

    @app.get("/query")
    def query() -> str:
        return bottle.request.query.get("name") or ""

    @app.post("/echo")
    def echo() -> Any:
        return bottle.request.json

    for i in range(routes):
        app.route(f"/r{i}/<id:int>", callback=_lcore_item(i))
    return app


def flask_app(routes: int = 100) -> WSGI:
    import flask

    app = flask.Flask("bench")

    @app.get("/plaintext")
    def plaintext() -> str:
        return HELLO

    @app.get("/json")
    def json_get() -> dict[str, Any]:
        return PAYLOAD

    @app.get("/query")
    def query() -> str:
        return flask.request.args.get("name") or ""

    @app.post("/echo")
    def echo() -> Any:
        return flask.jsonify(flask.request.get_json())

    for i in range(routes):
        app.add_url_rule(f"/r{i}/<int:id>", f"item{i}", _lcore_item(i))
    return app


def falcon_app(routes: int = 100) -> WSGI:
    import falcon

    class Plaintext:
        def on_get(self, req: Any, resp: Any) -> None:
            resp.content_type = falcon.MEDIA_HTML
            resp.text = HELLO

    class JSONGet:
        def on_get(self, req: Any, resp: Any) -> None:
            resp.media = PAYLOAD

    class Query:
        def on_get(self, req: Any, resp: Any) -> None:
            resp.content_type = falcon.MEDIA_HTML
            resp.text = req.get_param("name") or ""

    class Echo:
        def on_post(self, req: Any, resp: Any) -> None:
            resp.media = req.get_media()

    class Item:
        def __init__(self, i: int) -> None:
            self.i = i

        def on_get(self, req: Any, resp: Any, id: int) -> None:
            resp.content_type = falcon.MEDIA_HTML
            resp.text = str(id + self.i)

    app = falcon.App()
    app.add_route("/plaintext", Plaintext())
    app.add_route("/json", JSONGet())
    app.add_route("/query", Query())
    app.add_route("/echo", Echo())
    for i in range(routes):
        app.add_route(f"/r{i}/{{id:int}}", Item(i))
    return app


def raw_app(routes: int = 100) -> WSGI:
    """A hand-written WSGI callable: the floor every framework is measured against."""
    del routes
    body = HELLO.encode()
    payload = json.dumps(PAYLOAD).encode()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path == "/plaintext":
            data, ctype = body, "text/html; charset=UTF-8"
        elif path == "/json":
            data, ctype = payload, "application/json"
        elif path == "/echo":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            data = json.dumps(json.loads(environ["wsgi.input"].read(length))).encode()
            ctype = "application/json"
        elif path == "/query":
            from urllib.parse import parse_qs

            data = parse_qs(environ["QUERY_STRING"]).get("name", [""])[0].encode()
            ctype = "text/html; charset=UTF-8"
        elif path.startswith("/r"):
            head, _, tail = path[2:].partition("/")
            data, ctype = str(int(tail) + int(head)).encode(), "text/html; charset=UTF-8"
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found"]
        start_response("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(data)))])
        return [data]

    return app


FRAMEWORKS: dict[str, Callable[[int], WSGI]] = {
    "raw": raw_app,
    "lcore": lcore_app,
    "bottle": bottle_app,
    "falcon": falcon_app,
    "flask": flask_app,
}
