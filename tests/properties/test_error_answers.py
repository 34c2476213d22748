"""lcore's direct error and redirect answers equal the general finish's, byte for byte.

Each app has a twin with a no-op ``on_response_send`` hook, which forces the general
finish (HTTPResponse.apply, result_chunks, headerlist); both must answer alike.
"""

from __future__ import annotations

import html
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from lcore import HTTPError, HTTPResponse, Lcore, Request, abort, redirect, request, response
from lcore.context import _resolve_location, redirect_location  # pyright: ignore[reportPrivateUsage]
from lcore.errors import _HTML_PAGE, render_error_html  # pyright: ignore[reportPrivateUsage]
from tests.raw_wsgi import RawResult, make_environ


def error_app(error_format: str, general: bool) -> Lcore:
    app = Lcore()
    app.config["error.format"] = error_format
    if general:
        app.hooks.add("on_response_send", lambda: None)

    @app.get("/page")
    def page() -> str:
        return "page"

    @app.route("/items/<id:int>", method=["POST", "PUT"])
    def item(id: int) -> str:
        return str(id)

    @app.route("/any/<name>", method="ANY")
    def anything(name: str) -> str:
        return name

    @app.get("/abort")
    def aborting() -> str:
        environ = request.environ
        if environ["test.set_type"]:
            response.content_type = "text/plain"
        if environ["test.message"] is None:
            abort(environ["test.code"])
        abort(environ["test.code"], environ["test.message"])

    @app.get("/error")
    def raising() -> str:
        environ = request.environ
        raise HTTPError(environ["test.status"], environ["test.message"])

    @app.get("/redirect")
    def redirecting() -> str:
        environ = request.environ
        if environ["test.set_header"]:
            response.set_header("X-Kept", "1")
        redirect(environ["test.target"], environ["test.code"])

    @app.get("/response")
    def responding() -> HTTPResponse:
        environ = request.environ
        return HTTPResponse(environ["test.body"], environ["test.code"], environ["test.headers"])

    return app


APPS = {
    (fmt, general): error_app(fmt, general) for fmt in ("html", "json") for general in (False, True)
}

PATH_TEXT = st.text(alphabet="/abcp<>&\"'%? é", max_size=12)
PATHS = st.one_of(
    st.sampled_from(["/page", "/items/5", "/items/x", "/any/n", "/nope", "/", "/page/"]),
    PATH_TEXT.map(lambda text: "/" + text),
    PATH_TEXT.map(lambda text: "/page" + text),
)
METHODS = st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "get"])
CODES = st.one_of(
    st.sampled_from([400, 401, 403, 404, 405, 418, 422, 500, 503]), st.integers(200, 599)
)
MESSAGES = st.one_of(
    st.none(), st.text(max_size=20), st.sampled_from(["Not Found", "unknown error."])
)
FORMATS = st.sampled_from(["html", "json"])


def call(app: Lcore, environ: dict[str, Any]) -> RawResult:
    """Call ``app`` and keep what it sent; no Content-Length check (a handler may set
    one that does not fit its body, and both finishes must then send it alike)."""
    result = RawResult()

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        result.calls += 1
        result.status, result.headers = status, headers
        return lambda data: None

    body = app(environ, start_response)
    result.body = b"".join(body)
    assert result.calls == 1
    return result


def both(error_format: str, environ: dict[str, Any]) -> tuple[RawResult, RawResult]:
    fast = call(APPS[error_format, False], dict(environ))
    general = call(APPS[error_format, True], dict(environ))
    return fast, general


def assert_same(fast: RawResult, general: RawResult) -> None:
    assert fast.status == general.status
    assert fast.headers == general.headers
    assert fast.body == general.body


@given(FORMATS, METHODS, PATHS)
@example("html", "DELETE", "/page")
@example("json", "HEAD", "/nope/<x>")
def test_route_misses_match_the_general_finish(error_format: str, method: str, path: str) -> None:
    assert_same(*both(error_format, make_environ(path, method)))


@given(FORMATS, METHODS, CODES, MESSAGES, st.booleans())
@example("html", "GET", 403, None, False)
def test_abort_matches_the_general_finish(
    error_format: str, method: str, code: int, message: str | None, set_type: bool
) -> None:
    extra = {"test.code": code, "test.message": message, "test.set_type": set_type}
    assert_same(*both(error_format, make_environ("/abort", method, **extra)))


@given(FORMATS, st.one_of(CODES, CODES.map(lambda code: f"{code} Custom <b>")), MESSAGES)
def test_raised_errors_match_the_general_finish(
    error_format: str, status: int | str, message: str | None
) -> None:
    extra = {"test.status": status, "test.message": message}
    assert_same(*both(error_format, make_environ("/error", **extra)))


