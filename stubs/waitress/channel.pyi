from typing import Any

from waitress.wasyncore import dispatcher

class HTTPChannel(dispatcher):
    requests: list[Any]
    request: Any
    total_outbufs_len: int
