from typing import Any, ClassVar

from waitress.task import WSGITask
from waitress.wasyncore import dispatcher

class HTTPChannel(dispatcher):
    task_class: ClassVar[type[WSGITask]]
    requests: list[Any]
    request: Any
    total_outbufs_len: int
    last_activity: float
    will_close: bool
    def received(self, data: bytes) -> bool: ...
    def service(self) -> None: ...
    def readable(self) -> bool: ...
