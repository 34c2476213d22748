"""Lcore: construction and config, error handlers and error pages, and the last-resort 500.
Hooks, middleware, plugins, routes and bodies have test files of their own."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lcore import HTTPError, HTTPResponse, Lcore, TestClient, abort, redirect, request
from tests.raw_wsgi import call_raw, make_environ

# -- construction and config ---------------------------------------------------------------


def test_constructor_config_keywords() -> None:
    app = Lcore(debug=True, error__format="json", autojson=False)
    assert app.debug is True
    assert app.config["error.format"] == "json"
    assert app.config["json.enable"] is False
    assert app.catchall is True
    assert [getattr(p, "name", None) for p in app.plugins] == ["json"]


def test_config_hook_and_validated_keys() -> None:
    app = Lcore()
    seen: list[tuple[str, Any]] = []
    app.add_hook("config", lambda key, value: seen.append((key, value)))
    app.config["debug"] = "yes"
    app.config["my.key"] = 1
    assert seen == [("debug", True), ("my.key", 1)]
    assert app.debug is True
    with pytest.raises(ValueError):
        app.config["error.format"] = "xml"
    with pytest.raises(ValueError):
        app.config["request.max_body"] = -1
    app.config["request.max_body"] = "123"
    assert app.limits.max_body == 123
    del app.config["request.max_body"]
    assert app.limits.max_body == 10 * 1024 * 1024


def test_wsgi_alias() -> None:
    assert Lcore.wsgi is Lcore.__call__


# -- errors ------------------------------------------------------------------------------------


def test_error_handler_return_kinds(app: Lcore, client: TestClient) -> None:
    @app.error(404)
    def not_found(error: HTTPError) -> str:
        return f"custom 404 for {request.path}"

    @app.error(403)
    def forbidden(error: HTTPError) -> dict[str, str]:
        return {"why": str(error.body)}

    def teapot(error: HTTPError) -> HTTPResponse:
        return HTTPResponse("replaced", 299)

    app.error(418, teapot)
    app.get("/403", callback=lambda: abort(403, "nope"))
    app.get("/418", callback=lambda: abort(418))
    result = client.get("/x")
    assert (result.status_code, result.text) == (404, "custom 404 for /x")
    result = client.get("/403")
    assert (result.status_code, result.json) == (403, {"why": "nope"})
    assert result.headers["Content-Type"] == "application/json"
    result = client.get("/418")
    assert (result.status_code, result.text) == (299, "replaced")


def test_failing_error_handler_gives_the_default_500(app: Lcore) -> None:
    @app.error(404)
    def broken(error: HTTPError) -> str:
        raise RuntimeError("handler bug")

    result = TestClient(app).get("/x")
    assert result.status_code == 500
    assert result.json == {"error": "Internal Server Error", "status": 500}


def test_error_handler_for_500_sees_the_exception(app: Lcore) -> None:
    seen: list[BaseException | None] = []

    @app.error(500)
    def oops(error: HTTPError) -> str:
        seen.append(error.exception)
        return "sorry"

    @app.get("/")
    def index() -> str:
        raise KeyError("missing")

    result = TestClient(app).get("/")
    assert (result.status_code, result.text) == (500, "sorry")
    assert isinstance(seen[0], KeyError)


def test_unhandled_exception_html_has_no_traceback_without_debug() -> None:
    app = Lcore()

    @app.get("/")
    def index() -> str:
        raise ValueError("secret detail")

    result = TestClient(app).get("/")
    assert result.status_code == 500
    assert "Internal Server Error" in result.text
    assert "Traceback" not in result.text
    assert "secret detail" not in result.text
    app.config["debug"] = True
    debug = TestClient(app).get("/")
    assert "Traceback" in debug.text
    assert "secret detail" in debug.text


def test_json_errors_traceback_only_in_debug(app: Lcore) -> None:
    app.get("/", callback=lambda: 1 / 0)
    result = TestClient(app).get("/")
    assert result.json == {"error": "Internal Server Error", "status": 500}
    app.config["debug"] = True
    debug = TestClient(app).get("/").json
    assert "ZeroDivisionError" in debug["traceback"]


def test_client_error_detail_in_json_and_422_always_json() -> None:
    from lcore import ClientError

    app = Lcore()

    @app.get("/bad")
    def bad() -> str:
        raise ClientError(422, "expected an integer", "int_parsing", ("query", "limit"))

    result = TestClient(app).get("/bad")
    assert result.status_code == 422
    assert result.json == {
        "error": "Unprocessable Entity",
        "status": 422,
        "detail": [
            {"loc": ["query", "limit"], "msg": "expected an integer", "type": "int_parsing"}
        ],
    }


def test_client_error_in_html_mode_shows_message() -> None:
    from lcore import ClientError

    app = Lcore()
    app.get("/bad", callback=lambda: (_ for _ in ()).throw(ClientError(400, "no <good>")))
    result = TestClient(app).get("/bad")
    assert result.status_code == 400
    assert "no &lt;good&gt;" in result.text


def test_catchall_off_lets_exceptions_propagate(app: Lcore) -> None:
    app.config["catchall"] = False
    app.get("/", callback=lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        TestClient(app, validate=False).get("/")


def test_http_error_with_unknown_status(app: Lcore) -> None:
    app.get("/", callback=lambda: abort(599, "odd"))
    result = TestClient(app).get("/")
    assert result.status_code == 599
    assert result.json == {"error": "Unknown", "status": 599, "message": "odd"}


# -- rarer paths ---------------------------------------------------------------------------------


def test_last_resort_500_in_html() -> None:
    app = Lcore()

    @app.hook("on_response_send")
    def explode() -> None:
        raise RuntimeError("late")

    app.get("/", callback=lambda: "x")
    result = call_raw(app, make_environ("/"))
    assert result.status_code == 500
    assert result.header("Content-Type") == "text/html; charset=UTF-8"
    assert b"Traceback" not in result.body
    app.config["debug"] = True
    assert b"RuntimeError: late" in call_raw(app, make_environ("/")).body


def test_error_handlers_that_keep_failing_end_in_a_plain_500(app: Lcore) -> None:
    @app.error(500)
    def unsendable(error: HTTPError) -> Any:
        return 42  # not a body lcore can send: a new 500, again and again

    app.get("/", callback=lambda: 1 / 0)
    result = call_raw(app, make_environ("/"))
    assert result.status_code == 500
    assert json.loads(result.body) == {"error": "Internal Server Error", "status": 500}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nope", 404),
        ("DELETE", "/page", 405),
        ("GET", "/forbidden", 403),
        ("GET", "/moved", 303),
    ],
)
def test_default_error_answers_skip_the_general_finish(
    monkeypatch: pytest.MonkeyPatch, method: str, path: str, status: int
) -> None:
    app = Lcore()

    @app.get("/page")
    def page() -> str:
        return "page"

    @app.get("/forbidden")
    def forbidden() -> str:
        abort(403)

    @app.get("/moved")
    def moved() -> str:
        redirect("/page")

    def no_general(*args: object) -> None:
        raise AssertionError("the general finish ran")

    monkeypatch.setattr(HTTPResponse, "apply", no_general)
    result = call_raw(app, make_environ(path, method))
    assert result.status_code == status
    assert result.header("Content-Type") == "text/html; charset=UTF-8"


@pytest.mark.parametrize("path", ["/forbidden", "/moved", "/broken"])
def test_raised_answers_leave_no_reference_cycle(path: str) -> None:
    import gc

    app = Lcore()

    @app.get("/forbidden")
    def forbidden() -> str:
        abort(403)

    @app.get("/moved")
    def moved() -> str:
        redirect("/page")

    @app.get("/broken")
    def broken() -> str:
        raise ValueError("broken")

    call_raw(app, make_environ(path))  # warm: first-use caches
    gc.collect()
    gc.disable()
    try:
        call_raw(app, make_environ(path))
        # A cycle (traceback -> frame -> the raised answer) costs a GC pass per request.
        assert gc.collect() == 0
    finally:
        gc.enable()
