"""Reading event rows from SQLite into :class:`RecordedEvent`s."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from core.events import RecordedEvent
from store.codec import EventCodec

COLUMNS = "position, event_id, stream_id, version, type, schema_version, data, metadata, recorded_at"


def read_events(conn: sqlite3.Connection, codec: EventCodec, where: str, params: Sequence[Any],
                order: str, limit: int | None) -> list[RecordedEvent]:
    """Run ``SELECT ... FROM events WHERE <where> ORDER BY <order> LIMIT <limit>``
    and decode (and upcast) each row. ``where`` and ``order`` are trusted SQL."""
    sql = f"SELECT {COLUMNS} FROM events WHERE {where} ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [
        codec.decode(position=row[0], event_id=row[1], stream_id=row[2], version=row[3], type=row[4],
                     schema_version=row[5], data=row[6], metadata=row[7], recorded_at=row[8])
        for row in conn.execute(sql, tuple(params))
    ]
