"""``MongoSnapshotStore``: every snapshot of a stream in a ``snapshots`` collection.

Documents are ``{_id, stream_id, version, schema_version, state, saved_at}``, unique
on ``(stream_id, version)`` (index made by :func:`store.mongo.schema.ensure_events`),
so a temporal read finds the one at or below its version with one index lookup.
Snapshots are an optimisation only (docs/architecture.md §4): the collection may be
emptied at any time.
"""

from __future__ import annotations

import contextlib
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from core.snapshots import Snapshot
from store.codec import to_json_object, utc_now
from store.mongo.schema import SNAPSHOTS, Document, unavailable_on_connection_errors


class MongoSnapshotStore:
    """:class:`core.snapshots.SnapshotStore` on MongoDB."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._snapshots = db[SNAPSHOTS]

    async def load(self, stream_id: str, at_or_below: int | None = None) -> Snapshot | None:
        """See :meth:`core.snapshots.SnapshotStore.load`."""
        query: dict[str, Any] = {"stream_id": stream_id}
        if at_or_below is not None:
            query["version"] = {"$lte": at_or_below}
        with unavailable_on_connection_errors("a snapshot read"):
            found = await self._snapshots.find_one(query, sort=[("version", DESCENDING)])
        if found is None:
            return None
        return Snapshot(stream_id, int(found["version"]), dict(found["state"]), int(found["schema_version"]))

    async def save(self, snapshot: Snapshot) -> None:
        """See :meth:`core.snapshots.SnapshotStore.save`.

        Two steps, each atomic: an upsert of the snapshot at its version, then the removal
        of the stream's snapshots of other schema versions. Between them a reader may still
        find one of those, which :class:`core.snapshots.IntervalSnapshotPolicy` ignores.
        """
        document: dict[str, Any] = {
            "schema_version": snapshot.schema_version,
            "state": to_json_object(snapshot.state), "saved_at": utc_now(),
        }
        key = {"stream_id": snapshot.stream_id, "version": snapshot.version}
        with unavailable_on_connection_errors("a snapshot write"):
            # DuplicateKeyError: a concurrent upsert inserted the same (stream, version) first
            with contextlib.suppress(DuplicateKeyError):
                await self._snapshots.update_one(key, {"$set": document}, upsert=True)
            await self._snapshots.delete_many({"stream_id": snapshot.stream_id,
                                               "schema_version": {"$ne": snapshot.schema_version}})

    async def delete_all(self) -> None:
        """See :meth:`core.snapshots.SnapshotStore.delete_all`."""
        with unavailable_on_connection_errors("a snapshot delete"):
            await self._snapshots.delete_many({})
