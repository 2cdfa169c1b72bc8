"""Issue 15 item 5: a WebSocket session ends with its token (4403) or at its maximum age (1001)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from tests.security.conftest import SECRET, post, token
from tests.support.server import RunningServer, running_server

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
EVENTS = "subscription { events(afterPosition: 0) { position } }"
OPEN = 'mutation { openAccount(input: {owner: "session", currency: "EUR"}) { __typename } }'
MAX_AGE = 2.0


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A JWT server whose WebSocket sessions last at most ``MAX_AGE`` seconds."""
    directory = tmp_path_factory.mktemp("short_lived")
    env = {"CHRONICLE_JWT_SECRET": SECRET, "CHRONICLE_ALLOW_ANONYMOUS": "false",
           "CHRONICLE_WS_MAX_CONNECTION_AGE": str(MAX_AGE)}
    with running_server(f"sqlite:///{directory / 'chronicle.db'}", directory / "server.log", env=env) as server:
        yield server


async def _connect(server: RunningServer, protocol: str, bearer: str) -> Any:
    ws = await websockets.connect(server.ws_url, subprotocols=[protocol])  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": {"authToken": bearer}}))
    while (reply := json.loads(await asyncio.wait_for(ws.recv(), 5)))["type"] == "ka":
        pass
    assert reply["type"] == "connection_ack", reply
    return ws


async def _until_closed(ws: Any, seconds: float) -> tuple[int | None, list[dict[str, Any]]]:
    """Read messages until the server closes; return the close code and what came before."""
    messages: list[dict[str, Any]] = []
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(seconds):
            while True:
                messages.append(json.loads(await ws.recv()))
    return closed.value.rcvd.code if closed.value.rcvd else None, messages


def _expiring(seconds: float, **claims: Any) -> tuple[str, float]:
    """A token whose ``exp`` is ``seconds`` from now (JWT ``exp`` has whole seconds), and that ``exp``."""
    exp = int(time.time() + seconds)
    return token(expires_in=exp - time.time(), **claims), float(exp)


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_an_idle_session_is_closed_when_its_token_expires(secured: RunningServer, protocol: str) -> None:
    bearer, exp = _expiring(3, roles=["auditor"])
    ws = await _connect(secured, protocol, bearer)
    code, _ = await _until_closed(ws, exp - time.time() + 2)
    assert code == 4403
    assert time.time() >= exp - 0.5


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_streaming_subscription_stops_at_expiry(secured: RunningServer, protocol: str) -> None:
    post(secured, OPEN, bearer=token())
    bearer, exp = _expiring(3, roles=["auditor"])
    ws = await _connect(secured, protocol, bearer)
    start = {"id": "1", "type": "subscribe" if protocol == TRANSPORT_WS else "start", "payload": {"query": EVENTS}}
    await ws.send(json.dumps(start))

    async def keep_appending() -> None:
        while True:
            await asyncio.to_thread(post, secured, OPEN, None, token())
            await asyncio.sleep(0.2)

    appender = asyncio.create_task(keep_appending())
    try:
        code, messages = await _until_closed(ws, exp - time.time() + 3)
    finally:
        appender.cancel()
    assert code == 4403
    assert any(m.get("type") in ("next", "data") for m in messages)  # it streamed until then


async def test_a_mutation_after_expiry_does_not_run(secured: RunningServer) -> None:
    """The attack: a socket whose token expired kept running new mutations."""
    bearer, exp = _expiring(2, roles=["teller"])
    ws = await _connect(secured, TRANSPORT_WS, bearer)
    await asyncio.sleep(max(0.0, exp - time.time()) + 1.0)
    with pytest.raises(ConnectionClosed) as closed:
        await ws.send(json.dumps({"id": "m", "type": "subscribe", "payload": {"query": OPEN}}))
        await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_second_connection_init_closes_4429(secured: RunningServer) -> None:
    """No re-authentication on an open socket: the client reconnects with a fresh token."""
    ws = await _connect(secured, TRANSPORT_WS, token(roles=["auditor"]))
    await ws.send(json.dumps({"type": "connection_init", "payload": {"authToken": token(roles=["auditor"])}}))
    code, _ = await _until_closed(ws, 5)
    assert code == 4429


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_session_ends_at_its_maximum_age(short_lived: RunningServer, protocol: str) -> None:
    began = time.monotonic()
    ws = await _connect(short_lived, protocol, token(roles=["auditor"], expires_in=3600))
    code, _ = await _until_closed(ws, MAX_AGE + 3)
    assert code == 1001
    assert MAX_AGE * 0.8 <= time.monotonic() - began < MAX_AGE + 3


async def test_a_long_token_keeps_its_session(secured: RunningServer) -> None:
    ws = await _connect(secured, TRANSPORT_WS, token(roles=["auditor"], expires_in=3600))
    await asyncio.sleep(1.5)
    await ws.send(json.dumps({"type": "ping"}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "pong"
    await ws.close()
