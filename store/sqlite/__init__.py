"""The embedded SQLite backend (docs/architecture.md §3, "SQLite")."""

from store.sqlite.event_store import SqliteEventStore
from store.sqlite.snapshot_store import SqliteSnapshotStore
from store.sqlite.views import SqliteProjectionStore

__all__ = ["SqliteEventStore", "SqliteProjectionStore", "SqliteSnapshotStore"]
