"""Identical small apps in lcore, Bottle, Flask, Falcon and raw WSGI, for bench/run.py.

Each handler is written the way that framework's users write it: its own response object,
its own error and redirect helpers, its own JSON body parsing. ``after_hook=True`` builds
the app with one after-request hook (lcore ``after_request``, Bottle's ``after_request``
hook, Flask's ``@after_request``, a Falcon middleware's ``process_response``) that only
counts responses, for the ``after`` scenario; the other scenarios run without it.
``middleware=True`` builds it with three user middlewares around the JSON GET, as each
framework's users write them (the ``mw`` scenario, issue 12's S6): each sets a response
header and the first also a request id (lcore ``Middleware`` subclasses; Bottle plugins;
Flask ``before_request``/``after_request`` functions; Falcon middleware classes).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable
from typing import Any

WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
HELLO = "Hello, World!"
PAYLOAD = {"message": "Hello, World!", "items": [1, 2, 3], "ok": True}
TEXT_PLAIN = "text/plain; charset=utf-8"
#: Responses counted by the after-request hooks (the ``after`` scenario).
AFTER_COUNT = [0]


def summary(value: Any) -> dict[str, int]:
    """What the large-body handlers answer: the parsed list's size, not the body again."""
    return {"count": len(value)}


def lcore_app(
    routes: int = 100, *, after_hook: bool = False, middleware: bool = False, package: str = "lcore"
) -> WSGI:
    """``package`` names the lcore to use: ``lcore``, or a second copy imported under
    another name (``bench/run.py --lcore-base``)."""
    lcore = importlib.import_module(package)
    Lcore, abort, redirect = lcore.Lcore, lcore.abort, lcore.redirect
    request, response = lcore.request, lcore.response

    app = Lcore()

    @app.get("/plaintext")
    def plaintext() -> str:
        return HELLO

    @app.get("/ctype")
    def ctype() -> str:
        response.content_type = TEXT_PLAIN
        return HELLO

    @app.get("/header")
    def header() -> str:
        response.set_header("X-A", "1")
        return HELLO

    @app.get("/forbidden")
    def forbidden() -> str:
        abort(403)

    @app.get("/redirect")
    def go() -> str:
        redirect("/json")

    @app.post("/size")
    def size() -> dict[str, int]:
        return summary(request.json)

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

    if after_hook:

        @app.hook("after_request")
        def after() -> None:
            AFTER_COUNT[0] += 1

    if middleware:
        for number in (1, 2, 3):
            app.use(_lcore_middleware(lcore, number))

    return app


def _lcore_middleware(lcore: Any, number: int) -> Any:
    """A user middleware: sets one response header; the first also sets a request id."""
    header = f"X-MW-{number}"

    class HeaderMiddleware(lcore.Middleware):  # type: ignore[misc, name-defined]  # a module
        def __call__(self, ctx: Any, next_handler: Callable[[Any], Any]) -> Any:
            if number == 1:
                ctx.request_id = "req-1"
            result = next_handler(ctx)
            ctx.response.set_header(header, "1")
            return result

    return HeaderMiddleware()


def _lcore_item(i: int) -> Callable[[int], str]:
    def item(id: int) -> str:
        return str(id + i)

    item.__name__ = f"item{i}"
    return item


def bottle_app(routes: int = 100, *, after_hook: bool = False, middleware: bool = False) -> WSGI:
    import bottle

    # Bottle answers 413 to a JSON body over MEMFILE_MAX (100 KB); its users raise it.
    bottle.BaseRequest.MEMFILE_MAX = 16 * 1024 * 1024
    app = bottle.Bottle()

    @app.get("/plaintext")
    def plaintext() -> str:
        return HELLO

    @app.get("/ctype")
    def ctype() -> str:
        bottle.response.content_type = TEXT_PLAIN
        return HELLO

    @app.get("/header")
    def header() -> str:
        bottle.response.set_header("X-A", "1")
        return HELLO

    @app.get("/forbidden")
    def forbidden() -> str:
        bottle.abort(403)

    @app.get("/redirect")
    def go() -> str:
        bottle.redirect("/json")

    @app.post("/size")
    def size() -> dict[str, int]:
        return summary(bottle.request.json)

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

    if after_hook:

        @app.hook("after_request")
        def after() -> None:
            AFTER_COUNT[0] += 1

    if middleware:
        for number in (1, 2, 3):
            app.install(_bottle_plugin(bottle, number))

    return app


