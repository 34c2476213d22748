"""ProxyFixMiddleware: the request's trusted proxies (the proxy.trusted mechanism) set per
request; num_proxies trusts exactly N hops of X-Forwarded-For; nothing shared changes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcore import Lcore, ProxyFixMiddleware, TestClient, abort, request
from lcore.http import TrustedProxies


def make_app(mw: ProxyFixMiddleware | None, app: Lcore | None = None) -> Lcore:
    app = Lcore() if app is None else app
    if mw is not None:
        app.use(mw)

    @app.get("/")
    def index() -> dict[str, object]:
        return {"ip": request.remote_addr, "url": request.url}

    return app


FORWARDED = {
    "X-Forwarded-For": "203.0.113.9, 10.0.0.2",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "example.com",
}


def test_declares_name_order_phase() -> None:
    mw = ProxyFixMiddleware()
    assert (mw.name, mw.order, mw.phase) == ("proxy_fix", -10, "pre")
    assert "127.0.0.1" in mw.trusted_proxies and "::1" in mw.trusted_proxies
    assert "10.0.0.1" not in mw.trusted_proxies


def test_without_it_forwarded_headers_are_ignored() -> None:
    data = TestClient(make_app(None)).get("/", headers=FORWARDED).json
    assert data == {"ip": "127.0.0.1", "url": "http://localhost/"}


def test_a_local_proxy_is_trusted_by_default() -> None:
    data = TestClient(make_app(ProxyFixMiddleware())).get("/", headers=FORWARDED).json
    assert data == {"ip": "10.0.0.2", "url": "https://example.com/"}


def test_an_untrusted_peer_is_ignored() -> None:
    client = TestClient(make_app(ProxyFixMiddleware()), remote_addr="198.51.100.7")
    data = client.get("/", headers=FORWARDED).json
    assert data == {"ip": "198.51.100.7", "url": "http://localhost/"}


def test_trusted_networks_are_walked() -> None:
    mw = ProxyFixMiddleware(["127.0.0.1", "10.0.0.0/8"])
    data = TestClient(make_app(mw)).get("/", headers=FORWARDED).json
    assert data["ip"] == "203.0.113.9"


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (1, "1.1.1.1, 2.2.2.2, 3.3.3.3", "3.3.3.3"),
        (2, "1.1.1.1, 2.2.2.2, 3.3.3.3", "2.2.2.2"),
        (3, "1.1.1.1, 2.2.2.2, 3.3.3.3", "1.1.1.1"),
        (4, "1.1.1.1, 2.2.2.2, 3.3.3.3", "127.0.0.1"),  # fewer hops than proxies
        (1, "", "127.0.0.1"),
        (2, "spoofed, 1.1.1.1, 127.0.0.1", "1.1.1.1"),  # a trusted hop counts too
    ],
)
def test_num_proxies_trusts_exactly_n_hops(hops: int, forwarded: str, expected: str) -> None:
    app = make_app(ProxyFixMiddleware(num_proxies=hops))
    data = TestClient(app).get("/", headers={"X-Forwarded-For": forwarded}).json
    assert data["ip"] == expected


def test_num_proxies_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="hops must be at least 1"):
        ProxyFixMiddleware(num_proxies=0)


def test_bad_entries_are_refused() -> None:
    with pytest.raises(ValueError):
        ProxyFixMiddleware(["not-an-ip"])


def test_a_comma_string_is_accepted() -> None:
    mw = ProxyFixMiddleware("10.0.0.1, 10.0.0.2")
    assert "10.0.0.2" in mw.trusted_proxies


def test_no_shared_state_changes() -> None:
    mw = ProxyFixMiddleware()
    first, second = make_app(mw), make_app(None)
    assert TestClient(first).get("/", headers=FORWARDED).json["ip"] == "10.0.0.2"
    assert TestClient(second).get("/", headers=FORWARDED).json["ip"] == "127.0.0.1"
    assert not first.trusted_proxies and not second.trusted_proxies


def test_it_replaces_the_config_for_the_requests_it_sees() -> None:
    app = Lcore()
    app.config["proxy.trusted"] = "192.0.2.1"
    make_app(ProxyFixMiddleware(), app)
    assert TestClient(app).get("/", headers=FORWARDED).json["ip"] == "10.0.0.2"
    client = TestClient(app, remote_addr="192.0.2.1")
    assert client.get("/", headers=FORWARDED).json["ip"] == "192.0.2.1"


def test_scoped_to_routes() -> None:
    app = Lcore()
    app.use(ProxyFixMiddleware(), routes="/behind/")
    app.get("/behind/x", callback=lambda: request.remote_addr or "")
    app.get("/direct", callback=lambda: request.remote_addr or "")
    client = TestClient(app)
    assert client.get("/behind/x", headers=FORWARDED).text == "10.0.0.2"
    assert client.get("/direct", headers=FORWARDED).text == "127.0.0.1"


def test_request_copy_keeps_the_trust() -> None:
    seen: list[str | None] = []
    app = Lcore()
    app.use(ProxyFixMiddleware())
    app.get("/", callback=lambda: seen.append(request.copy().remote_addr) or "ok")
    TestClient(app).get("/", headers=FORWARDED)
    assert seen == ["10.0.0.2"]


# -- the walk moved into TrustedProxies.client_address, fuzzed against the old one ---------


def old_remote_addr(trusted: TrustedProxies, remote: str | None, forwarded: str) -> str | None:
    """Request.remote_addr as it was before TrustedProxies.client_address."""
    if not trusted or remote not in trusted:
        return remote
    hops = [ip.strip() for ip in forwarded.split(",")[-32:] if ip.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return hops[0] if hops else remote


_ADDRESSES = st.sampled_from(
    ["127.0.0.1", "::1", "10.0.0.1", "10.1.2.3", "192.0.2.5", "203.0.113.9", "junk", ""]
)
_TRUSTED = st.lists(st.sampled_from(["127.0.0.1", "::1", "10.0.0.0/8", "192.0.2.5"]))
_FORWARDED = st.one_of(
    st.lists(_ADDRESSES, max_size=40).map(", ".join),
    st.text(alphabet="0123456789.,: abf", max_size=60),
)


@given(entries=_TRUSTED, remote=st.one_of(st.none(), _ADDRESSES), forwarded=_FORWARDED)
def test_client_address_matches_the_old_walk(
    entries: list[str], remote: str | None, forwarded: str
) -> None:
    trusted = TrustedProxies(entries)
    expected = old_remote_addr(trusted, remote, forwarded)
    assert (trusted.client_address(remote, forwarded) if trusted else remote) == expected
    environ = {"HTTP_X_FORWARDED_FOR": forwarded}
    if remote is not None:
        environ["REMOTE_ADDR"] = remote
    app = Lcore()
    app.config["proxy.trusted"] = entries
    from lcore import Request

    assert Request(environ, app).remote_addr == expected


@given(
    hops=st.integers(min_value=1, max_value=5),
    chain=st.lists(_ADDRESSES.filter(bool), max_size=8),
    peer_trusted=st.booleans(),
)
def test_num_proxies_picks_the_nth_hop_from_the_right(
    hops: int, chain: list[str], peer_trusted: bool
) -> None:
    trusted = TrustedProxies(["127.0.0.1"], hops=hops)
    peer = "127.0.0.1" if peer_trusted else "198.51.100.1"
    got = trusted.client_address(peer, ", ".join(chain))
    if not peer_trusted:
        assert got == peer
    elif len(chain) >= hops:
        assert got == chain[-hops]
    else:
        assert got == peer


def test_a_404_page_sees_the_fixed_address() -> None:
    app = make_app(ProxyFixMiddleware())
    app.error(404)(lambda error: f"no page for {request.remote_addr}")
    got = TestClient(app).get("/missing", headers=FORWARDED)
    assert (got.status_code, got.text) == (404, "no page for 10.0.0.2")


def test_an_abort_sees_the_fixed_address() -> None:
    app = make_app(ProxyFixMiddleware())

    @app.get("/deny")
    def deny() -> None:
        abort(403, f"not for {request.remote_addr}")

    got = TestClient(app).get("/deny", headers=FORWARDED)
    assert got.status_code == 403 and "not for 10.0.0.2" in got.text
