"""TestClient and TestResponse."""

from __future__ import annotations

from typing import Any

import pytest

from lcore import Lcore, TestClient, TestResponse, request, response


def echo_app() -> Lcore:
    app = Lcore()

    @app.route("/echo", method=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    def echo() -> dict[str, Any]:
        env = request.environ
        return {
            "method": request.method,
            "path": env["PATH_INFO"],
            "query": env["QUERY_STRING"],
            "content_type": env.get("CONTENT_TYPE"),
            "content_length": env.get("CONTENT_LENGTH"),
            "body": request.body_bytes.decode("latin-1"),
            "cookie": env.get("HTTP_COOKIE"),
            "x_token": env.get("HTTP_X_TOKEN"),
            "remote": env["REMOTE_ADDR"],
            "scheme": env["wsgi.url_scheme"],
            "host": env["HTTP_HOST"],
            "port": env["SERVER_PORT"],
        }

    @app.route("/echo/<rest:path>")
    def echo_path(rest: str) -> dict[str, str]:
        return {"raw": request.environ["PATH_INFO"], "rest": rest}

    return app


def test_json_body() -> None:
    data = TestClient(echo_app()).post("/echo", json={"a": [1, "é"]}).json
    assert data["content_type"] == "application/json"
    assert data["body"] == '{"a": [1, "\\u00e9"]}'
    assert data["content_length"] == str(len(data["body"]))


def test_json_with_explicit_content_type() -> None:
    data = TestClient(echo_app()).put("/echo", json=[1], content_type="application/vnd+json").json
    assert data["content_type"] == "application/vnd+json"
    assert data["body"] == "[1]"


def test_form_data_mapping() -> None:
    data = TestClient(echo_app()).post("/echo", data={"a": "1", "b": "x y"}).json
    assert data["content_type"] == "application/x-www-form-urlencoded"
    assert data["body"] == "a=1&b=x+y"


@pytest.mark.parametrize("raw", [b"raw bytes", "raw text"])
def test_raw_data_and_body(raw: bytes | str) -> None:
    client = TestClient(echo_app())
    from_data = client.patch("/echo", data=raw, content_type="text/plain").json
    from_body = client.patch("/echo", body=raw, content_type="text/plain").json
    text = raw.decode() if isinstance(raw, bytes) else raw
    assert from_data["body"] == from_body["body"] == text
    assert from_data["content_type"] == "text/plain"


def test_no_body_no_content_length() -> None:
    data = TestClient(echo_app()).get("/echo").json
    assert data["content_length"] is None
    assert data["content_type"] is None
    assert data["body"] == ""


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Token": "t", "Content-Type": "text/csv"},
        [("X-Token", "t"), ("Content-Type", "text/csv")],
    ],
)
def test_headers_mapping_or_pairs(headers: Any) -> None:
    data = TestClient(echo_app()).post("/echo", body=b"a,b", headers=headers).json
    assert data["x_token"] == "t"
    assert data["content_type"] == "text/csv"


def test_query_from_path_query_string_and_params() -> None:
    client = TestClient(echo_app())
    assert client.get("/echo?a=1&b=2").json["query"] == "a=1&b=2"
    assert client.get("/echo?a=1", query_string="c=3").json["query"] == "c=3"
    assert client.get("/echo", params={"q": "x y", "n": "1"}).json["query"] == "q=x+y&n=1"


def test_path_is_percent_decoded_as_a_server_would() -> None:
    data = TestClient(echo_app()).get("/echo/a%20b/%C3%A9").json
    assert data["raw"] == "/echo/a b/\xc3\xa9"  # latin-1 carried bytes, PEP 3333
    assert data["rest"] == "a b/é"


def test_every_method_shortcut() -> None:
    client = TestClient(echo_app())
    for verb in ("get", "post", "put", "patch", "delete", "options"):
        assert getattr(client, verb)("/echo").json["method"] == verb.upper()
    head = client.head("/echo")
    assert head.status_code == 200
    assert head.body == b""


def test_method_is_sent_as_given() -> None:
    client = TestClient(echo_app(), validate=False)
    assert client.build_environ("get", "/", b"", None, "")["REQUEST_METHOD"] == "get"
    assert client.request("get", "/echo").status_code == 405  # methods are case-sensitive


