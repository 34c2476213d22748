"""Request: lazy, cached, bounded views of the environ."""

from __future__ import annotations

import io
from typing import Any

import pytest

from lcore import ClientError, FormsDict, Lcore, Request, TestClient, request, response
from lcore.security import sign_cookie
from tests.raw_wsgi import make_environ


def make_request(path: str = "/", app: Lcore | None = None, **extra: Any) -> Request:
    return Request(make_environ(path, **extra), app)


# -- the request line ------------------------------------------------------------------


def test_method_is_kept_as_sent_and_defaults_to_get() -> None:
    # RFC 9110 section 9.1: methods are case-sensitive; "post" is not "POST".
    assert make_request(REQUEST_METHOD="post").method == "post"
    assert make_request(REQUEST_METHOD="POST").method == "POST"
    assert Request({}).method == "GET"


@pytest.mark.parametrize(
    ("path_info", "expected"),
    [
        ("/a/b", "/a/b"),
        ("", "/"),
        ("no-slash", "/no-slash"),
        ("/caf\xc3\xa9", "/café"),  # UTF-8 bytes carried as latin-1 (PEP 3333)
    ],
)
def test_path(path_info: str, expected: str) -> None:
    assert make_request(path_info).path == expected


def test_path_that_is_not_utf8_is_a_client_error() -> None:
    req = make_request("/\xff")
    with pytest.raises(ClientError) as info:
        _ = req.path
    assert info.value.status == 400
    assert info.value.type == "path_invalid_utf8"


def test_path_is_cached_until_path_info_changes() -> None:
    req = make_request("/a")
    assert req.path == "/a"
    req.environ["PATH_INFO"] = "/b"
    assert req.path == "/a"  # cached
    req["PATH_INFO"] = "/c"  # the mapping interface drops the cache
    assert req.path == "/c"


def test_url_parts_and_script_name() -> None:
    req = make_request("/x y", SERVER_PORT="8080", QUERY_STRING="a=1", SCRIPT_NAME="/app/")
    assert req.script_name == "/app/"
    assert req.fullpath == "/app/x y"
    assert req.query_string == "a=1"
    assert req.url == "http://localhost:8080/app/x%20y?a=1"
    assert make_request("/").script_name == "/"
    https = make_request("/s", SERVER_PORT="443", **{"wsgi.url_scheme": "https"})
    assert https.url == "https://localhost/s"
    hosted = make_request("/h", HTTP_HOST="example.org:81")
    assert hosted.url == "http://example.org:81/h"


@pytest.mark.parametrize(
    ("path_info", "url"),
    [
        ("/a%41", "http://localhost/a%2541"),  # the client sent %2541: "%" is a character
        ("/a?b#c", "http://localhost/a%3Fb%23c"),
        ("/caf\xc3\xa9", "http://localhost/caf%C3%A9"),  # UTF-8 bytes carried as latin-1
        ("/;=:@!$&'()*+,-._~", "http://localhost/;=:@!$&'()*+,-._~"),
    ],
)
def test_url_escapes_the_decoded_path(path_info: str, url: str) -> None:
    assert make_request(path_info).url == url


# -- headers -------------------------------------------------------------------------------


def test_headers_are_case_insensitive_and_read_only() -> None:
    req = make_request(HTTP_X_TOKEN="abc", CONTENT_TYPE="Text/Plain", CONTENT_LENGTH="0")
    assert req.headers["x-token"] == "abc"
    assert req.headers["X-TOKEN"] == "abc"
    assert req.get_header("X-Token") == "abc"
    assert req.get_header("Missing", "d") == "d"
    assert req.headers["Content-Type"] == "Text/Plain"
    assert req.content_type == "text/plain"
    assert req.content_length == 0
    with pytest.raises(TypeError):
        req.headers["X-Token"] = "x"  # type: ignore[index]


