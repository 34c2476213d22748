"""Hooks, middleware and a plugin that record what the app does with them; shared by
the hooks, middleware, plugins and route tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lcore import Lcore, Middleware, RequestContext, Route

LIFECYCLE = (
    "on_request_start",
    "before_request",
    "on_auth_resolved",
    "on_handler_enter",
    "on_handler_exit",
    "on_response_build",
    "after_request",
    "on_response_send",
)


def record_hooks(app: Lcore, log: list[str], tag: str = "") -> None:
    """Log ``tag`` + the hook name each time one of the request hooks of ``app`` fires."""
    for name in LIFECYCLE:
        app.add_hook(name, lambda name=name: log.append(tag + name))


class Recorder(Middleware):
    """Logs when it is entered and left; may answer early or transform the result."""

    def __init__(
        self,
        log: list[str],
        label: str,
        phase: str = "post",
        order: int = 50,
        answer: Any = None,
        name: str | None = None,
    ) -> None:
        self.log = log
        self.label = label
        self.phase = phase  # type: ignore[misc]
        self.order = order
        self.answer = answer
        self.name = name  # type: ignore[misc]

    def __call__(self, ctx: RequestContext, next_handler: Callable[[RequestContext], Any]) -> Any:
        self.log.append(f"{self.label}>")
        if self.answer is not None:
            return self.answer
        result = next_handler(ctx)
        self.log.append(f"<{self.label}")
        return result


class CountingPlugin:
    """Wraps each result in brackets and records its setups, applies and closes."""

    name = "counting"
    api = 2

    def __init__(self) -> None:
        self.setups: list[Lcore] = []
        self.applied: list[str] = []
        self.closed = 0

    def setup(self, app: Lcore) -> None:
        self.setups.append(app)

    def apply(self, callback: Callable[..., Any], route: Route) -> Callable[..., Any]:
        self.applied.append(route.rule)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return f"[{callback(*args, **kwargs)}]"

        return wrapper

    def close(self) -> None:
        self.closed += 1
