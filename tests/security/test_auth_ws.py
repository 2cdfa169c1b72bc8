"""Item 4 over WebSocket: the token in ``connection_init``, roles on subscriptions, origins."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.security.conftest import ALLOWED_ORIGIN, codes, post, token
from tests.support.server import RunningServer

TRANSPORT_WS = "graphql-transport-ws"
SUBSCRIBE = "subscription { events(afterPosition: 0) { position metadata } }"
OPEN = 'mutation { openAccount(input: {owner: "ws", currency: "EUR"}) { __typename } }'


async def _init(ws: Any, payload: dict[str, Any] | None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "connection_init"}
    if payload is not None:
        message["payload"] = payload
    await ws.send(json.dumps(message))
    reply: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
    return reply


async def _first_event(ws: Any) -> dict[str, Any]:
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
    return message


@pytest.mark.parametrize("payload_of", [
    lambda t: {"Authorization": f"Bearer {t}"},
    lambda t: {"authToken": t},
], ids=["Authorization", "authToken"])
async def test_connection_init_token_is_accepted(secured: RunningServer, payload_of: Any) -> None:
    post(secured, OPEN, bearer=token())
    async with websockets.connect(secured.ws_url, subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
        assert (await _init(ws, payload_of(token(sub="auditor-1", roles=["auditor"]))))["type"] == "connection_ack"
        message = await _first_event(ws)
        assert message["type"] == "next", message
        assert message["payload"]["data"]["events"]["position"] == 1


@pytest.mark.parametrize("payload", [
    None,
    {},
    {"authToken": "garbage"},
    {"Authorization": "Bearer expired"},
    {"authToken": 42},
], ids=["no-payload", "empty", "garbage", "bearer-garbage", "wrong-type"])
async def test_bad_or_missing_token_is_refused_at_init(secured: RunningServer, payload: Any) -> None:
    async with websockets.connect(secured.ws_url, subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", **({"payload": payload} if payload is not None
                                                                 else {})}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_expired_token_is_refused_at_init(secured: RunningServer) -> None:
    async with websockets.connect(secured.ws_url, subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"authToken": token(roles=["auditor"], expires_in=-5)}}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_teller_may_not_subscribe_to_the_log(secured: RunningServer) -> None:
    async with websockets.connect(secured.ws_url, subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
        assert (await _init(ws, {"authToken": token(roles=["teller"])}))["type"] == "connection_ack"
        message = await _first_event(ws)
        assert message["type"] == "error", message
        assert codes({"errors": message["payload"]}) == ["FORBIDDEN"]


async def test_legacy_graphql_ws_token(secured: RunningServer) -> None:
    async with websockets.connect(secured.ws_url, subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authToken": "bad"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_error"
    async with websockets.connect(secured.ws_url, subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"authToken": token(roles=["auditor"])}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"


async def test_origin_not_allowed_is_refused(secured: RunningServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(secured.ws_url, subprotocols=[TRANSPORT_WS],  # type: ignore[list-item]
                                      origin="https://evil.example"):  # type: ignore[arg-type]
            pass
    assert refused.value.response.status_code == 403
    async with websockets.connect(secured.ws_url, subprotocols=[TRANSPORT_WS],  # type: ignore[list-item]
                                  origin=ALLOWED_ORIGIN) as ws:  # type: ignore[arg-type]
        assert (await _init(ws, {"authToken": token(roles=["auditor"])}))["type"] == "connection_ack"
