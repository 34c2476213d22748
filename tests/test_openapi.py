"""openapi: the OpenAPI 3.1 document, the /docs endpoints, and security schemes.

Every document built here is checked with openapi-spec-validator (OpenAPI 3.1).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal, TypedDict

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from lcore import (
    Body,
    Cookie,
    Header,
    HTTPError,
    HTTPResponse,
    Lcore,
    Path,
    Query,
    RouteError,
    TestClient,
)
from lcore.openapi import (
    DEFAULT_TITLE,
    DEFAULT_VERSION,
    api_key,
    build_document,
    http_basic,
    http_bearer,
)

ROOT = FilePath(__file__).resolve().parents[1]


def document(app: Lcore) -> dict[str, Any]:
    """The app's document, validated as OpenAPI 3.1."""
    doc = app.openapi()
    validate(doc, cls=OpenAPIV31SpecValidator)
    assert doc["openapi"] == "3.1.0"
    return doc


def operation(app: Lcore, path: str, method: str = "get") -> dict[str, Any]:
    return document(app)["paths"][path][method]


def params_by_name(op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in op.get("parameters", [])}


# -- models (module level: handler annotations are resolved from here) --------------------


@dataclass
class Item:
    """Something for sale."""

    name: str
    price: float = 0.0
    tags: list[str] = field(default_factory=list)


@dataclass
class Owner:
    name: str


class Movie(TypedDict):
    title: str
    year: int


@dataclass
class NotFound:
    """What a 404 says."""

    message: str


# -- info and servers ----------------------------------------------------------------------


def test_empty_app_has_defaults() -> None:
    doc = document(Lcore())
    assert doc == {
        "openapi": "3.1.0",
        "info": {"title": DEFAULT_TITLE, "version": DEFAULT_VERSION},
        "paths": {},
    }


def test_info_and_servers_come_from_config() -> None:
    app = Lcore()
    app.config.update(
        {
            "docs.title": "Shop",
            "docs.version": "2.1.0",
            "docs.description": "Buy things.",
            "docs.servers": ["https://api.example.com", {"url": "/", "description": "here"}],
        }
    )
    doc = document(app)
    assert doc["info"] == {"title": "Shop", "version": "2.1.0", "description": "Buy things."}
    assert doc["servers"] == [
        {"url": "https://api.example.com"},
        {"url": "/", "description": "here"},
    ]


def test_servers_from_a_comma_separated_string() -> None:
    app = Lcore()
    app.config["docs.servers"] = "https://a.example, https://b.example"
    assert document(app)["servers"] == [
        {"url": "https://a.example"},
        {"url": "https://b.example"},
    ]


# -- paths and path parameters -------------------------------------------------------------


def test_rules_become_templates_with_typed_path_parameters_from_filters() -> None:
    app = Lcore()

    @app.get("/files/<name>/<n:int>/<x:float>/<rest:path>")
    def files(name, n, x, rest):  # a plain handler
        return "ok"

    @app.get("/codes/<code:re:[A-Z]{3}>")
    def code(code):
        return code

    doc = document(app)
    assert set(doc["paths"]) == {"/files/{name}/{n}/{x}/{rest}", "/codes/{code}"}
    params = params_by_name(doc["paths"]["/files/{name}/{n}/{x}/{rest}"]["get"])
    assert {name: p["schema"] for name, p in params.items()} == {
        "name": {"type": "string"},
        "n": {"type": "integer"},
        "x": {"type": "number"},
        "rest": {"type": "string"},
    }
    assert all(p["in"] == "path" and p["required"] is True for p in params.values())
    code_param = params_by_name(doc["paths"]["/codes/{code}"]["get"])["code"]
    assert code_param["schema"] == {"type": "string", "pattern": "^(?:[A-Z]{3})$"}
    plain = doc["paths"]["/codes/{code}"]["get"]
    # no annotation, no schema; a templated path may name nothing: 404
    assert plain["responses"] == {
        "200": {"description": "OK"},
        "404": {
            "description": "Not Found",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPError"}}},
        },
    }
    assert "422" not in plain["responses"]


