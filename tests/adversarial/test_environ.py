"""Odd environs: every one gets a well-formed response and one start_response call."""

from __future__ import annotations

import io
import sys

import pytest

from lcore import Lcore
from tests.raw_wsgi import call_raw, expect_error, expect_json, send


def test_path_info_without_leading_slash(target: Lcore) -> None:
    assert expect_json(send(target, "name")) == {"name": "name", "path": "/name"}


def test_empty_path_info(target: Lcore) -> None:
    expect_error(send(target, ""), 404)


def test_missing_path_info(target: Lcore) -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    expect_error(call_raw(target, environ), 404)


def test_minimal_environ(target: Lcore) -> None:
    assert expect_json(call_raw(target, {"PATH_INFO": "/x"})) == {"name": "x", "path": "/x"}


def test_non_utf8_path(target: Lcore) -> None:
    expect_error(send(target, "/\xff\xfe"), 400, "path_invalid_utf8")


def test_nul_in_path(target: Lcore) -> None:
    assert expect_json(send(target, "/a\x00b"))["name"] == "a\x00b"


@pytest.mark.parametrize("path", ["//", "/a//b", "/../etc/passwd", "/%2e%2e/", "/a/"])
def test_unusual_paths_are_not_found(target: Lcore, path: str) -> None:
    expect_error(send(target, path), 404)


def test_very_long_path(target: Lcore) -> None:
    assert expect_json(send(target, "/" + "a" * 100_000))["name"] == "a" * 100_000


def test_unknown_method(target: Lcore) -> None:
    result = send(target, "/query", "BREW")
    expect_error(result, 405)
    assert result.header("Allow") == "GET, HEAD"


@pytest.mark.parametrize("method", ["get", "Get", "head", "post"])
def test_lower_case_method_is_another_method(target: Lcore, method: str) -> None:
    # RFC 9110 section 9.1: methods are case-sensitive, so "get" is an unknown method.
    result = send(target, "/query", method)
    expect_error(result, 405)
    assert result.header("Allow") == "GET, HEAD"


def test_head_of_an_error_has_no_body(target: Lcore) -> None:
    result = send(target, "/nowhere/deep", "HEAD")
    assert result.status_code == 404
    assert result.body == b""
