"""Request bodies that arrive too slowly, or never: 408 and a freed connection, no error log."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import RunningServer, running_server

READ_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def impatient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    directory = tmp_path_factory.mktemp("impatient")
    env = {"CHRONICLE_BODY_READ_TIMEOUT": str(READ_TIMEOUT)}
    with running_server(f"sqlite:///{directory / 'chronicle.db'}", directory / "server.log", env=env) as server:
        yield server


def _partial_request(server: RunningServer, body_prefix: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    head = (b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n")
    sock.sendall(head + body_prefix)
    return sock


def test_a_body_dribbled_too_slowly_gets_408_and_the_connection_is_closed(impatient: RunningServer) -> None:
    sock = _partial_request(impatient, b'{"query"')
    began = time.monotonic()
    with sock:
        reply = b""
        while chunk := sock.recv(65536):  # the server closes the connection after answering
            reply += chunk
    elapsed = time.monotonic() - began
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    assert b"REQUEST_TIMEOUT" in reply
    assert READ_TIMEOUT * 0.8 <= elapsed < READ_TIMEOUT + 5
    assert httpx.get(f"{impatient.base_url}/healthz", timeout=5).status_code == 200


def test_a_client_that_hangs_up_mid_body_leaves_no_error_in_the_log(impatient: RunningServer) -> None:
    for _ in range(5):
        with _partial_request(impatient, b'{"query": "{ __ty') as sock:
            sock.shutdown(socket.SHUT_WR)  # hang up (FIN), but keep reading until the server has let go
            assert sock.recv(65536) == b"", "the server drops the request without answering"
    assert httpx.post(impatient.http_url, json={"query": "{ __typename }"}, timeout=5).json() == {
        "data": {"__typename": "Query"}}
    log = Path(impatient.log_path).read_text(errors="replace")
    assert "ClientDisconnect" not in log
    assert "Traceback" not in log
