"""CORSMiddleware against the Fetch standard's CORS protocol (fetch.spec.whatwg.org,
"CORS protocol", "CORS-preflight fetch", "CORS check")."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lcore import CORSMiddleware, Lcore, TestClient, abort
from lcore.middleware import CORSMiddleware as FromMiddleware

SITE = "https://app.example"
OTHER = "https://evil.example"


def make_app(**options: Any) -> Lcore:
    app = Lcore()
    app.use(CORSMiddleware(**options))

    @app.get("/items")
    def list_items() -> str:
        return "items"

    @app.post("/items")
    def add_item() -> str:
        abort(409, "duplicate")

    @app.delete("/items/<item_id:int>")
    def delete_item(item_id: int) -> str:
        return f"deleted {item_id}"

    @app.get("/private", skip=["cors"])
    def private() -> str:
        return "private"

    @app.route("/any", method="ANY")
    def anything() -> str:
        return "any"

    return app


def preflight(
    client: TestClient,
    path: str,
    method: str = "POST",
    origin: str = SITE,
    headers: str | None = None,
    **more: str,
) -> Any:
    sent = {"Origin": origin, "Access-Control-Request-Method": method, **more}
    if headers is not None:
        sent["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=sent)


def test_exported_from_lcore_and_middleware() -> None:
    assert FromMiddleware is CORSMiddleware
    assert (CORSMiddleware.name, CORSMiddleware.order, CORSMiddleware.phase) == ("cors", 3, "pre")


# -- construction ---------------------------------------------------------------------


def test_defaults_follow_the_contract() -> None:
    mw = CORSMiddleware()
    assert mw.allow_all_origins and not mw.allow_credentials and mw.max_age == 86400
    assert mw.allow_methods == {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}
    assert {"content-type", "authorization", "x-requested-with"} <= mw.allow_headers


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"allow_credentials": True}, "cannot be used with allow_credentials"),
        ({"allow_origins": ["*"], "allow_credentials": True}, "cannot be used"),
        ({"allow_origins": "https://a.example/"}, "is not an origin"),
        ({"allow_origins": "a.example"}, "is not an origin"),
        ({"allow_origins": ["https://a.example/path"]}, "is not an origin"),
        ({"allow_origins": ["https://a.\x01example"]}, "is not an origin"),
        ({"allow_methods": ["GET", "BAD METHOD"]}, "is not a token"),
        ({"allow_methods": ""}, "is not a token"),
        ({"allow_headers": ["X-Ok", "X:Bad"]}, "is not a token"),
        ({"expose_headers": ["X Bad"]}, "is not a token"),
        ({"max_age": -1}, "0 or more"),
    ],
)
def test_bad_options_are_refused_at_construction(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CORSMiddleware(**options)


@pytest.mark.parametrize("options", [{"max_age": True}, {"max_age": 1.5}, {"allow_origins": [1]}])
def test_wrong_types_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        CORSMiddleware(**options)


def test_configured_origins_are_compared_in_lower_case() -> None:
    assert CORSMiddleware("HTTPS://App.Example:8443").origin_allowed("https://app.example:8443")


# -- actual (non-preflight) requests --------------------------------------------------


def test_request_without_origin_is_untouched() -> None:
    client = TestClient(make_app(allow_origins=[SITE], allow_credentials=True))
    response = client.get("/items")
    assert response.status_code == 200
    assert not [k for k in response.headers if k.lower().startswith("access-control")]
    assert "Vary" not in response.headers


def test_any_origin_without_credentials_gets_a_star_and_no_vary() -> None:
    response = TestClient(make_app()).get("/items", headers={"Origin": SITE})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Vary" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_listed_origin_is_echoed_with_vary_and_credentials() -> None:
    app = make_app(allow_origins=[SITE], allow_credentials=True, expose_headers=["X-Total"])
    response = TestClient(app).get("/items", headers={"Origin": SITE})
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert response.headers["Vary"] == "Origin"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total"


def test_single_origin_as_a_string() -> None:
    response = TestClient(make_app(allow_origins=SITE)).get("/items", headers={"Origin": SITE})
    assert response.headers["Access-Control-Allow-Origin"] == SITE


def test_disallowed_origin_gets_no_cors_headers_but_vary() -> None:
    response = TestClient(make_app(allow_origins=[SITE])).get("/items", headers={"Origin": OTHER})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Origin"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://a.example.com", True),
        ("https://b-2.example.com", True),
        ("https://example.com", False),
        ("https://a.example.com.evil.net", False),  # matched in full, not as a prefix
        ("http://a.example.com", False),
    ],
)
def test_origin_regex_is_matched_in_full(origin: str, allowed: bool) -> None:
    app = make_app(allow_origins=[], allow_origin_regex=r"https://[a-z0-9-]+\.example\.com")
    response = TestClient(app).get("/items", headers={"Origin": origin})
    assert ("Access-Control-Allow-Origin" in response.headers) is allowed
    if allowed:
        assert response.headers["Access-Control-Allow-Origin"] == origin


def test_origin_regex_accepts_a_compiled_pattern_and_credentials() -> None:
    mw = CORSMiddleware(
        [], allow_origin_regex=re.compile(r"https://.*\.test"), allow_credentials=True
    )
    assert mw.origin_allowed("https://x.test") and not mw.origin_allowed("https://x.test.org")


def test_null_origin_only_when_listed() -> None:
    assert not CORSMiddleware([SITE]).origin_allowed("null")
    assert CORSMiddleware([SITE, "null"]).origin_allowed("null")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("POST", "/items", 409), ("GET", "/missing", 404), ("PUT", "/items", 405)],
)
def test_error_answers_carry_the_cors_headers(method: str, path: str, status: int) -> None:
    app = make_app(allow_origins=[SITE], expose_headers="X-Total")
    response = TestClient(app).request(method, path, headers={"Origin": SITE})
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total"


def test_handler_vary_is_kept_and_origin_appended_once() -> None:
    app = Lcore()

    @app.hook("before_request")
    def vary_first() -> None:
        from lcore import response

        response.set_header("Vary", "Accept-Encoding")

    app.use(CORSMiddleware([SITE]))

    @app.get("/")
    def home() -> str:
        return "home"

    response = TestClient(app).get("/", headers={"Origin": SITE})
    assert response.headers["Vary"] == "Accept-Encoding, Origin"


def test_options_without_request_method_is_an_actual_request() -> None:
    response = TestClient(make_app()).options("/any", headers={"Origin": SITE})
    assert response.status_code == 200 and response.text == "any"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# -- preflights -----------------------------------------------------------------------


def test_preflight_answered_with_the_routes_methods() -> None:
    app = make_app(allow_origins=[SITE], allow_credentials=True, max_age=600)
    response = preflight(TestClient(app), "/items", "POST", headers="content-type")
    assert response.status_code == 204 and response.body == b""
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    # /items serves GET and POST (HEAD with GET, not in the default allow_methods).
    assert response.headers["Access-Control-Allow-Methods"] == "GET, POST"
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].split(", ")
    assert response.headers["Vary"] == "Origin"


def test_preflight_offers_the_intersection_with_allow_methods() -> None:
    app = make_app(allow_methods=["GET", "HEAD", "DELETE"])
    client = TestClient(app)
    assert preflight(client, "/items", "GET").headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    assert (
        preflight(client, "/items/7", "DELETE").headers["Access-Control-Allow-Methods"] == "DELETE"
    )
    assert preflight(client, "/items", "POST").status_code == 403


def test_preflight_at_an_any_route_offers_allow_methods() -> None:
    client = TestClient(make_app(allow_methods=["GET", "PUT"]))
    assert preflight(client, "/any", "PUT").headers["Access-Control-Allow-Methods"] == "GET, PUT"


def test_preflight_with_any_method_allowed_echoes_what_the_route_serves() -> None:
    client = TestClient(make_app(allow_methods="*"))
    assert preflight(client, "/any", "PURGE").headers["Access-Control-Allow-Methods"] == "PURGE"
    assert (
        preflight(client, "/items/1", "DELETE").headers["Access-Control-Allow-Methods"] == "DELETE"
    )


def test_preflight_is_answered_before_routing_and_hooks_of_the_handler() -> None:
    called: list[str] = []
    app = make_app()

    @app.route("/items", method="OPTIONS")
    def options_items() -> str:
        called.append("handler")
        return "handler"

    response = preflight(TestClient(app), "/items", "GET")
    assert response.status_code == 204 and called == []


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"origin": OTHER}, 403, "origin 'https://evil.example' is not allowed"),
        ({"method": "PUT"}, 403, "method 'PUT' is not allowed at '/items'"),
        ({"method": "BAD METHOD"}, 403, "'BAD METHOD' is not a method"),
        ({"headers": "x-custom"}, 403, "request header(s) x-custom not allowed"),
        ({"path": "/nowhere"}, 404, "no route serves '/nowhere'"),
    ],
)
def test_bad_preflights_are_refused_in_the_error_shape(
    kwargs: dict[str, str], status: int, message: str
) -> None:
    app = make_app(allow_origins=[SITE])
    app.config["error.format"] = "json"
    path = kwargs.pop("path", "/items")
    response = preflight(TestClient(app), path, **kwargs)
    assert response.status_code == status
    assert response.json == {
        "error": "Forbidden" if status == 403 else "Not Found",
        "status": status,
        "message": f"CORS preflight refused: {message}",
    }
    assert not [k for k in response.headers if k.startswith("Access-Control")]
    assert response.headers["Vary"] == "Origin"


def test_refusals_are_html_by_default_and_name_the_reason() -> None:
    response = preflight(TestClient(make_app()), "/items", headers="x-custom")
    assert response.status_code == 403
    assert "x-custom" in response.text
    assert "Vary" not in response.headers  # "*" for everyone: no answer depends on the origin


def test_safelisted_headers_are_always_allowed() -> None:
    app = make_app(allow_headers=["X-Token"])
    response = preflight(TestClient(app), "/items", headers="accept,content-type,x-token")
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Headers"].split(", ") == [
        "accept",
        "accept-language",
        "content-language",
        "content-type",
        "x-token",
    ]


def test_any_header_echoes_the_requested_names() -> None:
    client = TestClient(make_app(allow_headers="*"))
    response = preflight(client, "/items", headers="authorization, x-one")
    assert response.headers["Access-Control-Allow-Headers"] == "authorization, x-one"
    assert "Access-Control-Allow-Headers" not in preflight(client, "/items").headers
    assert preflight(client, "/items", headers="bad header").status_code == 403


@pytest.mark.parametrize(("allowed", "sent"), [(True, "true"), (False, "true"), (True, None)])
def test_private_network_access(allowed: bool, sent: str | None) -> None:
    client = TestClient(make_app(allow_private_network=allowed))
    more = {} if sent is None else {"Access-Control-Request-Private-Network": sent}
    response = preflight(client, "/items", **more)
    assert response.status_code == 204
    expected = "true" if allowed and sent else None
    assert response.headers.get("Access-Control-Allow-Private-Network") == expected


# -- skip and scoping ------------------------------------------------------------------


def test_skip_cors_on_a_route() -> None:
    client = TestClient(make_app())
    response = client.get("/private", headers={"Origin": SITE})
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response.headers
    # The preflight goes to routing, which has no OPTIONS route there.
    assert preflight(client, "/private", "GET").status_code == 405
    assert client.get("/items", headers={"Origin": SITE}).headers["Access-Control-Allow-Origin"]


def test_skip_is_seen_on_routes_added_after_the_first_request() -> None:
    app = Lcore()
    app.use(CORSMiddleware())

    @app.get("/a")
    def first() -> str:
        return "a"

    client = TestClient(app)
    assert "Access-Control-Allow-Origin" in client.get("/a", headers={"Origin": SITE}).headers

    @app.get("/b", skip=["cors"])
    def second() -> str:
        return "b"

    assert "Access-Control-Allow-Origin" not in client.get("/b", headers={"Origin": SITE}).headers
    assert "Access-Control-Allow-Origin" in client.get("/a", headers={"Origin": SITE}).headers


def test_scoped_with_use_routes() -> None:
    app = Lcore()
    app.use(CORSMiddleware(), routes=r"/api/")

    @app.get("/api/x")
    def api_x() -> str:
        return "x"

    @app.get("/page")
    def page() -> str:
        return "page"

    client = TestClient(app)
    assert "Access-Control-Allow-Origin" in client.get("/api/x", headers={"Origin": SITE}).headers
    assert (
        "Access-Control-Allow-Origin" not in client.get("/page", headers={"Origin": SITE}).headers
    )


# -- mounted sub-apps ----------------------------------------------------------------


def api_app(**options: Any) -> Lcore:
    api = Lcore()
    if options:
        api.use(CORSMiddleware(**options))

    @api.get("/ping")
    def ping() -> str:
        return "pong"

    @api.put("/things/<name>")
    def put_thing(name: str) -> str:
        return name

    @api.get("/secret", skip=["cors"])
    def secret() -> str:
        return "secret"

    return api


def test_parent_cors_covers_mounted_routes() -> None:
    site = Lcore()
    site.use(CORSMiddleware([SITE]))
    site.mount("/api/", api_app())
    client = TestClient(site)
    response = preflight(client, "/api/things/a", "PUT")
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Methods"] == "PUT"
    assert (
        client.get("/api/ping", headers={"Origin": SITE}).headers["Access-Control-Allow-Origin"]
        == SITE
    )
    # skip on the sub-app's route holds once mounted.
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/api/secret", headers={"Origin": SITE}).headers
    )


def test_sub_app_cors_marks_its_own_answers_only() -> None:
    site = Lcore()

    @site.get("/")
    def home() -> str:
        return "home"

    site.mount("/api/", api_app(allow_origins=[SITE]))
    client = TestClient(site)
    assert (
        client.get("/api/ping", headers={"Origin": SITE}).headers["Access-Control-Allow-Origin"]
        == SITE
    )
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": SITE}).headers
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/api/secret", headers={"Origin": SITE}).headers
    )
    # The outer app routes a preflight first: the sub-app's middleware never sees it.
    assert preflight(client, "/api/ping", "GET").status_code == 405


# -- robustness ------------------------------------------------------------------------

_latin1 = st.text(st.characters(min_codepoint=0, max_codepoint=0xFF))
_values = st.one_of(_latin1, st.sampled_from(["", "*", "null", SITE, "GET", "POST", "true"]))


@settings(max_examples=200, deadline=None)
@given(
    origin=st.one_of(st.none(), _values),
    method=st.one_of(st.none(), _values),
    headers=st.one_of(st.none(), _values),
    private=st.one_of(st.none(), _values),
    verb=st.sampled_from(["OPTIONS", "GET", "POST", "PUT"]),
    path=st.sampled_from(["/items", "/items/3", "/items/x", "/any", "/private", "/none"]),
    star=st.booleans(),
)
def test_arbitrary_cors_headers_never_give_a_500(
    origin: str | None,
    method: str | None,
    headers: str | None,
    private: str | None,
    verb: str,
    path: str,
    star: bool,
) -> None:
    options: dict[str, Any] = (
        {"allow_headers": "*", "allow_methods": "*"}
        if star
        else {"allow_origins": [SITE, "null"], "allow_credentials": True}
    )
    client = TestClient(
        make_app(allow_private_network=True, allow_origin_regex=r"https://.*", **options)
    )
    sent = {
        name: value
        for name, value in (
            ("Origin", origin),
            ("Access-Control-Request-Method", method),
            ("Access-Control-Request-Headers", headers),
            ("Access-Control-Request-Private-Network", private),
        )
        if value is not None
    }
    response = client.request(verb, path, headers=sent)
    assert response.status_code < 500


@pytest.mark.parametrize(
    "origin", ["https://a\x01.test", "https://a\x7f.test", "https://\xe9.test"]
)
def test_regex_never_echoes_an_origin_that_is_not_printable_ascii(origin: str) -> None:
    app = make_app(allow_origins=[], allow_origin_regex=r"https://.*")
    response = TestClient(app).get("/items", headers={"Origin": origin})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_any_origin_with_expose_headers() -> None:
    response = TestClient(make_app(expose_headers=["X-Total", "X-Page"])).get(
        "/items", headers={"Origin": SITE}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total, X-Page"


def test_vary_already_naming_origin_is_left_alone() -> None:
    app = Lcore()

    @app.hook("before_request")
    def vary_first() -> None:
        from lcore import response

        response.set_header("Vary", "Accept-Encoding, origin")

    app.use(CORSMiddleware([SITE]))

    @app.get("/")
    def home() -> str:
        return "home"

    response = TestClient(app).get("/", headers={"Origin": SITE})
    assert response.headers["Vary"] == "Accept-Encoding, origin"


def _even(text: str) -> int:
    number = int(text)
    if number % 2:
        raise ValueError("odd")
    return number


def test_a_path_its_converter_refuses_is_answered_by_routing_with_cors_headers() -> None:
    app = make_app(allow_origins=[SITE])
    app.router.add_filter("even", lambda conf: (r"\d+", _even, str))

    @app.get("/even/<number:even>")
    def even(number: int) -> str:
        return str(number)

    client = TestClient(app)
    # The preflight succeeds (a route serves the path); the request itself gets the 400.
    assert preflight(client, "/even/3", "GET").status_code == 204
    response = client.get("/even/3", headers={"Origin": SITE})
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == SITE


def test_redirects_failures_and_bad_bodies_carry_the_cors_headers() -> None:
    from lcore import redirect

    app = Lcore()
    app.use(CORSMiddleware([SITE]))

    @app.get("/old")
    def old() -> None:
        redirect("/new")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("handler failed")

    @app.post("/counts")
    def counts(data: dict[str, int]) -> dict[str, int]:
        return data

    client = TestClient(app)
    page = {"Origin": SITE}
    answers = [
        client.get("/old", headers=page),
        client.get("/boom", headers=page),
        client.post("/counts", body=b"{bad", headers={**page, "Content-Type": "application/json"}),
        client.post("/counts", json={"a": "x"}, headers=page),
    ]
    assert [a.status_code for a in answers] == [303, 500, 400, 422]
    assert all(a.headers["Access-Control-Allow-Origin"] == SITE for a in answers)
