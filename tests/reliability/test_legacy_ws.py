"""Legacy ``graphql-ws`` (subscriptions-transport-ws) conformance (issue 5 item 2)."""

from __future__ import annotations

import asyncio

from tests.support.server import RunningServer
from tests.support.ws import LEGACY, close_code, open_account, open_ws, quiet, receive, send, wait_for_metric

START = {"query": "subscription { events { position } }"}


async def test_start_before_init_is_rejected(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, LEGACY, init=False)
    await send(ws, {"id": "1", "type": "start", "payload": START})
    assert await close_code(ws) == 4401


async def test_second_start_with_live_id_neither_leaks_nor_duplicates(hardened: RunningServer) -> None:
    assert await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 0) == 0
    ws = await open_ws(hardened.ws_url, LEGACY)
    await send(ws, {"id": "1", "type": "start", "payload": START})
    assert await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 1) == 1
    await send(ws, {"id": "1", "type": "start", "payload": START})
    await asyncio.sleep(0.3)
    assert await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 1) == 1
    await asyncio.to_thread(open_account, hardened.http_url)
    data = [m for m in await quiet(ws, 1.0) if m["type"] == "data"]
    assert len(data) == 1 and data[0]["id"] == "1"
    await ws.close()
    assert await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 0) == 0


async def test_bad_messages_are_harmless(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, LEGACY)
    await send(ws, {"id": "nope", "type": "stop"})                 # stop for an unknown id
    await send(ws, {"id": "x", "payload": START})                   # no type
    await send(ws, "[1, 2, 3]")                                     # not an object
    await send(ws, {"id": "2", "type": "start"})                    # start with no payload
    await send(ws, {"id": "3", "type": "start", "payload": "{ x }"})
    errors = [m for m in await quiet(ws, 0.5) if m["type"] == "error"]
    assert {e.get("id") for e in errors} >= {"2", "3"}
    assert all(e["payload"]["extensions"]["code"] == "BAD_USER_INPUT" for e in errors)
    await send(ws, {"id": "ok", "type": "start", "payload": START})  # the connection still works
    await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 1)
    _, position = await asyncio.to_thread(open_account, hardened.http_url)
    message = await receive(ws)
    assert (message["type"], message["id"]) == ("data", "ok")
    assert message["payload"]["data"]["events"]["position"] == position
    await ws.close()