def test_custom_filter_gives_a_pattern() -> None:
    app = Lcore()
    app.add_route_filter("slug", r"[a-z-]+")

    @app.get("/posts/<slug:slug>")
    def post(slug):
        return slug

    params = params_by_name(operation(app, "/posts/{slug}"))
    assert params["slug"]["schema"] == {"type": "string", "pattern": "^(?:[a-z-]+)$"}


def test_annotation_types_the_path_parameter() -> None:
    app = Lcore()

    @app.get("/users/<id>")
    def user(id: int) -> dict[str, int]:
        """Get a user.

        Args:
            id: The user's number.
        """
        return {"id": id}

    @app.get("/orders/<id:int>")
    def order(id: Annotated[int, Path(ge=1, description="Order number", example=7)]) -> None:
        pass

    params = params_by_name(operation(app, "/users/{id}"))
    assert params["id"] == {
        "name": "id",
        "in": "path",
        "required": True,
        "description": "The user's number.",
        "schema": {"type": "integer"},
    }
    order_id = params_by_name(operation(app, "/orders/{id}"))["id"]
    assert order_id["schema"] == {"type": "integer", "minimum": 1}
    assert order_id["description"] == "Order number"
    assert order_id["example"] == 7
    # both convert the wildcard, so both can fail validation
    assert "422" in operation(app, "/users/{id}")["responses"]


def test_same_template_and_method_twice_keeps_the_first() -> None:
    app = Lcore()

    @app.get("/a/<x:int>")
    def first(x: int) -> None:
        pass

    @app.get("/a/<x>")
    def second(x: str) -> None:
        pass

    op = operation(app, "/a/{x}")
    assert op["operationId"] == "first"


def test_any_routes_wsgi_mounts_and_unknown_methods_are_left_out() -> None:
    app = Lcore()

    @app.route("/anything", method="ANY")
    def anything() -> str:
        return "x"

    @app.route("/dav", method="PROPFIND")
    def dav() -> str:
        return "x"

    def wsgi(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b""]

    app.mount("/legacy", wsgi)

    @app.get("/kept")
    def kept() -> str:
        return "x"

    assert list(document(app)["paths"]) == ["/kept"]


def test_get_does_not_add_head_but_an_explicit_head_route_is_documented() -> None:
    app = Lcore()

    @app.get("/x")
    def x_get() -> str:
        return ""

    @app.route("/y", method="HEAD")
    def y_head() -> None:
        pass

    paths = document(app)["paths"]
    assert list(paths["/x"]) == ["get"]
    assert list(paths["/y"]) == ["head"]


# -- summary, description, parameters ------------------------------------------------------


def test_docstring_gives_summary_description_and_parameter_descriptions() -> None:
    app = Lcore()

    @app.get("/search")
    def search(
        q: str,
        limit: Annotated[int, Query(ge=1, le=100, description="Page size")] = 10,
        sort: Literal["asc", "desc"] = "asc",
        tags: list[str] | None = None,
        old: Annotated[int | None, Query(deprecated=True, example=3)] = None,
    ) -> list[Item]:
        """Search the catalogue.

        Matches names and tags.

        Args:
            q: The words to look for.
            limit: Ignored: the marker's description wins.

        Returns:
            The items found.
        """
        return []

    op = operation(app, "/search")
    assert op["summary"] == "Search the catalogue."
    assert op["description"] == "Matches names and tags."
    params = params_by_name(op)
    assert params["q"] == {
        "name": "q",
        "in": "query",
        "required": True,
        "description": "The words to look for.",
        "schema": {"type": "string"},
    }
    assert params["limit"] == {
        "name": "limit",
        "in": "query",
        "description": "Page size",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
    }
    assert params["sort"]["schema"] == {"type": "string", "enum": ["asc", "desc"], "default": "asc"}
    assert params["tags"]["schema"] == {
        "type": ["array", "null"],
        "items": {"type": "string"},
        "default": None,
    }
    assert params["old"]["deprecated"] is True
    assert params["old"]["example"] == 3
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Item"},
    }


def test_route_options_override_summary_and_description() -> None:
    app = Lcore()

    @app.get("/x", summary="Short", description="Long")
    def x() -> str:
        """Docstring summary."""
        return ""

    op = operation(app, "/x")
    assert (op["summary"], op["description"]) == ("Short", "Long")


