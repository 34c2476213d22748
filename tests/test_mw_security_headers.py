"""SecurityHeadersMiddleware: current defaults, each overridable or removable, HSTS and
CSP on request, the handler's own headers never overwritten, every answer covered."""

from __future__ import annotations

import pytest

from lcore import HTTPResponse, Lcore, SecurityHeadersMiddleware, TestClient, abort, response

DEFAULTS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def test_declares_name_order_phase() -> None:
    mw = SecurityHeadersMiddleware()
    assert (mw.name, mw.order, mw.phase) == ("security_headers", 5, "post")
    assert dict(mw.headers) == DEFAULTS


def headers_of(mw: SecurityHeadersMiddleware) -> dict[str, str]:
    return dict(mw.headers)


def test_no_csp_hsts_or_xss_header_by_default() -> None:
    headers = headers_of(SecurityHeadersMiddleware())
    for name in ("Content-Security-Policy", "Strict-Transport-Security", "X-XSS-Protection"):
        assert name not in headers


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, None),
        ({"hsts": True}, "max-age=31536000; includeSubDomains"),
        ({"hsts": True, "hsts_max_age": 60}, "max-age=60; includeSubDomains"),
        ({"hsts": True, "hsts_include_subdomains": False}, "max-age=31536000"),
        (
            {"hsts": True, "hsts_preload": True},
            "max-age=31536000; includeSubDomains; preload",
        ),
    ],
)
def test_hsts(options: dict[str, object], expected: str | None) -> None:
    mw = SecurityHeadersMiddleware(**options)  # type: ignore[arg-type]  # options vary
    assert headers_of(mw).get("Strict-Transport-Security") == expected


@pytest.mark.parametrize(
    ("csp", "frame_options", "expected"),
    [
        ("default-src 'self'", "SAMEORIGIN", "default-src 'self'; frame-ancestors 'self'"),
        ("default-src 'self';", "DENY", "default-src 'self'; frame-ancestors 'none'"),
        ("default-src 'self'", None, "default-src 'self'"),
        ("frame-ancestors https://a.example", "DENY", "frame-ancestors https://a.example"),
        ("img-src *; FRAME-ANCESTORS 'none'", "SAMEORIGIN", "img-src *; FRAME-ANCESTORS 'none'"),
        ("", "SAMEORIGIN", "frame-ancestors 'self'"),
    ],
)
def test_csp_gets_frame_ancestors_matching_frame_options(
    csp: str, frame_options: str | None, expected: str
) -> None:
    mw = SecurityHeadersMiddleware(
        content_security_policy=csp,
        frame_options=frame_options,  # type: ignore[arg-type]  # parametrized
    )
    headers = headers_of(mw)
    assert headers["Content-Security-Policy"] == expected
    assert headers.get("X-Frame-Options") == frame_options


def test_every_default_can_be_replaced_or_removed() -> None:
    mw = SecurityHeadersMiddleware(
        frame_options="DENY",
        referrer_policy="no-referrer",
        content_type_options=None,
        cross_origin_opener_policy=None,
    )
    assert headers_of(mw) == {"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}


def test_overrides_by_header_name() -> None:
    mw = SecurityHeadersMiddleware(
        **{
            "Permissions-Policy": "camera=()",
            "referrer-policy": "same-origin",
            "X-Frame-Options": None,
        }
    )
    headers = headers_of(mw)
    assert headers["Permissions-Policy"] == "camera=()"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "X-Frame-Options" not in headers


def test_xss_protection_only_when_asked_for() -> None:
    assert headers_of(SecurityHeadersMiddleware(xss_protection="0"))["X-XSS-Protection"] == "0"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"frame_options": "ALLOW-FROM x"}, "frame_options must be"),
        ({"hsts_max_age": -1}, "hsts_max_age must not be negative"),
        ({"referrer_policy": "a\r\nb"}, "control character"),
        ({"Bad Name": "x"}, "invalid header name"),
    ],
)
def test_bad_options_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SecurityHeadersMiddleware(**options)  # type: ignore[arg-type]  # bad on purpose


def make_app(app: Lcore, mw: SecurityHeadersMiddleware | None = None) -> Lcore:
    app.use(mw or SecurityHeadersMiddleware())
    app.get("/", callback=lambda: "ok")

    @app.get("/abort")
    def aborted() -> None:
        abort(403)

    @app.get("/typed")
    def typed(n: int) -> int:
        return n

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    return app


@pytest.mark.parametrize(
    ("path", "status"), [("/", 200), ("/abort", 403), ("/typed?n=x", 422), ("/boom", 500)]
)
def test_every_answer_carries_them(app: Lcore, path: str, status: int) -> None:
    make_app(app)
    got = TestClient(app).get(path)
    assert got.status_code == status
    for name, value in DEFAULTS.items():
        assert got.headers[name] == value


def test_a_404_carries_them(app: Lcore) -> None:
    got = TestClient(make_app(app)).get("/missing")
    assert got.status_code == 404
    assert got.headers.get("X-Content-Type-Options") == "nosniff"


def test_the_handlers_own_headers_win_and_it_may_drop_one(app: Lcore) -> None:
    make_app(app)

    @app.get("/framed")
    def framed() -> str:
        response.set_header("X-Frame-Options", "DENY")
        response["Referrer-Policy"] = "no-referrer"
        del response["Cross-Origin-Opener-Policy"]
        return "ok"

    @app.get("/answer")
    def answer() -> HTTPResponse:
        return HTTPResponse("ok", headers={"Cross-Origin-Opener-Policy": "unsafe-none"})

    client = TestClient(app)
    framed_headers = client.get("/framed").headers
    assert framed_headers.getall("X-Frame-Options") == ["DENY"]
    assert framed_headers.getall("Referrer-Policy") == ["no-referrer"]
    assert "Cross-Origin-Opener-Policy" not in framed_headers
    assert framed_headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/answer").headers.getall("Cross-Origin-Opener-Policy") == ["unsafe-none"]


def test_skip_and_scope(app: Lcore) -> None:
    app.use(SecurityHeadersMiddleware(), routes="/site/")
    app.get("/site/a", callback=lambda: "a")
    app.get("/site/raw", callback=lambda: "r", skip=["security_headers"])
    app.get("/api", callback=lambda: "x")
    client = TestClient(app)
    assert "X-Frame-Options" in client.get("/site/a").headers
    assert "X-Frame-Options" not in client.get("/site/raw").headers
    assert "X-Frame-Options" not in client.get("/api").headers
