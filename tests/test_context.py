"""The request context and the request/response/ctx proxies."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import unquote

import pytest

from lcore import (
    Lcore,
    LocalContext,
    LocalRequest,
    LocalResponse,
    Request,
    RequestContext,
    Response,
    TestClient,
    ctx,
    redirect,
    request,
    response,
)
from lcore.context import bind_context, current_context, redirect_location, unbind_context
from tests.raw_wsgi import call_raw, make_environ


@pytest.mark.parametrize(
    "touch",
    [
        lambda: request.path,
        lambda: request.method,
        lambda: request["PATH_INFO"],
        lambda: "x" in request,  # type: ignore[operator]
        lambda: len(request),  # type: ignore[arg-type]
        lambda: iter(request),  # type: ignore[call-overload]
        lambda: response.status,
        lambda: response["X"],
        lambda: "X" in response,
        lambda: ctx.state,
        lambda: ctx.anything,
        lambda: current_context(),
    ],
)
def test_proxies_raise_runtime_error_outside_a_request(touch: Any) -> None:
    with pytest.raises(RuntimeError, match="outside of a request"):
        touch()


def test_proxy_writes_raise_outside_a_request() -> None:
    with pytest.raises(RuntimeError):
        ctx.user = 1
    with pytest.raises(RuntimeError):
        request["X"] = "1"
    with pytest.raises(RuntimeError):
        response["X"] = "1"
    with pytest.raises(RuntimeError):
        del response["X"]
    with pytest.raises(RuntimeError):
        response.status = 200
    with pytest.raises(RuntimeError):
        del ctx.user


def test_proxy_reprs_unbound_and_bound() -> None:
    assert repr(request) == "<request unbound>"
    assert repr(response) == "<response unbound>"
    assert repr(ctx) == "<ctx unbound>"
    context = RequestContext(Request(make_environ("/r")), Response())
    token = bind_context(context)
    try:
        assert repr(request) == "<Request: GET /r>"
        assert repr(response) == "<Response 200 OK>"
        assert repr(ctx) == "<ctx of <Request: GET /r>>"
    finally:
        unbind_context(token)
    assert repr(request) == "<request unbound>"


def test_proxy_types() -> None:
    assert isinstance(request, LocalRequest)
    assert isinstance(response, LocalResponse)
    assert isinstance(ctx, LocalContext)


def test_proxies_inside_a_handler() -> None:
    app = Lcore()

    @app.get("/p/<name>")
    def handler(name: str) -> dict[str, Any]:
        response["X-Name"] = name
        response.status = 201
        assert "X-Name" in response
        del response["X-Name"]
        response.set_header("X-Final", "1")
        request["lcore.custom"] = "stored"
        return {
            "same_request": request.path == ctx.request.path,
            "app": ctx.app is app,
            "route": ctx.route.rule if ctx.route else None,
            "custom": request["lcore.custom"],
            "has_path": "PATH_INFO" in request,
            "environ_keys": len(request) == len(list(request)),
        }

    result = TestClient(app).get("/p/z")
    assert result.status_code == 201
    assert "X-Name" not in result.headers
    assert result.headers["X-Final"] == "1"
    assert result.json == {
        "same_request": True,
        "app": True,
        "route": "/p/<name>",
        "custom": "stored",
        "has_path": True,
        "environ_keys": True,
    }


def test_ctx_state_and_attribute_storage_are_one_store() -> None:
    app = Lcore()

    @app.hook("before_request")
    def login() -> None:
        ctx.user = "alice"
        ctx.user_id = 7
        ctx.state["role"] = "admin"

    @app.get("/")
    def index() -> dict[str, Any]:
        del ctx.role
        return {
            "user": ctx.user,
            "user_id": ctx.state["user_id"],
            "role": ctx.state.get("role"),
            "request_id": ctx.request_id,
        }

    assert TestClient(app).get("/").json == {
        "user": "alice",
        "user_id": 7,
        "role": None,
        "request_id": None,
    }


def test_ctx_missing_attribute_is_attribute_error() -> None:
    context = RequestContext()
    token = bind_context(context)
    try:
        with pytest.raises(AttributeError, match="nope"):
            _ = ctx.nope
        assert getattr(ctx, "nope", "fallback") == "fallback"
    finally:
        unbind_context(token)


def test_ctx_lazy_values_are_computed_once() -> None:
    calls: list[int] = []
    context = RequestContext()

    def factory() -> str:
        calls.append(1)
        return "computed"

    context.lazy("db", factory)
    assert context.state == {}
    assert context.db == "computed"
    assert context.db == "computed"
    assert context.state == {"db": "computed"}
    assert calls == [1]


def test_ctx_on_close_runs_last_first_after_the_request() -> None:
    app = Lcore()
    order: list[str] = []

    @app.get("/")
    def index() -> str:
        ctx.on_close(lambda: order.append("first registered"))
        ctx.on_close(lambda: order.append("second registered"))
        order.append("handler")
        return "ok"

    TestClient(app).get("/")
    assert order == ["handler", "second registered", "first registered"]


def test_every_cleanup_runs_once_with_the_request_bound_and_failures_contained(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Regression: a failing cleanup escaped app() after start_response (a 500 for the
    # client of a successful handler), the cleanups registered before it never ran, and
    # cleanups ran with the request unbound.
    app = Lcore()
    seen: list[str] = []

    def broken() -> None:
        raise LookupError("cleanup failed")

    def late() -> None:
        seen.append("registered by a cleanup")

    @app.get("/page")
    def page() -> str:
        ctx.on_close(lambda: seen.append(f"first sees {request.path}"))
        ctx.on_close(broken)
        ctx.on_close(lambda: ctx.on_close(late))
        ctx.on_close(lambda: seen.append(f"last sees {request.path}"))
        return "fine"

    with caplog.at_level("ERROR", logger="lcore"):
        result = call_raw(app, make_environ("/page"))
    assert (result.status_code, result.body) == (200, b"fine")
    assert seen == ["last sees /page", "registered by a cleanup", "first sees /page"]
    failures = [r for r in caplog.records if r.name == "lcore"]
    assert len(failures) == 1 and "cleanup" in failures[0].getMessage()
    assert failures[0].exc_info is not None and failures[0].exc_info[0] is LookupError


def test_close_runs_each_cleanup_once_and_leaves_no_context_bound() -> None:
    context = RequestContext()
    calls: list[object] = []
    context.on_close(lambda: calls.append(current_context()))
    context.close()
    context.close()
    assert calls == [context]
    with pytest.raises(RuntimeError):
        current_context()


def test_context_defaults() -> None:
    context = RequestContext()
    assert context.app is None
    assert context.route is None
    assert context.user is None
    assert isinstance(context.request, Request)
    assert isinstance(context.response, Response)
    context.close()  # nothing registered: a no-op


def test_unbound_after_every_request_even_on_error() -> None:
    app = Lcore()
    app.get("/ok", callback=lambda: "ok")
    app.get("/fail", callback=lambda: 1 / 0)
    client = TestClient(app)
    for path in ("/ok", "/fail", "/missing"):
        client.get(path)
        with pytest.raises(RuntimeError):
            _ = request.path


def test_unbound_after_catchall_off_exception() -> None:
    app = Lcore()
    app.config["catchall"] = False
    app.get("/fail", callback=lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        TestClient(app, validate=False).get("/fail")
    with pytest.raises(RuntimeError):
        _ = request.path


def test_state_does_not_leak_between_requests() -> None:
    app = Lcore()

    @app.get("/")
    def index() -> str:
        seen = ctx.state.get("mark", "unset")
        ctx.mark = "set"
        return seen

    client = TestClient(app)
    assert client.get("/").text == "unset"
    assert client.get("/").text == "unset"


def test_contexts_are_per_thread() -> None:
    app = Lcore()
    barrier = threading.Barrier(4)

    @app.get("/<n>")
    def index(n: str) -> str:
        ctx.n = n
        barrier.wait(timeout=10)  # every thread is inside a request at once
        return f"{request.path}:{ctx.n}"

    results: dict[str, str] = {}

    def worker(n: str) -> None:
        results[n] = TestClient(app).get(f"/{n}").text

    threads = [threading.Thread(target=worker, args=(str(i),)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {str(i): f"/{i}:{i}" for i in range(4)}


def test_nested_bind_restores_the_outer_context() -> None:
    outer = RequestContext(Request(make_environ("/outer")))
    inner = RequestContext(Request(make_environ("/inner")))
    outer_token = bind_context(outer)
    try:
        inner_token = bind_context(inner)
        assert request.path == "/inner"
        unbind_context(inner_token)
        assert request.path == "/outer"
    finally:
        unbind_context(outer_token)


def test_request_proxy_attribute_write() -> None:
    context = RequestContext(Request(make_environ("/")))
    token = bind_context(context)
    try:
        request.tag = "t"  # type: ignore[attr-defined]
        assert context.request.tag == "t"  # type: ignore[attr-defined]
    finally:
        unbind_context(token)


# -- redirect ----------------------------------------------------------------------------------


def location_for(url: str, path: str = "/from/here", script: str = "") -> str:
    """The Location a redirect to ``url`` sends from the decoded ``path``."""
    raw = path.encode().decode("latin-1")  # PEP 3333: PATH_INFO carries bytes as latin-1
    return redirect_location(url, Request(make_environ(raw, SCRIPT_NAME=script)))


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("next", "/from/next"),
        ("../up?x=1", "/up?x=1"),
        ("?page=2", "/from/here?page=2"),
        ("/a b/ü", "/a%20b/%C3%BC"),
        ("/a%20b/%C3%BC", "/a%20b/%C3%BC"),  # escapes are kept, not double-encoded
        ("/50%/%zz", "/50%25/%25zz"),  # a "%" that starts no escape is one
        ("/search?q=tea & milk&x=[1]#top", "/search?q=tea%20&%20milk&x=[1]#top"),
        ("/p#a#b", "/p#a%23b"),
        ("https://ex.example/ä?q=ü", "https://ex.example/%C3%A4?q=%C3%BC"),
        ("https://user@[::1]:8443/a;b=c", "https://user@[::1]:8443/a;b=c"),
        ("/tab\there/\x01\x7f", "/tab%09here/%01%7F"),
        ('/<script>"x"</script>', "/%3Cscript%3E%22x%22%3C/script%3E"),
    ],
)
def test_redirect_location_encodes_what_a_url_cannot_hold(url: str, location: str) -> None:
    assert location_for(url) == location


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("//cdn.example/y", "//cdn.example/y"),  # a network-path reference, as written
        ("///evil.example", "/%2F/evil.example"),  # browsers would take evil.example as host
        ("//", "/%2F"),
        ("//?x", "/%2F?x"),
        ("/\\evil.example", "/%5Cevil.example"),  # browsers read "\" as "/"
        ("/\t/evil.example", "/%09/evil.example"),  # browsers drop tabs
    ],
)
def test_redirect_location_never_turns_a_path_into_a_host(url: str, location: str) -> None:
    assert location_for(url, "/x") == location


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/plain", "/plain/"),
        ("/a?b", "/a%3Fb/"),
        ("/c#d", "/c%23d/"),
        ("/50%", "/50%25/"),
        ("/a%20b", "/a%2520b/"),  # the client sent %2520: a "%" in the decoded path
        ("/caf\u00e9 au lait", "/caf%C3%A9%20au%20lait/"),
        ("/a\x00b", "/a%00b/"),  # sent as %00: encoded again, not refused
        ("/line\nbreak", "/line%0Abreak/"),
        ("//evil.example", "/%2Fevil.example/"),
        ("/", "/%2F"),
    ],
)
def test_redirect_to_the_request_path_plus_slash(path: str, location: str) -> None:
    assert location_for(path + "/", path) == location


def test_redirect_reads_the_request_path_then_url_text() -> None:
    assert location_for("/a?b/?next=%2F&x=1#top", "/a?b") == "/a%3Fb/?next=%2F&x=1#top"
    assert location_for("/mnt/a?b/", "/a?b", script="/mnt") == "/mnt/a%3Fb/"
    assert location_for("c", "/a?b/x", script="/mnt") == "/mnt/a%3Fb/c"
    # Only a path that holds "%", "?" or "#" (or starts with "//") needs reading as a path.
    assert location_for("/plain/x y", "/plain") == "/plain/x%20y"


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/a\x00b", "/x"),
        ("/a\rb", "/x"),
        ("/a\nb", "/x"),
        ("https://ex.example/\r\nSet-Cookie: x=1", "/x"),
        ("next\n", "/x"),
        ("/a?\x00/\x00", "/a?\x00"),  # the request's own path may hold one, the rest not
    ],
)
def test_redirect_refuses_nul_cr_and_lf(url: str, path: str) -> None:
    with pytest.raises(ValueError, match="must not contain NUL, CR or LF"):
        location_for(url, path)


def test_redirect_refuses_lone_surrogates() -> None:
    with pytest.raises(ValueError, match="valid Unicode"):
        location_for("/\udcff")


def test_redirect_to_the_request_path_plus_slash_through_the_app(app: Lcore) -> None:
    @app.get("/dir/<rest:path>")
    def add_slash(rest: str) -> None:
        redirect(request.path + "/")

    @app.get("/bad")
    def bad() -> None:
        redirect("/x\r\nSet-Cookie: admin=1")

    client = TestClient(app)
    for sent, location in [
        ("/dir/a%3Fb", "/dir/a%3Fb/"),
        ("/dir/a%23b", "/dir/a%23b/"),
        ("/dir/100%25", "/dir/100%25/"),
        ("/dir/caf%C3%A9", "/dir/caf%C3%A9/"),
        ("/dir/a%20b", "/dir/a%20b/"),
        ("/dir/a%0Ab", "/dir/a%0Ab/"),
    ]:
        answer = client.get(sent)
        assert (answer.status_code, answer.headers["Location"]) == (303, location)
        assert unquote(answer.headers["Location"]) == unquote(sent) + "/"
    refused = client.get("/bad")
    assert refused.status_code == 500
    assert "Set-Cookie" not in refused.headers


def test_proxies_forward_class_attributes_through_properties() -> None:
    # Reads of what the classes define skip __getattr__; the rest still falls back to it.
    assert isinstance(vars(LocalRequest)["path"], property)
    assert isinstance(vars(LocalResponse)["set_header"], property)
    assert isinstance(vars(LocalContext)["state"], property)
    context = RequestContext(Request(make_environ("/f", query="a=1")), Response())
    context.request.environ["lcore.extra"] = "x"
    context.response.later = "set on the instance"  # type: ignore[attr-defined]
    context.lazy("user_name", lambda: "ann")
    token = bind_context(context)
    try:
        assert request.path == "/f"
        assert request.query["a"] == "1"
        assert request.method == "GET"
        assert response.status_code == 200
        response.content_type = "text/plain"
        assert response.content_type == "text/plain"
        assert context.response.get_header("Content-Type") == "text/plain"
        assert response.later == "set on the instance"  # type: ignore[attr-defined]
        assert ctx.request is context.request
        assert ctx.route is None
        assert ctx.user_name == "ann"
        ctx.user = "bob"
        assert context.user == "bob"
    finally:
        unbind_context(token)
    with pytest.raises(RuntimeError, match="outside of a request"):
        _ = response.status_code
    with pytest.raises(RuntimeError, match="outside of a request"):
        _ = ctx.request


# -- bound_app and bound_route ----------------------------------------------------------


def test_ctx_bound_app_and_route_are_the_app_and_route_inside_a_handler() -> None:
    app = Lcore()

    @app.get("/here")
    def here() -> str:
        assert ctx.bound_app is ctx.app is app
        assert ctx.bound_route is ctx.route
        return ctx.bound_route.rule

    assert TestClient(app).get("/here").text == "/here"


def test_ctx_bound_app_and_route_raise_a_clear_error_when_unbound() -> None:
    context = RequestContext()
    with pytest.raises(RuntimeError, match=r"ctx\.bound_app: this RequestContext is not bound"):
        _ = context.bound_app
    with pytest.raises(RuntimeError, match=r"ctx\.bound_route: no route has matched"):
        _ = context.bound_route
    token = bind_context(RequestContext(app=Lcore()))
    try:
        assert isinstance(ctx.bound_app, Lcore)
        with pytest.raises(RuntimeError, match="no route has matched"):
            _ = ctx.bound_route
    finally:
        unbind_context(token)