def test_header_and_cookie_parameters() -> None:
    app = Lcore()

    @app.get("/me")
    def me(
        x_token: Annotated[str, Header(description="API token")],
        agent: Annotated[str | None, Header(alias="user-agent")] = None,
        session: Annotated[str | None, Cookie()] = None,
    ) -> None:
        pass

    params = params_by_name(operation(app, "/me"))
    assert params["X-Token"] == {
        "name": "X-Token",
        "in": "header",
        "required": True,
        "description": "API token",
        "schema": {"type": "string"},
    }
    assert params["user-agent"]["in"] == "header"
    assert "required" not in params["user-agent"]
    assert params["session"]["in"] == "cookie"


# -- request bodies ------------------------------------------------------------------------


def test_dataclass_body_is_required_json() -> None:
    app = Lcore()

    @app.post("/items", status=201)
    def create(item: Item) -> Item:
        return item

    op = operation(app, "/items", "post")
    assert op["requestBody"] == {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
        "required": True,
    }
    # a JSON body can be refused before validation: malformed (400), too large (413),
    # not JSON (415); then validated (422)
    assert set(op["responses"]) == {"201", "400", "413", "415", "422"}
    for code in ("400", "413", "415"):
        assert op["responses"][code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/HTTPError"
        }
    assert op["responses"]["201"]["description"] == "Created"
    assert op["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationError"
    }
    doc = document(app)
    assert set(doc["components"]["schemas"]) == {
        "Item",
        "ErrorDetail",
        "HTTPError",
        "ValidationError",
    }


def test_optional_body_is_not_required() -> None:
    app = Lcore()

    @app.put("/movie")
    def put_movie(movie: Movie | None = None) -> None:
        pass

    body = operation(app, "/movie", "put")["requestBody"]
    assert "required" not in body
    assert body["content"]["application/json"]["schema"] == {
        "anyOf": [{"$ref": "#/components/schemas/Movie"}, {"type": "null"}],
        "default": None,
    }


def test_several_body_parameters_are_keys_of_one_object() -> None:
    app = Lcore()

    @app.post("/transfer")
    def transfer(
        item: Item,
        owner: Owner,
        note: Annotated[str, Body(embed=True, description="Why")] = "",
    ) -> None:
        pass

    body = operation(app, "/transfer", "post")["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {
        "type": "object",
        "properties": {
            "item": {"$ref": "#/components/schemas/Item"},
            "owner": {"$ref": "#/components/schemas/Owner"},
            "note": {"type": "string", "default": "", "description": "Why"},
        },
        "required": ["item", "owner"],
    }


def test_list_body_with_constraints_and_description() -> None:
    app = Lcore()

    @app.post("/bulk")
    def bulk(items: Annotated[list[Item], Body(min_length=1, description="The batch")]) -> None:
        pass

    body = operation(app, "/bulk", "post")["requestBody"]
    assert body["description"] == "The batch"
    assert body["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Item"},
        "minItems": 1,
    }


# -- responses -----------------------------------------------------------------------------


def test_response_kinds() -> None:
    app = Lcore()

    @app.get("/none")
    def none() -> None:
        pass

    @app.delete("/gone", status=204)
    def gone() -> Item:  # a 204 has no body, whatever the annotation says
        return Item("x")

    @app.get("/text")
    def text() -> str:
        return "hi"

    @app.get("/movie")
    def movie() -> Movie:
        return Movie(title="Heat", year=1995)

    @app.get("/raw")
    def raw() -> HTTPResponse:
        return HTTPResponse("x")

    @app.get("/maybe")
    def maybe() -> Item | None:
        return None

    doc = document(app)
    responses = {path: item[next(iter(item))]["responses"] for path, item in doc["paths"].items()}
    assert responses["/none"] == {"200": {"description": "OK"}}
    assert responses["/gone"] == {"204": {"description": "No Content"}}
    assert responses["/text"]["200"]["content"] == {"text/html": {"schema": {"type": "string"}}}
    assert responses["/movie"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Movie"
    }
    assert responses["/raw"] == {"200": {"description": "OK"}}
    assert responses["/maybe"]["200"]["content"]["application/json"]["schema"] == {
        "anyOf": [{"$ref": "#/components/schemas/Item"}, {"type": "null"}]
    }
    assert "ValidationError" not in doc["components"]["schemas"]  # nothing validates input