def test_content_length_absent_and_invalid() -> None:
    assert make_request().content_length == -1
    with pytest.raises(ClientError) as info:
        _ = make_request(CONTENT_LENGTH="12a").content_length
    assert info.value.type == "content_length_invalid"


def test_chunked_and_xhr_flags() -> None:
    assert make_request(HTTP_TRANSFER_ENCODING="Chunked").chunked
    assert not make_request().chunked
    for encoding, status in (("gzip, Chunked", 501), ("gzip", 400), ("", 400)):
        with pytest.raises(ClientError) as info:
            _ = make_request(HTTP_TRANSFER_ENCODING=encoding).chunked
        assert info.value.status == status
    assert make_request(HTTP_X_REQUESTED_WITH="XMLHttpRequest").is_xhr
    assert make_request(HTTP_X_REQUESTED_WITH="xmlhttprequest").is_ajax
    assert not make_request().is_xhr


# -- cookies ---------------------------------------------------------------------------------


def test_cookies_are_parsed_and_cached() -> None:
    req = make_request(HTTP_COOKIE='a=1; b="two words"; empty=')
    assert isinstance(req.cookies, FormsDict)
    assert req.cookies["a"] == "1"
    assert req.cookies["b"] == "two words"
    assert req.get_cookie("empty") == ""
    assert req.get_cookie("missing", "dflt") == "dflt"
    assert req.cookies is req.cookies
    req["HTTP_COOKIE"] = "c=3"
    assert dict(req.cookies) == {"c": "3"}


def test_signed_cookie_round_trip_and_tampering() -> None:
    signed = sign_cookie("user", {"id": 7}, "s3cret")
    req = make_request(HTTP_COOKIE=f"user={signed}; plain=x")
    assert req.get_cookie("user", secret="s3cret") == {"id": 7}
    assert req.get_cookie("user", "absent", secret="other") == "absent"
    assert req.get_cookie("plain", "absent", secret="s3cret") == "absent"
    tampered = signed[:-2] + ("AA" if not signed.endswith("AA") else "BB")
    req = make_request(HTTP_COOKIE=f"user={tampered}")
    assert req.get_cookie("user", secret="s3cret") is None
    # The same value copied under another name does not verify.
    req = make_request(HTTP_COOKIE=f"admin={signed}")
    assert req.get_cookie("admin", secret="s3cret") is None


# -- auth and client address ----------------------------------------------------------------


def test_auth_basic_and_remote_user() -> None:
    import base64

    token = base64.b64encode(b"bob:pa:ss").decode()
    assert make_request(HTTP_AUTHORIZATION=f"Basic {token}").auth == ("bob", "pa:ss")
    assert make_request(HTTP_AUTHORIZATION="Bearer abc").auth is None
    assert make_request(HTTP_AUTHORIZATION="Bearer abc", REMOTE_USER="u").auth == ("u", None)
    assert make_request().auth is None


def test_remote_addr_ignores_forwarded_for_from_untrusted_peer() -> None:
    app = Lcore()
    req = make_request(app=app, REMOTE_ADDR="9.9.9.9", HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert req.remote_addr == "9.9.9.9"
    app.config["proxy.trusted"] = ["10.0.0.1"]
    req = make_request(app=app, REMOTE_ADDR="9.9.9.9", HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert req.remote_addr == "9.9.9.9"
    assert make_request(REMOTE_ADDR="9.9.9.9").remote_addr == "9.9.9.9"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("1.1.1.1", "1.1.1.1"),
        ("6.6.6.6, 1.1.1.1, 192.168.1.5", "1.1.1.1"),  # spoofed left entry ignored
        ("192.168.1.1, 10.0.0.1", "192.168.1.1"),  # every hop trusted: the leftmost
        ("", "10.0.0.1"),
        (" , ", "10.0.0.1"),
        ("garbage, 1.1.1.1", "1.1.1.1"),
    ],
)
def test_remote_addr_walks_forwarded_for_from_the_right(forwarded: str, expected: str) -> None:
    app = Lcore()
    app.config["proxy.trusted"] = "10.0.0.1, 192.168.0.0/16"
    req = make_request(app=app, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert req.remote_addr == expected


def test_forwarded_proto_and_host_only_from_trusted_proxies() -> None:
    app = Lcore()
    app.config["proxy.trusted"] = ("10.0.0.0/8",)
    headers = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "ex.com"}
    trusted = make_request("/x", app=app, REMOTE_ADDR="10.1.2.3", **headers)
    assert trusted.url == "https://ex.com/x"
    untrusted = make_request("/x", app=app, REMOTE_ADDR="8.8.8.8", HTTP_HOST="in", **headers)
    assert untrusted.url == "http://in/x"


