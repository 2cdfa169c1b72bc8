"""Shared execution over the real server: identical payloads, per-subscriber start and filter
(auth per subscriber: ``tests/security/test_shared_subscription_auth.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import websockets

from tests.api.client import Api, success
from tests.support.server import RunningServer
from tests.support.waiting import wait_until

DOCUMENT = ("subscription($after: Int, $types: [String!]) { events(afterPosition: $after, types: $types)"
            " { eventId position streamId version type data metadata recordedAt } }")
PROTOCOL_NAMES = ["graphql-transport-ws", "graphql-ws"]


class Subscriber:
    """A raw WebSocket subscriber that keeps each data message's text."""

    def __init__(self, ws: Any, protocol: str) -> None:
        self.ws, self.protocol = ws, protocol

    async def message(self, timeout: float = 10.0) -> tuple[str, dict[str, Any]]:
        text = await asyncio.wait_for(self.ws.recv(), timeout)
        return text, json.loads(text)

    async def events(self, count: int) -> list[tuple[str, dict[str, Any]]]:
        """The next ``count`` events as (payload text, event)."""
        received = []
        while len(received) < count:
            text, body = await self.message()
            assert body["type"] in ("next", "data"), body
            received.append((text[text.index('"payload":'):], body["payload"]["data"]["events"]))
        return received


@contextlib.asynccontextmanager
async def subscriber(server: RunningServer, protocol: str, variables: dict[str, Any],
                     init: dict[str, Any] | None = None, op_id: str = "1") -> AsyncIterator[Subscriber]:
    async with websockets.connect(server.ws_url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": init or {}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        kind = "subscribe" if protocol == "graphql-transport-ws" else "start"
        await ws.send(json.dumps({"id": op_id, "type": kind, "payload": {"query": DOCUMENT, "variables": variables}}))
        yield Subscriber(ws, protocol)


async def _head(api: Api) -> int:
    account = success(await api.open_account())["account"]
    return int((await api.stream(account["id"]))[-1]["position"])


@pytest.mark.parametrize("protocol", PROTOCOL_NAMES)
async def test_subscribers_of_one_document_get_identical_payloads(api: Api, server: RunningServer,
                                                                  protocol: str) -> None:
    head = await _head(api)
    account = await api.opened()
    deposits = [success(await api.deposit(account["id"], "1"))["events"][0] for _ in range(3)]
    async with contextlib.AsyncExitStack() as stack:
        subscribers = [await stack.enter_async_context(subscriber(server, protocol, {"after": head,
                                                                                     "types": ["MoneyDeposited"]},
                                                                  op_id=f"op-{i}")) for i in range(5)]
        received = [[item for item in await s.events(3)] for s in subscribers]
    texts = {tuple(text for text, _ in r) for r in received}
    assert len(texts) == 1  # the same payload text for every subscriber
    for events in received:
        assert [e for _, e in events] == deposits  # as the normal path (the mutation's own fields) renders them


@pytest.mark.parametrize("protocol", PROTOCOL_NAMES)
async def test_each_subscriber_joins_the_live_stream_at_its_own_position(api: Api, server: RunningServer,
                                                                         protocol: str) -> None:
    account = await api.opened()
    start = int((await api.stream(account["id"]))[-1]["position"])
    stop = asyncio.Event()
    appended = 0

    async def append() -> None:
        nonlocal appended
        while not stop.is_set():
            success(await api.deposit(account["id"], "1"))
            appended += 1

    appender = asyncio.create_task(append())
    try:
        async with contextlib.AsyncExitStack() as stack:
            subscribers = []
            for _ in range(3):  # each joins while appends run: catch-up from the store, then live
                subscribers.append(await stack.enter_async_context(subscriber(server, protocol, {"after": start})))
                joined = appended
                await wait_until(lambda joined=joined: appended >= joined + 3,
                                 "three more deposits while this subscriber runs")
            received = [[e for _, e in await s.events(25)] for s in subscribers]
    finally:
        stop.set()
        await appender
    for events in received:
        positions = [e["position"] for e in events]
        assert positions == list(range(start + 1, start + 26)), positions  # no gap, no duplicate, in order


@pytest.mark.parametrize("protocol", PROTOCOL_NAMES)
async def test_types_filter_is_per_subscriber(api: Api, server: RunningServer, protocol: str) -> None:
    head = await _head(api)
    async with subscriber(server, protocol, {"after": head, "types": ["AccountOpened"]}) as opened, \
            subscriber(server, protocol, {"after": head, "types": ["MoneyDeposited"]}) as deposited:
        account = await api.opened(deposit="5")
        [(_, first_opened)] = await opened.events(1)
        [(_, first_deposit)] = await deposited.events(1)
        success(await api.deposit(account["id"], "2"))
        [(_, second_deposit)] = await deposited.events(1)
        with pytest.raises(TimeoutError):
            await opened.message(timeout=0.5)
    assert first_opened["type"] == "AccountOpened" and first_opened["streamId"] == f"account-{account['id']}"
    assert [first_deposit["type"], second_deposit["type"]] == ["MoneyDeposited", "MoneyDeposited"]
    assert second_deposit["position"] > first_deposit["position"]
