"""``MongoEventStore``: the event store contract on MongoDB (PyMongo's ``AsyncMongoClient``).

Each append is one transaction run by the driver's callback API
(``session.with_transaction``, which retries ``TransientTransactionError`` and
``UnknownTransactionCommitResult``):

1. ``$inc`` the counter document ``{_id: "events"}`` by the number of events.
   Every appender writes this one document, so concurrent appends conflict and
   the driver retries the loser: positions are handed out one transaction at a
   time, which makes them gap-free and in commit order (docs/architecture.md §3).
2. Check for an idempotent repeat (same ``event_id``s), then the expected version.
3. Insert the events (``_id`` = position), the Merkle tree nodes they complete
   (:mod:`store.mongo.merkle`), and apply the inline projections and their
   checkpoints through the same session.

Appends of one process also queue on an asyncio lock: the counter document
serialises them anyway, and queueing in-process costs nothing where racing
for the counter costs a write conflict and a driver retry (with back-off) per
loser. Appends from other processes still meet at the counter document.

A duplicate key on ``(stream_id, version)`` is a concurrent writer that won
the stream: :class:`ConcurrencyError`, recognised by ``keyPattern``.
Start-up creates collections, the validator and indexes idempotently, and runs
a probe transaction: a standalone ``mongod`` fails it with
:class:`~store.mongo.schema.ReplicaSetRequired`.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from bson import Int64
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from core.errors import ConcurrencyError, DuplicateEventId
from core.events import NewEvent, RecordedEvent
from core.merkle import Frontier
from core.ports import AppendResult, Collection, ExpectedVersion, Projection, check_expected_version
from core.projections import CHECKPOINTS, apply_events
from core.registry import EventTypeRegistry
from store.appending import check_new_events, earlier_append, record
from store.codec import EventCodec, utc_now
from store.live import LiveFeed
from store.mongo.live import ChangeStreamWaker
from store.mongo.merkle import MongoMerkleTree
from store.mongo.schema import (
    COUNTERS,
    EVENTS,
    POSITION_COUNTER,
    Document,
    duplicate_key,
    ensure_collections,
    ensure_events,
    refuse_standalone,
    unavailable_on_connection_errors,
)
from store.mongo.snapshot_store import MongoSnapshotStore
from store.mongo.views import MongoProjectionStore, MongoViewWriter

T = TypeVar("T")


def to_document(event: RecordedEvent) -> Document:
    """Return the ``events`` document of ``event`` (``_id`` = position as int64)."""
    return {
        "_id": Int64(event.position), "event_id": str(event.event_id), "stream_id": event.stream_id,
        "version": event.version, "type": event.type, "schema_version": event.schema_version,
        "data": dict(event.data), "metadata": event.metadata.to_dict(), "recorded_at": event.recorded_at,
    }


def millisecond_now() -> datetime:
    """Return UTC now truncated to milliseconds, BSON's datetime precision, so the
    ``recorded_at`` seen by inline projections equals what a later read returns."""
    now = utc_now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


SERVER_SELECTION_TIMEOUT_MS = 5_000
"""How long a request waits for a reachable server before ``StoreUnavailable``
(pymongo's own default is 30 s, which would hold every request that long
during an outage). A ``serverSelectionTimeoutMS`` in the URL wins."""


def _defaults_not_in(url: str) -> dict[str, Any]:
    """Return Chronicle's client defaults for the options ``url`` does not set itself."""
    query = urllib.parse.urlsplit(url).query.lower()
    if "serverselectiontimeoutms=" in query:
        return {}
    return {"serverSelectionTimeoutMS": SERVER_SELECTION_TIMEOUT_MS}


