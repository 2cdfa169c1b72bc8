"""Issue 15 item 3 and issue 11 item 6: header limits, header and idle timeouts, connection caps.

Each attack runs against a real server with small limits while a concurrent
``/healthz`` must answer within 200 ms.
"""

from __future__ import annotations

import asyncio
import json
import select
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from tests.support.healthz_probe import healthz_probe
from tests.support.server import RunningServer, running_server

HEADER_TIMEOUT = 1.0
KEEP_ALIVE = 1.0
MAX_HEADER_BYTES = 8192
MAX_CONNECTIONS = 2200
FEW_CONNECTIONS = 50
WS_CAP = 3
SLOWLORIS = 2000
HEALTHZ_BUDGET = 0.2
TRANSPORT_WS = "graphql-transport-ws"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    directory = tmp_path_factory.mktemp("guarded")
    env = {"CHRONICLE_HEADER_READ_TIMEOUT": str(HEADER_TIMEOUT), "CHRONICLE_KEEP_ALIVE_TIMEOUT": str(KEEP_ALIVE),
           "CHRONICLE_MAX_HEADER_BYTES": str(MAX_HEADER_BYTES), "CHRONICLE_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
           "CHRONICLE_WS_MAX_CONNECTIONS": str(WS_CAP)}
    with running_server(f"sqlite:///{directory / 'chronicle.db'}", directory / "server.log", env=env) as server:
        yield server


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server with room for few connections and patient header timeouts."""
    directory = tmp_path_factory.mktemp("capped")
    env = {"CHRONICLE_MAX_CONNECTIONS": str(FEW_CONNECTIONS), "CHRONICLE_WS_MAX_CONNECTIONS": str(WS_CAP)}
    with running_server(f"sqlite:///{directory / 'chronicle.db'}", directory / "server.log", env=env) as server:
        yield server


def rss_bytes(server: RunningServer) -> int:
    """The server process's resident set size (Linux ``/proc``)."""
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """Read until the server closes the connection; fail after ``seconds``."""
    return await asyncio.wait_for(reader.read(), seconds)


async def test_unfinished_headers_are_closed_within_the_timeout(guarded: RunningServer) -> None:
    """2,000 slowloris connections (half with a partial head, half silent) are all closed
    within the header timeout; the server stays responsive meanwhile."""
    with healthz_probe(guarded.base_url) as latencies:
        began = time.monotonic()
        streams = []
        for i in range(SLOWLORIS):
            reader, writer = await asyncio.open_connection("127.0.0.1", guarded.port)
            if i % 2:
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
            streams.append((reader, writer))
        opened = time.monotonic() - began
        replies = await asyncio.gather(*(_closed_within(r, HEADER_TIMEOUT + opened + 5) for r, _ in streams))
        elapsed = time.monotonic() - began
        for _, writer in streams:
            writer.close()
    partial, silent = replies[1::2], replies[0::2]
    assert all(reply.startswith(b"HTTP/1.1 408") for reply in partial), partial[:3]
    assert all(reply == b"" for reply in silent)
    assert elapsed < HEADER_TIMEOUT + opened + 5
    assert max(latencies) < HEALTHZ_BUDGET, sorted(latencies)[-5:]


def test_a_head_dribbled_byte_by_byte_is_cut_at_the_deadline(guarded: RunningServer) -> None:
    """One byte every 50 ms keeps the connection busy but never finishes the head:
    the deadline counts from the first byte, so it is cut anyway."""
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: " + b"a" * 1000
    reply = b""
    with socket.create_connection(("127.0.0.1", guarded.port), timeout=10) as sock:
        began = time.monotonic()
        for byte in head:
            if select.select([sock], [], [], 0.05)[0]:  # the server answered: stop sending
                reply = sock.recv(65536)
                break
            sock.sendall(bytes([byte]))
        elapsed = time.monotonic() - began
    assert reply.startswith(b"HTTP/1.1 408"), reply
    assert HEADER_TIMEOUT * 0.8 <= elapsed < HEADER_TIMEOUT + 2


