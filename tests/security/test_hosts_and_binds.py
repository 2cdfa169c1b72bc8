"""Issue 15 item 4: the ``Host`` allow-list (DNS rebinding) and anonymous access only on loopback."""

from __future__ import annotations

import base64
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.hosts import check_anonymous_bind, is_loopback
from api.settings import Settings
from tests.support.server import ROOT, RunningServer, free_port, running_server

REBIND = "rebind.evil.example"
QUERY = {"query": 'mutation { openAccount(input: {owner: "rebound", currency: "EUR"}) { __typename } }'}


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A development server whose allow-list names one loopback address and a domain pattern."""
    directory = tmp_path_factory.mktemp("listed")
    env = {"CHRONICLE_ALLOWED_HOSTS": "127.0.0.1, *.chronicle.example"}
    with running_server(f"sqlite:///{directory / 'chronicle.db'}", directory / "server.log", env=env) as server:
        yield server


def _post(server: RunningServer, host: str) -> httpx.Response:
    return httpx.post(server.http_url, json=QUERY, timeout=5,
                      headers={"host": host, "origin": f"http://{host}"})


def _upgrade_status(server: RunningServer, host: str) -> bytes:
    """Send a WebSocket handshake naming ``host`` and return the status line."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /graphql HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request.encode())
        return sock.recv(65536).split(b"\r\n", 1)[0]


def test_a_rebound_host_is_refused_over_http_in_development(hardened: RunningServer) -> None:
    refused = _post(hardened, REBIND)
    assert refused.status_code == 400
    assert "openAccount" not in refused.text
    for host in (f"127.0.0.1:{hardened.port}", f"localhost:{hardened.port}", "localhost"):
        assert _post(hardened, host).json() == {"data": {"openAccount": {"__typename": "AccountSuccess"}}}


def test_a_rebound_host_is_refused_over_websocket_in_development(hardened: RunningServer) -> None:
    assert _upgrade_status(hardened, REBIND) == b"HTTP/1.1 400 Bad Request"
    assert _upgrade_status(hardened, f"{REBIND}:{hardened.port}") == b"HTTP/1.1 400 Bad Request"
    assert _upgrade_status(hardened, f"127.0.0.1:{hardened.port}") == b"HTTP/1.1 101 Switching Protocols"


def test_a_configured_allow_list_replaces_the_loopback_default(listed: RunningServer) -> None:
    assert _post(listed, "api.chronicle.example").status_code == 200
    assert _post(listed, f"127.0.0.1:{listed.port}").status_code == 200
    for host in (REBIND, "localhost", "chronicle.example.evil.example"):
        assert _post(listed, host).status_code == 400, host
    assert _upgrade_status(listed, "api.chronicle.example") == b"HTTP/1.1 101 Switching Protocols"
    assert _upgrade_status(listed, REBIND) == b"HTTP/1.1 400 Bad Request"


def test_a_bad_host_pattern_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="wildcard"):
        Settings(allowed_hosts=["api.*.example"])


def test_anonymous_mode_refuses_a_network_bind(tmp_path: Path) -> None:
    """No JWT key: ``serve --host 0.0.0.0`` exits before binding anything."""
    env = {**os.environ, "CHRONICLE_STORE_URL": f"sqlite:///{tmp_path / 'a.db'}"}
    for name in ("CHRONICLE_JWT_SECRET", "CHRONICLE_ALLOW_ANONYMOUS", "CHRONICLE_ALLOW_ANONYMOUS_ON_NETWORK"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-m", "api", "serve", "--host", "0.0.0.0", "--port", str(free_port())],
                          cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert done.returncode == 2
    assert b"not a loopback address" in done.stdout + done.stderr


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("chronicle.example", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_anonymous_on_a_network_bind_needs_the_override_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ValueError, match="CHRONICLE_ALLOW_ANONYMOUS_ON_NETWORK"):
        check_anonymous_bind(Settings(host="0.0.0.0", allow_anonymous=True))
    with caplog.at_level(logging.WARNING, logger="chronicle"):
        check_anonymous_bind(Settings(host="0.0.0.0", allow_anonymous=True, allow_anonymous_on_network=True))
    assert "ANONYMOUS ACCESS ON A NETWORK INTERFACE" in caplog.text
    check_anonymous_bind(Settings(host="0.0.0.0", allow_anonymous=False, jwt_secret="s" * 32))  # tokens: fine
    check_anonymous_bind(Settings(host="127.0.0.1", allow_anonymous=True))  # loopback: fine