class MongoEventStore:
    """The production event store.

    Build it with :meth:`open`, which also prepares the database.

    Args:
        client: a connected ``AsyncMongoClient`` (the store closes it).
        database: database name.
        registry: event types and upcasters applied on every read.
        projections: inline projections applied in each append's transaction.
        poll_interval: seconds between polls for new events when no change stream wakes the feed.
        merkle_tree: maintain the log's Merkle tree in each append (on; off only to
            measure what it costs).

    Attributes:
        merkle: the log's Merkle tree (:class:`MongoMerkleTree`).
    """

    def __init__(self, client: AsyncMongoClient[Document], database: str, registry: EventTypeRegistry,
                 projections: Sequence[Projection] = (), *, poll_interval: float = 0.5,
                 merkle_tree: bool = True) -> None:
        self._client = client
        self._db = client[database]
        self._events = self._db[EVENTS]
        self._codec = EventCodec(registry)
        self._projections = list(projections)
        self._append_lock = asyncio.Lock()
        self.snapshots = MongoSnapshotStore(self._db)
        self.views = MongoProjectionStore(self._db, self._projections, self._read_from, self._transact)
        self.merkle = MongoMerkleTree(self._db, self._transact)
        self._merkle_tree = merkle_tree
        self.feed = LiveFeed(self._read_from, self.head_position, poll_interval=poll_interval)
        self.waker = ChangeStreamWaker(self._events, self.feed)

    @classmethod
    async def open(cls, url: str, database: str, registry: EventTypeRegistry,
                   projections: Sequence[Projection] = (), *, poll_interval: float = 0.5,
                   **client_options: Any) -> MongoEventStore:
        """Connect to ``url``, create collections, validator and indexes, probe transactions.

        Raises:
            StoreUnavailable: the server cannot be reached.
            ReplicaSetRequired: the server refuses transactions (standalone ``mongod``).
        """
        options = {**_defaults_not_in(url), **client_options}
        client: AsyncMongoClient[Document] = AsyncMongoClient(url, uuidRepresentation="standard", **options)
        store = cls(client, database, registry, projections, poll_interval=poll_interval)
        try:
            await store.prepare()
        except BaseException:
            await client.close()
            raise
        return store

    async def prepare(self) -> None:
        """Create what is missing (idempotent) and check that transactions work."""
        with unavailable_on_connection_errors("start-up"):
            await ensure_events(self._db)
            await ensure_collections(self._db, [Collection(CHECKPOINTS)])
            for projection in self._projections:
                await ensure_collections(self._db, projection.collections)
            try:
                await self._transact(self._probe)
            except OperationFailure as error:
                refuse_standalone(error)

    async def _probe(self, session: AsyncClientSession) -> None:
        await self._db[COUNTERS].find_one({"_id": POSITION_COUNTER}, session=session)

    async def _transact(self, callback: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        async with self._client.start_session() as session:
            return await session.with_transaction(callback)

    # -- writing ------------------------------------------------------------------------

    async def append(self, stream_id: str, events: Sequence[NewEvent],
                     expected_version: ExpectedVersion) -> AppendResult:
        """See :meth:`core.ports.EventStore.append`."""
        check_new_events(events)
        actual = 0
        grown: Frontier | None = None

        async def attempt(session: AsyncClientSession) -> tuple[AppendResult, bool]:
            nonlocal actual, grown
            grown = None  # the driver may run this again after a transient error
            counter = await self._db[COUNTERS].find_one_and_update(
                {"_id": POSITION_COUNTER}, {"$inc": {"value": Int64(len(events))}}, upsert=True,
                return_document=ReturnDocument.AFTER, session=session)
            ids = [str(e.event_id) for e in events]
            found = await self._find({"event_id": {"$in": ids}}, ASCENDING, None, session)
            earlier = earlier_append(stream_id, events, found)
            if earlier is not None:
                await session.abort_transaction()  # hand back the claimed positions
                return earlier, False
            actual = await self._stream_version(stream_id, session)
            check_expected_version(stream_id, expected_version, actual)
            assert counter is not None  # upserted
            head = int(counter["value"]) - len(events)
            recorded = record(self._codec, stream_id, events, actual, head, millisecond_now())
            await self._events.insert_many([to_document(e) for e in recorded], session=session)
            grown = await self.merkle.extend(session, head, recorded) if self._merkle_tree else None
            names = await self.views.generations.names(session)
            await apply_events(self._projections, recorded, MongoViewWriter(self._db, session, names))
            return AppendResult(stream_id, tuple(recorded)), True

        with unavailable_on_connection_errors("append"):
            try:
                async with self._append_lock:
                    result, appended = await self._transact(attempt)
            except (DuplicateKeyError, BulkWriteError) as error:
                duplicate = duplicate_key(error)
                if duplicate.get("keyPattern") == {"stream_id": 1, "version": 1}:
                    raise ConcurrencyError(stream_id, _shown(expected_version), actual) from error
                if duplicate.get("keyPattern") == {"event_id": 1}:
                    raise DuplicateEventId(stream_id, duplicate.get("keyValue", {}).get("event_id")) from error
                raise
        if appended:
            self.merkle.committed(grown)
            self.feed.publish(result.events)
        return result

    # -- reading ------------------------------------------------------------------------

    async def _find(self, query: Document, order: int, limit: int | None,
                    session: AsyncClientSession | None = None, sort: str = "_id") -> list[RecordedEvent]:
        with unavailable_on_connection_errors("a read"):
            cursor = self._events.find(query, session=session).sort(sort, order)
            if limit is not None:
                cursor = cursor.limit(limit)
            return [self._decode(document) async for document in cursor]

    def _decode(self, document: Document) -> RecordedEvent:
        return self._codec.decode(
            event_id=document["event_id"], stream_id=document["stream_id"], version=document["version"],
            position=document["_id"], type=document["type"], schema_version=document["schema_version"],
            data=document["data"], metadata=document["metadata"], recorded_at=document["recorded_at"])

    async def read_stream(self, stream_id: str, from_version: int = 1, limit: int | None = None,
                          backwards: bool = False) -> list[RecordedEvent]:
        """See :meth:`core.ports.EventStore.read_stream`."""
        op, order = ("$lte", DESCENDING) if backwards else ("$gte", ASCENDING)
        return await self._find({"stream_id": stream_id, "version": {op: from_version}}, order, limit,
                                sort="version")

    async def read_all(self, from_position: int = 1, limit: int | None = None,
                       types: Sequence[str] | None = None, backwards: bool = False) -> list[RecordedEvent]:
        """See :meth:`core.ports.EventStore.read_all`."""
        op, order = ("$lte", DESCENDING) if backwards else ("$gte", ASCENDING)
        query: Document = {"_id": {op: from_position}}
        if types is not None:
            query["type"] = {"$in": list(types)}
        return await self._find(query, order, limit)

    async def _read_from(self, from_position: int, limit: int | None,
                         session: AsyncClientSession | None = None) -> list[RecordedEvent]:
        return await self._find({"_id": {"$gte": from_position}}, ASCENDING, limit, session)

    async def _stream_version(self, stream_id: str, session: AsyncClientSession | None = None) -> int:
        last = await self._events.find_one({"stream_id": stream_id}, {"version": 1},
                                           sort=[("version", DESCENDING)], session=session)
        return int(last["version"]) if last else 0

    async def stream_version(self, stream_id: str) -> int:
        """See :meth:`core.ports.EventStore.stream_version`."""
        with unavailable_on_connection_errors("a read"):
            return await self._stream_version(stream_id)

    async def first_version_recorded_after(self, stream_id: str, time: datetime) -> int | None:
        """See :meth:`core.ports.EventStore.first_version_recorded_after` (walks the
        ``(stream_id, version)`` index, reading only versions)."""
        with unavailable_on_connection_errors("a read"):
            first = await self._events.find_one({"stream_id": stream_id, "recorded_at": {"$gt": time}},
                                                {"version": 1}, sort=[("version", ASCENDING)])
        return int(first["version"]) if first else None

    async def find_event(self, event_id: UUID) -> RecordedEvent | None:
        """See :meth:`core.ports.EventStore.find_event`."""
        found = await self._find({"event_id": str(event_id)}, ASCENDING, 1)
        return found[0] if found else None

    async def head_position(self) -> int:
        """See :meth:`core.ports.EventStore.head_position`.

        The highest committed ``_id``, not the counter, which a running append
        may already have advanced.
        """
        with unavailable_on_connection_errors("a read"):
            last = await self._events.find_one({}, {"_id": 1}, sort=[("_id", DESCENDING)])
        return int(last["_id"]) if last else 0

    async def subscribe(self, from_position: int | None = None,
                        types: Sequence[str] | None = None) -> AsyncIterator[RecordedEvent]:
        """See :meth:`core.ports.EventStore.subscribe`."""
        await self.feed.start()
        self.waker.start()
        async for event in self.feed.subscribe(from_position, types):
            yield event

    @property
    def database(self) -> str:
        """The name of the store's database."""
        return self._db.name

    async def close(self) -> None:
        """Stop the change stream and the live feed, and close the client."""
        await self.waker.stop()
        await self.feed.stop()
        await self._client.close()


def _shown(expected: ExpectedVersion) -> object:
    return expected if isinstance(expected, int) else expected.value