def test_declared_responses() -> None:
    app = Lcore()

    @app.get(
        "/items/<id:int>",
        responses={
            404: NotFound,
            403: HTTPError,
            409: {"description": "Already taken"},
            410: None,
            "default": {"description": "Anything else"},
        },
    )
    def get_item(id: int) -> Item:
        return Item("x")

    responses = operation(app, "/items/{id}")["responses"]
    assert responses["404"] == {
        "description": "Not Found",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotFound"}}},
    }
    assert responses["403"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HTTPError"
    }
    assert responses["409"] == {"description": "Already taken"}
    assert responses["410"] == {"description": "Gone"}
    assert responses["default"] == {"description": "Anything else"}
    assert "422" not in responses  # <id:int> already is an int: nothing to validate


def test_the_validation_error_schema_matches_a_real_422() -> None:
    from jsonschema import Draft202012Validator

    app = Lcore()

    @app.post("/items")
    def create(item: Item, limit: int = 1) -> Item:
        return item

    doc = document(app)
    reply = TestClient(app).post("/items?limit=x", json={"price": "free"})
    assert reply.status_code == 422
    schema = {
        "$ref": "#/components/schemas/ValidationError",
        "components": doc["components"],
    }
    Draft202012Validator(schema).validate(reply.json)
    item_schema = {"$ref": "#/components/schemas/Item", "components": doc["components"]}
    Draft202012Validator(item_schema).validate(
        TestClient(app).post("/items", json={"name": "tea"}).json
    )


# -- tags, deprecated, hidden --------------------------------------------------------------


def test_tags_deprecated_and_hidden_routes() -> None:
    app = Lcore()

    @app.get("/a", tags=["alpha", "beta"], deprecated=True)
    def a() -> None:
        pass

    @app.get("/b", tags="beta")
    def b() -> None:
        pass

    @app.get("/secret", include_in_schema=False)
    def secret() -> None:
        pass

    doc = document(app)
    assert doc["paths"]["/a"]["get"]["tags"] == ["alpha", "beta"]
    assert doc["paths"]["/a"]["get"]["deprecated"] is True
    assert doc["paths"]["/b"]["get"]["tags"] == ["beta"]
    assert "deprecated" not in doc["paths"]["/b"]["get"]
    assert "/secret" not in doc["paths"]
    assert doc["tags"] == [{"name": "alpha"}, {"name": "beta"}]


# -- operationId ---------------------------------------------------------------------------


def test_operation_ids_are_unique_and_stable() -> None:
    def build() -> dict[str, Any]:
        app = Lcore()

        @app.route("/items/<id:int>", method=["GET", "DELETE"])
        def item(id: int) -> None:
            pass

        @app.get("/things")
        def things() -> None:
            pass

        @app.get("/other/<id:int>")
        def item_again(id: int) -> None:
            pass

        item_again.__name__ = "item"  # another handler with the same name

        app.get("/more")(things)  # the same handler on a second rule
        app.get("/named", operation_id="things")(lambda: None)
        return document(app)

    doc = build()
    ids = {
        (path, method): op["operationId"]
        for path, item in doc["paths"].items()
        for method, op in item.items()
    }
    assert ids == {
        ("/items/{id}", "get"): "item_get",
        ("/items/{id}", "delete"): "item_delete",
        ("/things", "get"): "things_get",
        ("/other/{id}", "get"): "item_get_2",
        ("/more", "get"): "things_get_2",
        ("/named", "get"): "things",
    }
    assert len(set(ids.values())) == len(ids)
    assert build() == doc


def test_lambda_handlers_get_a_valid_operation_id() -> None:
    app = Lcore()
    app.get("/l")(lambda: "x")
    assert operation(app, "/l")["operationId"] == "lambda"


def test_duplicate_explicit_operation_id_is_an_error() -> None:
    app = Lcore()
    app.get("/a", operation_id="same")(lambda: None)
    app.get("/b", operation_id="same")(lambda: None)
    with pytest.raises(ValueError, match=r"operation_id 'same' is used by GET /a and GET /b"):
        app.openapi()


# -- mounted apps --------------------------------------------------------------------------


