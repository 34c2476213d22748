"""Router: rule syntax, filters, static and indexed dynamic lookup, 404/405, URL building."""

from __future__ import annotations

from typing import Any

import pytest

from lcore import (
    Lcore,
    RouteBuildError,
    RouteError,
    Router,
    RouterUnknownModeError,
    RouteSyntaxError,
    TestClient,
    request,
)
from lcore.routing import MatchFailure
from tests.raw_wsgi import assert_error_shape, call_raw, make_environ

# -- the router on its own -----------------------------------------------------------------


def lookup(router: Router[Any], path: str, method: str = "GET") -> tuple[Any, dict[str, Any]]:
    return router.lookup(method, path)


def test_static_rule_is_a_dict_entry() -> None:
    router: Router[str] = Router()
    router.add("/about", "GET", "about")
    assert router.static == {"/about": {"GET": "about"}}
    assert lookup(router, "/about") == ("about", {})


@pytest.mark.parametrize(
    ("rule", "path", "args"),
    [
        ("/u/<name>", "/u/alice", {"name": "alice"}),
        ("/u/<id:int>", "/u/42", {"id": 42}),
        ("/u/<id:int>", "/u/-7", {"id": -7}),
        ("/f/<x:float>", "/f/1.5", {"x": 1.5}),
        ("/f/<x:float>", "/f/-2", {"x": -2.0}),
        ("/p/<rest:path>", "/p/a/b/c.txt", {"rest": "a/b/c.txt"}),
        ("/p/<rest:path>/edit", "/p/a/b/edit", {"rest": "a/b"}),
        ("/r/<code:re:[a-z]{3}>", "/r/abc", {"code": "abc"}),
        ("/r/<code:re>", "/r/any-thing", {"code": "any-thing"}),
        ("/two/<a>/<b:int>", "/two/x/3", {"a": "x", "b": 3}),
        ("/dash/<a>-<b>", "/dash/x-y", {"a": "x", "b": "y"}),
    ],
)
def test_wildcards_match_and_convert(rule: str, path: str, args: dict[str, Any]) -> None:
    router: Router[str] = Router()
    router.add(rule, "GET", "target")
    target, got = lookup(router, path)
    assert target == "target"
    assert got == args
    assert [type(v) for v in got.values()] == [type(v) for v in args.values()]


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("/u/<name>", "/u/a/b"),
        ("/u/<name>", "/u/"),
        ("/u/<id:int>", "/u/abc"),
        ("/u/<id:int>", "/u/1.5"),
        ("/r/<code:re:[a-z]{3}>", "/r/abcd"),
        ("/r/<code:re:[a-z]{3}>", "/r/ABC"),
        ("/p/<rest:path>", "/p/"),
    ],
)
def test_wildcards_refuse_non_matching_text(rule: str, path: str) -> None:
    router: Router[str] = Router()
    router.add(rule, "GET", "target")
    with pytest.raises(MatchFailure) as info:
        lookup(router, path)
    assert info.value.allowed == frozenset()
    assert not info.value.bad_format


def test_trailing_slash_is_strict() -> None:
    router: Router[str] = Router()
    router.add("/a", "GET", "no-slash")
    router.add("/b/", "GET", "slash")
    assert lookup(router, "/a")[0] == "no-slash"
    assert lookup(router, "/b/")[0] == "slash"
    for path in ("/a/", "/b"):
        with pytest.raises(MatchFailure):
            lookup(router, path)


def test_anonymous_wildcard_is_matched_but_not_passed() -> None:
    router: Router[str] = Router()
    router.add("/f/<:int>/<n>", "GET", "t", name="anon")
    assert lookup(router, "/f/3/z") == ("t", {"n": "z"})
    assert router.build("anon", 5, n="q") == "/f/5/q"
    with pytest.raises(RouteBuildError, match="anonymous"):
        router.build("anon", n="q")


def test_capturing_groups_in_user_regex_are_flattened() -> None:
    router: Router[str] = Router()
    router.add(r"/a/<x:re:(a|b)+>/<y:re:(?P<q\>\d+)>", "GET", "t")
    assert lookup(router, "/a/abba/12") == ("t", {"x": "abba", "y": "12"})


