"""Security schemes enforce what the document says: 401/403 in the one error shape with
WWW-Authenticate, the principal as a typed parameter and ctx.user, schemes per route, per
app, mounted, and auth_basic."""

import base64
import dataclasses
from typing import Annotated, Any

import pytest

from lcore import (
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    BasicCredentials,
    Depends,
    HTTPBasic,
    HTTPBearer,
    Lcore,
    OAuth2ClientCredentials,
    OAuth2PasswordBearer,
    Security,
    TestClient,
    auth_basic,
    ctx,
)
from lcore.openapi import api_key, http_basic, http_bearer


@dataclasses.dataclass
class User:
    name: str
    scopes: list[str]


USERS = {"t-ann": User("ann", ["books:read"]), "t-bob": User("bob", ["books:read", "books:write"])}


def find_user(token: str) -> User | None:
    return USERS.get(token)


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def json_app() -> Lcore:
    app = Lcore()
    app.config["error.format"] = "json"
    return app


def test_a_bearer_dependency_gives_the_principal_and_ctx_user() -> None:
    app = json_app()
    scheme = HTTPBearer(find_user)

    @app.get("/me")
    def me(user: Annotated[User, Depends(scheme)]) -> dict[str, Any]:
        assert ctx.user is user
        return {"name": user.name}

    client = TestClient(app)
    assert client.get("/me", headers=bearer("t-ann")).json == {"name": "ann"}
    missing = client.get("/me")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert missing.json["detail"] == [
        {
            "loc": ["header", "Authorization"],
            "msg": "Not authenticated",
            "type": "not_authenticated",
        }
    ]
    wrong = client.get("/me", headers=bearer("nope"))
    assert (wrong.status_code, wrong.json["detail"][0]["type"]) == (401, "invalid_credentials")
    other_scheme = client.get("/me", headers=basic("ann", "x"))
    assert other_scheme.status_code == 401


@pytest.mark.parametrize(
    ("scheme", "send", "loc"),
    [
        (
            APIKeyHeader("X-API-Key", {"k1": "client"}.get),
            {"headers": {"X-API-Key": "k1"}},
            "header",
        ),
        (APIKeyQuery("api_key", {"k1": "client"}.get), {"query": "?api_key=k1"}, "query"),
        (APIKeyCookie("key", {"k1": "client"}.get), {"headers": {"Cookie": "key=k1"}}, "cookie"),
    ],
)
def test_api_keys_in_each_place(scheme: Any, send: dict[str, Any], loc: str) -> None:
    app = json_app()

    @app.get("/data")
    def data(client_name: Annotated[str, Depends(scheme)]) -> str:
        return client_name

    client = TestClient(app)
    query = send.get("query", "")
    assert client.get("/data" + query, headers=send.get("headers")).text == "client"
    refused = client.get("/data")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("APIKey ")
    assert refused.json["detail"][0]["loc"][0] == loc
    bad = client.get("/data?api_key=zz", headers={"X-API-Key": "zz", "Cookie": "key=zz"})
    assert bad.status_code == 401


def test_basic_scheme_and_async_verify() -> None:
    app = json_app()

    async def check(credentials: BasicCredentials) -> str | None:
        return credentials.username if credentials.password == "s3cret" else None

    scheme = HTTPBasic(check, realm="shop")

    @app.get("/admin")
    def admin(name: Annotated[str, Depends(scheme)]) -> str:
        return f"hi {name}"

    client = TestClient(app)
    assert client.get("/admin", headers=basic("ann", "s3cret")).text == "hi ann"
    refused = client.get("/admin", headers=basic("ann", "guess"))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="shop", charset="UTF-8"'
    with pytest.raises(ValueError, match="realm"):
        HTTPBasic(realm='a"b')


def test_scopes_give_403_with_the_scopes_named() -> None:
    app = json_app()
    oauth = OAuth2PasswordBearer("/token", find_user, scopes={"books:write": "Change books"})

    @app.post("/books")
    def create(user: Annotated[User, Security(oauth, scopes=["books:write"])]) -> str:
        return user.name

    client = TestClient(app)
    assert client.post("/books", headers=bearer("t-bob")).text == "bob"
    forbidden = client.post("/books", headers=bearer("t-ann"))
    assert forbidden.status_code == 403
    assert forbidden.json["detail"][0]["type"] == "insufficient_scope"
    assert forbidden.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="books:write"'
    )
    assert client.post("/books").status_code == 401
    operation = app.openapi()["paths"]["/books"]["post"]
    assert operation["security"] == [{"oauth2": ["books:write"]}]
    assert {"401", "403"} <= set(operation["responses"])
    flows = app.openapi()["components"]["securitySchemes"]["oauth2"]["flows"]
    assert flows == {"password": {"tokenUrl": "/token", "scopes": {"books:write": "Change books"}}}


