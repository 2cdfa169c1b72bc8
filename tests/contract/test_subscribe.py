"""Contract: ``subscribe``: catch-up, then live, with no gap and no duplicate."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from core.bank.account import MONEY_DEPOSITED
from core.events import RecordedEvent
from core.ports import ANY, NO_STREAM

from .bank_events import deposited, new_stream, opened, withdrawn
from .conftest import ContractStore

WAIT = 10.0
"""Upper bound, in seconds, of every wait for a subscriber."""


async def close(subscription: AsyncIterator[RecordedEvent]) -> None:
    aclose = getattr(subscription, "aclose", None)
    if aclose is not None:
        await aclose()


async def take(subscription: AsyncIterator[RecordedEvent], count: int) -> list[RecordedEvent]:
    """Return the next ``count`` events of ``subscription`` (bounded by :data:`WAIT`)."""
    received: list[RecordedEvent] = []
    async with asyncio.timeout(WAIT):
        while len(received) < count:
            received.append(await anext(subscription))
    return received


async def append_events(store: ContractStore, count: int, *, pause: bool = False) -> list[RecordedEvent]:
    """Append ``count`` events over a few streams; ``pause`` yields to the loop between appends."""
    recorded: list[RecordedEvent] = []
    accounts = [new_stream() for _ in range(3)]
    for index in range(count):
        account_id, stream = accounts[index % 3]
        event = opened(account_id) if index < 3 else (deposited(account_id) if index % 2 else withdrawn(account_id))
        recorded.extend((await store.append(stream, [event], ANY)).events)
        if pause:
            await asyncio.sleep(0)
    return recorded


def positions(events: Sequence[RecordedEvent]) -> list[int]:
    return [e.position for e in events]


async def test_catch_up_then_live_without_gap_or_duplicate(store: ContractStore) -> None:
    await append_events(store, 30)
    subscription = store.subscribe(1)
    try:
        reader = asyncio.create_task(take(subscription, 90))
        await append_events(store, 60, pause=True)
        received = await reader
    finally:
        await close(subscription)

    assert positions(received) == list(range(1, 91))
    assert [e.event_id for e in received] == [e.event_id for e in await store.read_all()]


async def test_subscribing_from_a_position_starts_there(store: ContractStore) -> None:
    recorded = await append_events(store, 12)
    subscription = store.subscribe(8)
    try:
        received = await take(subscription, 5)
        [live] = await append_events(store, 1)
        assert await take(subscription, 1) == [live]
    finally:
        await close(subscription)

    assert [e.event_id for e in received] == [e.event_id for e in recorded[7:12]]


async def test_subscribing_from_none_gets_only_new_events(store: ContractStore) -> None:
    await append_events(store, 5)
    subscription = store.subscribe(None)
    try:
        first = asyncio.create_task(anext(subscription))
        # The subscription starts at the head as of its first read, which may run
        # after some of these appends; it never sees the five older events.
        async with asyncio.timeout(WAIT):
            while not first.done():
                await append_events(store, 1)
                await asyncio.wait([first], timeout=0.02)
        start = first.result()
        later = await append_events(store, 4)
        received = await take(subscription, 4 + (await store.head_position() - 4 - start.position))
    finally:
        await close(subscription)

    assert start.position > 5
    assert positions([start, *received]) == list(range(start.position, later[-1].position + 1))


async def test_a_types_filter_yields_only_those_types(store: ContractStore) -> None:
    await append_events(store, 20)
    subscription = store.subscribe(1, types=[MONEY_DEPOSITED])
    try:
        reader = asyncio.create_task(take(subscription, 20))
        await append_events(store, 30, pause=True)
        received = await reader
    finally:
        await close(subscription)

    expected = await store.read_all(types=[MONEY_DEPOSITED])
    assert len(expected) > 20
    assert [e.event_id for e in received] == [e.event_id for e in expected[:20]]
    assert received[-1].position > 20


async def test_two_subscribers_are_independent(store: ContractStore) -> None:
    await append_events(store, 10)
    fast, slow = store.subscribe(1), store.subscribe(3)
    try:
        fast_reader = asyncio.create_task(take(fast, 40))
        await append_events(store, 30, pause=True)
        assert positions(await fast_reader) == list(range(1, 41))
        assert positions(await take(slow, 38)) == list(range(3, 41))
        await close(fast)
        [live] = await append_events(store, 1)
        assert await take(slow, 1) == [live]
    finally:
        await close(fast)
        await close(slow)


async def test_a_subscriber_that_falls_behind_still_gets_every_event(store: ContractStore,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    feed = getattr(store, "feed", None)
    if feed is not None:  # make the live buffer tiny so the subscriber falls out of it
        monkeypatch.setattr(feed, "_buffer_size", 4)
        monkeypatch.setattr(feed, "_batch_size", 3)
    account_id, stream = new_stream()
    await store.append(stream, [opened(account_id)], NO_STREAM)
    behind, keeping_up = store.subscribe(1), store.subscribe(1)
    try:
        assert positions(await take(behind, 1)) == [1]
        received_live: list[RecordedEvent] = []
        for _ in range(10):
            for _ in range(12):
                await store.append(stream, [deposited(account_id)], ANY)
            received_live.extend(await take(keeping_up, 13 if not received_live else 12))
        assert positions(await take(behind, 120)) == list(range(2, 122))
        assert positions(received_live) == list(range(1, 122))
        [live] = await append_events(store, 1)
        assert await take(behind, 1) == [live]
    finally:
        await close(behind)
        await close(keeping_up)
