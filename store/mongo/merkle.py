"""``MongoMerkleTree``: the log's Merkle tree in the ``merkle_nodes`` collection.

One document per complete subtree, ``{_id: <key>, hash: <32 bytes>}``, the
key being :func:`core.merkle.storage_key` (last leaf * 64 + level) as an
int64: appends insert at the right edge of the ``_id`` index, which also
answers a proof's ``$in`` lookup, a leaf range's nodes (one range) and the
tree's size (the highest key) without another index. The append's transaction
inserts the nodes it completes (:meth:`MongoMerkleTree.extend`); the
application role may only ``find`` and ``insert`` here, like on ``events``.

A backfill batch also writes the position counter document (field
``merkle_backfilled``), which every append writes first: the two conflict
and one retries, so an append either sees the whole backfilled tree (and
extends it) or commits before the batch reads the log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bson import Int64
from pymongo import DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from core.events import RecordedEvent
from core.merkle import (
    Frontier,
    NodeId,
    StoredLeaf,
    TreeChanged,
    canonical_event_bytes,
    completed_keys,
    frontier_nodes,
    node_of,
    storage_key,
    tree_size_of,
)
from store.merkle_edge import TreeEdge, edge_of, grow
from store.mongo.schema import COUNTERS, EVENTS, MERKLE_NODES, POSITION_COUNTER, Document

T = TypeVar("T")


def _leaf(document: Document) -> StoredLeaf:
    """Encode one raw ``events`` document canonically, as stored (no upcasting)."""
    position = int(document["_id"])
    try:
        recorded_at = document["recorded_at"]
        if not isinstance(recorded_at, datetime):
            raise TypeError(f"recorded_at is a {type(recorded_at).__name__}, not a date")
        encoded = canonical_event_bytes(
            event_id=document["event_id"], stream_id=document["stream_id"], version=document["version"],
            position=position, type=document["type"], schema_version=document["schema_version"],
            data=document["data"], metadata=document["metadata"], recorded_at=recorded_at)
    except (KeyError, TypeError) as error:
        return StoredLeaf(position, None, f"{type(error).__name__}: {error}")
    return StoredLeaf(position, encoded)


class MongoMerkleTree:
    """The :class:`~core.merkle.MerkleStore` of :class:`~store.mongo.MongoEventStore`.

    Args:
        db: the store's database.
        transact: runs a callback in a transaction (the store's, with the driver's retries).
    """

    def __init__(self, db: AsyncDatabase[Document],
                 transact: Callable[[Callable[[AsyncClientSession], Awaitable[Any]]], Awaitable[Any]]) -> None:
        self._db = db
        self._nodes = db[MERKLE_NODES]
        self._transact = transact
        self._edge = TreeEdge()

    # -- maintained by the append ------------------------------------------------------------

    async def extend(self, session: AsyncClientSession, head: int,
                     recorded: Sequence[RecordedEvent]) -> Frontier | None:
        """Insert the nodes ``recorded`` completes through ``session`` (the append's transaction).

        Args:
            head: the log's last position before ``recorded``.

        Returns:
            The new right edge, for :meth:`committed` after the commit; ``None`` when
            the tree does not cover the log up to ``head`` (nothing is written then).
        """
        edge = self._edge.at(head) or await self._load(session, head)
        if edge is None:
            return None
        grown, nodes = grow(edge, recorded)
        await self._nodes.insert_many([{"_id": Int64(key), "hash": digest} for key, digest in nodes], session=session)
        return grown

    def committed(self, grown: Frontier | None) -> None:
        """Remember the right edge after a committed append (the next append then reads nothing)."""
        self._edge.committed(grown)

    async def _load(self, session: AsyncClientSession, head: int) -> Frontier | None:
        size = await self._size(session)
        return edge_of(head, size, await self._find(frontier_nodes(head), session) if size == head else {})

    async def _size(self, session: AsyncClientSession | None = None) -> int:
        last = await self._nodes.find_one({}, {"_id": 1}, sort=[("_id", DESCENDING)], session=session)
        return tree_size_of(int(last["_id"]) if last else None)

    async def _find(self, ids: Sequence[NodeId], session: AsyncClientSession | None = None) -> dict[NodeId, bytes]:
        if not ids:
            return {}
        cursor = self._nodes.find({"_id": {"$in": [Int64(storage_key(node)) for node in ids]}}, session=session)
        return {node_of(int(document["_id"])): bytes(document["hash"]) async for document in cursor}

    # -- MerkleStore -------------------------------------------------------------------------

    async def tree_size(self) -> int:
        """See :meth:`core.merkle.MerkleStore.tree_size`."""
        return await self._size()

    async def nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        """See :meth:`core.merkle.MerkleStore.nodes`."""
        return await self._find(ids)

    async def completed_by(self, first_leaf: int, last_leaf: int) -> dict[int, bytes]:
        """See :meth:`core.merkle.MerkleStore.completed_by`."""
        low, high = completed_keys(first_leaf, last_leaf)
        cursor = self._nodes.find({"_id": {"$gte": Int64(low), "$lte": Int64(high)}})
        return {int(document["_id"]): bytes(document["hash"]) async for document in cursor}

    async def leaves(self, from_position: int, batch_size: int) -> AsyncIterator[list[StoredLeaf]]:
        """See :meth:`core.merkle.MerkleStore.leaves`."""
        batch: list[StoredLeaf] = []
        cursor = self._db[EVENTS].find({"_id": {"$gte": from_position}}, batch_size=batch_size).sort("_id", 1)
        async for document in cursor:
            batch.append(_leaf(document))
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    async def add_nodes(self, tree_size: int, new_size: int, nodes: Sequence[tuple[int, bytes]]) -> None:
        """See :meth:`core.merkle.MerkleStore.add_nodes`."""

        async def write(session: AsyncClientSession) -> None:
            await self._db[COUNTERS].update_one({"_id": POSITION_COUNTER}, {"$set": {"merkle_backfilled": new_size}},
                                                session=session)
            size = await self._size(session)
            if size != tree_size:
                raise TreeChanged(f"the tree holds {size} leaves, not {tree_size}")
            await self._nodes.insert_many([{"_id": Int64(key), "hash": digest} for key, digest in nodes],
                                          session=session)

        await self._transact(write)
        self._edge.forget()

    async def event_count(self) -> int:
        """See :meth:`core.merkle.MerkleStore.event_count`."""
        last = await self._db[EVENTS].find_one({}, {"_id": 1}, sort=[("_id", DESCENDING)])
        return int(last["_id"]) if last else 0
