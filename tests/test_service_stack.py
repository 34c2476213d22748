"""examples/service_stack.py through a real server (``python -m lcore``, wsgiref): every
built-in middleware of the stack shows in what the client receives."""

from __future__ import annotations

import gzip
import http.client
import json
from pathlib import Path

from tests.processes import free_port, lcore_command, spawned, wait_for

ROOT = Path(__file__).resolve().parents[1]


def fetch(port: int, method: str, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    response.read()  # read now: the connection closes with this function
    connection.close()
    return response


def test_the_whole_stack_through_a_real_server(tmp_path: Path) -> None:
    port = free_port()
    command = lcore_command("examples/service_stack.py", "-b", f"127.0.0.1:{port}")

    def up() -> bool | None:
        try:
            return fetch(port, "GET", "/whoami", {}).status == 200 or None
        except OSError:
            return None

    with spawned(command, ROOT, tmp_path / "log") as process:
        assert wait_for(up), (tmp_path / "log").read_text()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request(
            "GET",
            "/items",
            headers={"Accept-Encoding": "gzip", "Origin": "https://shop.example"},
        )
        answer = connection.getresponse()
        body = answer.read()
        connection.close()
        assert answer.status == 200
        assert answer.headers["Content-Encoding"] == "gzip"
        assert len(json.loads(gzip.decompress(body))) == 50
        assert answer.headers["Access-Control-Allow-Origin"] == "https://shop.example"
        assert len(answer.headers["X-Request-ID"]) == 32
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Strict-Transport-Security"].startswith("max-age=")

        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request(
            "GET", "/whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Request-ID": "abc-1"}
        )
        whoami = connection.getresponse()
        data = json.loads(whoami.read())
        connection.close()
        assert data == {"client": "203.0.113.9", "request_id": "abc-1"}

        missing = fetch(port, "GET", "/nowhere", {"Origin": "https://shop.example"})
        assert missing.status == 404
        assert missing.headers["X-Request-ID"]  # error answers carry the stack too
        assert missing.headers["X-Content-Type-Options"] == "nosniff"

        preflight = fetch(
            port,
            "OPTIONS",
            "/items",
            {"Origin": "https://shop.example", "Access-Control-Request-Method": "GET"},
        )
        assert preflight.status == 204
        assert "GET" in preflight.headers["Access-Control-Allow-Methods"]

        assert fetch(port, "POST", "/orders/A-1", {"Content-Length": "0"}).status == 200

        def recorded() -> list[str] | None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/recorded")
            found: list[str] = json.loads(connection.getresponse().read())
            connection.close()
            return found or None

        assert wait_for(recorded) == ["A-1"]  # done after the answer was sent
        log = (tmp_path / "log").read_text()
        access = [line for line in log.splitlines() if '"path":"/items"' in line]
        assert access, log  # the access log line of the first request
        assert process.poll() is None
