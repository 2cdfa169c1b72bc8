"""DDL of the SQLite backend: the event log, its immutability triggers, views."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator

from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_exponential_jitter

from core.errors import StoreUnavailable
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


WRITER_BUSY_TIMEOUT_MS = 20
"""SQLite's own wait for a lock on the writer connection. It sleeps on the calling
thread, which is the event loop's, so it stays tiny; :func:`begin_immediate`
does the real waiting, asynchronously."""


def connect(path: str, busy_timeout_ms: int = 5000) -> sqlite3.Connection:
    """Open ``path`` in WAL mode with ``synchronous=NORMAL`` and a busy timeout
    (5 s by default; writers use :data:`WRITER_BUSY_TIMEOUT_MS`).

    The connection is in autocommit mode; callers issue ``BEGIN IMMEDIATE``
    (through :func:`begin_immediate`).
    """
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    return conn


def _busy(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and \
        getattr(error, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


async def begin_immediate(conn: sqlite3.Connection, timeout: float) -> None:
    """Start a write transaction, waiting up to ``timeout`` seconds for the write lock.

    Another process (a second server, ``chronicle projections rebuild``, a backup)
    may hold the file's write lock. Waiting inside SQLite would block the event
    loop, and with it every request, health check and subscription of this
    process; so SQLite gives up after :data:`WRITER_BUSY_TIMEOUT_MS` and this
    retries with jittered exponential back-off (5 ms to 100 ms) on the loop.

    Raises:
        StoreUnavailable: the lock was still held after ``timeout`` seconds, or
            the database failed otherwise.
    """
    try:
        conn.execute("BEGIN IMMEDIATE")  # the common case, without setting up a retry loop
        return
    except sqlite3.OperationalError as error:
        if not _busy(error):
            raise StoreUnavailable(f"event store unreachable: {error}") from error
    try:
        async for attempt in AsyncRetrying(
                retry=retry_if_exception(_busy), stop=stop_after_delay(timeout), reraise=True,
                wait=wait_exponential_jitter(multiplier=0.005, jitter=0.005, max=0.1)):
            with attempt:
                conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        reason = f"the write lock was held elsewhere for {timeout:g}s" if _busy(error) else "unreachable"
        raise StoreUnavailable(f"event store busy or unreachable ({reason}): {error}") from error


@contextlib.asynccontextmanager
async def write_transaction(conn: sqlite3.Connection, timeout: float, what: str) -> AsyncIterator[None]:
    """Run the block in a write transaction (:func:`begin_immediate`): commit when it
    ends, roll back when it raises.

    Raises:
        StoreUnavailable: no write lock within ``timeout`` seconds, or the database
            failed during ``what``.
    """
    await begin_immediate(conn, timeout)
    try:
        yield
        conn.execute("COMMIT")
    except BaseException as error:
        conn.execute("ROLLBACK")
        if isinstance(error, sqlite3.OperationalError):
            raise StoreUnavailable(f"{what} failed: {error}") from error
        raise
