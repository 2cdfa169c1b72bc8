"""Contract: ``append`` (docs/architecture.md §3): expected versions, atomicity, idempotence, positions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ConcurrencyError, DuplicateEventId
from core.events import EventMetadata
from core.ports import ANY, NO_STREAM, STREAM_EXISTS, ExpectedVersion

from .bank_events import deposited, new_stream, opened, withdrawn
from .conftest import ContractStore


async def stream_at(store: ContractStore, version: int) -> tuple[str, str]:
    """Return a fresh stream holding ``version`` events (0 = absent)."""
    account_id, stream = new_stream()
    if version:
        await store.append(stream, [opened(account_id), *(deposited(account_id) for _ in range(version - 1))],
                           NO_STREAM)
    return account_id, stream


@pytest.mark.parametrize(("actual", "expected"), [
    (0, 0), (2, 2), (0, ANY), (3, ANY), (0, NO_STREAM), (1, STREAM_EXISTS), (3, STREAM_EXISTS),
])
async def test_append_succeeds_when_the_expected_version_matches(store: ContractStore, actual: int,
                                                                 expected: ExpectedVersion) -> None:
    account_id, stream = await stream_at(store, actual)
    head = await store.head_position()

    result = await store.append(stream, [deposited(account_id), withdrawn(account_id)], expected)

    assert result.stream_id == stream
    assert [e.version for e in result.events] == [actual + 1, actual + 2]
    assert [e.position for e in result.events] == [head + 1, head + 2]
    assert (result.version, result.position) == (actual + 2, head + 2)
    assert await store.stream_version(stream) == actual + 2


@pytest.mark.parametrize(("actual", "expected", "shown"), [
    (0, 1, 1), (2, 0, 0), (2, 1, 1), (2, 3, 3), (2, NO_STREAM, "no_stream"), (0, STREAM_EXISTS, "stream_exists"),
])
async def test_append_raises_a_typed_conflict_when_the_expected_version_differs(
        store: ContractStore, actual: int, expected: ExpectedVersion, shown: object) -> None:
    account_id, stream = await stream_at(store, actual)
    head = await store.head_position()

    with pytest.raises(ConcurrencyError) as error:
        await store.append(stream, [deposited(account_id)], expected)

    assert (error.value.stream_id, error.value.expected_version, error.value.actual_version) == (
        stream, shown, actual)
    assert error.value.code == "CONCURRENCY_CONFLICT"
    assert await store.head_position() == head
    assert await store.stream_version(stream) == actual


async def test_a_failed_multi_event_append_leaves_nothing(store: ContractStore) -> None:
    account_id, stream = await stream_at(store, 2)
    before = await store.read_all()
    account_before = await store.views.get("accounts", account_id)
    batch = [deposited(account_id, "1.00"), deposited(account_id, "2.00"), withdrawn(account_id)]

    with pytest.raises(ConcurrencyError):
        await store.append(stream, batch, 1)

    assert await store.read_all() == before
    assert [await store.find_event(e.event_id) for e in batch] == [None, None, None]
    assert await store.views.get("accounts", account_id) == account_before
    assert await store.views.checkpoint("accounts") == 2
    result = await store.append(stream, batch, 2)
    assert [e.version for e in result.events] == [3, 4, 5]
    assert [e.position for e in result.events] == [3, 4, 5]


async def test_recorded_events_carry_what_was_appended(store: ContractStore) -> None:
    account_id, stream = new_stream()
    event = deposited(account_id, "100.25")
    before = datetime.now(UTC) - timedelta(seconds=1)

    [recorded] = (await store.append(stream, [event], ANY)).events

    assert (recorded.event_id, recorded.type, dict(recorded.data)) == (event.event_id, event.type, dict(event.data))
    assert recorded.metadata == EventMetadata(correlation_id="corr", command_id="cmd", actor="tester")
    # schema_version: the type's current one (MoneyDeposited v2 added ``reference``)
    assert (recorded.stream_id, recorded.version, recorded.position, recorded.schema_version) == (stream, 1, 1, 2)
    assert recorded.recorded_at.utcoffset() == timedelta(0)
    assert before <= recorded.recorded_at <= datetime.now(UTC) + timedelta(seconds=1)
    [read] = await store.read_stream(stream)
    assert read.event_id == recorded.event_id
    assert (read.type, dict(read.data), read.metadata) == (recorded.type, dict(recorded.data), recorded.metadata)
    assert (read.version, read.position, read.schema_version) == (1, 1, 2)
    assert abs(read.recorded_at - recorded.recorded_at) < timedelta(milliseconds=1)


async def test_re_appending_the_same_event_ids_returns_the_original_result(store: ContractStore) -> None:
    account_id, stream = new_stream()
    batch = [opened(account_id), deposited(account_id)]
    first = await store.append(stream, batch, NO_STREAM)
    await store.append(stream, [withdrawn(account_id)], 2)
    head = await store.head_position()

    again = await store.append(stream, batch, NO_STREAM)

    assert [(e.event_id, e.version, e.position) for e in again.events] == [
        (e.event_id, e.version, e.position) for e in first.events]
    assert (again.version, again.position) == (2, 2)
    assert await store.head_position() == head
    assert await store.stream_version(stream) == 3


async def test_re_appending_ids_recorded_in_another_stream_is_refused(store: ContractStore) -> None:
    account_id, stream = new_stream()
    _, other = new_stream()
    event = deposited(account_id)
    await store.append(stream, [event], ANY)

    with pytest.raises(DuplicateEventId) as error:
        await store.append(other, [event], ANY)

    assert error.value.stream_id == other
    assert error.value.event_id == event.event_id
    assert await store.stream_version(other) == 0
    assert await store.head_position() == 1


async def test_an_append_mixing_recorded_and_new_ids_is_refused_whole(store: ContractStore) -> None:
    account_id, stream = new_stream()
    event = deposited(account_id)
    await store.append(stream, [event], ANY)
    fresh = deposited(account_id)

    with pytest.raises(DuplicateEventId):
        await store.append(stream, [event, fresh], ANY)

    assert await store.find_event(fresh.event_id) is None
    assert await store.head_position() == 1


async def test_one_event_id_twice_in_one_append_is_refused(store: ContractStore) -> None:
    account_id, stream = new_stream()
    event = deposited(account_id)

    with pytest.raises(ValueError):
        await store.append(stream, [event, event], ANY)

    assert await store.head_position() == 0


async def test_an_empty_append_is_a_value_error(store: ContractStore) -> None:
    _, stream = new_stream()

    with pytest.raises(ValueError):
        await store.append(stream, [], ANY)
    assert await store.stream_version(stream) == 0


async def test_positions_are_gap_free_across_streams_and_concurrent_appenders(store: ContractStore) -> None:
    async def write(appends: int) -> str:
        account_id, stream = new_stream()
        await store.append(stream, [opened(account_id)], NO_STREAM)
        for version in range(1, appends):
            await store.append(stream, [deposited(account_id), withdrawn(account_id)], STREAM_EXISTS
                               if version % 2 else 2 * version - 1)
            await asyncio.sleep(0)
        return stream

    async with asyncio.timeout(30):
        streams = await asyncio.gather(*(write(1 + i % 4) for i in range(20)))

    events = await store.read_all()
    assert [e.position for e in events] == list(range(1, len(events) + 1))
    assert await store.head_position() == len(events)
    for stream in streams:
        versions = [e.version for e in await store.read_stream(stream)]
        assert versions == list(range(1, len(versions) + 1))
        assert [e.version for e in events if e.stream_id == stream] == versions
