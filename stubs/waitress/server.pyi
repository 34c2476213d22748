from collections.abc import Callable, Iterable
from typing import Any

from waitress.channel import HTTPChannel
from waitress.task import ThreadedTaskDispatcher
from waitress.trigger import trigger
from waitress.wasyncore import dispatcher

class MultiSocketServer:
    adj: Any
    task_dispatcher: ThreadedTaskDispatcher
    def run(self) -> None: ...
    def close(self) -> None: ...

class BaseWSGIServer(dispatcher):
    adj: Any
    channel_class: type[HTTPChannel]
    task_dispatcher: ThreadedTaskDispatcher
    trigger: trigger
    effective_host: str
    effective_port: int
    active_channels: dict[int, HTTPChannel]
    def maintenance(self, now: float) -> None: ...
    def run(self) -> None: ...

def create_server(
    application: Callable[[dict[str, Any], Any], Iterable[bytes]],
    map: dict[int, Any] | None = None,
    **kw: Any,
) -> BaseWSGIServer | MultiSocketServer: ...
