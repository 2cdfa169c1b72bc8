"""Read models in MongoDB: one collection per read model, ``{_id: key, ...document}``.

Rebuilds use shadow collections and a switch, never the live rows:

1. A projection's live rows are in *generation* ``g`` of its collections;
   generations alternate between two slots (``accounts`` for even ``g``,
   ``accounts__b`` for odd), and the ``projection_generations`` document
   ``{_id: <projection>, generation: g}`` says which one is live. Queries and
   appenders resolve it on every call.
2. ``rebuild`` empties the other slot and replays the log into it (generation
   ``g + 1``) in batches, one transaction each (rows and the slot's own
   checkpoint together). Appenders keep writing generation ``g``, and readers
   keep seeing complete old rows.
3. A final *switch* transaction first writes the position counter document,
   which every append transaction also writes. So the switch and any append
   are serialised: an append that committed first is caught up inside the
   switch, an append that starts later sees generation ``g + 1``; a
   conflicting one fails with a transient write conflict and the driver
   retries it. The switch applies the remaining events, points the projection
   at ``g + 1`` and copies the checkpoint.

Why not rebuild in place: clearing and refilling the live collections would
either show readers half-built rows or hold one transaction for the whole
replay, and MongoDB bounds a transaction's lifetime (60 s by default) and size.
Why not rename: ``renameCollection`` cannot run inside a transaction, so there
would be a window in which appends write rows that the rebuild never sees.

The previous generation stays until the next rebuild empties its slot, so a
query that resolved it an instant before a switch still finds complete rows.
Only one rebuild of a given projection may run at a time (the CLI runs one).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from core.errors import StoreError
from core.events import RecordedEvent
from core.ports import Collection, Page, Projection
from core.projections import CHECKPOINTS, apply_events
from store.mongo.schema import (
    COUNTERS,
    GENERATIONS,
    POSITION_COUNTER,
    SHADOW_SUFFIX,
    Document,
    ensure_collections,
    physical_name,
    unavailable_on_connection_errors,
)

ReadAll = Callable[[int, int | None, AsyncClientSession | None], Any]
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _field(name: str) -> str:
    if not _FIELD.match(name) or name == "_id":
        raise ValueError(f"invalid field name {name!r}")
    return name


class MongoViewWriter:
    """:class:`core.ports.ViewWriter` inside one transaction (``session``).

    Args:
        names: logical collection name -> physical collection (default: the same name).
    """

    def __init__(self, db: AsyncDatabase[Document], session: AsyncClientSession,
                 names: Mapping[str, str]) -> None:
        self._db = db
        self._session = session
        self._names = names

    def _collection(self, name: str) -> Any:
        return self._db[self._names.get(name) or physical_name(name, 0)]

    async def get(self, collection: str, key: str) -> dict[str, Any] | None:
        found = await self._collection(collection).find_one({"_id": key}, session=self._session)
        return _document(found)

    async def put(self, collection: str, key: str, document: Mapping[str, Any]) -> None:
        if "_id" in document:
            raise ValueError("read-model documents may not have an _id field; it holds the key")
        await self._collection(collection).replace_one({"_id": key}, {"_id": key, **document}, upsert=True,
                                                       session=self._session)

    async def delete(self, collection: str, key: str) -> None:
        await self._collection(collection).delete_one({"_id": key}, session=self._session)


def _document(found: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if found is None:
        return None
    document = dict(found)
    del document["_id"]
    return document


class Generations:
    """Which generation of each projection's collections is live."""

    def __init__(self, db: AsyncDatabase[Document], projections: Sequence[Projection]) -> None:
        self._db = db
        self._owner = {c.name: p.name for p in projections for c in p.collections}
        self._projections = list(projections)

    async def of(self, projection: str, session: AsyncClientSession | None = None) -> int:
        """Return the live generation of ``projection`` (0 before any rebuild)."""
        found = await self._db[GENERATIONS].find_one({"_id": projection}, session=session)
        return int(found["generation"]) if found else 0

    async def physical(self, collection: str) -> str:
        """Return the physical collection holding ``collection``'s live rows."""
        owner = self._owner.get(collection)
        return physical_name(collection, 0 if owner is None else await self.of(owner))

    async def names(self, session: AsyncClientSession) -> dict[str, str]:
        """Return logical -> physical names of every projection collection, read in ``session``."""
        live = {d["_id"]: int(d["generation"])
                async for d in self._db[GENERATIONS].find({}, session=session)}
        return {c.name: physical_name(c.name, live.get(p.name, 0))
                for p in self._projections for c in p.collections}


