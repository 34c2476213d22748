from typing import Any

from waitress.channel import HTTPChannel

class ThreadedTaskDispatcher:
    def shutdown(self, cancel_pending: bool = True, timeout: float = 5) -> bool: ...

class WSGITask:
    channel: HTTPChannel
    request: Any
    def build_response_header(self) -> bytes: ...
