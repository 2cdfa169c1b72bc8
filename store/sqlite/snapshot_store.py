"""``SqliteSnapshotStore``: the latest snapshot per stream in a ``snapshots`` table.

It shares the event store's file, writer connection and write lock, so a
snapshot write never interleaves with an append's transaction. Snapshots are
an optimisation only (docs/architecture.md §4): the table may be emptied at any time.
"""

from __future__ import annotations

import asyncio
import sqlite3

from core.errors import StoreUnavailable
from core.snapshots import Snapshot
from store.codec import dumps, loads, utc_now
from store.sqlite.schema import write_transaction

SNAPSHOTS_DDL = """
CREATE TABLE IF NOT EXISTS snapshots (
    stream_id      TEXT    PRIMARY KEY,
    version        INTEGER NOT NULL CHECK (version >= 1),
    schema_version INTEGER NOT NULL,
    state          TEXT    NOT NULL CHECK (json_valid(state)),
    saved_at       TEXT    NOT NULL
);
"""


class SqliteSnapshotStore:
    """:class:`core.snapshots.SnapshotStore` on SQLite.

    Args:
        reader: connection for loads.
        writer: the event store's writer connection (autocommit mode).
        write_lock: the event store's in-process write lock.
        write_lock_timeout: seconds a write waits for another process's write lock.
    """

    def __init__(self, reader: sqlite3.Connection, writer: sqlite3.Connection,
                 write_lock: asyncio.Lock, *, write_lock_timeout: float = 5.0) -> None:
        self._reader = reader
        self._write_lock_timeout = write_lock_timeout
        self._writer = writer
        self._lock = write_lock
        writer.executescript(SNAPSHOTS_DDL)

    async def load(self, stream_id: str) -> Snapshot | None:
        """See :meth:`core.snapshots.SnapshotStore.load`."""
        try:
            row = self._reader.execute(
                "SELECT version, schema_version, state FROM snapshots WHERE stream_id = ?", (stream_id,)
            ).fetchone()
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(f"snapshot read failed: {error}") from error
        if row is None:
            return None
        return Snapshot(stream_id, int(row[0]), dict(loads(row[2])), int(row[1]))

    async def save(self, snapshot: Snapshot) -> None:
        """See :meth:`core.snapshots.SnapshotStore.save` (one UPSERT, atomic)."""
        async with self._lock, write_transaction(self._writer, self._write_lock_timeout, "snapshot write"):
            self._writer.execute(
                "INSERT INTO snapshots (stream_id, version, schema_version, state, saved_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (stream_id) DO UPDATE SET"
                " version = excluded.version, schema_version = excluded.schema_version,"
                " state = excluded.state, saved_at = excluded.saved_at"
                " WHERE excluded.version >= snapshots.version"
                " OR excluded.schema_version != snapshots.schema_version",
                (snapshot.stream_id, snapshot.version, snapshot.schema_version, dumps(snapshot.state),
                 utc_now().isoformat()),
            )

    async def delete_all(self) -> None:
        """See :meth:`core.snapshots.SnapshotStore.delete_all`."""
        async with self._lock, write_transaction(self._writer, self._write_lock_timeout, "snapshot delete"):
            self._writer.execute("DELETE FROM snapshots")
