"""defaults: the default-app stack and the module-level shortcuts (``lcore.route``,
``lcore.get``, ...), each registering on whichever app is on top of the stack."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import lcore
from lcore import AppStack, HTTPError, Lcore, TestClient, defaults
from tests.recorders import CountingPlugin, Recorder


def untouched(app: Lcore) -> bool:
    """Whether ``app`` is still as new: no routes, error handlers, middleware or plugins."""
    return (
        app.routes == []
        and app.error_handler == {}
        and app.show_middleware() == []
        and [getattr(p, "name", None) for p in app.plugins] == ["json"]
    )


@pytest.fixture
def top() -> Iterator[Lcore]:
    """A fresh app on top of lcore's default-app stack, over another fresh app that the
    shortcuts must leave alone; the stack is restored afterwards."""
    stack = lcore.default_app
    before = list(stack)
    below = stack.push()
    pushed = stack.push()
    yield pushed
    left = stack[len(before) :]
    stack[:] = before
    assert len(left) == 2 and left[1] is pushed, f"the test left {left!r} on the stack"
    assert untouched(below), "a shortcut registered on an app below the top of the stack"


# -- the stack ------------------------------------------------------------------------------


def test_app_default_app_and_apps_are_one_stack() -> None:
    assert isinstance(lcore.default_app, AppStack)
    assert lcore.app is lcore.default_app
    assert lcore.apps is lcore.default_app
    assert defaults.default_app is lcore.default_app


def test_an_empty_stack_makes_its_first_app_on_demand() -> None:
    stack = AppStack()
    first = stack()
    assert isinstance(first, Lcore)
    assert stack == [first]
    assert stack() is first
    assert stack.default is first
    assert len(stack) == 1


def test_default_is_the_top_of_the_stack() -> None:
    stack = AppStack()
    lower, upper = Lcore(), Lcore()
    assert stack.push(lower) is lower
    assert stack.push(upper) is upper
    assert stack() is upper
    assert stack.default is upper
    assert stack.pop() is upper
    assert stack() is lower


@pytest.mark.parametrize("value", [None, "not an app", Lcore])
def test_push_without_an_app_pushes_a_new_one(value: Any) -> None:
    stack = AppStack()
    pushed = stack.push(value)
    assert isinstance(pushed, Lcore)
    assert stack == [pushed]
    assert stack.push() is not pushed


def test_new_app_is_push() -> None:
    assert AppStack.new_app is AppStack.push


@pytest.mark.parametrize("name", defaults.__all__)
def test_every_default_name_is_exported_by_lcore(name: str) -> None:
    assert getattr(lcore, name) is getattr(defaults, name)


# -- shortcuts register on the top app ------------------------------------------------------


@pytest.mark.parametrize("name", ["get", "post", "put", "patch", "delete"])
def test_method_shortcuts_register_on_the_top_app(top: Lcore, name: str) -> None:
    def handler() -> str:
        return name

    shortcut: Callable[..., Callable[[Any], Any]] = getattr(lcore, name)
    assert shortcut("/thing")(handler) is handler
    [route] = top.routes
    assert (route.method, route.rule, route.callback) == (name.upper(), "/thing", handler)
    result = TestClient(top).request(name.upper(), "/thing")
    assert (result.status_code, result.text) == (200, name)


def test_route_shortcut_takes_methods_and_a_callback(top: Lcore) -> None:
    def either() -> str:
        return "either"

    assert lcore.route("/e", ["GET", "POST"], either) is either
    assert [(r.method, r.rule) for r in top.routes] == [("GET", "/e"), ("POST", "/e")]
    client = TestClient(top)
    assert client.post("/e").text == "either"


def test_route_shortcut_as_a_bare_decorator_derives_the_rule(top: Lcore) -> None:
    @lcore.route
    def hello(name: str) -> str:
        return f"hi {name}"

    assert [r.rule for r in top.routes] == ["/hello/<name>"]
    assert TestClient(top).get("/hello/ada").text == "hi ada"


def test_shortcuts_follow_pushes_and_pops(top: Lcore) -> None:
    lcore.get("/first")(lambda: "first")
    upper = lcore.default_app.push()
    try:
        lcore.get("/second")(lambda: "second")
    finally:
        assert lcore.default_app.pop() is upper
    lcore.get("/third")(lambda: "third")
    assert [r.rule for r in top.routes] == ["/first", "/third"]
    assert [r.rule for r in upper.routes] == ["/second"]


def test_error_and_hook_shortcuts(top: Lcore) -> None:
    seen: list[str] = []

    @lcore.error(404)
    def missing(error: HTTPError) -> str:
        return "nothing here"

    @lcore.hook("before_request")
    def note() -> None:
        seen.append("before")

    assert top.error_handler == {404: missing}
    result = TestClient(top).get("/nowhere")
    assert (result.status_code, result.text) == (404, "nothing here")
    assert seen == ["before"]


def test_mount_shortcut(top: Lcore) -> None:
    sub = Lcore()
    sub.get("/inner", callback=lambda: "inner")
    lcore.mount("/sub/", sub)
    assert TestClient(top).get("/sub/inner").text == "inner"


def test_install_and_uninstall_shortcuts(top: Lcore) -> None:
    plugin = CountingPlugin()
    assert lcore.install(plugin) is plugin
    assert plugin.setups == [top]
    top.get("/p", callback=lambda: "p")
    assert TestClient(top).get("/p").text == "[p]"
    assert lcore.uninstall("counting") == [plugin]
    assert plugin.closed == 1
    assert plugin not in top.plugins


def test_use_shortcut(top: Lcore) -> None:
    log: list[str] = []
    recorder = Recorder(log, "mw", name="recorder")
    assert lcore.use(recorder, routes="/api/", order=7) is recorder
    assert top.show_middleware() == [
        {"name": "recorder", "order": 7, "routes": "/api/", "type": "post"}
    ]
    top.get("/api/x", callback=lambda: "x")
    TestClient(top).get("/api/x")
    assert log == ["mw>", "<mw"]


def test_use_shortcut_takes_a_compiled_pattern_too(top: Lcore) -> None:
    log: list[str] = []
    lcore.use(Recorder(log, "mw"), routes=re.compile(r"/api/"))
    top.get("/api/x", callback=lambda: "x")
    top.get("/other", callback=lambda: "o")
    client = TestClient(top)
    client.get("/other")
    client.get("/api/x")
    assert log == ["mw>", "<mw"]


def test_url_shortcut_builds_on_the_top_app(top: Lcore) -> None:
    top.get("/item/<id:int>", name="item", callback=lambda id: str(id))
    assert lcore.url("item", id=3) == "/item/3"
    with pytest.raises(lcore.RouteBuildError):
        lcore.url("no-such-route")


def test_make_default_app_wrapper_calls_the_top_app(top: Lcore) -> None:
    show_routes = lcore.make_default_app_wrapper("show_routes")
    assert show_routes.__name__ == "show_routes"
    assert show_routes() == []
    top.get("/listed", callback=lambda: "")
    assert [info["rule"] for info in show_routes()] == ["/listed"]


# -- each shortcut passes its arguments through -------------------------------------------

ANY = object()
"""A stand-in handler, app or plugin: the spy below only compares identities."""

DELEGATION: dict[str, tuple[str, tuple[Any, ...], dict[str, Any]]] = {
    # shortcut: (the app method it calls, positional args, keyword args)
    "route": ("route", ("/p", "POST", ANY), {"name": "n"}),
    "get": ("get", ("/p",), {"name": "n"}),
    "post": ("post", ("/p",), {"name": "n"}),
    "put": ("put", ("/p",), {"name": "n"}),
    "patch": ("patch", ("/p",), {"name": "n"}),
    "delete": ("delete", ("/p",), {"name": "n"}),
    "error": ("error", (418,), {}),
    "exception_handler": ("exception_handler", (KeyError,), {"status": 409, "model": None}),
    "hook": ("hook", ("before_request",), {}),
    "mount": ("mount", ("/m", ANY), {"option": 1}),
    "inject": ("inject", ("db", ANY, "scoped"), {}),
    "install": ("install", (ANY,), {}),
    "uninstall": ("uninstall", ("json",), {}),
    "use": ("use", (ANY, "/r", 3), {}),
    "url": ("get_url", ("n",), {"id": 1}),
}


@pytest.mark.parametrize("shortcut", sorted(DELEGATION))
def test_each_shortcut_passes_its_arguments_to_the_top_app(
    top: Lcore, monkeypatch: pytest.MonkeyPatch, shortcut: str
) -> None:
    method, args, kwargs = DELEGATION[shortcut]
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    answer = object()

    def spy(*a: Any, **k: Any) -> object:
        calls.append((a, k))
        return answer

    monkeypatch.setattr(top, method, spy)
    returned = getattr(lcore, shortcut)(*args, **kwargs)
    assert calls == [(args, kwargs)]
    assert returned is (None if shortcut == "mount" else answer)


def test_every_shortcut_in_defaults_is_checked_above() -> None:
    stack_names = {"AppStack", "app", "apps", "default_app", "make_default_app_wrapper"}
    assert set(defaults.__all__) - stack_names == set(DELEGATION)