def test_base_url_and_remote_addr() -> None:
    client = TestClient(echo_app(), remote_addr="10.1.2.3", base_url="https://example.org:8443")
    data = client.get("/echo").json
    assert (data["remote"], data["scheme"], data["host"], data["port"]) == (
        "10.1.2.3",
        "https",
        "example.org:8443",
        "8443",
    )
    default = TestClient(echo_app(), base_url="https://secure.example").get("/echo").json
    assert default["port"] == "443"
    plain = TestClient(echo_app()).get("/echo").json
    assert (plain["remote"], plain["scheme"], plain["host"], plain["port"]) == (
        "127.0.0.1",
        "http",
        "localhost",
        "80",
    )


# -- cookies ------------------------------------------------------------------------------------


def cookie_app() -> Lcore:
    app = Lcore()

    @app.get("/set")
    def set_cookies() -> str:
        response.set_cookie("a", "1")
        response.set_cookie("b", "two words")
        return "set"

    @app.get("/change")
    def change() -> str:
        response.set_cookie("a", "2")
        return "changed"

    @app.get("/forget")
    def forget() -> str:
        response.delete_cookie("a")
        return "forgotten"

    @app.get("/show")
    def show() -> dict[str, str]:
        return dict(request.cookies)

    return app


def test_multiple_set_cookie_headers_are_kept() -> None:
    result = TestClient(cookie_app()).get("/set")
    lines = result.headers.getall("Set-Cookie")
    assert lines == ["a=1; HttpOnly; SameSite=Lax", 'b="two words"; HttpOnly; SameSite=Lax']
    assert result.cookies == {"a": "1", "b": "two words"}


def test_cookies_are_kept_across_calls() -> None:
    client = TestClient(cookie_app())
    assert client.get("/show").json == {}
    client.get("/set")
    assert client.cookies == {"a": "1", "b": "two words"}
    assert client.get("/show").json == {"a": "1", "b": "two words"}
    client.get("/change")
    assert client.get("/show").json == {"a": "2", "b": "two words"}
    client.get("/forget")
    assert client.get("/show").json == {"b": "two words"}
    assert "a" not in client.cookies


def test_cookie_jars_are_per_client() -> None:
    app = cookie_app()
    first, second = TestClient(app), TestClient(app)
    first.get("/set")
    assert second.get("/show").json == {}


def test_negative_max_age_also_expires() -> None:
    app = Lcore()

    @app.get("/")
    def index() -> str:
        response.add_header("Set-Cookie", "gone=1; Max-Age=-1")
        response.add_header("Set-Cookie", "bad-line-without-pair")
        response.set_cookie("kept", "1")
        return ""

    client = TestClient(app)
    client.cookies["gone"] = "0"
    client.get("/")
    assert client.cookies == {"kept": "1"}


# -- TestResponse -------------------------------------------------------------------------------


def test_test_response_fields() -> None:
    res = TestResponse(
        "201 Created", [("Content-Type", "text/plain"), ("X-A", "1"), ("x-a", "2")], b"\xffok"
    )
    assert res.status == "201 Created"
    assert res.status_code == 201
    assert res.headers["content-type"] == "text/plain"
    assert res.headers.getall("X-A") == ["1", "2"]
    assert res.text == "\ufffdok"
    assert res.body == b"\xffok"
    assert res.cookies == {}
    assert repr(res) == "<TestResponse 201 Created>"
    with pytest.raises(ValueError):
        _ = res.json


def test_pytest_does_not_collect_the_helpers() -> None:
    assert TestClient.__test__ is False
    assert TestResponse.__test__ is False


def test_validator_catches_non_conforming_apps() -> None:
    def bad_app(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return ["text, not bytes"]

    with pytest.raises(AssertionError):
        TestClient(bad_app).get("/")


def test_validate_false_calls_the_app_directly() -> None:
    seen: list[Any] = []

    def raw_app(environ: dict[str, Any], start_response: Any) -> Any:
        seen.append(environ["wsgi.input"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"raw"]

    client = TestClient(raw_app, validate=False)
    assert client.get("/").body == b"raw"
    assert type(seen[0]).__name__ == "BytesIO"
    assert client.app is raw_app
    TestClient(raw_app).get("/")
    assert type(seen[1]).__name__ == "InputWrapper"  # wsgiref.validate's wrapper


def test_write_callable_output_is_accepted() -> None:
    def writer(environ: dict[str, Any], start_response: Any) -> Any:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"ignored by the test client")
        return [b"returned"]

    assert TestClient(writer).get("/").body == b"returned"
