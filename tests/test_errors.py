"""The exception hierarchy and the error bodies."""

from __future__ import annotations

import json

from lcore import (
    ClientError,
    LcoreException,
    MultipartError,
    PluginError,
    RouteBuildError,
    RouteError,
    RouterUnknownModeError,
    RouteSyntaxError,
    TemplateError,
)
from lcore.errors import error_payload, render_error_html, render_error_json


def test_hierarchy() -> None:
    for error in (RouteSyntaxError, RouteBuildError, RouterUnknownModeError):
        assert issubclass(error, RouteError)
    for error in (RouteError, PluginError, TemplateError, ClientError):
        assert issubclass(error, LcoreException)
    assert issubclass(MultipartError, ClientError)


def test_client_error_fields() -> None:
    error = ClientError(422, "bad", "value_invalid", ("query", "n"))
    assert (error.status, error.msg, error.type) == (422, "bad", "value_invalid")
    assert error.detail == [{"loc": ["query", "n"], "msg": "bad", "type": "value_invalid"}]
    assert str(error) == "bad"
    many = ClientError(422, "two problems", detail=[{"loc": [], "msg": "a", "type": "x"}])
    assert many.detail == [{"loc": [], "msg": "a", "type": "x"}]
    assert ClientError(400, "plain").type == "bad_request"


def test_multipart_error() -> None:
    error = MultipartError("no boundary")
    assert (error.status, error.type) == (400, "multipart_invalid")
    assert error.detail[0]["loc"] == ["body"]


def test_error_payload_and_json() -> None:
    assert error_payload(404) == {"error": "Not Found", "status": 404}
    assert error_payload(799) == {"error": "Unknown", "status": 799}
    detail = [{"loc": ["body"], "msg": "m", "type": "t"}]
    assert error_payload(400, detail) == {"error": "Bad Request", "status": 400, "detail": detail}  # type: ignore[arg-type]
    assert json.loads(render_error_json(400, detail)) == error_payload(400, detail)  # type: ignore[arg-type]


def test_render_error_html_escapes_and_shows_traceback_only_when_given() -> None:
    page = render_error_html("404 <Not>", "/a<b>", "msg & more").decode()
    assert "404 &lt;Not&gt;" in page
    assert "/a&lt;b&gt;" in page
    assert "msg &amp; more" in page
    assert "Traceback" not in page
    debug = render_error_html("500 Internal Server Error", "/", "x", "Trace <here>").decode()
    assert "<h2>Traceback:</h2>" in debug
    assert "Trace &lt;here&gt;" in debug


def test_default_error_answers_follow_later_changes_to_the_app() -> None:
    # lcore keeps its default error answers once built; a change that alters them
    # (the error format, an @error handler, the JSON backend) must show at once.
    from lcore import Lcore, abort
    from tests.raw_wsgi import call_raw, make_environ

    app = Lcore()

    @app.get("/gone")
    def gone() -> str:
        abort(410, "gone for good")

    first = call_raw(app, make_environ("/missing"))
    again = call_raw(app, make_environ("/missing"))
    assert first.status == again.status == "404 Not Found"
    assert first.body == again.body and b"/missing" in first.body
    # Each answer has its own header list: a server may add to it.
    assert first.headers is not again.headers
    first.headers.append(("Date", "now"))
    assert ("Date", "now") not in call_raw(app, make_environ("/missing")).headers
    head = call_raw(app, make_environ("/missing", "HEAD"))
    assert head.body == b"" and head.headers == again.headers
    assert b"gone for good" in call_raw(app, make_environ("/gone")).body

    app.config["error.format"] = "json"
    assert json.loads(call_raw(app, make_environ("/missing")).body) == {
        "error": "Not Found",
        "status": 404,
    }
    assert json.loads(call_raw(app, make_environ("/gone")).body)["message"] == "gone for good"

    @app.error(404)
    def not_found(error: object) -> str:
        return "custom"

    assert call_raw(app, make_environ("/missing")).body == b"custom"