def test_remote_route_lists_hops_client_first() -> None:
    req = make_request(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2")
    assert req.remote_route == ["1.1.1.1", "2.2.2.2", "10.0.0.1"]
    assert make_request(REMOTE_ADDR="").remote_route == []


def test_invalid_proxy_config_is_refused() -> None:
    app = Lcore()
    with pytest.raises(ValueError, match="proxy.trusted"):
        app.config["proxy.trusted"] = "not-an-ip"
    app.config["proxy.trusted"] = None
    assert not app.trusted_proxies


# -- query, forms, params -----------------------------------------------------------------


def test_query_and_alias() -> None:
    req = make_request(QUERY_STRING="a=1&a=2&b=x+y&c=%C3%A9&flag&=v")
    assert req.query["a"] == "2"
    assert req.query.getall("a") == ["1", "2"]
    assert req.query["b"] == "x y"
    assert req.query["c"] == "é"
    assert req.query["flag"] == ""
    assert req.query[""] == "v"
    assert req.GET is req.query
    assert req.query.missing == ""


def test_query_cache_dropped_when_query_string_set() -> None:
    req = make_request(QUERY_STRING="a=1")
    assert req.query["a"] == "1"
    req["QUERY_STRING"] = "a=2"
    assert req.query["a"] == "2"


def form_request(body: bytes, content_type: str = "application/x-www-form-urlencoded") -> Request:
    return make_request(
        method="POST", body=body, CONTENT_TYPE=content_type, CONTENT_LENGTH=str(len(body))
    )


def test_forms_urlencoded() -> None:
    req = form_request(b"name=J%C3%BCrgen&tag=a&tag=b")
    assert req.forms["name"] == "Jürgen"
    assert req.forms.getall("tag") == ["a", "b"]
    assert req.POST is req.forms


def test_forms_empty_for_other_content_types() -> None:
    req = form_request(b"name=x", "text/plain")
    assert len(req.forms) == 0
    assert req.body_bytes == b"name=x"


def test_params_merge_query_then_forms() -> None:
    body = b"a=form&b=2"
    req = make_request(
        method="POST",
        body=body,
        QUERY_STRING="a=query",
        CONTENT_TYPE="application/x-www-form-urlencoded; charset=utf-8",
        CONTENT_LENGTH=str(len(body)),
    )
    assert req.params.getall("a") == ["query", "form"]
    assert req.params["b"] == "2"


# -- body and json ---------------------------------------------------------------------------


def test_body_is_rewound_on_every_access_and_read_once() -> None:
    class CountingInput(io.BytesIO):
        reads = 0

        def read(self, size: int | None = -1) -> bytes:
            CountingInput.reads += 1
            return super().read(size)

    stream = CountingInput(b"hello")
    req = make_request(method="POST", CONTENT_LENGTH="5", **{"wsgi.input": stream})
    assert req.body.read() == b"hello"
    assert req.body.read() == b"hello"
    reads = CountingInput.reads
    assert req.body_bytes == b"hello"
    assert CountingInput.reads == reads
    # Other WSGI layers can read the body again.
    assert req.environ["wsgi.input"].read() == b"hello"
    assert req.environ["CONTENT_LENGTH"] == "5"


def test_body_without_input_or_length_is_empty() -> None:
    req = Request({"REQUEST_METHOD": "POST"})
    assert req.body_bytes == b""
    assert make_request(method="POST", body=b"ignored").body_bytes == b""


def test_body_reads_no_more_than_content_length() -> None:
    stream = io.BytesIO(b"abcdefgh")
    req = make_request(method="POST", CONTENT_LENGTH="3", **{"wsgi.input": stream})
    assert req.body_bytes == b"abc"
    assert stream.read() == b"defgh"


def test_chunked_body_is_decoded() -> None:
    raw = b"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n"
    req = make_request(method="POST", body=raw, HTTP_TRANSFER_ENCODING="chunked")
    assert req.body_bytes == b"abcde"


def test_input_terminated_body_reads_to_eof() -> None:
    req = make_request(
        method="POST",
        body=b"streamed",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input_terminated": True},
    )
    assert req.body_bytes == b"streamed"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/json-rpc",
        "application/problem+json",
        "application/vnd.api+json",
    ],
)
def test_json_media_types(content_type: str) -> None:
    req = form_request(b'{"a": [1, 2]}', content_type)
    assert req.json == {"a": [1, 2]}
    assert req.json is req.json


