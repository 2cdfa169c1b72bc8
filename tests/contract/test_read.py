"""Contract: reading streams and the log, versions, head position, lookup by id."""

from __future__ import annotations

import asyncio
from datetime import timedelta, timezone

import pytest
from uuid6 import uuid7

from core.bank.account import ACCOUNT_OPENED, MONEY_DEPOSITED, MONEY_WITHDRAWN
from core.events import RecordedEvent
from core.ports import NO_STREAM

from .bank_events import deposited, new_stream, opened, withdrawn
from .conftest import ContractStore


def versions(events: list[RecordedEvent]) -> list[int]:
    return [e.version for e in events]


def positions(events: list[RecordedEvent]) -> list[int]:
    return [e.position for e in events]


@pytest.fixture
async def two_streams(store: ContractStore) -> tuple[str, str]:
    """Stream A: open + 4 deposits interleaved with stream B: open + 2 withdrawals.

    Positions: A1=1 B1=2 A2=3 B2=4 A3=5 B3=6 A4=7 A5=8.
    """
    a_id, a = new_stream()
    b_id, b = new_stream()
    await store.append(a, [opened(a_id)], NO_STREAM)
    await store.append(b, [opened(b_id, overdraft_limit="100.00")], NO_STREAM)
    for index in range(2):
        await store.append(a, [deposited(a_id, f"{index + 1}.00")], index + 1)
        await store.append(b, [withdrawn(b_id)], index + 1)
    await store.append(a, [deposited(a_id, "3.00"), deposited(a_id, "4.00")], 3)
    return a, b


async def test_read_stream_in_version_order(store: ContractStore, two_streams: tuple[str, str]) -> None:
    a, b = two_streams

    events = await store.read_stream(a)

    assert versions(events) == [1, 2, 3, 4, 5]
    assert positions(events) == [1, 3, 5, 7, 8]
    assert {e.stream_id for e in events} == {a}
    assert [e.data.get("amount") for e in events] == [None, "1.00", "2.00", "3.00", "4.00"]
    assert versions(await store.read_stream(b)) == [1, 2, 3]


async def test_read_stream_from_version_and_limit(store: ContractStore, two_streams: tuple[str, str]) -> None:
    a, _ = two_streams

    assert versions(await store.read_stream(a, from_version=3)) == [3, 4, 5]
    assert versions(await store.read_stream(a, from_version=2, limit=2)) == [2, 3]
    assert versions(await store.read_stream(a, limit=1)) == [1]
    assert await store.read_stream(a, from_version=6) == []


async def test_read_stream_backwards(store: ContractStore, two_streams: tuple[str, str]) -> None:
    a, _ = two_streams

    assert versions(await store.read_stream(a, from_version=10**9, backwards=True)) == [5, 4, 3, 2, 1]
    assert versions(await store.read_stream(a, from_version=4, limit=2, backwards=True)) == [4, 3]
    assert versions(await store.read_stream(a, from_version=1, backwards=True)) == [1]


async def test_an_absent_stream_reads_empty(store: ContractStore, two_streams: tuple[str, str]) -> None:
    assert await store.read_stream("account-absent") == []
    assert await store.read_stream("account-absent", from_version=10, backwards=True) == []
    assert await store.stream_version("account-absent") == 0


async def test_read_all_in_position_order(store: ContractStore, two_streams: tuple[str, str]) -> None:
    a, b = two_streams

    events = await store.read_all()

    assert positions(events) == list(range(1, 9))
    assert [e.stream_id for e in events] == [a, b, a, b, a, b, a, a]
    assert positions(await store.read_all(from_position=4)) == [4, 5, 6, 7, 8]
    assert positions(await store.read_all(from_position=3, limit=2)) == [3, 4]
    assert await store.read_all(from_position=9) == []


async def test_read_all_filters_types(store: ContractStore, two_streams: tuple[str, str]) -> None:
    deposits = await store.read_all(types=[MONEY_DEPOSITED])
    assert positions(deposits) == [3, 5, 7, 8]
    assert {e.type for e in deposits} == {MONEY_DEPOSITED}
    assert positions(await store.read_all(types=[ACCOUNT_OPENED, MONEY_WITHDRAWN])) == [1, 2, 4, 6]
    assert positions(await store.read_all(from_position=4, limit=2, types=[MONEY_DEPOSITED])) == [5, 7]
    assert await store.read_all(types=["NeverRecorded"]) == []


async def test_read_all_backwards(store: ContractStore, two_streams: tuple[str, str]) -> None:
    assert positions(await store.read_all(from_position=8, backwards=True)) == [8, 7, 6, 5, 4, 3, 2, 1]
    assert positions(await store.read_all(from_position=10**9, limit=3, backwards=True)) == [8, 7, 6]
    assert positions(await store.read_all(from_position=6, limit=2, backwards=True,
                                          types=[MONEY_DEPOSITED])) == [5, 3]


async def test_stream_version_and_head_position(store: ContractStore, two_streams: tuple[str, str]) -> None:
    a, b = two_streams

    assert (await store.stream_version(a), await store.stream_version(b)) == (5, 3)
    assert await store.head_position() == 8


async def test_an_empty_store(store: ContractStore) -> None:
    assert await store.head_position() == 0
    assert await store.read_all() == []
    assert await store.read_all(from_position=10, backwards=True) == []


async def test_find_event_by_id(store: ContractStore, two_streams: tuple[str, str]) -> None:
    a, _ = two_streams
    wanted = (await store.read_stream(a))[2]

    found = await store.find_event(wanted.event_id)

    assert found is not None
    assert (found.event_id, found.stream_id, found.version, found.position) == (
        wanted.event_id, a, 3, wanted.position)
    assert await store.find_event(uuid7()) is None


async def test_first_version_recorded_after_a_time(store: ContractStore) -> None:
    """The bound a temporal read folds up to, compared at the precision the store returns."""
    account_id, stream = new_stream()
    await store.append(stream, [opened(account_id)], NO_STREAM)
    for version in range(1, 4):
        await asyncio.sleep(0.005)  # distinct times, also at MongoDB's millisecond precision
        await store.append(stream, [deposited(account_id, "1.00")], version)
    times = [e.recorded_at for e in await store.read_stream(stream)]
    assert times == sorted(times) and len(set(times)) == 4

    assert await store.first_version_recorded_after(stream, times[0] - timedelta(seconds=1)) == 1
    assert [await store.first_version_recorded_after(stream, t) for t in times] == [2, 3, 4, None]
    assert await store.first_version_recorded_after(stream, times[1] + (times[2] - times[1]) / 2) == 3
    other_zone = times[2].astimezone(timezone(timedelta(hours=-5)))
    assert await store.first_version_recorded_after(stream, other_zone) == 4
    assert await store.first_version_recorded_after("account-absent", times[0]) is None
