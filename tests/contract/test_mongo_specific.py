"""MongoDB specifics, on top of the shared contract.

Runs against ``MONGODB_URI`` when set, otherwise against mongoeco. Where
mongoeco differs from real MongoDB the test says so in a comment:

- mongoeco implements no change streams: ``$changeStream`` fails (without an
  error code) and the store falls back to polling; real MongoDB opens it.
- mongoeco detects transaction conflicts only at commit and for ANY commit
  since the snapshot (not only overlapping writes), and reports them without
  code or label; the test launcher adds ``WriteConflict``/``TransientTransactionError``
  and aborts the failed transaction as MongoDB does (tests/support/mongoeco_launcher.py).
  So concurrent appenders retry far more often on mongoeco than on MongoDB.
- mongoeco presents itself as a standalone server yet accepts transactions;
  a real standalone ``mongod`` refuses them (code 20), which is simulated
  here with a ``failCommand`` fail point.
- mongoeco answers ``create`` of an existing collection without the
  ``NamespaceExists`` code (48); the driver's own existence check hides that.
  It has no ``collMod`` either (the store does not need it: see
  ``store.mongo.schema.ensure_events``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Any
from uuid import uuid4

import pytest
from bson import Int64
from pymongo import AsyncMongoClient
from pymongo.errors import AutoReconnect, OperationFailure, WriteError

from core.bank.projections import ACCOUNTS, DAILY_TOTALS, TRANSACTIONS
from core.errors import ConcurrencyError
from core.ports import ANY, NO_STREAM, STREAM_EXISTS
from core.snapshots import Snapshot
from store.mongo import MongoEventStore, ReplicaSetRequired
from store.mongo.live import ChangeStreamWaker
from store.mongo.schema import refuse_standalone
from tests.support.mongo import drop_database
from tests.support.waiting import wait_until

from .bank_events import deposited, new_stream, opened, withdrawn
from .conftest import bank_projections, contract_registry

REAL_MONGODB = bool(os.environ.get("MONGODB_URI"))
Opener = Callable[..., Any]


@pytest.fixture
async def database(mongo_uri: str) -> AsyncIterator[str]:
    name = f"mongo_{uuid4().hex[:16]}"
    yield name
    await asyncio.to_thread(drop_database, mongo_uri, name)


@pytest.fixture
async def open_store(mongo_uri: str, database: str) -> AsyncIterator[Opener]:
    """Opens stores on one database (like several processes); closes them afterwards."""
    opened_stores: list[MongoEventStore] = []

    async def opener(poll_interval: float = 0.05) -> MongoEventStore:
        store = await MongoEventStore.open(mongo_uri, database, contract_registry(), bank_projections(),
                                           poll_interval=poll_interval)
        opened_stores.append(store)
        return store

    yield opener
    for store in opened_stores:
        await store.close()


@pytest.fixture
async def raw(mongo_uri: str, database: str) -> AsyncIterator[Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    yield client[database]
    await client.close()


async def test_concurrent_writers_give_gap_free_positions_that_a_reader_never_sees_go_back(
        open_store: Opener) -> None:
    # Four stores (four clients, like four processes): a store queues its own
    # appends on a lock, so only writers of different stores meet at the
    # counter document and exercise the transaction conflicts and retries.
    stores = [await open_store() for _ in range(4)]
    reader_store = await open_store()
    writers, appends = 8, 5
    done = asyncio.Event()

    async def write(store: MongoEventStore) -> None:
        account_id, stream = new_stream()
        await store.append(stream, [opened(account_id)], NO_STREAM)
        for _ in range(appends - 1):
            await store.append(stream, [deposited(account_id)], STREAM_EXISTS)

    async def read() -> list[int]:
        seen: list[int] = []
        while True:
            finished = done.is_set()
            batch = [e.position for e in await reader_store.read_all(len(seen) + 1)]
            # Everything after the last position seen, contiguous: nothing can
            # appear below a position already visible (commit order).
            assert batch == list(range(len(seen) + 1, len(seen) + 1 + len(batch)))
            seen.extend(batch)
            if finished:
                return seen
            await asyncio.sleep(0.01)

    async with asyncio.timeout(90):
        reader = asyncio.create_task(read())
        await asyncio.gather(*(write(stores[i % len(stores)]) for i in range(writers)))
        done.set()
        seen = await reader

    assert seen == list(range(1, writers * appends + 1))
    assert await reader_store.head_position() == writers * appends


async def test_a_duplicate_stream_version_is_a_concurrency_error_by_key_pattern(
        open_store: Opener, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await open_store()
    account_id, stream = new_stream()
    await store.append(stream, [opened(account_id)], NO_STREAM)

    async def stale_version(stream_id: str, session: Any = None) -> int:
        return 0  # as a writer that read the stream before a concurrent one committed

    monkeypatch.setattr(store, "_stream_version", stale_version)
    with pytest.raises(ConcurrencyError) as raised:
        await store.append(stream, [deposited(account_id)], ANY)

    cause = raised.value.__cause__
    assert cause is not None and "keyPattern" in str(cause)
    assert raised.value.stream_id == stream
    assert await store.head_position() == 1


async def test_the_validator_refuses_a_malformed_event(open_store: Opener, raw: Any) -> None:
    await open_store()
    with pytest.raises(WriteError) as refused:
        await raw["events"].insert_one({"_id": Int64(1), "stream_id": 5, "type": "X"})
    assert refused.value.code == 121  # DocumentValidationFailure


async def test_start_up_is_idempotent(open_store: Opener, raw: Any) -> None:
    first = await open_store()
    account_id, stream = new_stream()
    await first.append(stream, [opened(account_id)], NO_STREAM)

    second = await open_store()

    indexes = await raw["events"].index_information()
    assert indexes["stream_version"]["unique"] and indexes["event_id"]["unique"]
    assert indexes["type_position"]["key"] == [("type", 1), ("_id", 1)]
    assert [e.version for e in await second.read_stream(stream)] == [1]
    assert (await second.append(stream, [deposited(account_id)], 1)).position == 2


async def test_recorded_at_is_bson_milliseconds_in_live_and_read_events(open_store: Opener, raw: Any) -> None:
    store = await open_store()
    account_id, stream = new_stream()
    result = await store.append(stream, [opened(account_id)], NO_STREAM)

    assert result.events[0].recorded_at.microsecond % 1000 == 0
    assert await store.read_stream(stream) == list(result.events)
    stored = await raw["events"].find_one({"_id": 1})
    assert isinstance(stored["_id"], int) and isinstance(stored["data"], dict)
    account = await store.views.get(ACCOUNTS, account_id)
    assert account is not None and account["opened_at"] == result.events[0].recorded_at.isoformat()


def test_a_refused_transaction_becomes_replica_set_required() -> None:
    standalone = OperationFailure("Transaction numbers are only allowed on a replica set member or mongos",
                                  code=20)
    with pytest.raises(ReplicaSetRequired, match="replica set"):
        refuse_standalone(standalone)
    with pytest.raises(OperationFailure):
        refuse_standalone(OperationFailure("something else", code=8000))


@pytest.mark.skipif(REAL_MONGODB, reason="fail points need enableTestCommands on a real server")
async def test_a_standalone_server_stops_start_up_with_a_clear_message(mongo_uri: str, raw: Any) -> None:
    # mongoeco accepts transactions although it presents itself as standalone;
    # a fail point makes the probe transaction's `find` fail the way a
    # standalone mongod fails it.
    await raw.client.admin.command({
        "configureFailPoint": "failCommand", "mode": {"times": 1},
        "data": {"failCommands": ["find"], "errorCode": 20,
                 "errmsg": "Transaction numbers are only allowed on a replica set member or mongos"},
    })
    try:
        with pytest.raises(ReplicaSetRequired, match="needs a replica set"):
            await MongoEventStore.open(mongo_uri, raw.name, contract_registry(), bank_projections())
    finally:
        await raw.client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})


async def test_a_subscriber_sees_events_of_another_process_without_change_streams(open_store: Opener) -> None:
    subscriber_side, writer_side = await open_store(poll_interval=0.05), await open_store()
    account_id, stream = new_stream()

    async with aclosing(subscriber_side.subscribe(0)) as subscription:
        await writer_side.append(stream, [opened(account_id), deposited(account_id)], NO_STREAM)
        async with asyncio.timeout(10):
            received = [await anext(subscription) for _ in range(2)]

        await wait_until(lambda: subscriber_side.waker.available is not None,
                         "the waker has found out whether change streams work")

    assert [e.position for e in received] == [1, 2]
    if not REAL_MONGODB:
        # mongoeco refuses $changeStream: the feed found the events by polling.
        assert subscriber_side.waker.available is False


@pytest.mark.replica_set
async def test_the_change_stream_wakes_subscribers_long_before_the_poll(open_store: Opener) -> None:
    subscriber_side, writer_side = await open_store(poll_interval=60), await open_store()
    account_id, stream = new_stream()

    async with aclosing(subscriber_side.subscribe(None)) as subscription:
        await wait_until(lambda: subscriber_side.waker.available, "the change stream is open")
        await writer_side.append(stream, [opened(account_id)], NO_STREAM)
        async with asyncio.timeout(5):
            event = await anext(subscription)

    assert event.stream_id == stream


async def test_a_rebuild_racing_live_appends_ends_with_the_live_rows(open_store: Opener) -> None:
    store = await open_store()
    accounts = [new_stream() for _ in range(3)]
    for account_id, stream in accounts:
        await store.append(stream, [opened(account_id), deposited(account_id, "5.00")], NO_STREAM)

    async def keep_appending() -> None:
        for round_ in range(4):
            for account_id, stream in accounts:
                await store.append(stream, [deposited(account_id, "2.00"), withdrawn(account_id)], ANY)
            await asyncio.sleep(0 if round_ % 2 else 0.01)

    collections = (ACCOUNTS, TRANSACTIONS, DAILY_TOTALS)
    async with asyncio.timeout(60):
        await asyncio.gather(keep_appending(),
                             *(store.views.rebuild(p, batch_size=2) for p in bank_projections()))
        during = {name: await everything(store, name) for name in collections}
        for projection in bank_projections():  # quiescent: the reference rows
            await store.views.rebuild(projection, batch_size=100)
        after = {name: await everything(store, name) for name in collections}

    assert during == after
    head = await store.head_position()
    assert head == 3 * 2 + 4 * 3 * 2
    for projection in bank_projections():
        assert await store.views.checkpoint(projection.name) == head
    assert {doc["balance"] for _, doc in after[ACCOUNTS]} == {"9.00"}


async def everything(store: MongoEventStore, collection: str) -> list[tuple[str, dict[str, Any]]]:
    page = await store.views.find(collection, limit=1000)
    assert not page.has_next
    return list(page.documents)


class _FakeFeed:
    poll_interval = 0.05

    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1


class _DroppingStream:
    """A change stream that delivers ``changes`` inserts and then drops."""

    def __init__(self, changes: int) -> None:
        self._changes = changes

    async def __aenter__(self) -> _DroppingStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def __aiter__(self) -> _DroppingStream:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if self._changes == 0:
            raise AutoReconnect("connection closed")
        self._changes -= 1
        return {"operationType": "insert"}


class _Events:
    """Answers ``watch`` from a script: an exception to raise or a stream to return."""

    def __init__(self, script: list[Any]) -> None:
        self._script = script
        self.calls = 0

    async def watch(self, pipeline: Any) -> Any:
        self.calls += 1
        step = self._script.pop(0) if self._script else _DroppingStream(0)
        if isinstance(step, Exception):
            raise step
        return step


async def test_the_waker_reopens_a_dropped_change_stream_with_back_off() -> None:
    # No server: real MongoDB is needed to drop a real stream; fakes script it.
    events = _Events([AutoReconnect("not yet"), _DroppingStream(2), _DroppingStream(1)])
    feed = _FakeFeed()
    waker = ChangeStreamWaker(events, feed, first_backoff=0.01, max_backoff=0.02)  # type: ignore[arg-type]
    waker.start()
    await wait_until(lambda: events.calls >= 4, "the waker opened the stream four times", interval=0.005)
    await waker.stop()

    assert waker.available is True and waker.opened >= 3
    # one wake per (re)open, to catch inserts made while it was down, plus one per insert
    assert feed.wakes >= 3 + 2 + 1


async def test_the_waker_gives_up_at_once_when_change_streams_are_refused() -> None:
    events = _Events([OperationFailure("Unsupported aggregation stage: $changeStream")])
    waker = ChangeStreamWaker(events, _FakeFeed())  # type: ignore[arg-type]
    waker.start()
    await wait_until(lambda: waker.available is not None, "the waker gave up on change streams", interval=0.005)
    await waker.stop()

    assert waker.available is False and events.calls == 1


def test_server_selection_timeout_defaults_to_five_seconds_unless_the_url_sets_it() -> None:
    from store.mongo.event_store import SERVER_SELECTION_TIMEOUT_MS, _defaults_not_in

    assert _defaults_not_in("mongodb://db:27017/chronicle?replicaSet=rs0") == {
        "serverSelectionTimeoutMS": SERVER_SELECTION_TIMEOUT_MS}
    assert _defaults_not_in("mongodb://db:27017/?serverSelectionTimeoutMS=500") == {}
    assert _defaults_not_in("mongodb://db:27017/?serverselectiontimeoutms=500") == {}


async def test_snapshots_of_the_one_per_stream_layout_are_dropped_at_start_up(open_store: Opener, raw: Any) -> None:
    """The earlier layout kept ``{_id: stream_id, version, ...}``; snapshots are an optimisation only."""
    first = await open_store()
    await first.snapshots.save(Snapshot("account-new", 4, {"v": 4}, 1))
    await raw["snapshots"].insert_one({"_id": "account-old", "version": 3, "schema_version": 1, "state": {}})

    second = await open_store()

    assert await raw["snapshots"].count_documents({"_id": "account-old"}) == 0
    assert await second.snapshots.load("account-new") == Snapshot("account-new", 4, {"v": 4}, 1)
    assert (await raw["snapshots"].index_information())["stream_id_version"]["unique"]
