"""Legacy ``graphql-ws`` (subscriptions-transport-ws) conformance (issue 5 item 2)."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import ClientConnection

from tests.support.server import RunningServer
from tests.support.ws import (
    LEGACY,
    close_code,
    error_lines,
    open_account,
    open_ws,
    quiet,
    receive,
    send,
    wait_for_metric,
)

START = {"query": "subscription { events { position } }"}


async def assert_still_streams(ws: ClientConnection, server: RunningServer) -> None:
    """Start a subscription on ``ws``, check that it receives the next event, and close ``ws``."""
    await send(ws, {"id": "ok", "type": "start", "payload": START})
    await wait_for_metric(server.base_url, "chronicle_live_subscriptions", 1)
    _, position = await asyncio.to_thread(open_account, server.http_url)
    message = await receive(ws)
    assert (message["type"], message["id"]) == ("data", "ok")
    assert message["payload"]["data"]["events"]["position"] == position
    await ws.close()


async def test_start_before_init_is_rejected(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, LEGACY, init=False)
    await send(ws, {"id": "1", "type": "start", "payload": START})
    assert await close_code(ws) == 4401


async def test_second_start_with_live_id_neither_leaks_nor_duplicates(hardened: RunningServer) -> None:
    assert await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 0) == 0
    _, head = await asyncio.to_thread(open_account, hardened.http_url)
    # from a fixed position: every subscription started with this id, whenever it gets going, streams the next event
    start = {"query": f"subscription {{ events(afterPosition: {head}) {{ position }} }}"}
    ws = await open_ws(hardened.ws_url, LEGACY)
    await send(ws, {"id": "1", "type": "start", "payload": start})
    assert await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 1) == 1
    await send(ws, {"id": "1", "type": "start", "payload": start})
    await send(ws, {"id": "probe"})  # answered once the server has handled the second start (messages run in order)
    before_probe = []
    while (message := await receive(ws)).get("id") != "probe":
        before_probe.append(message)
    _, position = await asyncio.to_thread(open_account, hardened.http_url)
    data = [m for m in before_probe + await quiet(ws, 1.0) if m["type"] == "data"]
    assert [(m["id"], m["payload"]["data"]["events"]["position"]) for m in data] == [("1", position)]
    assert await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 1) == 1
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
    await assert_still_streams(ws, hardened)


async def test_operation_id_longer_than_the_limit_is_refused_unregistered(hardened: RunningServer) -> None:
    assert await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 0) == 0
    ws = await open_ws(hardened.ws_url, LEGACY)
    for _ in range(4):  # more than CHRONICLE_MAX_SUBSCRIPTIONS_PER_CONNECTION (3): none is kept
        await send(ws, {"id": "x" * 129, "type": "start", "payload": START})
    errors = await quiet(ws, 0.5)
    assert errors == [{"type": "error", "payload": {"message": "Operation id is longer than 128 characters",
                                                    "extensions": {"code": "BAD_USER_INPUT"}}}] * 4
    assert await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 0) == 0
    await send(ws, {"id": "x" * 128, "type": "start", "payload": START})  # 128 (the default) is fine
    assert await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 1) == 1
    await ws.close()


@pytest.mark.parametrize(("payload", "message"), [
    ({"query": 'mutation { openAccount(input: {owner: "Ada", currency: "EUR"}) { __typename } }'},
     "Mutation operations are not supported here (allowed: subscription)"),
    ({"query": "{ __typename }"}, "Query operations are not supported here (allowed: subscription)"),
    ({"query": "subscription A { events { position } } subscription B { events { type } }"},
     "Must provide operationName if the document contains several operations"),
    ({"query": "subscription A { events { position } }", "operationName": "B"}, "Unknown operation named 'B'"),
])
async def test_start_that_is_no_subscription_is_bad_user_input(
        hardened: RunningServer, payload: dict[str, str], message: str) -> None:
    logged = len(hardened.log())
    ws = await open_ws(hardened.ws_url, LEGACY)
    await send(ws, {"id": "1", "type": "start", "payload": payload})
    error = await receive(ws)
    assert error == {"type": "error", "id": "1", "payload": {"message": message,
                                                             "extensions": {"code": "BAD_USER_INPUT"}}}
    assert await quiet(ws, 0.3) == []  # nothing else: no data, no complete
    await ws.close()
    assert error_lines(hardened.log()[logged:]) == []


async def test_second_connection_init_is_answered_and_ignored(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, LEGACY)
    await send(ws, {"type": "connection_init", "payload": {"correlationId": "another"}})
    assert await receive(ws) == {"type": "error", "payload": {
        "message": "connection_init was already received; this one is ignored",
        "extensions": {"code": "BAD_USER_INPUT"}}}
    await assert_still_streams(ws, hardened)


async def test_text_that_is_not_json_is_answered(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, LEGACY)
    await send(ws, "garbage {")
    assert await receive(ws) == {"type": "error", "payload": {"message": "Message must be valid JSON",
                                                              "extensions": {"code": "BAD_USER_INPUT"}}}
    await send(ws, {"id": "1", "type": "start", "payload": {"query": "subscription { events { position } }"}})
    await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 1)  # still serving
    await ws.close()


async def test_no_init_in_time_closes_4408(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, LEGACY, init=False)  # the server waits 1 s (HARDENED_ENV)
    assert await close_code(ws, timeout=5) == 4408


async def test_init_in_time_is_not_closed_later(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, LEGACY)
    # A connection opened later that never sends connection_init: once it is closed for that,
    # the init timeout of the first one (1 s, HARDENED_ENV) has run out too.
    late = await open_ws(hardened.ws_url, LEGACY, init=False)
    assert await close_code(late, timeout=5) == 4408
    await send(ws, {"id": "1", "type": "start", "payload": START})
    assert await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 1) == 1
    assert ws.close_code is None
    await ws.close()
