"""A ``pattern`` constraint is read as JSON Schema's ECMA-262 dialect. Where that dialect
and Python's agree (ASCII text without a line break), the rewritten pattern finds exactly
what Python's own reading of it finds."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from lcore.typeinfo import compile_pattern

ATOMS = st.sampled_from(
    [
        "a",
        "b",
        "1",
        ".",
        r"\d",
        r"\D",
        r"\w",
        r"\W",
        r"\s",
        "[ab]",
        r"[\d]",
        r"[^\w]",
        "[$a]",
        r"\$",
        r"\.",
        "(a|b)",
        "(?:1)",
        "[]a]",
        "[^]a]",
    ]
)
QUANTIFIERS = st.sampled_from(["", "*", "+", "?", "{1,2}"])
PIECES = st.tuples(ATOMS, QUANTIFIERS).map("".join)
PATTERNS = st.builds(
    lambda head, body, tail: head + "".join(body) + tail,
    st.sampled_from(["", "^"]),
    st.lists(PIECES, max_size=4),
    st.sampled_from(["", "$", "|a$"]),
)
ASCII_TEXT = st.text(alphabet="ab1 _.$]x-", max_size=8)


@given(PATTERNS, ASCII_TEXT)
def test_the_rewrite_agrees_with_python_where_the_dialects_agree(pattern: str, value: str) -> None:
    expected = re.search(pattern, value)
    found = compile_pattern(pattern).search(value)
    assert (found is None) == (expected is None)
    if found is not None and expected is not None:
        assert found.span() == expected.span()


@given(st.sampled_from(["", "^"]), st.lists(PIECES, max_size=4), ASCII_TEXT)
def test_a_final_line_break_is_never_the_end(head: str, body: list[str], value: str) -> None:
    # ECMA's $ is the end of the text: a match of "...$" in "x\n" must take the "\n" too.
    found = compile_pattern(head + "".join(body) + "$").search(value + "\n")
    assert found is None or found.end() == len(value) + 1
