"""SQLite specifics, on top of the shared contract: one file, shared by processes."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import aclosing
from pathlib import Path

import pytest

from core.ports import ANY, NO_STREAM
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
