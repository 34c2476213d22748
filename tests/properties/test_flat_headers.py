"""Headers set in one step (a middleware's constant headers, checked once) and a content
type set after flat headers (the JSON plugin's, a handler's) send what setting them one
by one through the general finish sends: same headers, same order, same body.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from lcore import HTTPResponse, Lcore, Middleware, Response, response
from lcore.context import RequestContext
from lcore.middleware.base import NextHandler
from lcore.response import checked_headers
from tests.properties.test_response_properties import (
    CONTENT_TYPES,
    Op,
    apply_ops,
    call,
    ops_strategy,
)

CONSTANT_NAMES = ["X-A", "x_trace_id", "Vary", "Referrer-Policy", "x-frame-options"]
constants_strategy = st.lists(
    st.tuples(st.sampled_from(CONSTANT_NAMES), st.sampled_from(["1", "", "a b", "caf\xe9"])),
    max_size=4,
)


@given(before=ops_strategy, constants=constants_strategy, after=ops_strategy)
def test_checked_headers_set_as_set_header_one_by_one(
    before: list[Op], constants: list[tuple[str, str]], after: list[Op]
) -> None:
    fast, slow = Response(), Response()
    apply_ops(fast, before)
    apply_ops(slow, before)
    fast._set_checked(checked_headers(constants))
    for name, value in constants:
        slow.set_header(name, value)
    apply_ops(fast, after)
    apply_ops(slow, after)
    assert fast.headerlist == slow.headerlist
    assert list(fast.headers.allitems()) == list(slow.headers.allitems())


class Constants(Middleware):
    """Sets flat headers before the handler, as lcore's header middleware do."""

    def __init__(self, constants: list[tuple[str, str]]) -> None:
        self.checked = checked_headers(constants)

    def __call__(self, ctx: RequestContext, next_handler: NextHandler) -> Any:
        ctx.response._set_checked(self.checked)
        return next_handler(ctx)


def json_app(
    constants: list[tuple[str, str]], ops: list[Op], kind: str, hook: bool, general: bool
) -> Lcore:
    app = Lcore()
    app.use(Constants(constants))

    @app.get("/")
    def handler() -> Any:
        apply_ops(response, ops)
        if kind == "dict":
            return {"a": 1}
        if kind == "answer":
            answer = HTTPResponse({"b": 2}, 201)
            answer.set_header("X-Answer", "1")
            return answer
        return "text \xe9"

    if hook:
        app.add_hook("after_request", lambda: response.set_header("X-Hook", "1"))
    if general:
        app._finish = app._finish_general  # type: ignore[method-assign]
    return app


@given(
    constants=constants_strategy,
    ops=ops_strategy,
    kind=st.sampled_from(["dict", "answer", "text"]),
    hook=st.booleans(),
    method=st.sampled_from(["GET", "HEAD"]),
)
def test_content_type_after_flat_headers_finishes_as_the_general_finish(
    constants: list[tuple[str, str]], ops: list[Op], kind: str, hook: bool, method: str
) -> None:
    fast = call(json_app(constants, ops, kind, hook, general=False), method)
    slow = call(json_app(constants, ops, kind, hook, general=True), method)
    assert fast == slow


@given(constants=constants_strategy, content_type=st.sampled_from(CONTENT_TYPES))
def test_content_type_reads_back_wherever_it_is_kept(
    constants: list[tuple[str, str]], content_type: str
) -> None:
    fresh = Response()
    fresh._set_checked(checked_headers(constants))
    fresh.content_type = content_type
    assert fresh.get_header("content-type") == content_type
    assert fresh.content_type == content_type
    assert fresh.headers["Content-Type"] == content_type
    assert [k for k, _ in fresh.headerlist].count("Content-Type") == 1
