"""Write event rows straight into a store, bypassing the codec: how tests
simulate data recorded by an older release (e.g. ``MoneyDeposited`` v1).

One writer per backend; the MongoDB backend adds its own.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

RawEventWriter = Callable[[str, str, dict[str, Any], int], int]
"""``(stream_id, event_type, data, schema_version) -> position``: appends one
row at the stream's next version and the log's next position."""


def sqlite_raw_writer(path: str | Path) -> RawEventWriter:
    """Return a :data:`RawEventWriter` for the SQLite store file at ``path``."""

    def write(stream_id: str, event_type: str, data: dict[str, Any], schema_version: int) -> int:
        with contextlib.closing(sqlite3.connect(path, timeout=10, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            position, version = conn.execute(
                "SELECT (SELECT COALESCE(MAX(position), 0) FROM events) + 1,"
                " (SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ?) + 1", (stream_id,)
            ).fetchone()
            conn.execute(
                "INSERT INTO events (position, event_id, stream_id, version, type, schema_version, data,"
                " metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (position, str(uuid4()), stream_id, version, event_type, schema_version, json.dumps(data),
                 "{}", datetime.now(UTC).isoformat()),
            )
            conn.execute("COMMIT")
        return int(position)

    return write


def mongo_raw_writer(uri: str, database: str) -> RawEventWriter:
    """Return a :data:`RawEventWriter` for the MongoDB store in ``database`` at ``uri``.

    Like an append, it takes the next position from the counter document inside
    a transaction, so positions stay gap-free.
    """
    from bson import Int64
    from pymongo import DESCENDING, MongoClient, ReturnDocument

    def write(stream_id: str, event_type: str, data: dict[str, Any], schema_version: int) -> int:
        client: MongoClient[dict[str, Any]] = MongoClient(uri, serverSelectionTimeoutMS=10_000)
        db = client[database]

        def insert(session: Any) -> int:
            counter = db.counters.find_one_and_update({"_id": "events"}, {"$inc": {"value": Int64(1)}},
                                                      upsert=True, return_document=ReturnDocument.AFTER,
                                                      session=session)
            last = db.events.find_one({"stream_id": stream_id}, sort=[("version", DESCENDING)], session=session)
            position = int(counter["value"])
            db.events.insert_one({
                "_id": Int64(position), "event_id": str(uuid4()), "stream_id": stream_id,
                "version": (last["version"] if last else 0) + 1, "type": event_type,
                "schema_version": schema_version, "data": data, "metadata": {},
                "recorded_at": datetime.now(UTC),
            }, session=session)
            return position

        try:
            with client.start_session() as session:
                return session.with_transaction(insert)
        finally:
            client.close()

    return write


def raw_writer_for(store_url: str) -> RawEventWriter:
    """Return the raw writer of the store at ``store_url``.

    Raises:
        NotImplementedError: no raw writer for the URL's backend yet.
    """
    if store_url.startswith("sqlite:///"):
        return sqlite_raw_writer(store_url[len("sqlite:///"):])
    if store_url.startswith("mongodb://"):
        from urllib.parse import urlsplit

        return mongo_raw_writer(store_url, urlsplit(store_url).path.strip("/"))
    raise NotImplementedError(f"no raw event writer for {store_url.split(':', 1)[0]}")
