"""Whole-app properties: any request gets one well-formed answer, and bad input is never a 500."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import unquote, urlsplit

from hypothesis import example, given
from hypothesis import strategies as st

from lcore import Lcore, redirect, request
from lcore.errors import ClientError
from lcore.jsonutil import json_dumps, json_loads, load_json_body, set_backend
from tests.raw_wsgi import call_raw, make_environ


def reader_app() -> Lcore:
    app = Lcore()
    app.config["error.format"] = "json"
    app.config["request.max_body"] = 256
    app.config["request.max_fields"] = 20
    app.config["request.max_json_depth"] = 8

    @app.route("/<name>", method=["GET", "POST", "PUT"])
    def read_everything(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "query": dict(request.query),
            "forms": dict(request.forms),
            "json": request.json,
            "cookies": dict(request.cookies),
            "body": len(request.body_bytes),
            "auth": request.auth,
            "remote": request.remote_addr,
            "url": request.url,
        }

    @app.route("/n/<n:int>/<rest:path>")
    def numbers(n: int, rest: str) -> str:
        return f"{n}:{rest}"

    @app.route("/h/<name>", method="ANY")
    def read_headers(name: str) -> dict[str, Any]:
        return {"headers": dict(request.headers), "type": request.content_type}

    @app.route("/go/<rest:path>", method="ANY")
    def add_slash(rest: str) -> None:
        redirect(request.path + "/")

    return app


APP = reader_app()

latin1 = st.text(st.characters(max_codepoint=255), max_size=60)
wsgi_text = st.one_of(
    latin1,
    st.lists(
        st.sampled_from(["a", "=", "&", ";", "%", "ff", "%C3", "\xff", "/", "+", "[", "{"])
    ).map("".join),
)


#: Environ keys no server makes but a raw WSGI call may hold: no header name maps back to
#: most of them.
odd_header_keys = st.one_of(
    st.sampled_from(
        ["HTTP_X_-A", "HTTP_", "HTTP__", "HTTP_x", "HTTP_É", "HTTP_\x00", "HTTP_CONTENT_TYPE"]
    ),
    st.text(max_size=8).map(lambda name: "HTTP_" + name),
)
content_types = st.one_of(
    st.sampled_from(
        [
            "",
            "application/json",
            "application/x-www-form-urlencoded",
            "text/plain",
            "application/ld+json; charset=utf-8",
            "application/json" + ";" * 5000,
            'application/json; a="' + '\\"' * 2000,
        ]
    ),
    wsgi_text,
)
#: Methods as a raw environ may carry them: case matters (RFC 9110 section 9.1).
methods = st.sampled_from(["GET", "POST", "PUT", "HEAD", "DELETE", "get", "Post", "head", "BREW"])


@st.composite
def environs(draw: st.DrawFn) -> dict[str, Any]:
    body = draw(st.binary(max_size=300))
    extra: dict[str, Any] = {
        "QUERY_STRING": draw(wsgi_text),
        "HTTP_COOKIE": draw(wsgi_text),
        "HTTP_AUTHORIZATION": draw(st.one_of(wsgi_text, st.just("Basic " + "x" * 10))),
        "HTTP_X_FORWARDED_FOR": draw(wsgi_text),
        "HTTP_HOST": draw(st.one_of(st.just("localhost"), wsgi_text)),
        "CONTENT_TYPE": draw(content_types),
    }
    extra.update(draw(st.dictionaries(odd_header_keys, latin1, max_size=3)))
    length = draw(
        st.one_of(st.none(), st.just(str(len(body))), wsgi_text, st.integers(-5, 400).map(str))
    )
    if length is not None:
        extra["CONTENT_LENGTH"] = length
    if draw(st.booleans()):
        extra["HTTP_TRANSFER_ENCODING"] = draw(
            st.one_of(
                st.sampled_from(["chunked", "Chunked", "gzip", "gzip, chunked", "chunked, gzip"]),
                wsgi_text,
            )
        )
    if draw(st.booleans()):
        extra["wsgi.input_terminated"] = True
    path = draw(
        st.one_of(
            st.sampled_from(["/x", "/n/1/a", "/h/a"]),
            latin1.map(lambda p: "/" + p),
            latin1.map(lambda p: "/go/" + p),
            latin1,
        )
    )
    return make_environ(path, draw(methods), body, **extra)


@given(environs())
@example(
    make_environ("/x", "POST", b"[" * 20, CONTENT_TYPE="application/json", CONTENT_LENGTH="20")
)
@example(make_environ("/\xff", "GET"))
@example(make_environ("/x", "HEAD", HTTP_TRANSFER_ENCODING="gzip, chunked"))
@example(make_environ("/x", "POST", HTTP_TRANSFER_ENCODING="gzip, chunked"))
@example(make_environ("no-slash", "GET"))
@example(make_environ("/h/a", "GET", HTTP_X_A="1", **{"HTTP_X_-A": "2", "HTTP_": "3"}))
@example(make_environ("/x", "get"))
@example(make_environ("/go/a?b%", "GET"))
@example(make_environ("/x", "POST", b"{}", CONTENT_TYPE="application/json" + ";" * 5000))
def test_any_request_gets_one_well_formed_answer(environ: dict[str, Any]) -> None:
    # call_raw checks: start_response called once; a PEP 3333 status line ("200 OK");
    # header names that are tokens; values of latin-1 text without control characters
    # (a tab allowed); a Content-Length that matches the body.
    result = call_raw(APP, environ)
    # 501 is the one refusal in the 5xx range: a coding lcore does not decode (RFC 9112
    # section 6.1), checked below by its error type.
    assert result.status_code < 500 or result.status_code == 501, result.body
    content_type = result.header("Content-Type") or ""
    if result.status_code >= 400 and environ["REQUEST_METHOD"] != "HEAD":
        payload = json.loads(result.body)
        assert payload["status"] == result.status_code
        assert content_type == "application/json"
        if result.status_code == 501:
            assert payload["detail"][0]["type"] == "transfer_encoding_unsupported"
    if result.status_code == 303:
        location = result.header("Location") or ""
        assert location.isascii() and location.isprintable() and " " not in location


# -- redirect ----------------------------------------------------------------------------------


def slash_app() -> Lcore:
    app = Lcore()
    app.config["error.format"] = "json"

    @app.route("/", method="ANY")
    @app.route("/<rest:path>", method="ANY")  # the widest rule: any path at all
    def add_slash(rest: str = "") -> None:
        redirect(request.path + "/")

    return app


SLASH_APP = slash_app()
no_surrogates = st.text(st.characters(blacklist_categories=("Cs",)))


@given(no_surrogates)
@example("")
@example("/evil.example")
@example("a?b#c%d%20e")
@example("a\x00\r\nb")
@example("caf\u00e9/\U0001f600")
def test_redirect_to_the_path_plus_slash_round_trips(text: str) -> None:
    path = "/" + text
    # PEP 3333: a server hands over the path's UTF-8 bytes as latin-1 text.
    result = call_raw(SLASH_APP, make_environ(path.encode().decode("latin-1")))
    assert result.status_code == 303, result.body
    location = result.header("Location") or ""
    assert location.isascii() and location.isprintable() and " " not in location
    parts = urlsplit(location)
    assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", "")
    assert unquote(parts.path, errors="strict") == path + "/"


# -- JSON depth ---------------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.sampled_from(["[", "]", "{", "}", '"', "\\", "a", "é", "\n"])),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=30,
)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@given(json_values, st.integers(min_value=1, max_value=6), st.booleans())
def test_json_depth_limit_is_exact(value: Any, max_depth: int, ascii_only: bool) -> None:
    data = json.dumps(value, ensure_ascii=ascii_only).encode()
    try:
        parsed = load_json_body(data, max_depth)
    except ClientError as error:
        assert (error.status, error.type) == (400, "json_too_deep")
        assert depth(value) > max_depth
    else:
        assert parsed == value
        assert depth(value) <= max_depth


# -- JSON numbers ---------------------------------------------------------------------------------

json_numbers = st.builds(
    lambda sign, digits, fraction, exponent: sign + digits + fraction + exponent,
    st.sampled_from(["", "-"]),
    st.one_of(
        st.just("0"),
        st.builds(
            lambda first, rest: first + rest,
            st.sampled_from("123456789"),
            st.text("0123456789", max_size=400),
        ),
    ),
    st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=20).map(".".__add__)),
    st.one_of(
        st.just(""),
        st.builds(
            lambda e, sign, zeros, value: e + sign + zeros + str(value),
            st.sampled_from("eE"),
            st.sampled_from(["", "+", "-"]),
            st.sampled_from(["", "0", "00"]),
            st.integers(min_value=0, max_value=1200),
        ),
    ),
)


@given(json_numbers, st.sampled_from(["json", "ujson"]))
@example("1e999", "ujson")
@example("1" * 210 + "e99", "ujson")
@example("1" * 309 + ".5", "json")
def test_json_numbers_read_can_be_written_back(number: str, backend: str) -> None:
    data = f'[{number}, "e999"]'.encode()
    is_float = any(c in number for c in ".eE")
    finite = not is_float or math.isfinite(float(number))
    set_backend(backend)
    try:
        parsed = load_json_body(data, 4)
    except ClientError as error:
        assert (error.status, error.type) == (400, "json_invalid")
        assert not finite
    else:
        assert finite
        assert json_loads(json_dumps(parsed)) == parsed
    finally:
        set_backend("json")