def test_unterminated_named_group_is_a_syntax_error_not_a_hang() -> None:
    # The '>' of "(?P<q>" ends the wildcard, leaving "(?P<q": must be refused, not loop.
    router: Router[str] = Router()
    with pytest.raises(RouteSyntaxError):
        router.add(r"/a/<y:re:(?P<q>\d+)>", "GET", "t")


def test_character_class_parentheses_are_left_alone() -> None:
    router: Router[str] = Router()
    router.add(r"/c/<x:re:[(]\d[)]>", "GET", "t")
    assert lookup(router, "/c/(1)") == ("t", {"x": "(1)"})


def test_escaped_angle_bracket_is_literal() -> None:
    router: Router[str] = Router()
    router.add("/esc\\<x>", "GET", "t")
    assert router.static == {"/esc<x>": {"GET": "t"}}


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ("/bad/<x:nofilter>", RouterUnknownModeError),
        ("/bad/<x:re:(>", RouteSyntaxError),
        ("/bad/<x", RouteSyntaxError),
        ("/bad/<1x>", RouteSyntaxError),
    ],
)
def test_bad_rules_raise_at_registration(rule: str, error: type[Exception]) -> None:
    router: Router[str] = Router()
    with pytest.raises(error):
        router.add(rule, "GET", "t")
    assert issubclass(error, RouteError)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("/s", "/s"),
        ("/d/<a>", "/d/<a>"),
        ("/d/<a>", "/d/<b>"),  # the same pattern under another name
        ("/i/<a:int>", "/i/<b:int>"),
    ],
)
def test_duplicate_method_and_pattern_raise(first: str, second: str) -> None:
    router: Router[str] = Router()
    router.add(first, "GET", "one")
    router.add(second, "POST", "other-method-is-fine")
    with pytest.raises(RouteError, match="already registered"):
        router.add(second, "get", "two")


def test_lookup_reports_allowed_methods_for_405() -> None:
    router: Router[int] = Router()
    router.add("/a/<x>", "GET", 1)
    router.add("/a/<x>", "POST", 2)
    router.add("/a/b/<y:int>", "PUT", 3)
    router.add("/a/static", "DELETE", 4)
    with pytest.raises(MatchFailure) as info:
        lookup(router, "/a/static", "PATCH")
    assert info.value.allowed == {"DELETE", "GET", "POST"}
    with pytest.raises(MatchFailure) as info:
        lookup(router, "/a/b/1", "PATCH")
    assert info.value.allowed == {"PUT"}
    # A dynamic rule answers when the static one does not allow the method.
    assert lookup(router, "/a/static") == (1, {"x": "static"})


def test_head_falls_back_to_get_and_any_matches_every_method() -> None:
    router: Router[str] = Router()
    router.add("/g", "GET", "get")
    router.add("/any/<x>", "ANY", "any")
    router.add("/both", "ANY", "any-static")
    router.add("/both", "HEAD", "head")
    assert lookup(router, "/g", "HEAD")[0] == "get"
    assert lookup(router, "/any/1", "BREW") == ("any", {"x": "1"})
    assert lookup(router, "/both", "HEAD")[0] == "head"
    assert lookup(router, "/both", "POST")[0] == "any-static"
    with pytest.raises(MatchFailure):
        lookup(router, "/g", "POST")


def test_deeper_static_prefix_wins_over_registration_order() -> None:
    router: Router[str] = Router()
    router.add("/<any:path>", "GET", "catch-all")
    router.add("/api/<x>", "GET", "api")
    router.add("/api/v1/<x>", "GET", "v1")
    assert lookup(router, "/api/v1/users")[0] == "v1"
    assert lookup(router, "/api/users")[0] == "api"
    assert lookup(router, "/other/thing")[0] == "catch-all"


def test_rule_without_leading_slash_still_matches() -> None:
    router: Router[str] = Router()
    router.add("<x>", "GET", "t")
    assert lookup(router, "q") == ("t", {"x": "q"})