def test_mounted_lcore_apps_appear_under_their_prefix_with_tags() -> None:
    users = Lcore()

    @users.get("/")
    def list_users() -> list[Owner]:
        return []

    @users.get("/<id:int>")
    def get_user(id: int, verbose: bool = False) -> Owner:
        """Get a user."""
        return Owner("x")

    admin = Lcore()

    @admin.post("/reset", tags=["ops"])
    def reset() -> None:
        pass

    api = Lcore()
    api.mount("/admin/", admin)
    app = Lcore()
    app.mount("/api/users/", users)
    app.mount("/api/", api)
    doc = document(app)
    assert set(doc["paths"]) == {"/api/users/", "/api/users/{id}", "/api/admin/reset"}
    op = doc["paths"]["/api/users/{id}"]["get"]
    assert op["summary"] == "Get a user."
    assert op["tags"] == ["users"]
    assert params_by_name(op)["verbose"]["schema"] == {"type": "boolean", "default": False}
    assert "422" in op["responses"]
    assert doc["paths"]["/api/users/"]["get"]["tags"] == ["users"]
    assert doc["paths"]["/api/admin/reset"]["post"]["tags"] == ["ops"]  # the option wins


def test_nested_mount_uses_the_innermost_prefix_for_its_tag() -> None:
    inner = Lcore()
    inner.get("/ping")(lambda: "pong")
    middle = Lcore()
    middle.mount("/health/", inner)
    app = Lcore()
    app.mount("/v1/", middle)
    assert operation(app, "/v1/health/ping")["tags"] == ["health"]


def test_mount_prefix_with_a_wildcard() -> None:
    tenant = Lcore()

    @tenant.get("/items/<id:int>")
    def tenant_item(id: int) -> None:
        pass

    app = Lcore()
    app.mount("/t/<tenant>/shop/", tenant)
    op = operation(app, "/t/{tenant}/shop/items/{id}")
    assert list(params_by_name(op)) == ["tenant", "id"]
    assert op["tags"] == ["shop"]


# -- security ------------------------------------------------------------------------------


def test_security_scheme_helpers() -> None:
    assert http_bearer() == {"type": "http", "scheme": "bearer"}
    assert http_bearer("JWT", "A token") == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A token",
    }
    assert http_basic() == {"type": "http", "scheme": "basic"}
    assert api_key("X-API-Key") == {"type": "apiKey", "name": "X-API-Key", "in": "header"}
    assert api_key("key", "query")["in"] == "query"
    assert api_key("sid", "cookie", "Session")["description"] == "Session"
    with pytest.raises(ValueError, match="location"):
        api_key("k", "body")  # type: ignore[arg-type]  # on purpose


def test_security_per_route_and_by_default() -> None:
    app = Lcore()
    app.add_security_scheme("bearerAuth", http_bearer("JWT"), default=True)
    app.add_security_scheme("basicAuth", http_basic())
    app.add_security_scheme("apiKey", api_key("X-API-Key"))
    app.add_security_scheme("bearerAuth", http_bearer("JWT"), default=True)  # no duplicate

    @app.get("/private")
    def private() -> None:
        pass

    @app.get("/either", security=["basicAuth", "apiKey"])
    def either() -> None:
        pass

    @app.get("/both", security=[{"basicAuth": [], "apiKey": []}])
    def both() -> None:
        pass

    @app.get("/public", security=[])
    def public() -> None:
        pass

    doc = document(app)
    assert doc["security"] == [{"bearerAuth": []}]
    assert doc["components"]["securitySchemes"] == {
        "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "basicAuth": {"type": "http", "scheme": "basic"},
        "apiKey": {"type": "apiKey", "name": "X-API-Key", "in": "header"},
    }
    paths = doc["paths"]
    assert "security" not in paths["/private"]["get"]  # the default applies
    assert paths["/either"]["get"]["security"] == [{"basicAuth": []}, {"apiKey": []}]
    assert paths["/both"]["get"]["security"] == [{"basicAuth": [], "apiKey": []}]
    assert paths["/public"]["get"]["security"] == []


