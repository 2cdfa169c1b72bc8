"""Recompute the Merkle tree from the stored events and compare it with the stored tree.

This is what ``chronicle verify`` runs: every event is read as stored,
encoded canonically and hashed; every node the recomputed tree completes is
compared with the stored node of the same :class:`~core.merkle.NodeId`. The
first disagreement is reported by the position of the event it concerns.
With a digest ``(size, root)`` saved earlier by an auditor, the recomputed
root of the first ``size`` events must still be ``root``: history up to that
digest was only appended to. With ``backfill``, events beyond the stored tree
(a log written before the tree existed, or a tree table emptied on purpose)
get their nodes written instead of being reported.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from core.merkle import EMPTY_ROOT, LEVELS, Frontier, MerkleStore, TreeChanged, leaf_hash, node_of

Progress = Callable[[int, int], None]
"""``(events checked, events in the log)``."""


@dataclass(frozen=True, slots=True)
class Digest:
    """A tree head an auditor saved: the log's first ``size`` events had root ``root``."""

    size: int
    root: bytes


@dataclass(frozen=True, slots=True)
class AuditReport:
    """What ``chronicle verify`` found.

    Attributes:
        events: events checked (all of them when ``ok``).
        root: root of the recomputed tree over those events.
        position: the first position that does not match, if any.
        problem: the one-line message for the first disagreement, ``None`` when verified.
        backfilled: leaves whose nodes were written by a backfill.
    """

    events: int
    root: bytes
    position: int | None = None
    problem: str | None = None
    backfilled: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Mismatch(Exception):
    def __init__(self, position: int, message: str) -> None:
        self.position, self.message = position, message


def _mismatch(position: int, why: str) -> _Mismatch:
    return _Mismatch(position, f"mismatch at position {position}: {why}")


async def _check_stored(store: MerkleStore, completed: list[tuple[int, bytes]]) -> None:
    """Compare recomputed nodes (``(storage key, hash)`` in key order) with the stored ones;
    raise for the lowest position that differs."""
    if not completed:
        return
    stored = await store.completed_by(completed[0][0] // LEVELS, completed[-1][0] // LEVELS)
    problems: list[tuple[int, int, str]] = []
    for key, digest in completed:
        found = stored.get(key)
        if found == digest:
            continue
        node = node_of(key)
        first, last = node.first_leaf + 1, node.end_leaf
        if node.level == 0:
            why = ("the event has no leaf in the stored tree" if found is None
                   else "the event does not match its leaf hash")
        else:
            state = "is missing" if found is None else "differs from the hash of those events"
            why = f"the stored tree node over positions {first}-{last} (level {node.level}) {state}"
        problems.append((node.level, first, why))
    if problems:  # a changed event changes every node above it: report the event, else the lowest node
        _, first, why = min(problems)
        raise _mismatch(first, why)


async def audit(store: MerkleStore, *, digest: Digest | None = None, backfill: bool = False,
                batch_size: int = 5000, progress: Progress | None = None) -> AuditReport:
    """Recompute the tree over every stored event and compare it with the stored tree.

    Args:
        store: the log's tree storage.
        digest: an auditor's saved tree head to check against the recomputed tree.
        backfill: write the nodes of events beyond the stored tree instead of reporting them;
            keeps going until the tree reaches the log's head (appends made meanwhile included).
        batch_size: events read (and nodes compared or written) per round trip.
        progress: called after each batch.

    Returns:
        The report; ``problem`` names the first position that does not match,
        or ``digest mismatch at size N``.
    """
    tree_size = await store.tree_size()
    total = await store.event_count()
    frontier, digest_root, backfilled = Frontier(), None, 0
    try:
        while True:
            async for batch in store.leaves(frontier.size + 1, batch_size):
                broken: _Mismatch | None = None
                good = len(batch)
                for offset, leaf in enumerate(batch):
                    expected = frontier.size + offset + 1
                    if leaf.position != expected:
                        broken = _mismatch(expected, f"the event is missing (the log goes on at {leaf.position})")
                    elif leaf.data is None:
                        broken = _mismatch(expected, f"the stored event cannot be read ({leaf.problem})")
                    else:
                        continue
                    good = offset
                    break
                hashes = [leaf_hash(data) for _, data, _ in batch[:good] if data is not None]  # all of them
                completed: list[tuple[int, bytes]] = []
                if digest is not None and frontier.size < digest.size <= frontier.size + len(hashes):
                    cut = digest.size - frontier.size
                    completed += frontier.extend(hashes[:cut])
                    digest_root = frontier.root()
                    hashes = hashes[cut:]
                completed += frontier.extend(hashes)
                split = bisect_left(completed, tree_size * LEVELS, key=itemgetter(0))
                checked, new = completed[:split], completed[split:]  # the stored tree holds keys below its size
                await _check_stored(store, checked)  # earlier positions first
                if new:
                    first_new = new[0][0] // LEVELS + 1  # the first new leaf's position
                    if not backfill:
                        raise _mismatch(first_new, f"the event is not in the Merkle tree, which holds {tree_size} "
                                                   "leaves (a log older than the tree, or an event added outside "
                                                   "Chronicle; `chronicle verify --backfill` hashes it)")
                if broken is not None:
                    raise broken
                if new:
                    try:
                        await store.add_nodes(tree_size, frontier.size, new)
                    except TreeChanged:
                        raise _mismatch(first_new, "the tree grew during the backfill (run it again)") from None
                    backfilled += frontier.size - tree_size
                    tree_size = frontier.size
                total = max(total, frontier.size)
                if progress is not None:
                    progress(frontier.size, total)
            total = await store.event_count()
            if not backfill or total <= frontier.size:
                break
        if frontier.size < tree_size:
            raise _mismatch(frontier.size + 1, f"the event is missing (the tree holds {tree_size} leaves, "
                                               f"the log ends at {frontier.size})")
    except _Mismatch as found:
        return AuditReport(frontier.size, frontier.root(), found.position, found.message, backfilled)
    if digest is not None:
        if digest.size > frontier.size:
            problem = f"digest mismatch at size {digest.size} (the log holds {frontier.size} events)"
            return AuditReport(frontier.size, frontier.root(), None, problem, backfilled)
        if (EMPTY_ROOT if digest.size == 0 else digest_root) != digest.root:
            return AuditReport(frontier.size, frontier.root(), None, f"digest mismatch at size {digest.size}",
                               backfilled)
    return AuditReport(frontier.size, frontier.root(), backfilled=backfilled)
