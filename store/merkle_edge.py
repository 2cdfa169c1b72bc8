"""Backend-neutral steps of keeping the log's Merkle tree in an append.

Both stores extend the tree the same way inside the append's transaction: start
from the tree's right edge (:class:`~core.merkle.Frontier`) at the log's head,
add one leaf per recorded event, and insert the nodes that completes. The rules
live here once; each backend only reads and writes its own nodes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.events import RecordedEvent
from core.merkle import Frontier, NodeId, event_leaf_bytes, frontier_nodes, leaf_hash


class TreeEdge:
    """The right edge after this process's last committed append.

    An append whose head equals its size starts from it and reads nothing. Any
    other head (another process appended, or the tree was backfilled) makes the
    backend load the edge from its stored nodes. Positions are gap-free and the
    nodes are written in the same transaction as the events, so an edge of the
    head's size is the stored one.
    """

    def __init__(self) -> None:
        self._known: Frontier | None = None

    def at(self, head: int) -> Frontier | None:
        """Return the remembered edge if it is the edge of a tree of ``head`` leaves."""
        return self._known if self._known is not None and self._known.size == head else None

    def committed(self, grown: Frontier | None) -> None:
        """Remember ``grown`` once its append committed (``None``: the append kept no tree)."""
        if grown is not None:
            self._known = grown

    def forget(self) -> None:
        """Drop the remembered edge (after nodes were written outside an append)."""
        self._known = None


def edge_of(head: int, tree_size: int, found: Mapping[NodeId, bytes]) -> Frontier | None:
    """Return the edge of the stored tree for an append after position ``head``.

    Args:
        tree_size: the stored tree's size.
        found: the stored hashes of ``frontier_nodes(head)``.

    Returns:
        ``None`` when the tree does not cover the log up to ``head`` (a log not
        backfilled yet): the append then leaves the tree alone.
    """
    ids = frontier_nodes(head)
    if tree_size != head or any(node not in found for node in ids):
        return None
    return Frontier(head, [found[node] for node in ids])


def grow(edge: Frontier, recorded: Sequence[RecordedEvent]) -> tuple[Frontier, list[tuple[int, bytes]]]:
    """Return the edge after ``recorded`` and the ``(storage key, hash)`` nodes they complete."""
    grown = edge.copy()
    return grown, grown.extend(leaf_hash(event_leaf_bytes(event)) for event in recorded)
