"""An answer is the same with and without ``ctx.on_sent`` callbacks (which hand the
server a counting ``SentBody`` instead of the body as built), and the count is right."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from lcore import HTTPResponse, Lcore, abort, ctx
from tests.raw_wsgi import RawResult, call_raw, make_environ

chunks = st.lists(st.text(max_size=20) | st.binary(max_size=20), max_size=6)
kinds = st.sampled_from(["text", "bytes", "stream", "json", "abort", "response", "missing"])


def answering_app(kind: str, parts: list[str | bytes], observe: bool, seen: list[Any]) -> Lcore:
    app = Lcore()

    @app.route("/", method=["GET", "HEAD"])
    def answer() -> Any:
        if observe:
            ctx.on_sent(lambda: seen.append(ctx.sent))
        text = "".join(p if isinstance(p, str) else p.decode("latin-1") for p in parts)
        if kind == "text":
            return text
        if kind == "bytes":
            return text.encode()
        if kind == "stream":
            return iter(list(parts))
        if kind == "json":
            return {"text": text}
        if kind == "abort":
            abort(409, text or "conflict")
        return HTTPResponse(text, 202, {"X-Kind": "response"})

    return app


def answer_of(
    kind: str, parts: list[str | bytes], method: str, observe: bool
) -> tuple[RawResult, list[Any]]:
    seen: list[Any] = []
    app = answering_app(kind, parts, observe, seen)
    path = "/missing" if kind == "missing" else "/"
    return call_raw(app, make_environ(path, method)), seen


@given(kind=kinds, parts=chunks, method=st.sampled_from(["GET", "HEAD"]))
def test_on_sent_callbacks_change_nothing_the_client_gets(
    kind: str, parts: list[str | bytes], method: str
) -> None:
    plain, _ = answer_of(kind, parts, method, observe=False)
    observed, seen = answer_of(kind, parts, method, observe=True)
    assert (observed.status, observed.headers, observed.body) == (
        plain.status,
        plain.headers,
        plain.body,
    )
    if kind != "missing":
        (sent,) = seen
        assert sent.closed and sent.status == observed.status
        assert sent.bytes_sent == len(observed.body)
        assert sent.headers == observed.headers
