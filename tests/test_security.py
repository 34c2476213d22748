"""Signed cookies (HMAC over JSON) and password hashing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from lcore import (
    Lcore,
    TestClient,
    cookie_decode,
    cookie_encode,
    cookie_is_encoded,
    hash_password,
    request,
    response,
    verify_password,
)
from lcore.security import UNSIGNED, sign_cookie, unsign_cookie


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(name: str, value: Any, secret: bytes, payload: bytes | None = None) -> str:
    """Sign an arbitrary payload the way sign_cookie does (to test the checks after the MAC)."""
    body = b64(payload if payload is not None else json.dumps([name, value]).encode())
    mac = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return f"v1.{body}.{b64(mac)}"


@pytest.mark.parametrize(
    "value", ["text", "", 0, 1.5, None, True, [1, "a"], {"user": 1, "roles": ["x"]}]
)
def test_sign_round_trip(value: Any) -> None:
    raw = sign_cookie("session", value, "k")
    assert raw.startswith("v1.")
    assert unsign_cookie("session", raw, "k") == value
    assert unsign_cookie("session", raw, b"k") == value


def test_signed_value_is_cookie_safe() -> None:
    raw = sign_cookie("s", {"text": 'quote " semi ; space é'}, "k")
    assert all(c.isalnum() or c in "-_." for c in raw)


def test_sign_with_another_digest() -> None:
    raw = sign_cookie("s", 1, "k", hashlib.sha512)
    assert unsign_cookie("s", raw, "k", hashlib.sha512) == 1
    assert unsign_cookie("s", raw, "k") is UNSIGNED


def tampered_variants() -> list[tuple[str, str]]:
    good = sign_cookie("session", {"user": 1}, "k")
    payload, signature = good[3:].split(".")
    other_payload = b64(json.dumps(["session", {"user": 2}]).encode())
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return [
        ("flipped signature", f"v1.{payload}.{flipped}"),
        ("changed payload", f"v1.{other_payload}.{signature}"),
        ("no prefix", f"{payload}.{signature}"),
        ("old prefix", f"v0.{payload}.{signature}"),
        ("no signature", f"v1.{payload}"),
        ("empty payload", f"v1..{signature}"),
        ("bad base64 signature", f"v1.{payload}.!!!"),
        ("truncated signature", f"v1.{payload}.{signature[:10]}"),
        ("other secret", sign_cookie("session", {"user": 1}, "not-k")),
        ("other name", sign_cookie("admin", {"user": 1}, "k")),
        ("not a list", forge("session", None, b"k", json.dumps({"session": 1}).encode())),
        ("wrong length", forge("session", None, b"k", json.dumps(["session"]).encode())),
        ("not json", forge("session", None, b"k", b"not json")),
        ("not utf-8", forge("session", None, b"k", b"\xff\xfe")),
        ("garbage", "v1.%%%.%%%"),
        ("empty", ""),
    ]


@pytest.mark.parametrize(("case", "raw"), tampered_variants())
def test_tampered_cookie_reads_as_unsigned(case: str, raw: str) -> None:
    assert unsign_cookie("session", raw, "k") is UNSIGNED, case


def test_unsigned_marker() -> None:
    assert repr(UNSIGNED) == "UNSIGNED"
    assert unsign_cookie("s", sign_cookie("s", None, "k"), "k") is None


def test_signed_cookie_through_the_app() -> None:
    app = Lcore()

    @app.get("/login")
    def login() -> str:
        response.set_cookie("session", {"user": "alice"}, secret="s3cret", path="/")
        return "ok"

    @app.get("/me")
    def me() -> dict[str, Any]:
        return {"session": request.get_cookie("session", "absent", secret="s3cret")}

    client = TestClient(app)
    client.get("/login")
    assert client.get("/me").json == {"session": {"user": "alice"}}
    good = client.cookies["session"]
    client.cookies["session"] = good[:-3] + "AAA"
    assert client.get("/me").json == {"session": "absent"}
    client.cookies["session"] = "v1.garbage"
    assert client.get("/me").json == {"session": "absent"}
    client.cookies["session"] = sign_cookie("session", {"user": "admin"}, "guess")
    assert client.get("/me").json == {"session": "absent"}
    del client.cookies["session"]
    assert client.get("/me").json == {"session": "absent"}


# -- the legacy codec --------------------------------------------------------------------------


def test_cookie_encode_round_trip() -> None:
    data = cookie_encode({"a": [1, 2]}, "key")
    assert isinstance(data, bytes)
    assert cookie_is_encoded(data)
    assert cookie_is_encoded(data.decode())
    assert cookie_decode(data, "key") == {"a": [1, 2]}
    assert cookie_decode(data.decode(), b"key") == {"a": [1, 2]}
    assert cookie_decode(cookie_encode(1, "key", hashlib.sha1), "key", hashlib.sha1) == 1


@pytest.mark.parametrize(
    "data",
    [
        b"plain",
        b"!nosep",
        b"!" + base64.b64encode(b"x" * 32) + b"?" + base64.b64encode(b"[1]"),
        b"!!!?!!!",
    ],
)
def test_cookie_decode_refuses(data: bytes) -> None:
    assert cookie_decode(data, "key") is None


def test_cookie_decode_wrong_key_or_tampered_body() -> None:
    data = cookie_encode("value", "key")
    assert cookie_decode(data, "other") is None
    sig, body = data.split(b"?")
    assert cookie_decode(sig + b"?" + base64.b64encode(b'"other"'), "key") is None


def test_cookie_decode_signed_garbage_body() -> None:
    body = base64.b64encode(b"\xff not json")
    mac = base64.b64encode(hmac.new(b"key", body, hashlib.sha256).digest())
    assert cookie_decode(b"!" + mac + b"?" + body, "key") is None


# -- passwords ------------------------------------------------------------------------------


def test_hash_password_format_and_salt() -> None:
    first = hash_password("secret", iterations=1000)
    second = hash_password("secret", iterations=1000)
    assert first != second  # a fresh salt each time
    prefix, salt, digest = first.split("$")
    assert prefix == "pbkdf2:sha256:1000"
    assert len(bytes.fromhex(salt)) == 32
    assert len(bytes.fromhex(digest)) == 32
    assert verify_password("secret", first)
    assert verify_password("secret", second)
    assert not verify_password("Secret", first)
    assert not verify_password("", first)


def test_hash_password_default_iterations() -> None:
    hashed = hash_password("pw")
    assert hashed.startswith("pbkdf2:sha256:600000$")
    assert verify_password("pw", hashed)


def test_verify_password_matches_independent_pbkdf2() -> None:
    salt = bytes(range(32))
    digest = hashlib.pbkdf2_hmac("sha256", "é".encode(), salt, 5)
    assert verify_password("é", f"pbkdf2:sha256:5${salt.hex()}${digest.hex()}")


@pytest.mark.parametrize(
    ("password", "hashed"),
    [
        (None, "pbkdf2:sha256:1$00$00"),
        ("pw", None),
        ("pw", 123),
        (b"pw", "pbkdf2:sha256:1$00$00"),
        ("pw", ""),
        ("pw", "md5:abc"),
        ("pw", "pbkdf2:sha256:1000"),
        ("pw", "pbkdf2:sha256:1000$aa"),
        ("pw", "pbkdf2:sha256:1000$aa$bb$cc"),
        ("pw", "pbkdf2:sha256:many$aa$bb"),
        ("pw", "pbkdf2:sha256:1000$zz$bb"),
        ("pw", "pbkdf2:sha256:1000$aa$zz"),
        ("pw", "pbkdf2:sha256:0$aa$bb"),
        ("pw", "pbkdf2:sha256:-5$aa$bb"),
        ("pw", "pbkdf2:sha256:10000001$aa$bb"),
        ("pw", "pbkdf2:sha256:1$aa$"),
    ],
)
def test_verify_password_malformed_is_false(password: Any, hashed: Any) -> None:
    assert verify_password(password, hashed) is False
