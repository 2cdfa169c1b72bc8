"""``SqliteSnapshotStore``: every snapshot of a stream in a ``snapshots`` table, keyed by
``(stream_id, version)``, so a temporal read can start from the one at or below its version.

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

MAX_VERSION = 2**63 - 1
"""SQLite's largest integer: ``at_or_below=None`` reads the newest snapshot."""

SNAPSHOTS_DDL = """
CREATE TABLE IF NOT EXISTS snapshots (
    stream_id      TEXT    NOT NULL,
    version        INTEGER NOT NULL CHECK (version >= 1),
    schema_version INTEGER NOT NULL,
    state          TEXT    NOT NULL CHECK (json_valid(state)),
    saved_at       TEXT    NOT NULL,
    PRIMARY KEY (stream_id, version)
);
"""


def _create_table(writer: sqlite3.Connection) -> None:
    """Create ``snapshots``; a table of the earlier layout (one row per stream, keyed by
    ``stream_id`` alone) is dropped first: snapshots are an optimisation only."""
    keyed_by = {row[1] for row in writer.execute("PRAGMA table_info(snapshots)") if row[5]}
    if keyed_by == {"stream_id"}:
        writer.execute("DROP TABLE snapshots")
    writer.executescript(SNAPSHOTS_DDL)


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
        _create_table(writer)

    async def load(self, stream_id: str, at_or_below: int | None = None) -> Snapshot | None:
        """See :meth:`core.snapshots.SnapshotStore.load` (one primary-key range lookup)."""
        try:
            row = self._reader.execute(
                "SELECT version, schema_version, state FROM snapshots WHERE stream_id = ? AND version <= ?"
                " ORDER BY version DESC LIMIT 1",
                (stream_id, MAX_VERSION if at_or_below is None else at_or_below),
            ).fetchone()
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(f"snapshot read failed: {error}") from error
        if row is None:
            return None
        return Snapshot(stream_id, int(row[0]), dict(loads(row[2])), int(row[1]))

    async def save(self, snapshot: Snapshot) -> None:
        """See :meth:`core.snapshots.SnapshotStore.save` (one transaction)."""
        async with self._lock, write_transaction(self._writer, self._write_lock_timeout, "snapshot write"):
            self._writer.execute("DELETE FROM snapshots WHERE stream_id = ? AND schema_version != ?",
                                 (snapshot.stream_id, snapshot.schema_version))
            self._writer.execute(
                "INSERT OR REPLACE INTO snapshots (stream_id, version, schema_version, state, saved_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (snapshot.stream_id, snapshot.version, snapshot.schema_version, dumps(snapshot.state),
                 utc_now().isoformat()),
            )

    async def delete_all(self) -> None:
        """See :meth:`core.snapshots.SnapshotStore.delete_all`."""
        async with self._lock, write_transaction(self._writer, self._write_lock_timeout, "snapshot delete"):
            self._writer.execute("DELETE FROM snapshots")
