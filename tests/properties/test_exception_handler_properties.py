"""Exception handlers by class, fuzzed: the MRO walk agrees with "the deepest registered
ancestor" on random class trees, and a handler for ``Exception`` never changes lcore's own
answers (client errors, aborts, 404/405) from what an app without handlers sends."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from lcore import ClientError, Lcore, TestClient, abort
from lcore.errors import ExceptionHandler, ExceptionHandlers

ROOTS: tuple[type[Exception], ...] = (Exception, ValueError, KeyError, ClientError)


@st.composite
def class_trees(draw: st.DrawFn) -> list[type[Exception]]:
    """Up to 12 exception classes, each a subclass of a root or of an earlier one."""
    classes: list[type[Exception]] = list(ROOTS)
    for number in range(draw(st.integers(0, 12))):
        base = draw(st.sampled_from(classes))
        classes.append(type(f"E{number}", (base,), {}))
    return classes


def depth(cls: type) -> int:
    """How many classes lie between ``cls`` and ``object`` (single inheritance)."""
    return len(cls.__mro__)


def expected_handler(
    exc_type: type[Exception], registered: dict[type[Exception], ExceptionHandler]
) -> ExceptionHandler | None:
    """The reference: the deepest registered ancestor; for a ClientError, only among the
    subclasses of ClientError."""
    ancestors = [
        cls
        for cls in registered
        if issubclass(exc_type, cls)
        and (not issubclass(exc_type, ClientError) or issubclass(cls, ClientError))
    ]
    if not ancestors:
        return None
    return registered[max(ancestors, key=depth)]


@given(class_trees(), st.data())
def test_find_is_the_deepest_registered_ancestor(
    classes: list[type[Exception]], data: st.DataObject
) -> None:
    chosen = data.draw(st.lists(st.sampled_from(classes), unique=True))
    handlers = ExceptionHandlers()
    registered: dict[type[Exception], ExceptionHandler] = {}
    for cls in chosen:
        handler = ExceptionHandler(cls, lambda exc: None, 500)
        handlers.add(handler)
        registered[cls] = handler
    for exc_type in classes:
        assert handlers.find(exc_type) is expected_handler(exc_type, registered)


def answers(with_handler: bool) -> TestClient:
    """An app whose routes give lcore's own answers, with or without a catch-all."""
    app = Lcore()
    app.config["error.format"] = "json"

    @app.get("/client/<status:int>")
    def client(status: int) -> str:
        raise ClientError(status, "refused", "refused_here", ("query", "x"))

    @app.get("/abort/<status:int>")
    def aborted(status: int) -> str:
        abort(status, "stopped")

    @app.get("/typed")
    def typed(limit: int) -> str:
        return str(limit)

    if with_handler:
        app.add_exception_handler(Exception, lambda exc: "swallowed", status=200)
    return TestClient(app)


PLAIN, CATCH_ALL = answers(False), answers(True)


@given(
    st.one_of(
        st.builds("/client/{}".format, st.integers(400, 499)),
        st.builds("/abort/{}".format, st.integers(400, 599)),
        st.builds("/typed?limit={}".format, st.text(max_size=8)),
        st.builds("/{}".format, st.text("abcdef/", max_size=10)),
    ),
    st.sampled_from(["GET", "POST", "HEAD"]),
)
def test_a_catch_all_handler_leaves_lcores_answers_as_they_were(path: str, method: str) -> None:
    def answer(client: TestClient) -> tuple[Any, ...]:
        result = client.request(method, path)
        return result.status_code, sorted(result.headers.items()), result.body

    assert answer(CATCH_ALL) == answer(PLAIN)
