"""SQLite specifics, on top of the shared contract: one file, shared by processes."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import aclosing
from pathlib import Path

import pytest

from core.ports import ANY, NO_STREAM
from core.snapshots import Snapshot
from store.sqlite import SqliteEventStore

from .bank_events import deposited, new_stream, opened
from .conftest import bank_projections, contract_registry


def open_store(path: Path) -> SqliteEventStore:
    return SqliteEventStore(path, contract_registry(), bank_projections(), poll_interval=0.05)


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteEventStore]:
    store = open_store(tmp_path / "events.db")
    try:
        yield store
    finally:
        await store.close()


async def test_events_cannot_be_updated_or_deleted(sqlite_store: SqliteEventStore, tmp_path: Path) -> None:
    account_id, stream = new_stream()
    await sqlite_store.append(stream, [opened(account_id)], NO_STREAM)
    conn = sqlite3.connect(tmp_path / "events.db")
    try:
        for statement in ("UPDATE events SET type = 'X'", "DELETE FROM events"):
            with pytest.raises(sqlite3.IntegrityError, match=r"immutable|never deleted"):
                conn.execute(statement)
    finally:
        conn.close()
    assert await sqlite_store.head_position() == 1


async def test_events_survive_reopening_the_file(tmp_path: Path) -> None:
    account_id, stream = new_stream()
    first = open_store(tmp_path / "events.db")
    try:
        await first.append(stream, [opened(account_id), deposited(account_id)], NO_STREAM)
    finally:
        await first.close()

    again = open_store(tmp_path / "events.db")
    try:
        assert [e.version for e in await again.read_stream(stream)] == [1, 2]
        result = await again.append(stream, [deposited(account_id)], 2)
        assert result.position == 3
        account = await again.views.get("accounts", account_id)
        assert account is not None
        assert account["balance"] == "20.00"
    finally:
        await again.close()


async def test_a_subscriber_sees_appends_of_another_process_on_the_same_file(tmp_path: Path) -> None:
    reader, writer = open_store(tmp_path / "events.db"), open_store(tmp_path / "events.db")
    try:
        account_id, stream = new_stream()
        await writer.append(stream, [opened(account_id)], NO_STREAM)
        async with aclosing(reader.subscribe(1)) as subscription, asyncio.timeout(10):
            assert (await anext(subscription)).position == 1
            for _ in range(5):
                await writer.append(stream, [deposited(account_id)], ANY)
            received = [await anext(subscription) for _ in range(5)]
        assert [e.position for e in received] == [2, 3, 4, 5, 6]
    finally:
        await reader.close()
        await writer.close()


async def test_a_snapshots_table_of_the_one_per_stream_layout_is_replaced(tmp_path: Path) -> None:
    """The earlier layout was keyed by ``stream_id`` alone; snapshots are an optimisation only."""
    with sqlite3.connect(tmp_path / "events.db") as conn:
        conn.execute("CREATE TABLE snapshots (stream_id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
                     " schema_version INTEGER NOT NULL, state TEXT NOT NULL, saved_at TEXT NOT NULL)")
        conn.execute("INSERT INTO snapshots VALUES ('account-old', 3, 1, '{}', '2025-01-01T00:00:00+00:00')")
    conn.close()
    store = open_store(tmp_path / "events.db")
    try:
        assert await store.snapshots.load("account-old") is None
        await store.snapshots.save(Snapshot("account-a", 2, {"v": 2}, 1))
        await store.snapshots.save(Snapshot("account-a", 5, {"v": 5}, 1))
        assert await store.snapshots.load("account-a", at_or_below=4) == Snapshot("account-a", 2, {"v": 2}, 1)
    finally:
        await store.close()