TARGETS = st.one_of(
    st.sampled_from(["/json", "/a/b?x=1", "next", "../up", "http://example.com/x", "//h/p"]),
    st.text(alphabet="/abc?#%é. ", max_size=10),
)


@given(METHODS, TARGETS, st.sampled_from([None, 301, 302, 303, 307, 308]), st.booleans())
@example("GET", "/json", None, False)
def test_redirects_match_the_general_finish(
    method: str, target: str, code: int | None, set_header: bool
) -> None:
    if "\0" in target or "\r" in target or "\n" in target:
        return
    extra = {"test.target": target, "test.code": code, "test.set_header": set_header}
    assert_same(*both("html", make_environ("/redirect", method, **extra)))


HEADERS = st.lists(
    st.tuples(
        st.sampled_from(["Content-Type", "Content-Length", "X-A", "content-length", "Location"]),
        st.sampled_from(["text/plain; charset=latin-1", "0", "5", "v"]),
    ),
    max_size=3,
)


@given(
    METHODS,
    st.one_of(st.text(alphabet="aé\u20ac", max_size=5), st.binary(max_size=5)),
    st.one_of(CODES, st.sampled_from([200, 201, 204, 304])),
    HEADERS,
)
def test_returned_responses_match_the_general_finish(
    method: str, body: str | bytes, code: int, headers: list[tuple[str, str]]
) -> None:
    extra = {"test.body": body, "test.code": code, "test.headers": headers}
    fast, general = both("html", make_environ("/response", method, **extra))
    assert_same(fast, general)


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)


@given(TEXT, TEXT, TEXT)
def test_the_cached_page_equals_the_template(status_line: str, url: str, message: str) -> None:
    page = _HTML_PAGE.format(
        title=html.escape(status_line),
        url=html.escape(url),
        message=html.escape(message),
        extra="",
    ).encode()
    assert render_error_html(status_line, url, message) == page
    assert render_error_html(status_line, url, message) == page  # cached


URL_TEXT = st.text(alphabet="/ab.%?#:@!$&'()*+,;=~-_é \\", max_size=12)


@given(
    st.one_of(URL_TEXT, URL_TEXT.map(lambda text: "/" + text)),
    st.one_of(URL_TEXT, URL_TEXT.map(lambda text: "/" + text)),
    st.sampled_from(["", "/mount", "/m%3F"]),
)
@example("/a?b/c", "/a?b", "")
@example("/a/b", "/a", "")
def test_plain_redirect_targets_resolve_as_any_other(url: str, path: str, script: str) -> None:
    wsgi_path = path.encode().decode("latin-1")  # PEP 3333: the bytes as latin-1 text
    request = Request(make_environ(wsgi_path, SCRIPT_NAME=script))
    try:
        expected = _resolve_location(url, request)
    except ValueError:
        return
    assert redirect_location(url, request) == expected


@given(url=st.text(max_size=40), path=st.text(max_size=20))
def test_a_redirect_location_is_always_a_valid_header_value(url: str, path: str) -> None:
    # redirect() stores the Location without set_header's check: what redirect_location
    # returns must pass that check whatever the target and the request's path.
    from lcore.datastructures import check_header_value

    raw = ("/" + path).encode("utf-8", "surrogatepass").decode("latin-1")
    try:
        location = redirect_location(url, Request(make_environ(raw)))
    except ValueError:
        return
    assert check_header_value(location) == location
    assert location.isascii()


@given(
    st.one_of(CODES, st.integers(-5, 1200), st.sampled_from(["404 Gone", "20x", " 418 "])), MESSAGES
)
def test_abort_raises_what_httperror_builds(code: Any, message: str | None) -> None:
    # abort() builds its HTTPError without __init__: every field must be __init__'s.
    text = "Unknown Error." if message is None else message
    try:
        expected = HTTPError(code, text)
    except ValueError as error:
        refused = str(error)
    else:
        refused = None
    try:
        abort(code, text)
    except HTTPError as raised:
        assert refused is None
        assert type(raised) is HTTPError
        assert raised.__dict__ == expected.__dict__
        assert raised.args == expected.args and str(raised) == str(expected)
        assert (raised.status_code, raised.status_line, raised.body) == (
            expected.status_code,
            expected.status_line,
            expected.body,
        )
        assert raised.headerlist == expected.headerlist
        raised.body = "changed"  # each error has its own fields
        try:
            abort(code, text)
        except HTTPError as fresh:
            assert fresh.body == text
    except ValueError as error:
        assert str(error) == refused
