"""``MongoSnapshotStore``: the latest snapshot per stream in a ``snapshots`` collection.

Documents are ``{_id: stream_id, version, schema_version, state, saved_at}``.
Snapshots are an optimisation only (docs/architecture.md §4): the collection may be
emptied at any time.
"""

from __future__ import annotations

import contextlib
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from core.snapshots import Snapshot
from store.codec import to_json_object, utc_now
from store.mongo.schema import SNAPSHOTS, Document, unavailable_on_connection_errors


class MongoSnapshotStore:
    """:class:`core.snapshots.SnapshotStore` on MongoDB."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._snapshots = db[SNAPSHOTS]

    async def load(self, stream_id: str) -> Snapshot | None:
        """See :meth:`core.snapshots.SnapshotStore.load`."""
        with unavailable_on_connection_errors("a snapshot read"):
            found = await self._snapshots.find_one({"_id": stream_id})
        if found is None:
            return None
        return Snapshot(stream_id, int(found["version"]), dict(found["state"]), int(found["schema_version"]))

    async def save(self, snapshot: Snapshot) -> None:
        """See :meth:`core.snapshots.SnapshotStore.save`.

        One conditional upsert, atomic: it replaces an older snapshot (or one of
        another schema version); when a newer one exists the filter matches
        nothing, the upsert collides on ``_id``, and the newer one stays.
        """
        document: dict[str, Any] = {
            "version": snapshot.version, "schema_version": snapshot.schema_version,
            "state": to_json_object(snapshot.state), "saved_at": utc_now(),
        }
        replaceable = {"_id": snapshot.stream_id, "$or": [{"version": {"$lte": snapshot.version}},
                                                          {"schema_version": {"$ne": snapshot.schema_version}}]}
        # DuplicateKeyError: a newer snapshot of the same schema version is stored
        with unavailable_on_connection_errors("a snapshot write"), contextlib.suppress(DuplicateKeyError):
            await self._snapshots.update_one(replaceable, {"$set": document}, upsert=True)

    async def delete_all(self) -> None:
        """See :meth:`core.snapshots.SnapshotStore.delete_all`."""
        with unavailable_on_connection_errors("a snapshot delete"):
            await self._snapshots.delete_many({})
