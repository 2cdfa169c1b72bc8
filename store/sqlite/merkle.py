"""``SqliteMerkleTree``: the log's Merkle tree in the ``merkle_nodes`` table of the store's file.

One row per complete subtree, ``(key, hash)``, the key being
:func:`core.merkle.storage_key` (last leaf * 64 + level) as the rowid: an
append's nodes go at the end of the table, a root or a proof is one lookup of
``O(log n)`` rows, and the nodes of a range of leaves are one range scan. :meth:`SqliteMerkleTree.extend` adds the
nodes of an append inside the append's transaction; a trigger refuses to
rewrite a node. Deleting rows is allowed: it is how an administrator starts a
rebuild (stop the servers, ``DELETE FROM merkle_nodes``, ``chronicle verify
--backfill``).

The tree is maintained while it covers the whole log. Over a log written
before the tree existed, appends leave it alone until ``chronicle verify
--backfill`` has hashed the older events; from then on every append extends it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson

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
from store.sqlite.schema import write_transaction

MERKLE_DDL = """
CREATE TABLE IF NOT EXISTS merkle_nodes (
    key  INTEGER PRIMARY KEY CHECK (key >= 0),
    hash BLOB    NOT NULL CHECK (length(hash) = 32)
);
CREATE TRIGGER IF NOT EXISTS merkle_nodes_are_immutable BEFORE UPDATE ON merkle_nodes
BEGIN SELECT RAISE(ABORT, 'Merkle tree nodes are immutable'); END;
"""

_INSERT = "INSERT INTO merkle_nodes (key, hash) VALUES (?, ?)"
_LEAF_COLUMNS = "position, event_id, stream_id, version, type, schema_version, data, metadata, recorded_at"


def _tree_size(conn: sqlite3.Connection) -> int:
    return tree_size_of(conn.execute("SELECT MAX(key) FROM merkle_nodes").fetchone()[0])


def _nodes(conn: sqlite3.Connection, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"SELECT key, hash FROM merkle_nodes WHERE key IN ({marks})", [storage_key(n) for n in ids])
    return {node_of(key): bytes(digest) for key, digest in rows}


def _leaf(row: tuple[Any, ...]) -> StoredLeaf:
    """Encode one raw ``events`` row (:data:`_LEAF_COLUMNS`) canonically, as stored (no upcasting)."""
    position, event_id, stream_id, version, type_, schema_version, data, metadata, recorded_at = row
    try:
        encoded = canonical_event_bytes(
            event_id=event_id, stream_id=stream_id, version=version, position=position, type=type_,
            schema_version=schema_version, data=orjson.loads(data), metadata=orjson.loads(metadata),
            recorded_at=recorded_at)
    except (TypeError, ValueError, orjson.JSONDecodeError) as error:
        return StoredLeaf(int(position), None, str(error))
    return StoredLeaf(int(position), encoded)


class SqliteMerkleTree:
    """The :class:`~core.merkle.MerkleStore` of :class:`~store.sqlite.SqliteEventStore`.

    Args:
        reader: connection for reads (committed data).
        writer: the store's writer connection, used under ``lock``.
        lock: the store's write lock.
        write_lock_timeout: seconds a backfill waits for another process's write lock.
    """

    def __init__(self, reader: sqlite3.Connection, writer: sqlite3.Connection, lock: asyncio.Lock, *,
                 write_lock_timeout: float) -> None:
        self._reader, self._writer, self._lock = reader, writer, lock
        self._write_lock_timeout = write_lock_timeout
        self._edge = TreeEdge()

    # -- maintained by the append ------------------------------------------------------------

    def extend(self, conn: sqlite3.Connection, head: int, recorded: Sequence[RecordedEvent]) -> Frontier | None:
        """Insert the nodes ``recorded`` completes, in the caller's open transaction.

        Args:
            head: the log's last position before ``recorded``.

        Returns:
            The tree's new right edge, to hand to :meth:`committed` once the
            transaction commits; ``None`` when the tree does not cover the log
            up to ``head`` (not backfilled yet), in which case nothing is written.
        """
        edge = self._edge.at(head) or self._load(conn, head)
        if edge is None:
            return None
        grown, nodes = grow(edge, recorded)
        conn.executemany(_INSERT, nodes)
        return grown

    def committed(self, grown: Frontier | None) -> None:
        """Remember the right edge after a committed append (the next append then reads nothing)."""
        self._edge.committed(grown)

    def _load(self, conn: sqlite3.Connection, head: int) -> Frontier | None:
        size = _tree_size(conn)
        return edge_of(head, size, _nodes(conn, frontier_nodes(head)) if size == head else {})

    # -- MerkleStore -------------------------------------------------------------------------

    async def tree_size(self) -> int:
        """See :meth:`core.merkle.MerkleStore.tree_size`."""
        return _tree_size(self._reader)

    async def nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        """See :meth:`core.merkle.MerkleStore.nodes`."""
        return _nodes(self._reader, ids)

    async def completed_by(self, first_leaf: int, last_leaf: int) -> dict[int, bytes]:
        """See :meth:`core.merkle.MerkleStore.completed_by`."""
        return dict(self._reader.execute("SELECT key, hash FROM merkle_nodes WHERE key BETWEEN ? AND ?",
                                         completed_keys(first_leaf, last_leaf)))

    async def leaves(self, from_position: int, batch_size: int) -> AsyncIterator[list[StoredLeaf]]:
        """See :meth:`core.merkle.MerkleStore.leaves`."""
        position = from_position
        while True:
            rows = self._reader.execute(
                f"SELECT {_LEAF_COLUMNS} FROM events WHERE position >= ? ORDER BY position LIMIT ?",
                (position, batch_size)).fetchall()
            if not rows:
                return
            yield [_leaf(row) for row in rows]
            position = int(rows[-1][0]) + 1
            await asyncio.sleep(0)

    async def add_nodes(self, tree_size: int, new_size: int, nodes: Sequence[tuple[int, bytes]]) -> None:
        """See :meth:`core.merkle.MerkleStore.add_nodes`."""
        async with self._lock, write_transaction(self._writer, self._write_lock_timeout, "a Merkle backfill"):
            if _tree_size(self._writer) != tree_size:
                raise TreeChanged(f"the tree holds {_tree_size(self._writer)} leaves, not {tree_size}")
            self._writer.executemany(_INSERT, nodes)
        self._edge.forget()

    async def event_count(self) -> int:
        """See :meth:`core.merkle.MerkleStore.event_count`."""
        return int(self._reader.execute("SELECT COALESCE(MAX(position), 0) FROM events").fetchone()[0])