def test_sub_app_security_schemes_are_documented() -> None:
    sub = Lcore()
    sub.add_security_scheme("subKey", api_key("X-Sub"))
    sub.get("/x", security=["subKey"])(lambda: "x")
    app = Lcore()
    app.mount("/sub", sub)
    doc = document(app)
    assert doc["components"]["securitySchemes"] == {"subKey": api_key("X-Sub")}
    assert doc["paths"]["/sub/x"]["get"]["security"] == [{"subKey": []}]


@pytest.mark.parametrize(
    ("name", "scheme", "message"),
    [
        ("bad name", http_basic(), "may only use"),
        ("ok", {"scheme": "bearer"}, "needs a 'type'"),
        ("ok", {"type": "magic"}, "needs a 'type'"),
    ],
)
def test_bad_security_schemes_are_refused(name: str, scheme: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Lcore().add_security_scheme(name, scheme)


def test_undeclared_security_scheme_is_an_error() -> None:
    app = Lcore()
    app.get("/x", security=["nope"])(lambda: "x")
    with pytest.raises(ValueError, match="security scheme 'nope', which was never declared"):
        app.openapi()


def test_malformed_security_option_is_an_error() -> None:
    app = Lcore()
    app.get("/x", security=[42])(lambda: "x")
    with pytest.raises(ValueError, match="security must list"):
        app.openapi()


# -- handlers whose annotations cannot be read ---------------------------------------------


def test_unresolvable_annotation_is_documented_without_types() -> None:
    app = Lcore()

    @app.get("/later/<id:int>")
    def later(id: int, q: NotYetDefined) -> NotYetDefined:  # noqa: F821  # on purpose
        """Use a type that does not exist yet.

        More text.
        """
        return q

    @app.get("/fine")
    def fine() -> Item:
        return Item("x")

    doc = document(app)
    op = doc["paths"]["/later/{id}"]["get"]
    assert op["summary"] == "Use a type that does not exist yet."
    assert op["description"].startswith("More text.\n\nParameters and responses are not")
    assert "NameError" in op["description"] and "NotYetDefined" in op["description"]
    assert op["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    assert op["responses"] == {
        "200": {"description": "OK"},
        "404": {
            "description": "Not Found",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPError"}}},
        },
    }
    assert doc["paths"]["/fine"]["get"]["responses"]["200"]["content"]


@dataclass
class HalfBroken:
    ok: int
    bad: AlsoMissing  # noqa: F821  # on purpose


def test_a_model_that_cannot_be_resolved_leaves_no_half_definition() -> None:
    app = Lcore()

    @app.post("/half")
    def half(body: HalfBroken) -> None:
        pass

    @app.get("/item")
    def item() -> Item:
        return Item("x")

    doc = document(app)
    assert "not documented" in doc["paths"]["/half"]["post"]["description"]
    assert "requestBody" not in doc["paths"]["/half"]["post"]
    assert set(doc["components"]["schemas"]) == {"Item"}


# -- the cache, /docs and /docs/json -------------------------------------------------------


def test_document_is_cached_and_rebuilt_when_routes_or_settings_change() -> None:
    app = Lcore()
    app.get("/a")(lambda: "a")
    first = app.openapi()
    assert app.openapi() is first
    app.get("/b")(lambda: "b")
    second = app.openapi()
    assert second is not first and "/b" in second["paths"]
    app.config["docs.title"] = "New"
    third = app.openapi()
    assert third is not second and third["info"]["title"] == "New"
    app.add_security_scheme("basic", http_basic())
    assert app.openapi() is not third
    app.config["unrelated.key"] = 1
    assert app.openapi() is app.openapi()


def test_docs_json_is_served_and_follows_route_changes() -> None:
    app = Lcore()
    app.get("/a")(lambda: "a")
    app.enable_docs()
    client = TestClient(app)
    reply = client.get("/docs/json")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.json == json.loads(json.dumps(app.openapi()))
    assert list(reply.json["paths"]) == ["/a"]  # the docs routes are hidden
    assert client.get("/docs/json").text == reply.text
    app.post("/b")(lambda: "b")
    assert list(client.get("/docs/json").json["paths"]) == ["/a", "/b"]


def test_docs_page_is_self_contained_and_links_the_document() -> None:
    app = Lcore()

    @app.get("/items")
    def items() -> list[Item]:
        """List <items>."""
        return []

    app.enable_docs("/api/reference", title="Shop & Co")
    reply = TestClient(app).get("/api/reference")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/html; charset=UTF-8"
    page = reply.text
    # relative: works under any SCRIPT_NAME (the API browser itself: tests/test_docs_ui.py)
    assert '<meta name="lcore-docs-json" content="reference/json">' in page
    assert "<title>Shop &amp; Co</title>" in page
    assert "http" not in page.lower()
    assert TestClient(app).get("/api/reference/json").json["info"]["title"] == "Shop & Co"


def test_enable_docs_is_idempotent_and_sets_config() -> None:
    app = Lcore()
    app.enable_docs()
    count = len(app.routes)
    app.enable_docs()
    app.config["docs.enabled"] = True
    assert len(app.routes) == count == 3  # document, page, the page's files
    assert app.config["docs.enabled"] is True
    assert app.config["docs.path"] == "/docs"
    assert document(app)["paths"] == {}


def test_enable_docs_refuses_a_path_the_app_already_uses() -> None:
    app = Lcore()
    app.get("/docs")(lambda: "my own docs")
    with pytest.raises(RouteError):
        app.enable_docs()


@pytest.mark.parametrize("path", ["docs", "/docs/", ""])
def test_enable_docs_checks_the_path(path: str) -> None:
    with pytest.raises(ValueError, match=r"docs\.path"):
        Lcore().enable_docs(path)


def test_docs_are_off_in_production() -> None:
    app = Lcore()
    app.get("/a")(lambda: "a")
    client = TestClient(app)
    assert client.get("/docs").status_code == 404
    assert client.get("/docs/json").status_code == 404


@pytest.mark.parametrize(
    "turn_on",
    [
        lambda app: app.config.__setitem__("debug", True),
        lambda app: app.config.update({"debug": True}),
    ],
)
def test_debug_mode_turns_the_docs_on(turn_on: Callable[[Lcore], None]) -> None:
    app = Lcore()
    turn_on(app)
    assert TestClient(app).get("/docs/json").status_code == 200
    assert "docs.enabled" not in app.config  # automatic, not a setting


def test_debug_in_the_constructor_and_a_custom_docs_path() -> None:
    app = Lcore(debug=True, docs__path="/reference")  # debug first: /docs, then moved
    assert TestClient(app).get("/reference/json").status_code == 200
    assert TestClient(app).get("/docs/json").status_code == 404  # the old path is retired
    app = Lcore(docs__path="/reference", debug=True)
    assert TestClient(app).get("/reference/json").status_code == 200
    assert TestClient(app).get("/docs/json").status_code == 404


def test_enable_docs_at_a_new_path_retires_the_old_one() -> None:
    app = Lcore()
    app.enable_docs()
    client = TestClient(app)
    assert client.get("/docs/json").status_code == 200
    app.enable_docs(path="/api-docs")
    assert client.get("/api-docs/json").status_code == 200
    assert client.get("/api-docs").status_code == 200
    assert client.get("/docs/json").status_code == 404
    assert client.get("/docs").status_code == 404


def test_leaving_debug_mode_hides_automatic_docs() -> None:
    app = Lcore(debug=True)
    client = TestClient(app)
    assert client.get("/docs").status_code == 200
    app.config["debug"] = False
    assert client.get("/docs").status_code == 404
    assert client.get("/docs/json").status_code == 404


def test_docs_enabled_false_keeps_them_off_even_in_debug() -> None:
    app = Lcore()
    app.config["docs.enabled"] = False
    app.config["debug"] = True
    assert app.routes == []
    assert TestClient(app).get("/docs").status_code == 404
    app = Lcore(debug=True)
    app.config["docs.enabled"] = False  # after they were turned on: they answer 404
    assert TestClient(app).get("/docs/json").status_code == 404


def test_docs_enabled_true_turns_them_on() -> None:
    app = Lcore()
    app.config["docs.enabled"] = True
    assert TestClient(app).get("/docs/json").status_code == 200
    app.config["debug"] = False  # explicit: debug does not matter
    assert TestClient(app).get("/docs/json").status_code == 200


def test_debug_leaves_an_apps_own_docs_route_alone() -> None:
    app = Lcore()
    app.get("/docs")(lambda: "my own docs")
    app.config["debug"] = True
    client = TestClient(app)
    assert client.get("/docs").text == "my own docs"
    assert client.get("/docs/json").status_code == 404
    assert "/docs" in document(app)["paths"]


def test_importing_lcore_and_routing_do_not_load_the_openapi_modules() -> None:
    probe = (
        "import sys, lcore\n"
        "app = lcore.Lcore()\n"
        "app.get('/x')(lambda: 'x')\n"
        "app.config['docs.title'] = 'T'\n"
        "from lcore import TestClient\n"
        "assert TestClient(app).get('/x').text == 'x'\n"
        "print(sorted(m for m in sys.modules if m in ('lcore.openapi', 'lcore.schema')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.strip() == "[]"


# -- size ----------------------------------------------------------------------------------


def test_a_thousand_routes_build_a_valid_document() -> None:
    app = Lcore()
    for number in range(250):

        @app.get(f"/items{number}/<id:int>")
        def read(id: int, q: str | None = None, limit: int = 10) -> Item:
            return Item("x")

        @app.post(f"/items{number}")
        def create(item: Item) -> Item:
            return item

        @app.put(f"/items{number}/<id:int>", tags=["items"])
        def replace(id: int, item: Item) -> None:
            pass

        @app.delete(f"/items{number}/<id:int>")
        def remove(id):
            return ""

    doc = build_document(app)
    validate(doc, cls=OpenAPIV31SpecValidator)
    operations = [op for item in doc["paths"].values() for op in item.values()]
    assert len(operations) == 1000
    assert len({op["operationId"] for op in operations}) == 1000


def test_422_is_documented_exactly_when_the_route_has_a_binder() -> None:
    from lcore.params import compile_binder

    app = Lcore()
    app.get("/a/<x>")(lambda x: x)  # plain

    @app.get("/b/<x:int>")
    def b(x: int) -> None:  # the filter already gives an int
        pass

    @app.get("/c/<x>")
    def c(x: int) -> None:  # text to int
        pass

    @app.get("/d/<x:int>")
    def d(x: Annotated[int, Path(ge=0)]) -> None:  # bounds to check
        pass

    @app.get("/e")
    def e(q: str = "") -> None:  # a query parameter
        pass

    @app.get("/f/<x>")
    def f(x: Any) -> None:
        pass

    doc = document(app)
    seen = {}
    for route in app.routes:
        template = route.rule.replace("<x:int>", "{x}").replace("<x>", "{x}")
        responses = doc["paths"][template]["get"]["responses"]
        seen[template] = "422" in responses
        assert seen[template] == (compile_binder(route.spec) is not None), template
    assert seen == {
        "/a/{x}": False,
        "/b/{x}": False,
        "/c/{x}": True,
        "/d/{x}": True,
        "/e": True,
        "/f/{x}": False,
    }


def test_mount_options_apply_to_every_mounted_route() -> None:
    internal = Lcore()
    internal.get("/stats")(lambda: "x")
    public = Lcore()
    public.get("/ping")(lambda: "pong")
    app = Lcore()
    app.mount("/internal", internal, include_in_schema=False)
    app.mount("/public", public, tags=["misc"], deprecated=True)
    doc = document(app)
    assert list(doc["paths"]) == ["/public/ping"]
    op = doc["paths"]["/public/ping"]["get"]
    assert (op["tags"], op["deprecated"]) == (["misc"], True)


def test_secured_routes_document_401() -> None:
    app = Lcore()
    app.add_security_scheme("bearerAuth", http_bearer())

    @app.get("/secret", security=["bearerAuth"])
    def secret() -> str:
        """Only with a token."""
        return "s"

    @app.get("/public", security=[])
    def public() -> str:
        """For everyone."""
        return "p"

    assert operation(app, "/secret", "get")["responses"]["401"]["description"] == "Unauthorized"
    assert "401" not in operation(app, "/public", "get")["responses"]


def test_default_security_documents_401_on_every_route_without_its_own() -> None:
    app = Lcore()
    app.add_security_scheme("apiKey", api_key("X-Key"), default=True)

    @app.get("/thing")
    def thing() -> str:
        """A protected thing."""
        return "t"

    assert "401" in operation(app, "/thing", "get")["responses"]
