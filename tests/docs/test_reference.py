"""The docs cover the public API, and their links lead somewhere.

- Every name of ``lcore.__all__`` is mentioned as code (in backticks or a code block, as
  a whole word) on a page of docs/ other than the reference: the reference sends readers
  to a page that explains the name, so it cannot be the only mention.
- docs/reference.md has one row per name of ``lcore.__all__``, and none for a name lcore
  does not export.
- Every relative link of README.md, CHANGELOG.md and docs/*.md names a file that exists
  and, with a ``#anchor``, a heading of that page, slugged as GitHub does (lower case,
  punctuation dropped, spaces to ``-``, ``-1``, ``-2``, ... for repeated headings).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import lcore

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
REFERENCE = DOCS / "reference.md"
TOPICAL = sorted(page for page in DOCS.glob("*.md") if page != REFERENCE)
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]
PUBLIC = sorted(lcore.__all__)

_HEADING = re.compile(r"^#{1,6} +(.+?)\s*$")
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
_ROW_NAME = re.compile(r"^\| *`([^`]+)` *\|")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def _lines(page: Path) -> Iterator[tuple[bool, str]]:
    """Each line of a Markdown page with whether it is inside a fenced code block."""
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        yield fenced, line


def code_text(page: Path) -> str:
    """The code of a page: its fenced blocks and its inline code spans."""
    parts: list[str] = []
    for fenced, line in _lines(page):
        parts.extend([line] if fenced else _INLINE_CODE.findall(line))
    return "\n".join(parts)


def mentions(code: str, name: str) -> bool:
    """Whether ``name`` occurs in ``code`` as a whole word: not part of a longer name,
    and not an attribute of something else (``lcore.name`` counts, ``app.name`` not)."""
    pattern = rf"(?:(?<![\w.])|(?<=\blcore\.)){re.escape(name)}(?!\w)"
    return re.search(pattern, code) is not None


def reference_rows() -> list[str]:
    """The name in the first cell of each table row of the reference."""
    return [
        match.group(1)
        for fenced, line in _lines(REFERENCE)
        if not fenced and (match := _ROW_NAME.match(line))
    ]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: ``### `app.run()` `` is ``#apprun``."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """The anchors of a page's headings; a repeated heading gets ``-1``, ``-2``, ..."""
    seen: Counter[str] = Counter()
    found: set[str] = set()
    for fenced, line in _lines(page):
        match = None if fenced else _HEADING.match(line)
        if match:
            base = slug(match.group(1))
            found.add(f"{base}-{seen[base]}" if seen[base] else base)
            seen[base] += 1
    return found


def relative_links(page: Path) -> list[str]:
    """The targets of the page's links that are neither URLs nor inside code."""
    targets: list[str] = []
    for fenced, line in _lines(page):
        if fenced:
            continue
        prose = _INLINE_CODE.sub("", line)
        targets.extend(t for t in _LINK.findall(prose) if not _SCHEME.match(t))
    return targets


def _page_id(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


# -- the public names ---------------------------------------------------------------------


def test_every_public_name_is_explained_on_a_topical_page() -> None:
    pages = [code_text(page) for page in TOPICAL]
    missing = [name for name in PUBLIC if not any(mentions(code, name) for code in pages)]
    assert not missing, (
        f"{len(missing)} name(s) of lcore.__all__ appear as code on no page of docs/ but the"
        f" reference; document them where a user would look: {', '.join(missing)}"
    )


def test_reference_has_a_row_for_every_public_name() -> None:
    missing = sorted(set(PUBLIC) - set(reference_rows()))
    assert not missing, f"docs/reference.md has no row for: {', '.join(missing)}"


def test_reference_lists_only_public_names_once_each() -> None:
    rows = reference_rows()
    unknown = sorted(set(rows) - set(PUBLIC))
    assert not unknown, f"docs/reference.md lists names lcore does not export: {unknown}"
    repeated = sorted(name for name, count in Counter(rows).items() if count > 1)
    assert not repeated, f"docs/reference.md lists these names more than once: {repeated}"


def test_reference_rows_link_to_an_explanation() -> None:
    unlinked = [
        match.group(1)
        for fenced, line in _lines(REFERENCE)
        if not fenced and (match := _ROW_NAME.match(line))
        if not any(not _SCHEME.match(target) for target in _LINK.findall(line))
    ]
    assert not unlinked, f"docs/reference.md: these rows link to no docs page: {unlinked}"


# -- links --------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_relative_links_resolve(page: Path) -> None:
    problems: list[str] = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        destination = (page.parent / path).resolve() if path else page
        if not destination.is_file():
            problems.append(f"{target}: there is no {destination.relative_to(ROOT)}")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            problems.append(f"{target}: {destination.name} has no heading with that anchor")
    assert not problems, f"{_page_id(page)}: broken links:\n  " + "\n  ".join(problems)


def test_reference_links_name_a_section() -> None:
    bare = [t for t in relative_links(REFERENCE) if t.endswith(".md")]
    assert not bare, f"docs/reference.md: link to a section (page.md#anchor), not a page: {bare}"


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("The request", "the-request"),
        ("`app.run()`", "apprun"),
        ("`on_shutdown`", "on_shutdown"),
        ("JSON: `json_dumps` and `json_loads`", "json-json_dumps-and-json_loads"),
        ("`--reload` and `app.run(reloader=True)`", "--reload-and-apprunreloadertrue"),
        ("Stopping early: raise, abort, redirect", "stopping-early-raise-abort-redirect"),
    ],
)
def test_slug_follows_github(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor
