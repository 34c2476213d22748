from collections.abc import Callable

from waitress.wasyncore import dispatcher

class trigger(dispatcher):
    def pull_trigger(self, thunk: Callable[[], object] | None = None) -> None: ...
