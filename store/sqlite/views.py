"""Read models in SQLite: one ``view_<collection>`` table of JSON documents each."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from core.errors import StoreUnavailable
from core.ports import Page, Projection
from core.projections import CHECKPOINTS, apply_events
from store.codec import EventCodec, dumps, loads
from store.sqlite.rows import read_events
from store.sqlite.schema import begin_immediate, table_name


class SqliteViewWriter:
    """:class:`core.ports.ViewWriter` on a connection inside an open transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def get(self, collection: str, key: str) -> dict[str, Any] | None:
        row = self._conn.execute(
            f"SELECT doc FROM {table_name(collection)} WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else dict(loads(row[0]))

    async def put(self, collection: str, key: str, document: Mapping[str, Any]) -> None:
        self._conn.execute(
            f"INSERT INTO {table_name(collection)} (key, doc) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET doc = excluded.doc",
            (key, dumps(document)),
        )

    async def delete(self, collection: str, key: str) -> None:
        self._conn.execute(f"DELETE FROM {table_name(collection)} WHERE key = ?", (key,))


def _json_path(field: str) -> str:
    if not field.replace("_", "").isalnum():
        raise ValueError(f"invalid field name {field!r}")
    return f"json_extract(doc, '$.{field}')"


class SqliteProjectionStore:
    """Queries and rebuilds read models stored in SQLite.

    Args:
        reader: connection used for queries (sees committed data only).
        writer: the event store's writer connection, used for rebuilds.
        write_lock: the event store's in-process write lock.
        projections: the inline projections, for rebuilds.
        codec: decodes (and upcasts) events during replay.
        write_lock_timeout: seconds a rebuild waits for another process's write lock.
    """

    def __init__(self, reader: sqlite3.Connection, writer: sqlite3.Connection,
                 write_lock: asyncio.Lock, projections: Sequence[Projection], codec: EventCodec, *,
                 write_lock_timeout: float = 5.0) -> None:
        self._codec = codec
        self._write_lock_timeout = write_lock_timeout
        self._reader = reader
        self._writer = writer
        self._lock = write_lock
        self.projections = list(projections)

    async def get(self, collection: str, key: str) -> dict[str, Any] | None:
        return await SqliteViewWriter(self._reader).get(collection, key)

    async def find(
        self,
        collection: str,
        *,
        equals: Mapping[str, Any] | None = None,
        contains: Mapping[str, str] | None = None,
        after_key: str | None = None,
        limit: int = 50,
        backwards: bool = False,
    ) -> Page:
        clauses: list[str] = []
        params: list[Any] = []
        for field, value in (equals or {}).items():
            clauses.append(f"{_json_path(field)} = ?")
            params.append(value)
        if contains:
            ors = []
            for field, needle in contains.items():
                escaped = needle.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                ors.append(f"lower({_json_path(field)}) LIKE ? ESCAPE '\\'")
                params.append(f"%{escaped}%")
            clauses.append("(" + " OR ".join(ors) + ")")
        if after_key is not None:
            clauses.append("key < ?" if backwards else "key > ?")
            params.append(after_key)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        order = "DESC" if backwards else "ASC"
        sql = f"SELECT key, doc FROM {table_name(collection)} {where} ORDER BY key {order} LIMIT ?"
        try:
            rows = self._reader.execute(sql, (*params, limit + 1)).fetchall()
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(str(error)) from error
        documents = tuple((key, dict(loads(doc))) for key, doc in rows[:limit])
        return Page(documents, has_next=len(rows) > limit)

    async def checkpoint(self, projection: str) -> int:
        document = await self.get(CHECKPOINTS, projection)
        return int(document["position"]) if document else 0

    async def rebuild(self, projection: Projection, *, batch_size: int = 1000,
                      progress: Callable[[int, int], None] | None = None) -> int:
        """Replay the whole log into ``projection`` in ONE transaction.

        Readers keep seeing the old rows until the rebuild commits, and appends
        wait for it, so the rebuilt rows equal what the live projection would
        hold at the same position.
        """
        async with self._lock:
            conn = self._writer
            await begin_immediate(conn, self._write_lock_timeout)
            try:
                for collection in projection.collections:
                    conn.execute(f"DELETE FROM {table_name(collection.name)}")
                conn.execute(f"DELETE FROM {table_name(CHECKPOINTS)} WHERE key = ?", (projection.name,))
                total = conn.execute("SELECT COALESCE(MAX(position), 0) FROM events").fetchone()[0]
                view = SqliteViewWriter(conn)
                applied, position = 0, 0
                while True:
                    batch = read_events(conn, self._codec, "position > ?", (position,), "position ASC", batch_size)
                    if not batch:
                        break
                    await apply_events([projection], batch, view)
                    applied += len(batch)
                    position = batch[-1].position
                    if progress is not None:
                        progress(applied, total)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return applied