def test_scopes_from_a_claims_mapping_or_a_custom_reader() -> None:
    app = json_app()
    claims = OAuth2ClientCredentials("/token", {"t": {"scope": "a b"}}.get, scheme_name="svc")
    custom = HTTPBearer(lambda t: t, scopes_of=lambda principal: principal.split("+"))

    @app.get("/claims")
    def by_claims(c: Annotated[dict[str, str], Security(claims, scopes=["b"])]) -> str:
        return "ok"

    @app.get("/custom")
    def by_custom(c: Annotated[str, Security(custom, scopes=["x"])]) -> str:
        return c

    client = TestClient(app)
    assert client.get("/claims", headers=bearer("t")).text == "ok"
    assert client.get("/custom", headers=bearer("x+y")).text == "x+y"
    assert client.get("/custom", headers=bearer("y")).status_code == 403
    doc = app.openapi()
    assert doc["components"]["securitySchemes"]["svc"]["flows"]["clientCredentials"]


def test_route_option_security_enforces_named_and_object_schemes() -> None:
    app = json_app()
    app.add_security_scheme("apiKey", api_key("X-API-Key"))  # a dict: presence checked
    token_scheme = HTTPBearer(find_user)

    @app.delete("/books/<book_id:int>", security=["apiKey"], status=204)
    def delete_book(book_id: int) -> None:
        return None

    @app.get("/either", security=[token_scheme, "apiKey"])
    def either() -> str:
        return f"user={ctx.user.name if ctx.user else None}"

    client = TestClient(app)
    refused = client.delete("/books/1")  # the example: 204 without a key before
    assert refused.status_code == 401
    assert refused.json["detail"][0]["loc"] == ["header", "X-API-Key"]
    assert client.delete("/books/1", headers={"X-API-Key": "any"}).status_code == 204
    assert client.get("/either", headers=bearer("t-ann")).text == "user=ann"
    assert client.get("/either", headers={"X-API-Key": "k"}).text == "user=None"
    none = client.get("/either")
    assert none.status_code == 401
    assert none.headers["WWW-Authenticate"] == 'Bearer, APIKey in="header", name="X-API-Key"'
    operation = app.openapi()["paths"]["/either"]["get"]
    assert operation["security"] == [{"bearerAuth": []}, {"apiKey": []}]


def test_requirement_objects_need_every_scheme() -> None:
    app = json_app()
    app.add_security_scheme("key", APIKeyHeader("X-Key"))
    app.add_security_scheme("token", HTTPBearer())

    @app.get("/both", security=[{"key": [], "token": []}])
    def both() -> str:
        return "ok"

    client = TestClient(app)
    assert client.get("/both", headers={"X-Key": "k"}).status_code == 401
    assert client.get("/both", headers={"X-Key": "k", **bearer("t")}).text == "ok"


def test_app_default_guards_every_route_but_public_ones_and_docs() -> None:
    app = json_app()
    app.config["docs.enabled"] = True
    app.add_security_scheme("bearerAuth", HTTPBearer(find_user), default=True)

    @app.get("/private")
    def private() -> str:
        return ctx.user.name

    @app.get("/public", security=[])
    def public() -> str:
        return "open"

    client = TestClient(app)
    assert client.get("/private").status_code == 401
    assert client.get("/private", headers=bearer("t-ann")).text == "ann"
    assert client.get("/public").text == "open"
    assert client.get("/docs/json").status_code == 200
    assert client.get("/docs").status_code == 200
    doc = app.openapi()
    assert doc["security"] == [{"bearerAuth": []}]
    assert "security" not in doc["paths"]["/private"]["get"]
    assert "401" in doc["paths"]["/private"]["get"]["responses"]
    assert doc["paths"]["/public"]["get"]["security"] == []


def test_a_scheme_added_after_the_first_request_holds() -> None:
    app = json_app()
    app.get("/x")(lambda: "x")
    client = TestClient(app)
    assert client.get("/x").text == "x"
    app.add_security_scheme("key", APIKeyHeader("X-Key"), default=True)
    assert client.get("/x").status_code == 401


def test_a_handler_with_a_scheme_dependency_is_not_also_guarded_by_the_default() -> None:
    app = json_app()
    app.add_security_scheme("apiKey", APIKeyHeader("X-Key"), default=True)
    token_scheme = HTTPBearer(find_user)

    @app.get("/me")
    def me(user: Annotated[User, Depends(token_scheme)]) -> str:
        return user.name

    client = TestClient(app)
    assert client.get("/me", headers=bearer("t-bob")).text == "bob"
    assert app.openapi()["paths"]["/me"]["get"]["security"] == [{"bearerAuth": []}]


def test_sub_app_schemes_work_alone_and_mounted() -> None:
    sub = json_app()
    sub.add_security_scheme("subKey", APIKeyHeader("X-Sub", {"s": "svc"}.get), default=True)

    @sub.get("/x")
    def x() -> str:
        return str(ctx.user)

    @sub.get("/open", security=[])
    def open_() -> str:
        return "open"

    app = json_app()
    app.mount("/sub", sub)
    for client, prefix in ((TestClient(sub), ""), (TestClient(app), "/sub")):
        assert client.get(prefix + "/x").status_code == 401
        assert client.get(prefix + "/x", headers={"X-Sub": "s"}).text == "svc"
        assert client.get(prefix + "/open").text == "open"
    doc = app.openapi()
    assert doc["paths"]["/sub/x"]["get"]["security"] == [{"subKey": []}]
    assert "401" in doc["paths"]["/sub/x"]["get"]["responses"]
    assert doc["components"]["securitySchemes"]["subKey"]["name"] == "X-Sub"


