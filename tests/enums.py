"""The enums the converter, parameter, schema and round-trip tests share."""

from __future__ import annotations

import enum


class Color(enum.Enum):
    """A primary colour."""

    RED = "red"
    BLUE = "blue"


# NOTE: no docstring on purpose: test_schema checks that an undocumented enum's schema
# has no "description".
class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2
