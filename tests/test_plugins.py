"""Plugins: setup, applied once per route, uninstall and skip selectors, plain callables and
route-level plugins, and the JSON plugin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lcore import HTTPResponse, JSONPlugin, Lcore, PluginError, Route, RouteReset, TestClient
from tests.recorders import CountingPlugin


def test_plugin_setup_apply_once_and_close(app: Lcore, client: TestClient) -> None:
    plugin = CountingPlugin()
    assert app.install(plugin) is plugin
    assert plugin.setups == [app]
    app.get("/a", callback=lambda: "a")
    assert client.get("/a").text == "[a]"
    assert client.get("/a").text == "[a]"
    assert plugin.applied == ["/a"]  # compiled once, not per request
    assert app.uninstall(plugin) == [plugin]
    assert plugin.closed == 1
    assert client.get("/a").text == "a"


@pytest.mark.parametrize("selector", ["instance", "class", "name", "all"])
def test_uninstall_selectors(app: Lcore, selector: str) -> None:
    plugin = CountingPlugin()
    app.install(plugin)
    key: Any = {"instance": plugin, "class": CountingPlugin, "name": "counting", "all": True}[
        selector
    ]
    removed = app.uninstall(key)
    assert plugin in removed
    assert plugin not in app.plugins
    assert plugin.closed == 1
    assert app.uninstall("nothing-by-that-name") == []


def test_app_close_closes_plugins(app: Lcore) -> None:
    plugin = CountingPlugin()
    app.install(plugin)
    app.close()
    assert plugin.closed == 1


@pytest.mark.parametrize("skip", ["counting", CountingPlugin, "instance", True])
def test_route_skips_plugins(app: Lcore, client: TestClient, skip: Any) -> None:
    plugin = app.install(CountingPlugin())
    skip = plugin if skip == "instance" else skip
    app.get("/raw", skip=[skip], callback=lambda: "raw")
    app.get("/wrapped", callback=lambda: "w")
    assert client.get("/raw").text == "raw"
    assert client.get("/wrapped").text == "[w]"


def test_skip_true_also_skips_json(app: Lcore) -> None:
    app.get("/d", skip=True, callback=lambda: "plain")
    assert TestClient(app).get("/d").text == "plain"
    route = app.routes[0]
    assert route.all_plugins() == []


def test_plain_callable_plugin_and_route_apply(app: Lcore, client: TestClient) -> None:
    def exclaim(callback: Callable[..., Any]) -> Callable[..., Any]:
        return lambda *a, **k: callback(*a, **k) + "!"

    def question(callback: Callable[..., Any]) -> Callable[..., Any]:
        return lambda *a, **k: callback(*a, **k) + "?"

    app.install(exclaim)
    app.get("/a", apply=question, callback=lambda: "a")
    app.get("/b", apply=[question, question], callback=lambda: "b")
    # Route plugins run inside app plugins: outermost last.
    assert client.get("/a").text == "a?!"
    assert client.get("/b").text == "b??!"


def test_route_plugin_with_the_same_name_replaces_the_app_one(app: Lcore) -> None:
    app.install(CountingPlugin())
    override = CountingPlugin()
    app.get("/o", apply=[override], callback=lambda: "o")
    assert TestClient(app).get("/o").text == "[o]"
    assert override.applied == ["/o"]
    assert app.routes[0].all_plugins()[-1] is override


def test_install_refuses_non_plugins(app: Lcore) -> None:
    with pytest.raises(TypeError):
        app.install(object())


def test_plugin_returning_non_callable_is_a_plugin_error(app: Lcore) -> None:
    class Broken:
        name = "broken"

        def apply(self, callback: Any, route: Route) -> Any:
            return None

    app.install(Broken())
    app.get("/", callback=lambda: "x")
    with pytest.raises(PluginError):
        app.routes[0].prepare()
    assert TestClient(app).get("/").status_code == 500


def test_route_reset_from_apply_rebuilds(app: Lcore) -> None:
    class ResetOnce:
        name = "reset-once"

        def __init__(self) -> None:
            self.calls = 0

        def apply(self, callback: Any, route: Route) -> Any:
            self.calls += 1
            if self.calls == 1:
                raise RouteReset
            return callback

    plugin = app.install(ResetOnce())
    app.get("/", callback=lambda: "rebuilt")
    assert TestClient(app).get("/").text == "rebuilt"
    assert plugin.calls == 2


def test_json_plugin_custom_dumps_and_http_response_body(app: Lcore, client: TestClient) -> None:
    app.uninstall("json")
    app.install(JSONPlugin(json_dumps=lambda value: "custom"))

    @app.get("/d")
    def d() -> dict[str, int]:
        return {"a": 1}

    @app.get("/r")
    def r() -> HTTPResponse:
        return HTTPResponse({"b": 2}, 201)

    assert client.get("/d").text == "custom"
    result = client.get("/r")
    assert (result.status_code, result.text) == (201, "custom")
    assert result.headers["Content-Type"] == "application/json"


def test_without_json_plugin_a_dict_is_a_500(app: Lcore) -> None:
    app.uninstall(JSONPlugin)
    app.get("/d", callback=lambda: {"a": 1})
    assert TestClient(app).get("/d").status_code == 500


def test_json_enable_false_turns_conversion_off(app: Lcore, client: TestClient) -> None:
    app.config["json.enable"] = False
    app.get("/d", callback=lambda: {"a": 1})
    app.get("/s", callback=lambda: "still text")
    assert client.get("/d").status_code == 500
    assert client.get("/s").text == "still text"


def test_show_routes(app: Lcore) -> None:
    def listing() -> str:
        return ""

    app.get("/l", name="listing", callback=listing)
    [info] = app.show_routes()
    assert info["method"] == "GET"
    assert info["rule"] == "/l"
    assert info["name"] == "listing"
    assert info["callback"].endswith(":test_show_routes.<locals>.listing")
    assert info["plugins"] == ["json"]
