"""``SqliteEventStore``: the event store contract on one SQLite file.

One writer connection guarded by an asyncio lock and ``BEGIN IMMEDIATE`` (so
several processes may share the file), WAL mode with ``synchronous=NORMAL``, and
``position INTEGER PRIMARY KEY`` assigned as ``max + 1`` inside the write
transaction: positions are gap-free and in commit order. Inline projections and
the log's Merkle tree (:mod:`store.sqlite.merkle`) are written in the append's
transaction. Triggers refuse any UPDATE or DELETE of events.

Calls run on the event loop thread: each statement is a sub-millisecond local
file operation, which costs less than a hop to a worker thread. The one wait
that is not, for a write lock another process holds, happens on the loop
(:func:`store.sqlite.schema.begin_immediate`): SQLite itself waits at most
20 ms, so health checks, reads and subscriptions go on meanwhile, and an append
that cannot get the lock within ``write_lock_timeout`` fails with
``StoreUnavailable``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from core.errors import ConcurrencyError, StoreUnavailable
from core.events import NewEvent, RecordedEvent
from core.ports import AppendResult, Collection, ExpectedVersion, Projection, check_expected_version
from core.projections import CHECKPOINTS, apply_events
from core.registry import EventTypeRegistry
from store.appending import check_new_events, earlier_append, record
from store.codec import EventCodec, dumps, utc_now
from store.live import LiveFeed
from store.sqlite.merkle import MERKLE_DDL, SqliteMerkleTree
from store.sqlite.rows import read_events
from store.sqlite.schema import EVENTS_DDL, WRITER_BUSY_TIMEOUT_MS, begin_immediate, connect, create_collection
from store.sqlite.snapshot_store import SqliteSnapshotStore
from store.sqlite.views import SqliteProjectionStore, SqliteViewWriter


class SqliteEventStore:
    """The embedded event store.

    Args:
        path: database file (parent folders are created) or ``":memory:"``.
        registry: event types and upcasters applied on every read.
        projections: inline projections applied in each append's transaction.
        poll_interval: seconds between polls for events appended by other processes.
        write_lock_timeout: seconds a write waits for another process's write lock.
        merkle_tree: maintain the log's Merkle tree in each append (on; off only to
            measure what it costs).

    Attributes:
        views: the read models (:class:`SqliteProjectionStore`) in the same file.
        snapshots: the aggregate snapshots (:class:`SqliteSnapshotStore`) in the same file.
        feed: the process's live feed behind :meth:`subscribe`.
        merkle: the log's Merkle tree (:class:`SqliteMerkleTree`) in the same file.
    """

    def __init__(self, path: str | Path, registry: EventTypeRegistry,
                 projections: Sequence[Projection] = (), *, poll_interval: float = 0.5,
                 write_lock_timeout: float = 5.0, merkle_tree: bool = True) -> None:
        target = str(path)
        if target != ":memory:" and not target.startswith("file:"):
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        self._codec = EventCodec(registry)
        self._writer = connect(target, WRITER_BUSY_TIMEOUT_MS)
        self._write_lock_timeout = write_lock_timeout
        self._writer.executescript(EVENTS_DDL)
        self._writer.executescript(MERKLE_DDL)
        create_collection(self._writer, Collection(CHECKPOINTS))
        for projection in projections:
            for collection in projection.collections:
                create_collection(self._writer, collection)
        self._reader = self._writer if target == ":memory:" else connect(target)
        self._lock = asyncio.Lock()
        self._projections = list(projections)
        self.views = SqliteProjectionStore(self._reader, self._writer, self._lock, self._projections,
                                           self._codec, write_lock_timeout=write_lock_timeout)
        self.snapshots = SqliteSnapshotStore(self._reader, self._writer, self._lock,
                                             write_lock_timeout=write_lock_timeout)
        self.merkle = SqliteMerkleTree(self._reader, self._writer, self._lock,
                                       write_lock_timeout=write_lock_timeout)
        self._merkle_tree = merkle_tree
        self.feed = LiveFeed(self._read_from, self.head_position, poll_interval=poll_interval)

    # -- writing ------------------------------------------------------------------------

    async def append(self, stream_id: str, events: Sequence[NewEvent],
                     expected_version: ExpectedVersion) -> AppendResult:
        """See :meth:`core.ports.EventStore.append`."""
        check_new_events(events)
        async with self._lock:
            conn = self._writer
            await begin_immediate(conn, self._write_lock_timeout)
            try:
                earlier = self._earlier_append(conn, stream_id, events)
                if earlier is not None:
                    conn.execute("ROLLBACK")
                    return earlier
                actual, head = conn.execute(
                    "SELECT (SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ?),"
                    " (SELECT COALESCE(MAX(position), 0) FROM events)",
                    (stream_id,),
                ).fetchone()
                check_expected_version(stream_id, expected_version, actual)
                recorded = self._insert(conn, stream_id, events, actual, head)
                grown = self.merkle.extend(conn, head, recorded) if self._merkle_tree else None
                await apply_events(self._projections, recorded, SqliteViewWriter(conn))
                conn.execute("COMMIT")
                self.merkle.committed(grown)
            except sqlite3.IntegrityError as error:
                conn.execute("ROLLBACK")
                if error.sqlite_errorname == "SQLITE_CONSTRAINT_UNIQUE":
                    raise ConcurrencyError(stream_id, expected_version, actual) from error
                raise
            except sqlite3.OperationalError as error:
                conn.execute("ROLLBACK")
                raise StoreUnavailable(f"append failed: {error}") from error
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        self.feed.publish(recorded)
        return AppendResult(stream_id, tuple(recorded))

    def _earlier_append(self, conn: sqlite3.Connection, stream_id: str,
                        events: Sequence[NewEvent]) -> AppendResult | None:
        ids = [str(e.event_id) for e in events]
        marks = ",".join("?" * len(ids))
        found = read_events(conn, self._codec, f"event_id IN ({marks})", ids, "position ASC", None)
        return earlier_append(stream_id, events, found)

    def _insert(self, conn: sqlite3.Connection, stream_id: str, events: Sequence[NewEvent],
                version: int, head: int) -> list[RecordedEvent]:
        recorded = record(self._codec, stream_id, events, version, head, utc_now())
        conn.executemany(
            "INSERT INTO events (position, event_id, stream_id, version, type, schema_version, data,"
            " metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(e.position, str(e.event_id), e.stream_id, e.version, e.type, e.schema_version, dumps(e.data),
              dumps(e.metadata.to_dict()), e.recorded_at.isoformat()) for e in recorded],
        )
        return recorded

    # -- reading ------------------------------------------------------------------------

    def _read(self, where: str, params: Sequence[object], order: str,
              limit: int | None) -> list[RecordedEvent]:
        try:
            return read_events(self._reader, self._codec, where, params, order, limit)
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(f"read failed: {error}") from error

    async def read_stream(self, stream_id: str, from_version: int = 1, limit: int | None = None,
                          backwards: bool = False) -> list[RecordedEvent]:
        """See :meth:`core.ports.EventStore.read_stream`."""
        op, order = ("<=", "version DESC") if backwards else (">=", "version ASC")
        return self._read(f"stream_id = ? AND version {op} ?", (stream_id, from_version), order, limit)

    async def read_all(self, from_position: int = 1, limit: int | None = None,
                       types: Sequence[str] | None = None, backwards: bool = False) -> list[RecordedEvent]:
        """See :meth:`core.ports.EventStore.read_all`."""
        op, order = ("<=", "position DESC") if backwards else (">=", "position ASC")
        where, params = f"position {op} ?", list[object]([from_position])
        if types is not None:
            where += f" AND type IN ({','.join('?' * len(types))})"
            params.extend(types)
        return self._read(where, params, order, limit)

    async def _read_from(self, from_position: int, limit: int) -> list[RecordedEvent]:
        return await self.read_all(from_position, limit)

    async def stream_version(self, stream_id: str) -> int:
        """See :meth:`core.ports.EventStore.stream_version`."""
        row = self._reader.execute(
            "SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ?", (stream_id,)
        ).fetchone()
        return int(row[0])

    async def first_version_recorded_after(self, stream_id: str, time: datetime) -> int | None:
        """See :meth:`core.ports.EventStore.first_version_recorded_after`.

        ``recorded_at`` is stored as UTC ISO-8601 text (``datetime.isoformat``), whose
        order is time order: ``time`` is written the same way and compared as text,
        within the ``(stream_id, version)`` index, without decoding any event.
        """
        row = self._reader.execute(
            "SELECT MIN(version) FROM events WHERE stream_id = ? AND recorded_at > ?",
            (stream_id, time.astimezone(UTC).isoformat()),
        ).fetchone()
        return None if row[0] is None else int(row[0])

    async def find_event(self, event_id: UUID) -> RecordedEvent | None:
        """See :meth:`core.ports.EventStore.find_event`."""
        found = self._read("event_id = ?", (str(event_id),), "position", 1)
        return found[0] if found else None

    async def head_position(self) -> int:
        """See :meth:`core.ports.EventStore.head_position`."""
        try:
            row = self._reader.execute("SELECT COALESCE(MAX(position), 0) FROM events").fetchone()
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(f"read failed: {error}") from error
        return int(row[0])

    async def subscribe(self, from_position: int | None = None,
                        types: Sequence[str] | None = None) -> AsyncIterator[RecordedEvent]:
        """See :meth:`core.ports.EventStore.subscribe`."""
        await self.feed.start()
        async for event in self.feed.subscribe(from_position, types):
            yield event

    async def close(self) -> None:
        """Stop the live feed and close both connections."""
        await self.feed.stop()
        self._reader.close()
        if self._writer is not self._reader:
            self._writer.close()
