"""DDL of the SQLite backend: the event log, its immutability triggers, views."""

from __future__ import annotations

import re
import sqlite3

from core.ports import Collection

EVENTS_DDL = """
CREATE TABLE IF NOT EXISTS events (
    position       INTEGER PRIMARY KEY,
    event_id       TEXT    NOT NULL UNIQUE,
    stream_id      TEXT    NOT NULL,
    version        INTEGER NOT NULL CHECK (version >= 1),
    type           TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    data           TEXT    NOT NULL CHECK (json_valid(data)),
    metadata       TEXT    NOT NULL CHECK (json_valid(metadata)),
    recorded_at    TEXT    NOT NULL,
    UNIQUE (stream_id, version)
);
CREATE INDEX IF NOT EXISTS events_by_type ON events (type, position);
CREATE TRIGGER IF NOT EXISTS events_are_immutable BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are immutable'); END;
CREATE TRIGGER IF NOT EXISTS events_are_never_deleted BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are never deleted'); END;
"""

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def table_name(collection: str) -> str:
    """Return the table holding read-model ``collection`` (``view_<name>``).

    Raises:
        ValueError: the name is not a lower-case identifier.
    """
    if not _NAME.match(collection):
        raise ValueError(f"invalid collection name {collection!r}")
    return f"view_{collection}"


def create_collection(conn: sqlite3.Connection, collection: Collection) -> None:
    """Create ``collection``'s table and its JSON expression indexes if missing."""
    table = table_name(collection.name)
    conn.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, doc TEXT NOT NULL)")
    for index in collection.indexes:
        columns = ", ".join(f"json_extract(doc, '$.{field}')" for field in index.fields)
        name = f"{table}_by_{'_'.join(index.fields)}"
        unique = "UNIQUE " if index.unique else ""
        conn.execute(f"CREATE {unique}INDEX IF NOT EXISTS {name} ON {table} ({columns}, key)")


def connect(path: str) -> sqlite3.Connection:
    """Open ``path`` in WAL mode with ``synchronous=NORMAL`` and a 5 s busy timeout.

    The connection is in autocommit mode; callers issue ``BEGIN IMMEDIATE``.
    """
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=5.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn
