"""Limits (issue 5 item 3): each refusal carries ``extensions.code``; over HTTP and WebSocket."""

from __future__ import annotations

import contextlib

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.server import RunningServer
from tests.support.ws import LEGACY, TRANSPORT, close_code, graphql, open_ws, receive, send

DEEP = "{ accounts { edges { node { id } } } }"  # depth 4: allowed
TOO_DEEP = "{ a: accounts { edges { node { b: accounts { edges { node { id } } } } } } }"
ALIASES = "{ " + " ".join(f"a{i}: accounts(first: 1) {{ edges {{ cursor }} }}" for i in range(6)) + " }"
TOKENS = "{ accounts(first: 1) { edges { cursor " + "cursor " * 400 + "} } }"


@pytest.mark.parametrize("query, code", [
    (TOO_DEEP, "QUERY_TOO_DEEP"), (ALIASES, "TOO_MANY_ALIASES"), (TOKENS, "TOO_MANY_TOKENS"),
])
def test_document_limits_over_http(hardened: RunningServer, query: str, code: str) -> None:
    response = graphql(hardened.http_url, query)
    assert code in {e["extensions"]["code"] for e in response.json()["errors"]}, response.text


def test_a_document_within_the_limits_runs(hardened: RunningServer) -> None:
    assert "errors" not in graphql(hardened.http_url, DEEP).json()


async def test_document_limits_over_websocket(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, TRANSPORT)
    await send(ws, {"id": "d", "type": "subscribe", "payload": {  # a document with two operations names the one to run
        "query": "subscription S { events { position } } " + TOO_DEEP.replace("{ a:", "query Q { a:", 1),
        "operationName": "S"}})
    message = await receive(ws)
    assert message["type"] == "error"
    assert "QUERY_TOO_DEEP" in {e["extensions"]["code"] for e in message["payload"]}
    await ws.close()


def test_body_over_the_limit_is_413(hardened: RunningServer) -> None:
    query = "{ accounts(first: 1) { edges { cursor } } }" + " " * 70_000
    response = graphql(hardened.http_url, query)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


def test_chunked_body_over_the_limit_is_413(hardened: RunningServer) -> None:
    def chunks():  # no content-length: the server must count
        for _ in range(20):
            yield b" " * 8192

    response = httpx.post(hardened.http_url, content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_websocket_message_over_the_limit_closes_1009(hardened: RunningServer) -> None:
    ws = await open_ws(hardened.ws_url, TRANSPORT, max_size=None)
    await send(ws, {"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }" + " " * 70_000}})
    assert await close_code(ws) == 1009


@pytest.mark.parametrize("protocol, start", [(TRANSPORT, "subscribe"), (LEGACY, "start")])
async def test_subscriptions_per_connection_are_limited(hardened: RunningServer, protocol: str, start: str) -> None:
    ws = await open_ws(hardened.ws_url, protocol)
    for number in range(3):  # CHRONICLE_MAX_SUBSCRIPTIONS_PER_CONNECTION=3
        await send(ws, {"id": str(number), "type": start, "payload": {"query": "subscription { events { position } }"}})
    await send(ws, {"id": "4", "type": start, "payload": {"query": "subscription { events { position } }"}})
    message = await receive(ws)
    assert (message["type"], message["id"]) == ("error", "4")
    payload = message["payload"][0] if isinstance(message["payload"], list) else message["payload"]
    assert payload["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
    with contextlib.suppress(ConnectionClosed):
        await ws.close()
