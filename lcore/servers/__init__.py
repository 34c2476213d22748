"""The servers wing: :func:`run` and shutdown (``serving``), the adapter base (``base``),
and the adapters: the standard library's (``stdlib``), those of the ``servers`` extra
(``external``) and those of servers installed by hand (``others``).

Import from here (``from lcore.servers import ServerAdapter, run``); the submodules are
an internal split, and this package re-exports each one's ``__all__``. ``lcore.run()``,
``Lcore.run()`` and the CLI look ``run`` up on this package when called.
"""

from __future__ import annotations

from . import base, external, others, serving, stdlib
from .base import *  # noqa: F403 - the package face: every public name of its parts
from .external import *  # noqa: F403
from .others import *  # noqa: F403
from .serving import *  # noqa: F403
from .stdlib import *  # noqa: F403

__all__: list[str] = []
__all__ += base.__all__
__all__ += external.__all__
__all__ += others.__all__
__all__ += serving.__all__
__all__ += stdlib.__all__