@pytest.mark.parametrize("content_type", ["text/plain", "", "application/x-www-form-urlencoded"])
def test_json_is_none_for_other_types(content_type: str) -> None:
    assert form_request(b'{"a": 1}', content_type).json is None


def test_json_empty_body_is_none() -> None:
    assert form_request(b"", "application/json").json is None


def test_json_invalid_is_a_client_error() -> None:
    with pytest.raises(ClientError) as info:
        _ = form_request(b"{nope", "application/json").json
    assert (info.value.status, info.value.type) == (400, "json_invalid")


def test_json_and_forms_caches_dropped_when_input_replaced() -> None:
    req = form_request(b'{"a": 1}', "application/json")
    assert req.json == {"a": 1}
    req["wsgi.input"] = io.BytesIO(b'{"a": 2}')
    assert req.json == {"a": 2}


def test_limits_come_from_the_app_config() -> None:
    app = Lcore()
    app.config["request.max_fields"] = 2
    req = make_request(app=app, QUERY_STRING="a=1&b=2&c=3")
    with pytest.raises(ClientError) as info:
        _ = req.query
    assert (info.value.status, info.value.type) == (413, "too_many_fields")
    assert make_request(QUERY_STRING="a=1&b=2&c=3").limits.max_fields == 1000


# -- environ as a mapping ---------------------------------------------------------------------


def test_mapping_interface() -> None:
    req = make_request("/m", HTTP_X_A="1")
    assert req["PATH_INFO"] == "/m"
    assert req.get("HTTP_X_A") == "1"
    assert req.get("NOPE", 5) == 5
    assert "HTTP_X_A" in req.keys()
    assert set(req) == set(req.environ)
    assert len(req) == len(req.environ)
    del req["HTTP_X_A"]
    assert "HTTP_X_A" not in req.environ
    assert repr(req) == "<Request: GET /m>"


def test_copy_has_its_own_environ() -> None:
    req = make_request("/c", QUERY_STRING="a=1")
    other = req.copy()
    other["QUERY_STRING"] = "a=2"
    assert req.query["a"] == "1"
    assert other.query["a"] == "2"
    assert other.app is req.app


def test_path_shift_moves_segments() -> None:
    req = make_request("/a/b/c", SCRIPT_NAME="/root")
    assert req.path == "/a/b/c"
    req.path_shift(2)
    assert req.environ["SCRIPT_NAME"] == "/root/a/b"
    assert req.path == "/c"
    req.path_shift(-1)
    assert req.environ["SCRIPT_NAME"] == "/root/a"
    assert req.path == "/b/c"