def _bottle_plugin(bottle: Any, number: int) -> Callable[[Any], Any]:
    """Bottle's middleware for one app: a plugin wrapping each handler."""
    header = f"X-MW-{number}"

    def plugin(callback: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if number == 1:
                bottle.request.environ["request_id"] = "req-1"
            result = callback(*args, **kwargs)
            bottle.response.set_header(header, "1")
            return result

        return wrapper

    return plugin


def flask_app(routes: int = 100, *, after_hook: bool = False, middleware: bool = False) -> WSGI:
    import flask

    app = flask.Flask(__name__)  # "bench" would resolve to the bench/ namespace dir and fail

    @app.get("/plaintext")
    def plaintext() -> str:
        return HELLO

    @app.get("/ctype")
    def ctype() -> Any:
        return HELLO, {"Content-Type": TEXT_PLAIN}

    @app.get("/header")
    def header() -> Any:
        return HELLO, {"X-A": "1"}

    @app.get("/forbidden")
    def forbidden() -> str:
        flask.abort(403)

    @app.get("/redirect")
    def go() -> Any:
        return flask.redirect("/json", 303)

    @app.post("/size")
    def size() -> dict[str, int]:
        return summary(flask.request.get_json())

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

    if after_hook:

        @app.after_request
        def after(resp: Any) -> Any:
            AFTER_COUNT[0] += 1
            return resp

    if middleware:

        @app.before_request
        def request_id() -> None:
            flask.g.request_id = "req-1"

        for number in (1, 2, 3):
            app.after_request(_flask_header(number))

    return app


def _flask_header(number: int) -> Callable[[Any], Any]:
    header = f"X-MW-{number}"

    def add(resp: Any) -> Any:
        resp.headers[header] = "1"
        return resp

    return add


def falcon_app(routes: int = 100, *, after_hook: bool = False, middleware: bool = False) -> WSGI:
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

    class CType:
        def on_get(self, req: Any, resp: Any) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = HELLO

    class Header:
        def on_get(self, req: Any, resp: Any) -> None:
            resp.set_header("X-A", "1")
            resp.content_type = falcon.MEDIA_HTML
            resp.text = HELLO

    class Forbidden:
        def on_get(self, req: Any, resp: Any) -> None:
            raise falcon.HTTPForbidden()

    class Redirect:
        def on_get(self, req: Any, resp: Any) -> None:
            raise falcon.HTTPSeeOther("/json")

    class Size:
        def on_post(self, req: Any, resp: Any) -> None:
            resp.media = summary(req.get_media())

    class After:
        def process_response(self, req: Any, resp: Any, resource: Any, req_succeeded: bool) -> None:
            AFTER_COUNT[0] += 1

    class Item:
        def __init__(self, i: int) -> None:
            self.i = i

        def on_get(self, req: Any, resp: Any, id: int) -> None:
            resp.content_type = falcon.MEDIA_HTML
            resp.text = str(id + self.i)

    class HeaderMiddleware:
        def __init__(self, number: int) -> None:
            self.header = f"X-MW-{number}"
            self.first = number == 1

        def process_request(self, req: Any, resp: Any) -> None:
            if self.first:
                req.context.request_id = "req-1"

        def process_response(self, req: Any, resp: Any, resource: Any, req_succeeded: bool) -> None:
            resp.set_header(self.header, "1")

    chain: list[Any] = [After()] if after_hook else []
    if middleware:
        chain += [HeaderMiddleware(n) for n in (1, 2, 3)]
    app = falcon.App(middleware=chain or None)
    app.add_route("/plaintext", Plaintext())
    app.add_route("/json", JSONGet())
    app.add_route("/query", Query())
    app.add_route("/echo", Echo())
    app.add_route("/ctype", CType())
    app.add_route("/header", Header())
    app.add_route("/forbidden", Forbidden())
    app.add_route("/redirect", Redirect())
    app.add_route("/size", Size())
    for i in range(routes):
        app.add_route(f"/r{i}/{{id:int}}", Item(i))
    return app


def raw_app(routes: int = 100, *, after_hook: bool = False, middleware: bool = False) -> WSGI:
    """A hand-written WSGI callable: the floor every framework is measured against."""
    del routes, after_hook, middleware
    body = HELLO.encode()
    payload = json.dumps(PAYLOAD).encode()
    get_only = {"/plaintext", "/json", "/query", "/ctype", "/header", "/forbidden", "/redirect"}

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path in get_only and environ["REQUEST_METHOD"] != "GET":
            start_response(
                "405 Method Not Allowed", [("Content-Type", "text/plain"), ("Allow", "GET")]
            )
            return [b"Method Not Allowed"]
        if path == "/plaintext" or path == "/ctype":
            data, ctype = body, "text/html; charset=UTF-8"
            if path == "/ctype":
                ctype = TEXT_PLAIN
        elif path == "/header":
            start_response(
                "200 OK",
                [
                    ("Content-Type", "text/html; charset=UTF-8"),
                    ("Content-Length", str(len(body))),
                    ("X-A", "1"),
                ],
            )
            return [body]
        elif path == "/forbidden":
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"Forbidden"]
        elif path == "/redirect":
            start_response(
                "303 See Other", [("Location", "http://localhost/json"), ("Content-Length", "0")]
            )
            return [b""]
        elif path == "/size":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            data = json.dumps(summary(json.loads(environ["wsgi.input"].read(length)))).encode()
            ctype = "application/json"
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


FRAMEWORKS: dict[str, Callable[..., WSGI]] = {
    "raw": raw_app,
    "lcore": lcore_app,
    "bottle": bottle_app,
    "falcon": falcon_app,
    "flask": flask_app,
}
