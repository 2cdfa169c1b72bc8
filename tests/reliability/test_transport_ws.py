"""``graphql-transport-ws`` conformance (issue 5 item 2), raw frames over a real socket."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.server import RunningServer
from tests.support.ws import (
    TRANSPORT,
    close_code,
    error_lines,
    metric,
    open_account,
    open_ws,
    quiet,
    receive,
    send,
    wait_for_metric,
)

SUB = {"query": "subscription { events { position type } }"}


async def test_subscribe_before_init_closes_4401(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, TRANSPORT, init=False)
    await send(ws, {"id": "1", "type": "subscribe", "payload": SUB})
    assert await close_code(ws) == 4401


async def test_duplicate_operation_id_closes_4409(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, TRANSPORT)
    await send(ws, {"id": "1", "type": "subscribe", "payload": SUB})
    await send(ws, {"id": "1", "type": "subscribe", "payload": SUB})
    assert await close_code(ws) == 4409


async def test_repeated_init_closes_4429(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, TRANSPORT)
    await send(ws, {"type": "connection_init"})
    assert await close_code(ws) == 4429


@pytest.mark.parametrize("frame", [
    "not json", "[1, 2]", "42", '{"no": "type"}', '{"type": "bogus"}',
    '{"id": "1", "type": "subscribe", "payload": "query"}',
    '{"id": "1", "type": "subscribe", "payload": {"variables": {}}}',
    '{"id": 7, "type": "subscribe", "payload": {"query": "{ __typename }"}}',
])
async def test_malformed_message_closes_4400(hardened: RunningServer, frame: str) -> None:
    ws = await open_ws(hardened.ws_url, TRANSPORT)
    await send(ws, frame)
    assert await close_code(ws) == 4400


async def test_no_init_in_time_closes_4408(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, TRANSPORT, init=False)  # the server waits 1 s (HARDENED_ENV)
    assert await close_code(ws, timeout=5) == 4408


async def test_unknown_subprotocol_closes_4406(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, "graphql-unknown", init=False)
    assert await close_code(ws) == 4406


async def test_invalid_query_errors_only_its_own_operation(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, TRANSPORT)
    await send(ws, {"id": "good", "type": "subscribe", "payload": SUB})
    await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 1)
    await send(ws, {"id": "bad", "type": "subscribe", "payload": {"query": "subscription { noSuchField }"}})
    error = await receive(ws)
    assert (error["id"], error["type"]) == ("bad", "error")
    assert error["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    _, position = await asyncio.to_thread(open_account, hardened.http_url)
    message = await receive(ws)
    assert (message["id"], message["type"]) == ("good", "next")
    assert message["payload"]["data"]["events"]["position"] == position
    await ws.close()


async def test_disconnect_mid_stream_releases_the_subscription(hardened: RunningServer) -> None:
    baseline = await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 0)
    assert baseline == 0
    ws = await open_ws(hardened.ws_url, TRANSPORT)
    for operation in ("a", "b"):
        await send(ws, {"id": operation, "type": "subscribe",
                        "payload": {"query": "subscription { events(afterPosition: 0) { position } }"}})
    await asyncio.to_thread(open_account, hardened.http_url)
    assert (await receive(ws))["type"] == "next"  # mid-stream
    assert await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 2) == 2
    ws.transport.abort()  # vanish without a close frame, like a crashed client
    assert await wait_for_metric(hardened.base_url, "chronicle_live_subscriptions", 0) == 0
    assert metric(hardened.base_url, "chronicle_live_subscriptions") == baseline
    await quiet(ws, 0.1)


async def test_operation_id_longer_than_the_limit_closes_4400(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, TRANSPORT)
    await send(ws, {"id": "x" * 128, "type": "subscribe", "payload": {"query": "{ __typename }"}})
    assert [m["type"] for m in await quiet(ws, 1.0)] == ["next", "complete"]  # 128 (the default) is fine
    await send(ws, {"id": "x" * 129, "type": "subscribe", "payload": SUB})
    assert await close_code(ws) == 4400
    assert ws.close_reason == "Operation id is longer than 128 characters"


@pytest.mark.parametrize(("payload", "message"), [
    ({"query": "query A { __typename } query B { __typename }"},
     "Must provide operationName if the document contains several operations"),
    ({"query": "subscription A { events { position } } subscription B { events { type } }"},
     "Must provide operationName if the document contains several operations"),
    ({"query": "query A { __typename }", "operationName": "B"}, "Unknown operation named 'B'"),
    ({"query": "{ __typename }", "operationName": ""}, "Unknown operation named ''"),
])
async def test_operation_that_cannot_be_chosen_is_bad_user_input(
        hardened: RunningServer, payload: dict[str, str], message: str) -> None:
    logged = len(hardened.log())
    ws = await open_ws(hardened.ws_url, TRANSPORT)
    await send(ws, {"id": "1", "type": "subscribe", "payload": payload})
    error = await receive(ws)
    assert (error["id"], error["type"]) == ("1", "error")
    assert error["payload"] == [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]
    await send(ws, {"id": "1", "type": "subscribe",  # the id was not registered, the connection still works
                    "payload": {"query": "query A { __typename } query B { x: __typename }", "operationName": "B"}})
    assert [m["type"] for m in await quiet(ws, 1.0)] == ["next", "complete"]
    await ws.close()
    assert error_lines(hardened.log()[logged:]) == []
