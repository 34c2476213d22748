"""Response, HTTPResponse, HTTPError, abort, redirect and cookies."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from lcore import (
    BaseResponse,
    HTTPError,
    HTTPResponse,
    Lcore,
    Response,
    TestClient,
    abort,
    redirect,
    request,
    response,
)
from tests.raw_wsgi import call_raw, make_environ

# -- status ------------------------------------------------------------------------------


def test_defaults() -> None:
    res = Response()
    assert res.status == res.status_line == "200 OK"
    assert res.status_code == 200
    assert res.body == ""
    assert res.headerlist == [("Content-Type", "text/html; charset=UTF-8")]
    assert res.content_type == "text/html; charset=UTF-8"
    assert res.charset == "UTF-8"
    assert res.content_length == -1
    assert res.expires is None
    assert BaseResponse is Response
    assert repr(res) == "<Response 200 OK>"


@pytest.mark.parametrize(
    ("status", "line", "code"),
    [
        (404, "404 Not Found", 404),
        (299, "299 Unknown", 299),
        ("418", "418 I'm a teapot", 418),
        ("299 Custom Reason", "299 Custom Reason", 299),
        ("  201 Made  ", "201 Made", 201),
    ],
)
def test_status_from_int_or_line(status: int | str, line: str, code: int) -> None:
    res = Response()
    res.status = status
    assert (res.status_line, res.status_code) == (line, code)


@pytest.mark.parametrize(
    "status", ["abc", "", 99, 1000, "20", "0200 OK", "xx OK", "٢٠٠ OK", "200\r\nX: y"]
)
def test_invalid_status_is_refused(status: int | str) -> None:
    res = Response()
    with pytest.raises(ValueError):
        res.status = status
    assert res.status_code == 200


def test_status_code_setter() -> None:
    res = Response()
    res.status_code = 201
    assert res.status == "201 Created"


# -- headers -------------------------------------------------------------------------------


def test_headers_set_add_get_delete() -> None:
    res = Response("b", 201, {"X-A": "1"}, x_b="2")
    assert res.headerlist == [
        ("Content-Type", "text/html; charset=UTF-8"),
        ("X-A", "1"),
        ("X-B", "2"),
    ]
    res.set_header("x-a", "one")
    res.add_header("X-A", "two")
    assert res.headers.getall("X-A") == ["one", "two"]
    assert res.get_header("x-A") == "two"
    assert res["X-A"] == "two"
    assert "x-a" in res
    assert 3 not in res  # type: ignore[operator]
    res["X-C"] = "3"
    del res["X-A"]
    assert "X-A" not in res
    with pytest.raises(KeyError):
        _ = res["X-A"]
    assert list(res.iter_headers()) == res.headerlist
    assert Response(headers=[("X-L", "1"), ("X-L", "2")]).headers.getall("X-L") == ["1", "2"]


def test_get_header_before_any_header_is_set() -> None:
    res = Response()
    assert res.get_header("X-Nope", "d") == "d"
    assert res.get_header("Content-Type") is None
    res.content_type = "text/plain"
    assert res.get_header("content-type") == "text/plain"
    assert res.headers["Content-Type"] == "text/plain"  # moved into the header dict
    res.content_type = "application/xml"
    assert res.headerlist == [("Content-Type", "application/xml")]


@pytest.mark.parametrize("bad", ["a\rb", "a\nb", "a\0b", "v\r\nSet-Cookie: x=1"])
def test_header_injection_is_refused(bad: str) -> None:
    res = Response()
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        res.set_header("X-Bad", bad)
    with pytest.raises(ValueError):
        res.add_header("X-Bad", bad)
    with pytest.raises(ValueError):
        res.set_header(bad, "v")
    with pytest.raises(ValueError):
        res.content_type = bad
    assert res.headerlist == [("Content-Type", "text/html; charset=UTF-8")]


#: Values PEP 3333 does not let leave the app (beside CR, LF and NUL, tested above).
NOT_PEP3333 = [
    pytest.param("a\x7fb", id="del"),
    pytest.param("a\x01b", id="soh"),
    pytest.param("\x1b[31mred", id="esc"),
    pytest.param("\x0bv", id="vt"),
    pytest.param("price: 5€", id="not-latin-1"),
    pytest.param("a\u2028b", id="line-separator"),
    pytest.param("\udcff", id="surrogate"),
]


@pytest.mark.parametrize("bad", NOT_PEP3333)
def test_header_values_outside_pep3333_are_refused_where_set(bad: str) -> None:
    res = Response()
    setters: list[Callable[[], object]] = [
        lambda: res.set_header("X-Bad", bad),
        lambda: res.add_header("X-Bad", bad),
        lambda: res.__setitem__("X-Bad", bad),
        lambda: res.headers.append("X-Bad", bad),
        lambda: setattr(res, "content_type", bad),
        lambda: setattr(res, "status", f"299 {bad}"),
        lambda: setattr(res, "expires", bad),
        lambda: res.set_cookie("c", "v", path=bad),
        lambda: Response(headers={"X-Bad": bad}),
        lambda: Response(x_bad=bad),
        lambda: HTTPResponse(headers=[("X-Bad", bad)]),
        lambda: HTTPError(500, X_Bad=bad),
        lambda: HTTPError(500, content_type=bad),
    ]
    for set_header in setters:
        with pytest.raises(ValueError):
            set_header()
    assert res.headerlist == [("Content-Type", "text/html; charset=UTF-8")]
    assert res.status == "200 OK"
    res.set_header("X-Ok", "tab\tand latin-1: caf\xe9 \x80\xff")  # RFC 9110 5.5: fine
    assert res["X-Ok"] == "tab\tand latin-1: caf\xe9 \x80\xff"


@pytest.mark.parametrize(
    "name", ["", " ", "X Bad", "X:Bad", "X-Tökén", "(x)", "a\tb", "a/b", "a@b", 'a"b', "a,b"]
)
def test_header_names_must_be_tokens(name: str) -> None:
    res = Response()
    for set_header in (res.set_header, res.add_header, res.__setitem__):
        with pytest.raises(ValueError, match="header name"):
            set_header(name, "v")
    with pytest.raises(ValueError, match="header name"):
        HTTPResponse(headers={name: "v"})
    assert res.headerlist == [("Content-Type", "text/html; charset=UTF-8")]


def test_header_values_must_be_str() -> None:
    with pytest.raises(TypeError):
        Response().set_header("X-N", 5)  # type: ignore[arg-type]


def test_charset_and_content_length() -> None:
    res = Response()
    res.content_type = 'text/plain; charset="latin-1"'
    assert res.charset == "latin-1"
    res.content_length = 12
    assert res.content_length == 12
    res.set_header("Content-Length", "junk")
    assert res.content_length == -1


def test_expires_round_trip() -> None:
    res = Response()
    res.expires = date(2030, 1, 2)
    assert res["Expires"] == "Wed, 02 Jan 2030 00:00:00 GMT"
    assert res.expires == datetime(2030, 1, 2, tzinfo=timezone.utc)
    res.expires = datetime(2030, 1, 2, 3, 4, 5)
    assert res.expires == datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    res.expires = 0
    assert res["Expires"] == "Thu, 01 Jan 1970 00:00:00 GMT"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (204, [("Last-Modified", "x"), ("X-Keep", "1"), ("Etag", '"e"')]),
        (304, [("X-Keep", "1"), ("Etag", '"e"')]),
    ],
)
def test_no_body_statuses_drop_entity_headers(code: int, expected: list[tuple[str, str]]) -> None:
    res = Response(status=code)
    res.set_header("Content-Type", "text/plain")
    res.set_header("Content-Length", "3")
    res.set_header("Last-Modified", "x")
    res.set_header("X-Keep", "1")
    res.set_header("ETag", '"e"')
    assert res.headerlist == expected


@pytest.mark.parametrize("code", [101, 204, 304])
def test_no_default_content_type_without_a_body(code: int) -> None:
    assert Response(status=code).headerlist == []


def test_copy_and_close() -> None:
    res = Response(io.BytesIO(b"x"), 202, X_A="1")
    res.set_cookie("c", "v")
    other = res.copy()
    assert other.status == "202 Accepted"
    assert other.headerlist == res.headerlist
    other.set_header("X-A", "2")
    assert res["X-A"] == "1"
    assert other.body is res.body
    res.close()
    assert res.body.closed
    Response("plain").close()  # a str body has nothing to close
    plain = Response()
    plain.content_type = "text/plain"
    assert plain.copy().content_type == "text/plain"


# -- cookies -------------------------------------------------------------------------------


def test_set_cookie_attributes() -> None:
    res = Response()
    res.set_cookie(
        "a",
        "b",
        max_age=timedelta(hours=1),
        expires=datetime(2030, 1, 1, tzinfo=timezone.utc),
        domain="ex.com",
        path="/",
        secure=True,
        httponly=False,
        samesite="STRICT",
        partitioned=True,
    )
    assert res.cookies == [
        "a=b; Max-Age=3600; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Domain=ex.com; Path=/;"
        " Secure; SameSite=Strict; Partitioned"
    ]


def test_set_cookie_defaults_and_quoting() -> None:
    res = Response()
    res.set_cookie("plain", "v")
    res.set_cookie("spaced", "a b,c")
    res.set_cookie("n", "1", max_age=60, samesite=None)
    res.set_cookie("m", "1", same_site="none")
    assert res.cookies == [
        "plain=v; HttpOnly; SameSite=Lax",
        'spaced="a b,c"; HttpOnly; SameSite=Lax',
        "n=1; Max-Age=60; HttpOnly; SameSite=None",
        "m=1; HttpOnly; SameSite=None",
    ]
    assert ("Set-Cookie", "plain=v; HttpOnly; SameSite=Lax") in res.headerlist


def test_delete_cookie() -> None:
    res = Response()
    res.delete_cookie("old", path="/p", domain="ex.com")
    assert res.cookies == [
        "old=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Domain=ex.com; Path=/p;"
        " HttpOnly; SameSite=Lax"
    ]


@pytest.mark.parametrize(
    ("name", "value", "options", "error"),
    [
        ("", "v", {}, ValueError),
        ("a b", "v", {}, ValueError),
        ("a=b", "v", {}, ValueError),
        ("a;b", "v", {}, ValueError),
        ("é", "v", {}, ValueError),
        ("a", 'q"uote', {}, ValueError),
        ("a", "semi;colon", {}, ValueError),
        ("a", "back\\slash", {}, ValueError),
        ("a", "line\nbreak", {}, ValueError),
        ("a", 5, {}, TypeError),
        ("a", "x" * 4000, {}, ValueError),
        ("a", "v", {"samesite": "sometimes"}, ValueError),
        ("a", "v", {"samesite": 3}, ValueError),
        ("a", "v", {"path": "/\r\nX-Evil: 1"}, ValueError),
        ("a", "v", {"domain": "ex.com\n"}, ValueError),
        # An attribute cannot start another one, or leave visible ASCII (RFC 6265 4.1.1).
        ("a", "v", {"path": "/; Domain=evil.example"}, ValueError),
        ("a", "v", {"domain": "ex.com; Secure"}, ValueError),
        ("a", "v", {"expires": "Thu, 01 Jan 2099 00:00:00 GMT; Domain=evil"}, ValueError),
        ("a", "v", {"path": "/\x7f"}, ValueError),
        ("a", "v", {"path": "/\t"}, ValueError),
        ("a", "v", {"domain": "bücher.example"}, ValueError),
        ("a", "v", {"path": 5}, TypeError),
        ("a", "v\x7f", {}, ValueError),
        ("a", "euro€", {}, ValueError),
    ],
)
def test_bad_cookies_are_refused(
    name: str, value: Any, options: dict[str, Any], error: type[Exception]
) -> None:
    res = Response()
    with pytest.raises(error):
        res.set_cookie(name, value, **options)
    assert res.cookies == []


def test_signed_cookie_holds_any_json_value() -> None:
    from lcore.security import unsign_cookie

    res = Response()
    res.set_cookie("s", {"user": 1, "roles": ["a"]}, secret="k")
    raw = res.cookies[0].split(";", 1)[0].split("=", 1)[1]
    assert raw.startswith("v1.")
    assert unsign_cookie("s", raw, "k") == {"user": 1, "roles": ["a"]}


# -- HTTPResponse and HTTPError ----------------------------------------------------------


def test_http_response_apply_merges_onto_response() -> None:
    target = Response()
    target.set_header("X-Kept", "1")
    target.set_header("X-Over", "old")
    target.set_cookie("t", "1")
    source = HTTPResponse("body", 202, X_Over="new")
    source.add_header("X-Multi", "a")
    source.add_header("X-Multi", "b")
    source.set_cookie("s", "2")
    source.apply(target)
    assert target.status == "202 Accepted"
    assert target.body == "body"
    assert target["X-Kept"] == "1"
    assert target["X-Over"] == "new"
    assert target.headers.getall("X-Multi") == ["a", "b"]
    assert [c.split("=")[0] for c in target.cookies] == ["t", "s"]


def test_http_response_apply_content_type_only() -> None:
    target = Response()
    source = HTTPResponse("x")
    source.content_type = "text/plain"
    source.apply(target)
    assert target.content_type == "text/plain"


def test_http_error_defaults_and_fields() -> None:
    err = HTTPError()
    assert err.status_code == 500
    assert err.body is None
    err = HTTPError(404, "gone", content_type="text/plain", X="1")
    assert err.status == "404 Not Found"
    assert err.body == "gone"
    assert err.content_type == "text/plain"
    assert err["X"] == "1"
    assert isinstance(err, HTTPResponse) and isinstance(err, Exception)


def test_abort_raises_http_error() -> None:
    with pytest.raises(HTTPError) as info:
        abort(401, "who?")
    assert info.value.status_code == 401
    assert info.value.body == "who?"
    with pytest.raises(HTTPError) as info:
        abort()
    assert info.value.status_code == 500


def test_abort_in_a_handler_html_and_json() -> None:
    app = Lcore()

    @app.get("/a")
    def a() -> str:
        abort(403, "keep <out>")

    html = TestClient(app).get("/a")
    assert html.status_code == 403
    assert html.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert "keep &lt;out&gt;" in html.text
    assert "<out>" not in html.text
    app.config["error.format"] = "json"
    data = TestClient(app).get("/a")
    assert data.json == {"error": "Forbidden", "status": 403, "message": "keep <out>"}


# -- redirect ----------------------------------------------------------------------------------


def redirect_app() -> Lcore:
    app = Lcore()

    @app.get("/from/here")
    def go() -> None:
        target = request.query.get("to", "next")
        code = request.query.get("code", type=int)
        response.set_header("X-Carried", "1")
        response.set_cookie("c", "1")
        redirect(target, code)

    return app


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("next", "/from/next"),
        ("/abs", "/abs"),
        ("../up", "/up"),
        ("https://other.example/x", "https://other.example/x"),
        ("//cdn.example/y", "//cdn.example/y"),
    ],
)
def test_redirect_location(target: str, location: str) -> None:
    result = TestClient(redirect_app()).get("/from/here", params={"to": target})
    assert result.status_code == 303
    assert result.headers["Location"] == location
    assert result.headers["X-Carried"] == "1"
    assert result.cookies == {"c": "1"}
    assert result.body == b""


def test_redirect_code_and_http10_default() -> None:
    app = redirect_app()
    assert TestClient(app).get("/from/here?code=301").status_code == 301
    http10 = call_raw(app, make_environ("/from/here", SERVER_PROTOCOL="HTTP/1.0"))
    assert http10.status_code == 302


def test_redirect_never_uses_the_host_header() -> None:
    app = redirect_app()
    hostile = make_environ(
        "/from/here",
        HTTP_HOST="evil.example",
        HTTP_X_FORWARDED_HOST="evil2.example",
        SCRIPT_NAME="/mnt",
    )
    result = call_raw(app, hostile)
    location = result.header("Location")
    assert location == "/mnt/from/next"
    assert "evil" not in (location or "")


def test_redirect_outside_a_request_raises() -> None:
    with pytest.raises(RuntimeError):
        redirect("/x")


@pytest.mark.parametrize(
    "change",
    [
        lambda r: setattr(r, "content_type", "text/plain; charset=ascii"),
        lambda r: r.set_header("content-type", "text/plain; charset=ascii"),
        lambda r: r.add_header("Content-Type", "text/plain; charset=ascii"),
        lambda r: r.headers.__setitem__("CONTENT_TYPE", "text/plain; charset=ascii"),
        lambda r: r.headers.replace("Content-Type", "text/plain; charset=ascii"),
        lambda r: r.__setitem__("Content-Type", "text/plain; charset=ascii"),
    ],
)
def test_charset_follows_every_way_of_changing_the_content_type(
    change: Callable[[Response], None],
) -> None:
    res = Response()
    res.content_type = "text/plain; charset=latin-1"
    assert res.charset == "latin-1"
    change(res)
    assert res.charset == "ascii"
    del res["Content-Type"]
    assert res.charset == "UTF-8"


def test_charset_cache_is_bounded() -> None:
    from lcore.response import _CHARSETS, _MAX_CHARSETS

    for i in range(_MAX_CHARSETS + 10):
        res = Response()
        res.content_type = f"text/x-{i}; charset=latin-1"
        assert res.charset == "latin-1"
    assert len(_CHARSETS) <= _MAX_CHARSETS


def test_first_set_header_keeps_the_content_type_first_and_checks_as_before() -> None:
    res = Response()
    res.content_type = "text/plain"
    res.set_header("x_trace", "1")
    assert res.headerlist == [("Content-Type", "text/plain"), ("X-Trace", "1")]
    with pytest.raises(ValueError, match="header value"):
        res.set_header("X-B", "a\r\nb")
    with pytest.raises(ValueError, match="invalid header name"):
        Response().set_header("X B", "1")
    with pytest.raises(TypeError, match="header values must be str"):
        Response().set_header("X-B", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="header value"):
        Response().content_type = "text/plain\n"
    assert "X-B" not in res


@pytest.mark.parametrize("status", [None, 404, "599 Custom"])
def test_raisable_responses_have_every_response_attribute(status: int | str | None) -> None:
    # HTTPResponse skips Response.__init__ (PERF): its class defaults must cover the rest.
    error = HTTPError(status, "gone")
    plain = Response("gone", 500 if status is None else status)
    answer = HTTPResponse("gone", status)
    for name, value in vars(Response("gone", status)).items():
        assert getattr(answer, name) == value, name
    for name, value in vars(plain).items():
        assert getattr(error, name) == value, name