def test_a_parent_default_guards_mounted_routes_that_have_none() -> None:
    sub = json_app()
    sub.get("/free")(lambda: "free")
    sub.get("/own", security=[])(lambda: "own")
    app = json_app()
    app.add_security_scheme("gate", APIKeyHeader("X-Gate"), default=True)
    app.mount("/sub", sub)
    client = TestClient(app)
    assert client.get("/sub/free").status_code == 401
    assert client.get("/sub/free", headers={"X-Gate": "g"}).text == "free"
    assert client.get("/sub/own").text == "own"  # the sub-app made it public
    assert TestClient(sub).get("/free").text == "free"


def test_a_sub_app_route_can_name_its_parents_scheme_when_mounted() -> None:
    sub = json_app()
    sub.get("/x", security=["gate"])(lambda: "x")
    app = json_app()
    app.add_security_scheme("gate", APIKeyHeader("X-Gate"))
    app.mount("/sub", sub)
    client = TestClient(app)
    assert client.get("/sub/x").status_code == 401
    assert client.get("/sub/x", headers={"X-Gate": "1"}).text == "x"


def test_auth_basic_guards_or_refuses_to_be_applied_too_late() -> None:
    app = json_app()

    def check(user: str, password: str) -> bool:
        return password == "pw"

    @app.get("/inner")
    @auth_basic(check, realm="r", text="Go away")
    def inner() -> str:
        return f"hi {ctx.user}"

    with pytest.raises(TypeError, match="put @auth_basic below"):

        @auth_basic(check)
        @app.get("/outer")
        def outer() -> str:
            return "outer"

    client = TestClient(app)
    refused = client.get("/inner", headers=basic("ann", "no"))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="r", charset="UTF-8"'
    assert refused.json["detail"][0]["msg"] == "Go away"
    assert client.get("/inner", headers=basic("ann", "pw")).text == "hi ann"
    operation = app.openapi()["paths"]["/inner"]["get"]
    assert operation["security"] == [{"basicAuth": []}]
    assert "401" in operation["responses"]


def test_schemes_lcore_cannot_check_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot be checked"):
        Lcore().add_security_scheme("tls", {"type": "mutualTLS"})
    with pytest.raises(ValueError, match="cannot be checked"):
        Lcore().add_security_scheme("digest", {"type": "http", "scheme": "digest"})
    with pytest.raises(ValueError, match="name of its header"):
        APIKeyHeader("")


def test_dict_schemes_check_presence_of_each_kind() -> None:
    app = json_app()
    app.add_security_scheme("b", http_bearer())
    app.add_security_scheme("basic", http_basic())
    app.add_security_scheme("q", api_key("k", "query"))
    app.add_security_scheme("c", api_key("sid", "cookie"))
    app.add_security_scheme(
        "oidc", {"type": "openIdConnect", "openIdConnectUrl": "https://id.example/.well-known"}
    )
    for name in ("b", "basic", "q", "c", "oidc"):
        app.get(f"/{name}", security=[name])(lambda: "in")
    client = TestClient(app)
    sent = {
        "/b": {"headers": bearer("x")},
        "/basic": {"headers": basic("u", "p")},
        "/q?k=1": {},
        "/c": {"headers": {"Cookie": "sid=1"}},
        "/oidc": {"headers": bearer("x")},
    }
    for path, kwargs in sent.items():
        assert client.get(path.split("?")[0]).status_code == 401, path
        assert client.get(path, **kwargs).text == "in", path
    assert app.openapi()["components"]["securitySchemes"]["oidc"]["type"] == "openIdConnect"


def test_two_different_schemes_with_one_name_are_refused_in_the_document() -> None:
    app = Lcore()

    @app.get("/a")
    def a(x: Annotated[str, Depends(HTTPBearer())]) -> str:
        return x

    @app.get("/b")
    def b(x: Annotated[str, Depends(HTTPBearer(bearer_format="JWT"))]) -> str:
        return x

    with pytest.raises(ValueError, match="two different security schemes are named 'bearerAuth'"):
        app.openapi()


def test_verify_may_refuse_with_its_own_403() -> None:
    from lcore import HTTPError

    app = json_app()

    def only_admins(token: str) -> str:
        if token != "admin":
            raise HTTPError(403, "Admins only")
        return token

    app.get("/admin", security=[HTTPBearer(only_admins)])(lambda: "ok")
    client = TestClient(app)
    assert client.get("/admin", headers=bearer("user")).status_code == 403
    assert client.get("/admin", headers=bearer("admin")).text == "ok"
