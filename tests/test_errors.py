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