class MongoProjectionStore:
    """Queries and rebuilds read models stored in MongoDB.

    Args:
        db: the database.
        projections: the inline projections.
        read_all: ``(from_position, limit, session) -> events`` of the event store.
        transact: runs ``callback(session)`` in a transaction (driver retries included).
    """

    def __init__(self, db: AsyncDatabase[Document], projections: Sequence[Projection],
                 read_all: ReadAll, transact: Any) -> None:
        self._db = db
        self.projections = list(projections)
        self.generations = Generations(db, projections)
        self._read_all = read_all
        self._transact = transact

    async def get(self, collection: str, key: str) -> dict[str, Any] | None:
        with unavailable_on_connection_errors("a read-model query"):
            name = await self.generations.physical(collection)
            return _document(await self._db[name].find_one({"_id": key}))

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
        query: dict[str, Any] = {_field(field): value for field, value in (equals or {}).items()}
        if contains:
            query["$or"] = [{_field(field): {"$regex": re.escape(needle), "$options": "i"}}
                            for field, needle in contains.items()]
        if after_key is not None:
            query["_id"] = {"$lt" if backwards else "$gt": after_key}
        with unavailable_on_connection_errors("a read-model query"):
            name = await self.generations.physical(collection)
            cursor = self._db[name].find(query).sort("_id", -1 if backwards else 1).limit(limit + 1)
            rows = [(str(found["_id"]), _document(found) or {}) async for found in cursor]
        return Page(tuple(rows[:limit]), has_next=len(rows) > limit)

    async def checkpoint(self, projection: str) -> int:
        document = await self.get(CHECKPOINTS, projection)
        return int(document["position"]) if document else 0

    async def rebuild(self, projection: Projection, *, batch_size: int = 1000,
                      progress: Callable[[int, int], None] | None = None) -> int:
        """Replay the whole log into fresh collections, then switch to them atomically.

        See the module docstring for why this never races with live appends.

        Returns:
            The number of events applied.

        Raises:
            StoreError: another rebuild of the same projection switched first.
            StoreUnavailable: MongoDB cannot be reached.
        """
        with unavailable_on_connection_errors("a rebuild"):
            current = await self.generations.of(projection.name)
            target = current + 1
            await self._drop_generations(projection.collections, keep=current)
            shadow = {c.name: physical_name(c.name, target) for c in projection.collections}
            shadow[CHECKPOINTS] = physical_name(CHECKPOINTS, target)
            await ensure_collections(self._db, [*projection.collections, Collection(CHECKPOINTS)], target)
            await self._db[shadow[CHECKPOINTS]].delete_one({"_id": projection.name})
            total = (await self._db[COUNTERS].find_one({"_id": POSITION_COUNTER}) or {}).get("value", 0)
            applied, position = 0, 0

            while True:
                async def batch_in(session: AsyncClientSession, after: int = position) -> list[RecordedEvent]:
                    batch: list[RecordedEvent] = await self._read_all(after + 1, batch_size, session)
                    await apply_events([projection], batch, MongoViewWriter(self._db, session, shadow))
                    return batch

                batch = await self._transact(batch_in)
                applied += len(batch)
                if batch:
                    position = batch[-1].position
                if progress is not None:
                    progress(applied, max(total, position))
                if len(batch) < batch_size:
                    break

            async def switch(session: AsyncClientSession) -> int:
                await self._db[COUNTERS].update_one(  # serialises with appenders; see the module docstring
                    {"_id": POSITION_COUNTER}, {"$set": {"switch": str(uuid.uuid4())}}, upsert=True,
                    session=session)
                if await self.generations.of(projection.name, session) != current:
                    raise StoreError(f"projection {projection.name!r} was rebuilt concurrently")
                writer = MongoViewWriter(self._db, session, shadow)
                rest: list[RecordedEvent] = await self._read_all(position + 1, None, session)
                await apply_events([projection], rest, writer)
                await self._db[GENERATIONS].replace_one(
                    {"_id": projection.name}, {"_id": projection.name, "generation": target}, upsert=True,
                    session=session)
                checkpoint = await writer.get(CHECKPOINTS, projection.name)
                live = MongoViewWriter(self._db, session, {})
                if checkpoint is None:
                    await live.delete(CHECKPOINTS, projection.name)
                else:
                    await live.put(CHECKPOINTS, projection.name, checkpoint)
                return len(rest)

            applied += int(await self._transact(switch))
        if progress is not None:
            progress(applied, max(total, applied))
        return applied

    async def _drop_generations(self, collections: Sequence[Collection], *, keep: int) -> None:
        names = set(await self._db.list_collection_names())
        for collection in collections:
            pattern = re.compile(rf"^{re.escape(collection.name)}({SHADOW_SUFFIX})?$")
            for name in names:
                if pattern.match(name) and name != physical_name(collection.name, keep):
                    await self._db.drop_collection(name)