def test_converter_value_error_is_bad_format() -> None:
    router: Router[str] = Router()
    router.add("/f/<x:float>", "GET", "t")
    with pytest.raises(MatchFailure) as info:
        lookup(router, "/f/1.2.3")
    assert info.value.bad_format


def test_match_reads_method_and_path_from_environ() -> None:
    router: Router[int] = Router()
    router.add("/a/<x>", "POST", 2)
    router.add("/", "GET", 1)
    assert router.match({"PATH_INFO": "/a/z", "REQUEST_METHOD": "POST"}) == (2, {"x": "z"})
    assert router.match({}) == (1, {})
    # RFC 9110 section 9.1: methods are case-sensitive; "post" is another method.
    with pytest.raises(MatchFailure) as info:
        router.match({"PATH_INFO": "/a/z", "REQUEST_METHOD": "post"})
    assert info.value.allowed == {"POST"}


def test_iter_rules_lists_every_rule_and_method() -> None:
    router: Router[int] = Router()
    router.add("/a/<x>", "GET", 1)
    router.add("/a/<x>", "POST", 2)
    router.add("/s", "GET", 3)
    assert dict(router.iter_rules()) == {"/a/<x>": {"GET": 1, "POST": 2}, "/s": {"GET": 3}}


def test_many_routes_with_shared_prefixes() -> None:
    router: Router[int] = Router()
    for i in range(200):
        router.add(f"/r{i}/<id:int>", "GET", i)
        router.add(f"/r{i}/<id:int>/sub/<name>", "GET", 1000 + i)
    assert lookup(router, "/r150/7") == (150, {"id": 7})
    assert lookup(router, "/r3/7/sub/x") == (1003, {"id": 7, "name": "x"})


# -- building --------------------------------------------------------------------------------


def test_build_quotes_values_and_adds_query() -> None:
    router: Router[str] = Router()
    router.add("/u/<name>/<id:int>", "GET", "t", name="user")
    router.add("/p/<rest:path>", "GET", "t", name="file")
    assert router.build("user", name="a b/c", id=3) == "/u/a%20b%2Fc/3"
    assert router.build("user", name="x", id="4", q="1 2") == "/u/x/4?q=1+2"
    assert router.build("file", rest="a b/c") == "/p/a%20b/c"


def test_build_errors() -> None:
    router: Router[str] = Router()
    router.add("/u/<name>", "GET", "t", name="user")
    with pytest.raises(RouteBuildError, match="no route named"):
        router.build("nope")
    with pytest.raises(RouteBuildError, match="missing value"):
        router.build("user")
    with pytest.raises(ValueError):
        Router[str]().build("/i/<x:int>", x="abc")


def test_build_accepts_a_rule_string() -> None:
    router: Router[str] = Router()
    assert router.build("/x/<a>", a="b/c") == "/x/b%2Fc"
    assert router.build("/static path") == "/static%20path"


def test_custom_filter_on_the_router() -> None:
    router: Router[str] = Router()

    def csv_filter(conf: str) -> tuple[str, Any, Any]:
        sep = conf or ","
        return r"[^/]+", lambda text: text.split(sep), lambda items: sep.join(items)

    router.add_filter("list", csv_filter)
    router.add("/l/<items:list>", "GET", "t", name="l")
    router.add("/s/<items:list:;>", "GET", "s")
    assert lookup(router, "/l/a,b,c") == ("t", {"items": ["a", "b", "c"]})
    assert lookup(router, "/s/a;b") == ("s", {"items": ["a", "b"]})
    assert router.build("l", items=["x", "y"]) == "/l/x%2Cy"


# -- routing through the app ------------------------------------------------------------


def test_app_methods_and_shortcuts(app: Lcore) -> None:
    @app.get("/r")
    def get_r() -> str:
        return "get"

    @app.post("/r")
    def post_r() -> str:
        return "post"

    @app.put("/r")
    def put_r() -> str:
        return "put"

    @app.patch("/r")
    def patch_r() -> str:
        return "patch"

    @app.delete("/r")
    def delete_r() -> str:
        return "delete"

    @app.route("/m", method=["get", "POST"])
    def many() -> str:
        return "many"

    @app.route("/any", method="ANY")
    def anything() -> str:
        return "any"

    client = TestClient(app)
    for verb in ("get", "post", "put", "patch", "delete"):
        assert getattr(client, verb)("/r").text == verb
    assert client.get("/m").text == "many"
    assert client.post("/m").text == "many"
    # The validator warns on unknown methods: this one call goes without it.
    assert TestClient(app, validate=False).request("BREW", "/any").text == "any"
    assert client.options("/any").text == "any"