def test_custom_attributes_can_be_stored() -> None:
    req = make_request()
    req.user_id = 3  # type: ignore[attr-defined]
    assert req.user_id == 3  # type: ignore[attr-defined]


# -- through the app -------------------------------------------------------------------------


def test_request_proxy_inside_a_handler() -> None:
    app = Lcore()

    @app.post("/echo/<name>")
    def echo(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "method": request.method,
            "path": request.path,
            "url": request.url,
            "q": request.query.get("q"),
            "json": request.json,
            "header": request.headers.get("X-Thing"),
            "route": request.route.rule if request.route else None,
            "url_args": request.url_args,
            "cookie": request.get_cookie("c"),
            "remote": request.remote_addr,
        }

    client = TestClient(app)
    client.cookies["c"] = "v"
    data = client.post("/echo/bob?q=1", json={"x": 1}, headers={"X-Thing": "t"}).json
    assert data == {
        "name": "bob",
        "method": "POST",
        "path": "/echo/bob",
        "url": "http://localhost/echo/bob?q=1",
        "q": "1",
        "json": {"x": 1},
        "header": "t",
        "route": "/echo/<name>",
        "url_args": {"name": "bob"},
        "cookie": "v",
        "remote": "127.0.0.1",
    }


def test_forms_through_the_client() -> None:
    app = Lcore()

    @app.post("/form")
    def form() -> dict[str, Any]:
        response.set_header("X-Count", str(len(request.forms)))
        return dict(request.forms)

    result = TestClient(app).post("/form", data={"a": "1", "b": "é"})
    assert result.json == {"a": "1", "b": "é"}
    assert result.headers["X-Count"] == "2"


def test_trusted_proxies_membership() -> None:
    from lcore.request import TrustedProxies

    trusted = TrustedProxies(["10.0.0.1", "192.168.0.0/16", " ", "::1"])
    assert "10.0.0.1" in trusted
    assert "192.168.4.5" in trusted
    assert "::1" in trusted
    assert "8.8.8.8" not in trusted
    assert "not-an-ip" not in trusted
    assert None not in trusted
    assert 10 not in trusted
    only_addresses = TrustedProxies("10.0.0.1")
    assert "10.0.0.2" not in only_addresses
    assert not TrustedProxies()
    with pytest.raises(ValueError):
        TrustedProxies(["999.1.1.1"])


# -- bound_app and bound_route ----------------------------------------------------------


def test_bound_app_and_route_are_the_app_and_route_inside_a_handler() -> None:
    app, sub = Lcore(), Lcore()
    seen: list[object] = []

    @app.get("/here")
    def here() -> str:
        seen.extend([request.bound_app, request.bound_route])
        return request.bound_route.rule

    @sub.get("/there")
    def there() -> str:
        seen.extend([request.bound_app, request.bound_route.rule])
        return str(request.bound_app.config["request.max_body"])

    sub.config["request.max_body"] = 77
    app.mount("/sub", sub)
    client = TestClient(app)
    assert client.get("/here").text == "/here"
    assert client.get("/sub/there").text == "77"
    assert seen == [app, app.routes[0], sub, "/sub/there"]


def test_bound_app_on_a_request_without_an_app_raises_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match=r"request\.bound_app: this Request is not bound"):
        _ = Request({}).bound_app
    assert Request({}, Lcore()).bound_app is not None


def test_bound_route_on_a_request_not_routed_raises_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match=r"request\.bound_route: no route has matched"):
        _ = Request({}, Lcore()).bound_route
    app = Lcore()
    app.config["error.format"] = "json"
    failures: list[str] = []

    @app.hook("before_request")
    def too_early() -> None:
        try:
            _ = request.bound_route
        except RuntimeError as exc:
            failures.append(str(exc))

    assert TestClient(app).get("/nowhere").status_code == 404
    assert len(failures) == 1
    assert "not before routing or on a 404" in failures[0]
