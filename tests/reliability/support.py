"""Clients shared by the reliability tests: GraphQL over HTTP and graphql-transport-ws."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import websockets

from tests.support.server import RunningServer

EVENT_FIELDS = "eventId streamId version position type data metadata"


async def gql(client: httpx.AsyncClient, server: RunningServer, query: str,
              variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post(server.http_url, json={"query": query, "variables": variables or {}})
    body: dict[str, Any] = response.json()
    return body


async def read_log(server: RunningServer) -> list[dict[str, Any]]:
    """Every event in position order, through the ``events`` query."""
    found: list[dict[str, Any]] = []
    after = None
    async with httpx.AsyncClient(timeout=30) as client:
        while True:
            body = await gql(client, server, "query($after: String) { events(first: 100, after: $after) {"
                             f" edges {{ node {{ {EVENT_FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}",
                             {"after": after})
            page = body["data"]["events"]
            found += [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]


async def subscribe_events(server: RunningServer, after_position: int | None,
                           **connect: Any) -> AsyncIterator[dict[str, Any]]:
    """Yield ``events(afterPosition)`` subscription payloads over graphql-transport-ws."""
    async with websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                                  **connect) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        argument = "" if after_position is None else f"(afterPosition: {after_position})"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": f"subscription {{ events{argument} {{ position eventId type }} }}"}}))
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "next":
                yield message["payload"]["data"]["events"]
            elif message["type"] in ("error", "complete"):
                raise AssertionError(f"subscription ended: {message}")