def test_head_is_served_by_get_without_body(app: Lcore) -> None:
    @app.get("/h")
    def h() -> str:
        return "hello"

    response = TestClient(app).head("/h")
    assert response.status_code == 200
    assert response.body == b""
    assert response.headers["Content-Length"] == "5"


def test_404_in_json(app: Lcore) -> None:
    response = TestClient(app).get("/missing")
    assert response.status_code == 404
    assert response.json == {"error": "Not Found", "status": 404}
    assert response.headers["Content-Type"] == "application/json"


def test_405_has_sorted_allow_header(app: Lcore) -> None:
    @app.route("/x", method=["POST", "GET"])
    def x() -> str:
        return ""

    @app.route("/x", method="DELETE")
    def x_delete() -> str:
        return ""

    response = TestClient(app).put("/x")
    assert response.status_code == 405
    assert response.headers["Allow"] == "DELETE, GET, HEAD, POST"
    assert_error_shape(response.json, 405)


def test_405_allow_header_leaves_out_any(app: Lcore) -> None:
    @app.route("/y/<v>", method="POST")
    def y_post(v: str) -> str:
        return v

    @app.route("/y/<v>", method="PUT")
    def y_put(v: str) -> str:
        return v

    response = TestClient(app).get("/y/1")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST, PUT"


def test_request_methods_are_case_sensitive(app: Lcore) -> None:
    @app.route("/c", method=["get", "Post"])  # registration upper-cases, as a convenience
    def c() -> str:
        return request.method

    @app.route("/any", method="ANY")
    def anything() -> str:
        return request.method

    # RFC 9110 section 9.1: "get" is a method of its own, unknown here. The validator
    # warns on methods it does not know, so these calls go without it.
    client = TestClient(app, validate=False)
    assert (client.get("/c").text, client.post("/c").text) == ("GET", "POST")
    for method in ("get", "post", "Get", "head"):
        refused = client.request(method, "/c")
        assert refused.status_code == 405
        assert refused.headers["Allow"] == "GET, HEAD, POST"
    assert client.request("get", "/nowhere").status_code == 404
    assert client.request("get", "/any").text == "get"
    # Only HEAD is answered without a body; "head" is another method.
    assert client.request("head", "/any").body == b"head"


@pytest.mark.parametrize("method", ["", "GE T", "GET\r\n", "G:ET", "(GET)", "GÉT", "GET/1"])
def test_method_must_be_a_token(app: Lcore, method: str) -> None:
    router: Router[str] = Router()
    with pytest.raises(RouteError, match="a method is a token"):
        router.add("/x", method, "t")
    with pytest.raises(RouteError, match="a method is a token"):
        app.route("/x", method=method, callback=lambda: "x")
    assert app.routes == []


def test_wildcards_become_keyword_arguments(app: Lcore) -> None:
    @app.route("/users/<uid:int>/posts/<slug>")
    def post(uid: int, slug: str) -> dict[str, Any]:
        return {"uid": uid, "slug": slug}

    assert TestClient(app).get("/users/5/posts/hi%20there").json == {
        "uid": 5,
        "slug": "hi there",
    }


def test_non_ascii_path_is_decoded_as_utf8(app: Lcore) -> None:
    @app.route("/w/<word>")
    def word(word: str) -> str:
        return word

    assert TestClient(app).get("/w/%C3%A9t%C3%A9").text == "été"


