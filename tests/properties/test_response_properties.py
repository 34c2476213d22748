"""The response's header storage and its fast finish send what the general finish sends.

Any sequence of header writes (``set_header``, ``add_header``, ``content_type``, deletes,
the ``headers`` dict) ends in the header list of a reference model of the general path,
and an app finishing through ``Lcore._finish`` answers exactly as one forced through
``Lcore._finish_general``, hooks, cookies, statuses and failures included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from lcore import Lcore, Response, abort, response
from tests.raw_wsgi import make_environ

Op = tuple[str, str, str]

NAMES = [
    "X-A",
    "x-a",
    "X_A",
    "x_trace_id",
    "X-Trace-Id",
    "Vary",
    "allow",
    "Last-Modified",
    "content-type",
    "Content-Type",
    "CONTENT_TYPE",
    "Content-Length",
    "content-length",
]
VALUES = ["1", "", "a b", "\tx", "caf\xe9", "0"]
CONTENT_TYPES = ["text/plain", "text/plain; charset=latin-1", "application/json", "1"]
BODIES: list[str | bytes] = ["", "hi", "\xe9 \xfc", b"", b"raw"]
COOKIE = "k=v; HttpOnly; SameSite=Lax"

ops_strategy = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["set", "add", "del", "dict_set", "dict_add"]),
            st.sampled_from(NAMES),
            st.sampled_from(VALUES),
        ),
        st.tuples(st.just("ct"), st.just(""), st.sampled_from(CONTENT_TYPES)),
    ),
    max_size=8,
)


def apply_ops(target: Response, ops: Iterable[Op]) -> None:
    """Replay header operations on a response (through the proxy or not)."""
    for kind, name, value in ops:
        if kind == "set":
            target.set_header(name, value)
        elif kind == "add":
            target.add_header(name, value)
        elif kind == "ct":
            target.content_type = value
        elif kind == "dict_set":
            target.headers[name] = value
        elif kind == "dict_add":
            target.headers.append(name, value)
        else:
            with suppress(KeyError):
                del target[name]


def stored(name: str) -> str:
    return name.title().replace("_", "-")


def model_storage(ops: Iterable[Op]) -> dict[str, list[str]]:
    """The headers after ``ops``: stored names, values in the order written."""
    data: dict[str, list[str]] = {}
    for kind, name, value in ops:
        if kind == "ct":
            data["Content-Type"] = [value]
        elif kind in ("set", "dict_set"):
            data[stored(name)] = [value]
        elif kind in ("add", "dict_add"):
            data.setdefault(stored(name), []).append(value)
        else:
            data.pop(stored(name), None)
    return data


def model_finish(
    ops: Iterable[Op], status: int, body: str | bytes, method: str, cookie: bool, hook: bool
) -> tuple[list[tuple[str, str]], bytes]:
    """What the general finish sends, written out plainly (the reference model)."""
    data = model_storage(ops)
    content_type = data.get("Content-Type")
    latin = bool(content_type) and "charset=latin-1" in content_type[-1]
    encoded = body.encode("latin-1" if latin else "utf-8") if isinstance(body, str) else body
    if encoded or "Content-Length" not in data:
        data["Content-Length"] = [str(len(encoded))]
    if hook:
        data["X-Hook"] = ["1"]
    headers = [(name, value) for name, values in data.items() for value in values]
    if status in (204, 304):
        dropped = {"Content-Type", "Content-Length"}
        if status == 304:
            dropped |= {"Allow", "Last-Modified"}
        headers = [(k, v) for k, v in headers if k not in dropped]
    elif "Content-Type" not in data:
        headers.insert(0, ("Content-Type", "text/html; charset=UTF-8"))
    if cookie:
        headers.append(("Set-Cookie", COOKIE))
    if method == "HEAD" or status in (204, 304):
        encoded = b""
    return headers, encoded


def call(app: Callable[..., Iterable[bytes]], method: str) -> tuple[str, list[Any], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> None:
        seen["status"], seen["headers"] = status, headers

    body = app(make_environ("/", method), start_response)
    try:
        data = b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if callable(close):
            close()
    return seen["status"], seen["headers"], data


def build_app(
    ops: list[Op], status: int, body: str | bytes, cookie: bool, hook: str, general: bool
) -> Lcore:
    app = Lcore()

    @app.route("/", method=["GET", "HEAD"])
    def handler() -> str | bytes:
        response.status = status
        apply_ops(response, ops)
        if cookie:
            response.set_cookie("k", "v")
        return body

    def after() -> None:
        if hook == "header":
            response.set_header("X-Hook", "1")
        elif hook == "status":
            response.status = 204
        elif hook == "cookie":
            response.set_cookie("k", "v")
        elif hook == "abort":
            abort(418, "no tea")

    if hook != "none":
        app.add_hook("after_request", after)
    if general:
        # The reference: every response through the general finish, as before the fast one.
        app._finish = app._finish_general  # type: ignore[method-assign]
    return app


@given(
    ops=ops_strategy,
    status=st.sampled_from([200, 201, 204, 304, 404]),
    body=st.sampled_from(BODIES),
    method=st.sampled_from(["GET", "HEAD"]),
    cookie=st.booleans(),
    hook=st.booleans(),
)
def test_header_list_matches_the_reference_model(
    ops: list[Op], status: int, body: str | bytes, method: str, cookie: bool, hook: bool
) -> None:
    app = build_app(ops, status, body, cookie, "header" if hook else "none", general=False)
    _, headers, data = call(app, method)
    expected_headers, expected_body = model_finish(ops, status, body, method, cookie, hook)
    assert headers == expected_headers
    assert data == expected_body


@given(
    ops=ops_strategy,
    status=st.sampled_from([200, 201, 204, 304, 404]),
    body=st.sampled_from(BODIES),
    method=st.sampled_from(["GET", "HEAD"]),
    cookie=st.booleans(),
    hook=st.sampled_from(["none", "header", "status", "cookie", "abort"]),
    content_type=st.sampled_from([None, "text/plain; charset=no-such-codec"]),
)
def test_fast_finish_answers_as_the_general_finish(
    ops: list[Op],
    status: int,
    body: str | bytes,
    method: str,
    cookie: bool,
    hook: str,
    content_type: str | None,
) -> None:
    if content_type is not None:
        ops = [*ops, ("ct", "", content_type)]
    fast = call(build_app(ops, status, body, cookie, hook, general=False), method)
    general = call(build_app(ops, status, body, cookie, hook, general=True), method)
    assert fast == general


@given(ops=ops_strategy)
def test_headerlist_and_charset_follow_every_write(ops: list[Op]) -> None:
    own = Response()
    apply_ops(own, ops)
    data = model_storage(ops)
    expected = [(name, value) for name, values in data.items() for value in values]
    if "Content-Type" not in data:
        expected.insert(0, ("Content-Type", "text/html; charset=UTF-8"))
    assert own.headerlist == expected
    content_type = data.get("Content-Type")
    latin = bool(content_type) and "charset=latin-1" in content_type[-1]
    assert own.charset == ("latin-1" if latin else "UTF-8")


@given(ops=ops_strategy, name=st.sampled_from(NAMES))
def test_header_reads_match_the_model_whatever_the_storage(ops: list[Op], name: str) -> None:
    # Headers set on a fresh response stay in a flat dict until something needs the
    # HeaderDict; reads must not tell the two storages apart.
    data = model_storage(ops)
    expected = data.get(stored(name))
    flat, full = Response(), Response()
    full.headers  # noqa: B018 - the HeaderDict from the start
    for target in (flat, full):
        apply_ops(target, ops)
        assert target.get_header(name) == (expected[-1] if expected else None)
        assert (name in target) == bool(expected)
        content_type = data.get("Content-Type")
        assert target.content_type == (
            content_type[-1] if content_type else "text/html; charset=UTF-8"
        )
    assert flat.headerlist == full.headerlist
    assert flat.copy().headerlist == full.headerlist
