"""RequestIDMiddleware: a sane incoming id is kept, anything else replaced by a uuid4 hex;
ctx.request_id and the response header on every answer."""

from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcore import HTTPResponse, Lcore, RequestContext, RequestIDMiddleware, TestClient, abort, ctx
from lcore.middleware import request_id as request_id_module
from lcore.middleware.request_id import new_request_id
from tests.raw_wsgi import send

HEX32 = re.compile(r"[0-9a-f]{32}")


def make_app(app: Lcore, **options: object) -> Lcore:
    app.use(RequestIDMiddleware(**options))  # type: ignore[arg-type]  # options vary by test

    @app.get("/")
    def index() -> str:
        return ctx.request_id or ""

    @app.get("/abort")
    def aborted() -> None:
        abort(403)

    @app.get("/typed")
    def typed(n: int) -> int:
        return n

    return app


def test_declares_name_order_phase() -> None:
    mw = RequestIDMiddleware()
    assert (mw.name, mw.order, mw.phase, mw.header_name) == (
        "request_id",
        1,
        "post",
        "X-Request-ID",
    )


def test_new_ids_are_uuid4_hex() -> None:
    ids = {new_request_id() for _ in range(1000)}  # past several refills
    assert len(ids) == 1000
    for each in ids:
        parsed = uuid.UUID(hex=each)
        assert (parsed.version, parsed.variant, parsed.hex) == (4, uuid.RFC_4122, each)


def test_a_forked_child_does_not_reuse_the_parents_ids() -> None:
    import os

    new_request_id()
    assert request_id_module._POOL
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, b"1" if not request_id_module._POOL else b"0")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    os.close(read)
    os.close(write)


def test_an_id_is_made_and_sent(app: Lcore) -> None:
    response = TestClient(make_app(app)).get("/")
    assert HEX32.fullmatch(response.text)
    assert response.headers["X-Request-ID"] == response.text


def test_a_sane_incoming_id_is_kept(app: Lcore) -> None:
    response = TestClient(make_app(app)).get("/", headers={"X-Request-ID": "abc-123.X:y_z"})
    assert response.text == response.headers["X-Request-ID"] == "abc-123.X:y_z"


@pytest.mark.parametrize(
    "incoming",
    ["", "a" * 129, "has space", "new\\nline", "<script>", "é", "a,b", "x" * 1000],
)
def test_an_insane_incoming_id_is_replaced(app: Lcore, incoming: str) -> None:
    result = send(make_app(app), "/", HTTP_X_REQUEST_ID=incoming)
    assert HEX32.fullmatch(result.body.decode())
    assert result.header("X-Request-ID") == result.body.decode()


def test_incoming_ids_can_be_ignored(app: Lcore) -> None:
    response = TestClient(make_app(app, trust_incoming=False)).get(
        "/", headers={"X-Request-ID": "mine"}
    )
    assert HEX32.fullmatch(response.text)


def test_the_header_name_is_configurable(app: Lcore) -> None:
    client = TestClient(make_app(app, header_name="X-Correlation-ID"))
    response = client.get("/", headers={"X-Correlation-ID": "corr-1", "X-Request-ID": "no"})
    assert response.text == response.headers["X-Correlation-ID"] == "corr-1"
    assert "X-Request-ID" not in response.headers


def test_a_bad_header_name_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid header name"):
        RequestIDMiddleware(header_name="X Request")


def test_an_id_set_by_an_outer_layer_is_kept(app: Lcore) -> None:
    app.add_hook("before_request", lambda: setattr(ctx, "request_id", "from-hook"))
    response = TestClient(make_app(app)).get("/", headers={"X-Request-ID": "incoming"})
    assert response.text == response.headers["X-Request-ID"] == "from-hook"


@pytest.mark.parametrize(("path", "status"), [("/abort", 403), ("/typed?n=x", 422)])
def test_error_answers_carry_the_id(app: Lcore, path: str, status: int) -> None:
    response = TestClient(make_app(app)).get(path, headers={"X-Request-ID": "err-1"})
    assert response.status_code == status
    assert response.headers["X-Request-ID"] == "err-1"


def test_a_returned_answer_carries_the_id(app: Lcore) -> None:
    make_app(app)
    app.get("/teapot", callback=lambda: HTTPResponse("tea", 418))
    response = TestClient(app).get("/teapot", headers={"X-Request-ID": "t"})
    assert (response.status_code, response.headers["X-Request-ID"]) == (418, "t")


def test_a_404_carries_the_id(app: Lcore) -> None:
    response = TestClient(make_app(app)).get("/missing", headers={"X-Request-ID": "m"})
    assert (response.status_code, response.headers.get("X-Request-ID")) == (404, "m")


def test_skip_leaves_the_route_alone(app: Lcore) -> None:
    make_app(app)

    @app.get("/quiet", skip=["request_id"])
    def quiet() -> str:
        return repr(ctx.request_id)

    response = TestClient(app).get("/quiet")
    assert response.text == "None"
    assert "X-Request-ID" not in response.headers


def test_scoped_to_routes(app: Lcore) -> None:
    app.use(RequestIDMiddleware(), routes="/api/")
    app.get("/api/x", callback=lambda: "x")
    app.get("/web", callback=lambda: "w")
    client = TestClient(app)
    assert "X-Request-ID" in client.get("/api/x").headers
    assert "X-Request-ID" not in client.get("/web").headers


_SAFE = st.text(alphabet="abcXYZ019-_.:", min_size=1, max_size=128)


@given(incoming=st.one_of(_SAFE, st.text(max_size=200)))
def test_sanitising_keeps_exactly_the_sane_ids(incoming: str) -> None:
    sane = bool(re.fullmatch(r"[A-Za-z0-9._:\-]{1,128}", incoming, re.ASCII))
    seen: list[str | None] = []

    def handler(context: RequestContext) -> str:
        seen.append(context.request_id)
        return "ok"

    mw = RequestIDMiddleware()
    context = RequestContext()
    context.request.environ["HTTP_X_REQUEST_ID"] = incoming
    mw(context, handler)
    chosen = seen[0]
    assert chosen is not None
    assert context.response.get_header("X-Request-ID") == chosen
    if sane:
        assert chosen == incoming
    else:
        assert HEX32.fullmatch(chosen)
