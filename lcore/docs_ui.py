"""The ``/docs`` endpoints: ``{path}/json`` serves the OpenAPI document (built by
:mod:`lcore.openapi`), and ``{path}`` the API browser, the static UI of ``openapi_ui/``
(package data), with strong ETags, gzip and a strict Content-Security-Policy.

Only the app's docs routes import this module; ``import lcore`` does not.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import html
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .context import request
from .http import parse_etag_list
from .jsonutil import json_dumps
from .openapi import DEFAULT_TITLE
from .response import HTTPError, HTTPResponse
from .route import Route

if TYPE_CHECKING:
    from .app import Lcore

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "UIFile",
    "docs_visible",
    "install_docs_ui",
    "register_docs",
    "render_index",
    "serve_file",
    "ui_directory",
    "ui_files",
]

#: Sent with the page and its files: nothing but this origin may supply script, style,
#: images or fonts, or receive a fetch; no inline script or style runs; the page cannot
#: be framed by another site (Try it sends real requests with the user's credentials).
CONTENT_SECURITY_POLICY = "default-src 'self'; base-uri 'none'; frame-ancestors 'self'"
#: Always revalidate: the file names carry no version, and a 304 costs one round trip.
CACHE_CONTROL = "no-cache"
#: The media types of the files the UI is made of; other files are never served.
_MEDIA_TYPES = {
    ".js": "text/javascript; charset=UTF-8",
    ".css": "text/css; charset=UTF-8",
    ".svg": "image/svg+xml",
}
_INDEX = "index.html"
#: Files smaller than this are not worth compressing.
_GZIP_MIN = 256


@dataclass(frozen=True, slots=True)
class UIFile:
    """One file of the UI, read once: its bytes, gzipped bytes and their strong ETags.

    Attributes:
        content_type: The ``Content-Type`` to send.
        body: The file's bytes.
        etag: Strong ETag of ``body`` (a content hash).
        gzipped: ``body`` gzip-compressed, or ``None`` when that saves nothing.
        gzip_etag: Strong ETag of ``gzipped`` (a different representation, a different tag).
    """

    content_type: str
    body: bytes
    etag: str
    gzipped: bytes | None
    gzip_etag: str

    @classmethod
    def of(cls, content_type: str, body: bytes) -> UIFile:
        """Hash and compress ``body`` (gzip with mtime 0, so the bytes are reproducible)."""
        digest = hashlib.sha256(body).hexdigest()[:32]
        packed = gzip.compress(body, compresslevel=9, mtime=0) if len(body) >= _GZIP_MIN else None
        if packed is not None and len(packed) >= len(body):
            packed = None
        return cls(content_type, body, f'"{digest}"', packed, f'"{digest}-gz"')


def ui_directory() -> Path:
    """Where the UI's files are: ``lcore/openapi_ui`` in an installed wheel, the
    repository's ``openapi_ui/`` in a source checkout.

    Raises:
        FileNotFoundError: Neither exists (a broken install).
    """
    package = Path(__file__).resolve().parent
    for candidate in (package / "openapi_ui", package.parent / "openapi_ui"):
        if (candidate / _INDEX).is_file():
            return candidate
    raise FileNotFoundError(f"the docs UI files are missing (looked in {package / 'openapi_ui'})")


@functools.cache
def ui_files() -> Mapping[str, UIFile]:
    """Every servable file of the UI by its name (``main.js``), read once per process.

    Raises:
        FileNotFoundError: The UI directory is missing.
    """
    directory = ui_directory()
    files: dict[str, UIFile] = {}
    for path in sorted(directory.iterdir()):
        media_type = _MEDIA_TYPES.get(path.suffix)
        if media_type is not None and path.is_file():
            files[path.name] = UIFile.of(media_type, path.read_bytes())
    return files


@functools.cache
def _index_template() -> string.Template:
    return string.Template((ui_directory() / _INDEX).read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=32)
def render_index(path: str, title: str) -> UIFile:
    """The page for docs served at ``path`` (``/docs``), titled ``title``.

    Every URL in it is relative to the page, so it also works under a mount prefix or a
    proxy's path: the document is ``docs/json``, the files ``docs/static/...``, and the
    app's root (where Try it sends requests) ``./`` (``../`` per extra path segment).
    No value is put in a script: the page reads the URLs from ``<meta>`` tags.

    Args:
        path: The docs path; starts with ``/`` and does not end with one.
        title: The page title (HTML-escaped here).
    """
    leaf = path.rsplit("/", 1)[-1]
    root = "../" * (path.count("/") - 1) or "./"
    page = _index_template().substitute(
        title=html.escape(title, quote=True),
        json_url=html.escape(f"{leaf}/json", quote=True),
        static=html.escape(f"{leaf}/static", quote=True),
        root=root,
    )
    return UIFile.of("text/html; charset=UTF-8", page.encode("utf-8"))


def _accepts_gzip(header: str) -> bool:
    """Whether an ``Accept-Encoding`` value allows gzip (RFC 9110, section 12.5.3)."""
    quality: dict[str, float] = {}
    for item in header.split(",", 50)[:50]:
        name, _, params = item.partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        quality[name.strip().lower()] = q
    for name in ("gzip", "x-gzip"):
        if name in quality:
            return quality[name] > 0
    return quality.get("*", 0.0) > 0


def _matches(if_none_match: str, etag: str) -> bool:
    """``If-None-Match`` uses the weak comparison (RFC 9110, section 13.1.2)."""
    for tag in parse_etag_list(if_none_match):
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


def serve_file(file: UIFile, accept_encoding: str = "", if_none_match: str = "") -> HTTPResponse:
    """The response for one UI file: 304 when the client's copy is current, gzip when the
    client accepts it, and the docs security headers either way.

    Args:
        file: The file.
        accept_encoding: The request's ``Accept-Encoding``.
        if_none_match: The request's ``If-None-Match``.
    """
    packed = file.gzipped is not None and _accepts_gzip(accept_encoding)
    etag = file.gzip_etag if packed else file.etag
    headers = {
        "Content-Type": file.content_type,
        "ETag": etag,
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept-Encoding",
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if if_none_match and _matches(if_none_match, etag):
        del headers["Content-Type"]
        return HTTPResponse(b"", 304, headers)
    if packed:
        headers["Content-Encoding"] = "gzip"
        return HTTPResponse(file.gzipped, 200, headers)
    return HTTPResponse(file.body, 200, headers)


def _conditional(file: UIFile) -> HTTPResponse:
    return serve_file(
        file,
        request.get_header("Accept-Encoding") or "",
        request.get_header("If-None-Match") or "",
    )


def install_docs_ui(
    app: Lcore,
    path: str = "/docs",
    title: str | None = None,
    visible: Callable[[], bool] | None = None,
) -> None:
    """Serve the API browser at ``GET {path}`` and its files at ``GET {path}/static/<file>``.

    The page loads the OpenAPI document from ``{path}/json`` (served by the app's docs).
    Both routes are hidden from the document, skip every plugin, and are marked with the
    route option ``lcore_docs``; calling this again for the same path adds nothing.

    Args:
        app: The app.
        path: Where the page goes; starts with ``/`` and does not end with one.
        title: The page title; by default the ``docs.title`` setting, read per request
            (the document's own title replaces it once the page has loaded it).
        visible: Asked on every request; when it returns false both routes answer 404
            (how ``docs.enabled = False`` turns the docs off).

    Raises:
        ValueError: A malformed path.
        RouteError: The app already has its own ``GET`` route at one of the two rules.
    """
    if not path.startswith("/") or path.endswith("/") or "<" in path:
        raise ValueError(f"the docs path must start with '/' and not end with one: {path!r}")

    def docs_ui_page() -> HTTPResponse:
        if visible is not None and not visible():
            return HTTPError(404)
        page_title = title if title is not None else app.config.get("docs.title")
        return _conditional(render_index(path, str(page_title or DEFAULT_TITLE)))

    def docs_ui_file(file: str) -> HTTPResponse:
        if visible is not None and not visible():
            return HTTPError(404)
        found = ui_files().get(file)
        if found is None:
            return HTTPError(404, "No such file in the docs UI.")
        return _conditional(found)

    taken = {r.rule for r in app.routes if r.method == "GET" and r.config.get("lcore_docs")}
    rules = ((path, docs_ui_page), (path + "/static/<file:path>", docs_ui_file))
    for rule, callback in rules:
        if rule not in taken:
            app.route(
                rule,
                "GET",
                callback,
                skip=True,
                include_in_schema=False,
                lcore_docs=True,
                security=[],  # public under an app-wide default scheme: docs.enabled decides
            )


# -- the /docs endpoints ------------------------------------------------------------------


def docs_visible(app: Lcore) -> bool:
    """Whether the docs endpoints answer: ``docs.enabled`` when set, else debug mode."""
    enabled = app.config.get("docs.enabled")
    if enabled is not None:
        return bool(enabled)
    return app.debug


def register_docs(app: Lcore, path: str, explicit: bool = True) -> None:
    """Add ``GET {path}/json`` (the document) and ``GET {path}`` (the reference page).

    Idempotent: routes already registered at ``path`` are kept. Both routes are hidden
    from the document and answer 404 while :func:`docs_visible` is false.

    Args:
        app: The app.
        path: Where the page goes (``/docs``); the document is at ``{path}/json``.
        explicit: ``False`` when debug mode turns the docs on: then a path that the app
            already uses for its own routes is left alone instead of raising.

    Raises:
        RouteError: ``explicit`` and one of the two rules is taken by another route.
    """
    json_rule = path + "/json"
    existing = {(r.rule, r.method): r for r in app.routes if r.method == "GET"}
    ours = {rule for (rule, _), r in existing.items() if r.config.get("lcore_docs")}
    if not explicit and any((rule, "GET") in existing for rule in {path, json_rule} - ours):
        return  # the app serves its own page there
    # One (document, encoded) pair, swapped whole: a concurrent request sees either pair.
    encoded: list[tuple[object, bytes]] = [(None, b"")]

    def visible() -> bool:
        # Moving the docs (enable_docs(path=...) again, docs.path) retires the old path.
        return docs_visible(app) and (app.config.get("docs.path") or "/docs") == path

    def openapi_json() -> HTTPResponse:
        if not visible():
            return HTTPError(404)
        document = app.openapi()
        pair = encoded[0]
        if pair[0] is not document:  # the app rebuilt it: encode the new one once
            pair = encoded[0] = (document, json_dumps(document).encode())
        return HTTPResponse(pair[1], headers={"Content-Type": "application/json"})

    if json_rule not in ours:
        app.add_route(
            Route(
                app,
                json_rule,
                "GET",
                openapi_json,
                include_in_schema=False,
                lcore_docs=True,
                security=[],  # as the page: docs.enabled decides who sees it
            )
        )
    # The API browser: GET {path} and its files at GET {path}/static/<file>.
    install_docs_ui(app, path, visible=visible)
