"""HMAC signing for cookies (JSON payloads, never pickle) and the password helpers."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

__all__ = [
    "DigestMod",
    "cookie_decode",
    "cookie_encode",
    "cookie_is_encoded",
    "hash_password",
    "sign_cookie",
    "unsign_cookie",
    "verify_password",
]

DigestMod = Callable[..., Any]
_PREFIX = "v1."


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _secret_bytes(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def sign_cookie(
    name: str, value: object, secret: str | bytes, digestmod: DigestMod = hashlib.sha256
) -> str:
    """Encode ``value`` (any JSON value) bound to the cookie ``name`` and sign it with HMAC.

    The cookie name is inside the signed payload, so a value copied into another cookie
    does not verify.
    """
    payload = _b64(json.dumps([name, value], separators=(",", ":")).encode("utf-8"))
    mac = hmac.new(_secret_bytes(secret), payload.encode("ascii"), digestmod).digest()
    return f"{_PREFIX}{payload}.{_b64(mac)}"


def unsign_cookie(
    name: str, raw: str, secret: str | bytes, digestmod: DigestMod = hashlib.sha256
) -> object:
    """Verify and decode a value made by :func:`sign_cookie`.

    Returns:
        The original value, or the module sentinel ``UNSIGNED`` when the cookie is not
        signed, is tampered with, or was signed for another name.
    """
    if not raw.startswith(_PREFIX):
        return UNSIGNED
    payload, _, signature = raw[len(_PREFIX) :].rpartition(".")
    if not payload:
        return UNSIGNED
    expected = hmac.new(_secret_bytes(secret), payload.encode("ascii"), digestmod).digest()
    try:
        given = _unb64(signature)
        if not hmac.compare_digest(given, expected):
            return UNSIGNED
        decoded = json.loads(_unb64(payload).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeError):
        return UNSIGNED
    if not isinstance(decoded, list) or len(decoded) != 2 or decoded[0] != name:  # pyright: ignore[reportUnknownArgumentType]
        return UNSIGNED
    return decoded[1]  # pyright: ignore[reportUnknownVariableType]


class _Unsigned:
    """The "no valid signed value" marker (distinct from a signed ``None``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSIGNED"


UNSIGNED: Any = _Unsigned()


def cookie_encode(data: object, key: str | bytes, digestmod: DigestMod | None = None) -> bytes:
    """Deprecated codec: ``!<b64 signature>?<b64 JSON>``. Prefer ``set_cookie(secret=)``."""
    body = base64.b64encode(json.dumps(data, separators=(",", ":")).encode("utf-8"))
    mac = hmac.new(_secret_bytes(key), body, digestmod or hashlib.sha256).digest()
    return b"!" + base64.b64encode(mac) + b"?" + body


def cookie_decode(
    data: str | bytes, key: str | bytes, digestmod: DigestMod | None = None
) -> object:
    """Decode :func:`cookie_encode` output; ``None`` when unsigned or tampered with."""
    raw = data.encode("latin-1") if isinstance(data, str) else data
    if not cookie_is_encoded(raw):
        return None
    sig, body = raw[1:].split(b"?", 1)
    expected = hmac.new(_secret_bytes(key), body, digestmod or hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(base64.b64decode(sig), expected):
            return None
        return json.loads(base64.b64decode(body).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeError):
        return None


def cookie_is_encoded(data: str | bytes) -> bool:
    """Whether ``data`` looks like :func:`cookie_encode` output."""
    raw = data.encode("latin-1") if isinstance(data, str) else data
    return raw.startswith(b"!") and b"?" in raw


_HASH_PREFIX = "pbkdf2:sha256:"


def hash_password(password: str, iterations: int = 600_000) -> str:
    """Hash a password with PBKDF2-HMAC-SHA256 and a 32-byte random salt.

    Returns:
        ``pbkdf2:sha256:<iterations>$<salt hex>$<hash hex>``.
    """
    import secrets

    salt = secrets.token_bytes(32)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{_HASH_PREFIX}{iterations}${salt.hex()}${digest.hex()}"


def verify_password(password: object, hash_string: object) -> bool:
    """Check a password against :func:`hash_password` output in constant time.

    Malformed hashes and non-string inputs give ``False``, never an exception.
    """
    if not isinstance(password, str) or not isinstance(hash_string, str):
        return False
    if not hash_string.startswith(_HASH_PREFIX):
        return False
    try:
        iterations_text, salt_hex, digest_hex = hash_string[len(_HASH_PREFIX) :].split("$")
        iterations = int(iterations_text)
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
    except ValueError:
        return False
    if not 1 <= iterations <= 10_000_000:
        return False
    actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(actual, expected)