def test_an_idle_keep_alive_connection_is_closed(guarded: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", guarded.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        began = time.monotonic()
        reply = b""
        while chunk := sock.recv(65536):  # the answer, then the server's close
            reply += chunk
        elapsed = time.monotonic() - began
    assert reply.startswith(b"HTTP/1.1 200")
    assert KEEP_ALIVE * 0.8 <= elapsed < KEEP_ALIVE + 2


def _flood(port: int, first: bytes, chunk: bytes, limit: int) -> tuple[bytes, int]:
    """Send ``first`` then ``chunk`` after ``chunk`` until the server answers or closes (or
    ``limit`` bytes went out); return the answer (``b""`` for a reset) and the bytes sent."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(first)
            while sent < limit:
                if select.select([sock], [], [], 0)[0]:
                    return sock.recv(65536), sent
                sock.sendall(chunk)
                sent += len(chunk)
            return sock.recv(65536), sent
        except (ConnectionResetError, BrokenPipeError):
            return b"", sent


def test_a_head_over_the_limit_gets_431(guarded: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", guarded.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * (MAX_HEADER_BYTES + 1) + b"\r\n")
        reply = sock.recv(65536)
    assert reply.startswith(b"HTTP/1.1 431") and b"REQUEST_HEADERS_TOO_LARGE" in reply, reply


def test_huge_headers_are_cut_without_growing_memory(guarded: RunningServer) -> None:
    """Many header lines, and one endless header line, offered 64 MB at a time on four
    connections at once: each is cut after about the limit (431, or a reset when the
    client was still sending), and RSS stays flat."""
    before = rss_bytes(guarded)
    line = b"X-Filler: " + b"a" * 1000 + b"\r\n"
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    floods = [(head, line * 64), (head + b"X-Long: ", b"a" * 65536)] * 2
    with healthz_probe(guarded.base_url) as latencies, ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda f: _flood(guarded.port, f[0], f[1], 64 * 1024 * 1024), floods))
    for reply, sent in results:
        assert reply == b"" or reply.startswith(b"HTTP/1.1 431"), reply[:60]
        assert sent < 4 * 1024 * 1024, "the server kept reading"
    assert rss_bytes(guarded) - before < 20 * 1024 * 1024
    assert max(latencies) < HEALTHZ_BUDGET, sorted(latencies)[-5:]


def test_ordinary_headers_under_the_limit_are_served(guarded: RunningServer) -> None:
    headers = {f"x-h{i}": "v" * 100 for i in range(40)}  # about 4.5 KB
    response = httpx.get(f"{guarded.base_url}/healthz", headers=headers, timeout=5)
    assert response.status_code == 200


async def _ws_ready(server: RunningServer) -> websockets.ClientConnection:
    ws = await websockets.connect(server.ws_url, subprotocols=[TRANSPORT_WS])  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init"}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
    return ws


def _refused_metric(server: RunningServer) -> float:
    text = httpx.get(f"{server.base_url}/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith("chronicle_websocket_refused_total "):
            return float(line.split()[1])
    raise AssertionError(text)


async def test_websockets_beyond_the_cap_get_503_and_are_counted(guarded: RunningServer) -> None:
    refused_before = _refused_metric(guarded)
    open_ = [await _ws_ready(guarded) for _ in range(WS_CAP)]
    try:
        with pytest.raises(InvalidStatus) as refused:
            await websockets.connect(guarded.ws_url, subprotocols=[TRANSPORT_WS])  # type: ignore[list-item]
        assert refused.value.response.status_code == 503
        assert b"TOO_MANY_WEBSOCKETS" in refused.value.response.body
        assert _refused_metric(guarded) == refused_before + 1
        assert httpx.get(f"{guarded.base_url}/healthz", timeout=5).status_code == 200  # HTTP keeps room
        for ws in open_:  # the open ones are untouched
            await ws.send(json.dumps({"type": "ping"}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "pong"
    finally:
        await open_.pop().close()
    try:
        again = await _ws_ready(guarded)  # a slot came free
        await again.close()
    finally:
        for ws in open_:
            await ws.close()


async def test_connections_beyond_the_cap_get_503(capped: RunningServer) -> None:
    streams = []
    try:
        for _ in range(FEW_CONNECTIONS):
            streams.append(await asyncio.open_connection("127.0.0.1", capped.port))
        await asyncio.sleep(0.2)
        reader, writer = await asyncio.open_connection("127.0.0.1", capped.port)
        reply = await _closed_within(reader, 5)
        writer.close()
        assert reply.startswith(b"HTTP/1.1 503") and b"TOO_MANY_CONNECTIONS" in reply
    finally:
        for _, w in streams:
            w.close()
    await asyncio.sleep(0.5)
    assert httpx.get(f"{capped.base_url}/healthz", timeout=5).status_code == 200