def test_custom_filter_through_app(app: Lcore) -> None:
    def to_python(text: str) -> int:
        if text == "0x0":
            raise ValueError("zero is not allowed")
        return int(text, 16)

    app.add_route_filter("hex", r"0x[0-9a-f]+", to_python, hex)

    @app.route("/h/<n:hex>", name="hex")
    def hex_route(n: int) -> str:
        return str(n)

    client = TestClient(app)
    assert client.get("/h/0xff").text == "255"
    assert app.get_url("hex", n=255) == "/h/0xff"
    response = client.get("/h/0x0")
    assert response.status_code == 400
    assert response.json["status"] == 400


def test_filter_factory_through_app(app: Lcore) -> None:
    app.add_filter_factory("len", lambda conf: (rf"[a-z]{{{conf}}}", str.upper, str.lower))

    @app.route("/l/<code:len:2>")
    def code(code: str) -> str:
        return code

    client = TestClient(app)
    assert client.get("/l/ab").text == "AB"
    assert client.get("/l/abc").status_code == 404


def test_default_filter_keeps_text_as_is(app: Lcore) -> None:
    app.add_route_filter("word", r"[a-z]+")

    @app.route("/w/<x:word>", name="w")
    def w(x: str) -> str:
        return x

    assert TestClient(app).get("/w/abc").text == "abc"
    assert app.get_url("w", x="abc") == "/w/abc"


def test_duplicate_route_raises_on_the_app(app: Lcore) -> None:
    @app.get("/d")
    def first() -> str:
        return "1"

    with pytest.raises(RouteError):

        @app.get("/d")
        def second() -> str:
            return "2"


def test_route_list_of_paths_and_direct_call(app: Lcore) -> None:
    def handler(x: str = "none") -> str:
        return x

    app.route(["/a", "/a/<x>"], "GET", handler)
    client = TestClient(app)
    assert client.get("/a").text == "none"
    assert client.get("/a/q").text == "q"


def test_route_without_parentheses_derives_rule_from_name(app: Lcore) -> None:
    @app.route
    def hello__world(name: str, greeting: str = "hi") -> str:
        return f"{greeting} {name}"

    client = TestClient(app)
    assert client.get("/hello/world/bob").text == "hi bob"
    assert client.get("/hello/world/bob/yo").text == "yo bob"
    assert [r.rule for r in app.routes] == [
        "/hello/world/<name>",
        "/hello/world/<name>/<greeting>",
    ]


def test_get_url_with_script_name_inside_a_request(app: Lcore) -> None:
    @app.route("/item/<id:int>", name="item")
    def item(id: int) -> str:
        return app.get_url("item", id=id + 1, q="x")

    assert TestClient(app).get("/item/1").text == "/item/2?q=x"
    mounted = call_raw(app, make_environ("/item/1", SCRIPT_NAME="/app"))
    assert mounted.body == b"/app/item/2?q=x"
    assert app.get_url("item", id=3) == "/item/3"
    with pytest.raises(RouteBuildError):
        app.get_url("nope")


def test_app_match_raises_http_errors(app: Lcore) -> None:
    from lcore import HTTPError

    @app.get("/m/<x:int>")
    def m(x: int) -> str:
        return str(x)

    route, args = app.match(make_environ("/m/3"))
    assert route.callback is m and args == {"x": 3}
    for path, method, code in (("/nope", "GET", 404), ("/m/3", "POST", 405)):
        with pytest.raises(HTTPError) as info:
            app.match(make_environ(path, method))
        assert info.value.status_code == code


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("/n/<x:int>", "/n/5\n"),
        ("/n/<x:re:[a-z]+>", "/n/abc\n"),
        ("/n/<x:path>/edit", "/n/a/edit\n"),
        ("/n/<x>.json", "/n/a.json\n"),
    ],
)
def test_trailing_newline_does_not_match(rule: str, path: str) -> None:
    router: Router[str] = Router()
    router.add(rule, "GET", "t")
    with pytest.raises(MatchFailure):
        lookup(router, path)


def test_path_wildcard_holds_newlines() -> None:
    router: Router[str] = Router()
    router.add("/p/<rest:path>", "GET", "t", name="p")
    assert lookup(router, "/p/a\nb/c\n") == ("t", {"rest": "a\nb/c\n"})
    assert router.build("p", rest="a\nb") == "/p/a%0Ab"
