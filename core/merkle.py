"""A Merkle tree over the global log: RFC 9162 §2.1 hashing, proofs and their verification.

Leaf *i* of the tree (0-based) is the leaf hash of the canonical bytes of the
event at position *i + 1* (:func:`canonical_event_bytes`). Hashes follow
RFC 9162 §2.1.1 (the same as RFC 6962 §2.1) with SHA-256:

- empty tree: ``SHA-256()``;
- leaf: ``SHA-256(0x00 || bytes)``;
- node: ``SHA-256(0x01 || left || right)``, where a tree of ``n > 1`` leaves
  splits at ``k``, the largest power of two smaller than ``n``.

Stores keep every *complete* subtree hash, addressed by :class:`NodeId`
``(level, index)``: the node of level ``l`` and index ``i`` covers leaves
``[i * 2**l, (i + 1) * 2**l)``; level 0 holds the leaf hashes. Because a tree
of any size splits into complete subtrees, every root and proof is a fold of
at most ``2 * log2(n)`` stored hashes (:func:`range_nodes`), fetched in one
lookup. :class:`Frontier` appends leaves and says which nodes each append
completes; the store writes those in the append's transaction.

Everything here is pure (hashlib only, no I/O); the stores implement
:class:`MerkleStore` and the proofs are built from what it returns.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256 as _sha256
from typing import Any, NamedTuple, Protocol

import orjson

from core.errors import StoreError
from core.events import RecordedEvent

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""RFC 9162 §2.1.1: the hash of an empty list is the hash of an empty string."""
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """Return ``SHA-256(0x00 || data)`` (RFC 9162 §2.1.1), 32 bytes."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return ``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1), 32 bytes."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


# -- the canonical encoding of an event ------------------------------------------------------

CANONICAL_FIELDS = ("data", "event_id", "metadata", "position", "recorded_at", "schema_version", "stream_id",
                    "type", "version")
"""Every stored field of an event, in the (sorted) order the canonical encoding writes them."""


def canonical_time(when: datetime) -> str:
    """Return ``when`` as the canonical encoding writes it: UTC, microseconds, ``Z``
    (``2026-01-31T12:00:00.123000Z``). A naive datetime is taken as UTC."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.isoformat(timespec="microseconds") + "Z"


def canonical_time_text(text: str) -> str:
    """Return :func:`canonical_time` of the ISO-8601 ``text`` a store kept.

    Text already in Python's ``isoformat()`` form for UTC with microseconds
    (``...T12:00:00.123000+00:00``, what the SQLite store writes) is rewritten
    without parsing, which is most of the cost of hashing a stored event.

    Raises:
        ValueError: ``text`` is not an ISO-8601 time.
    """
    if len(text) == 32 and text[19] == "." and text.endswith("+00:00"):
        return text[:26] + "Z"
    return canonical_time(datetime.fromisoformat(text))


def canonical_event_bytes(*, event_id: str, stream_id: str, version: int, position: int, type: str,
                          schema_version: int, data: Mapping[str, Any], metadata: Mapping[str, Any],
                          recorded_at: datetime | str) -> bytes:
    """Return the canonical bytes of one stored event: the input of its leaf hash.

    The encoding is defined here once (README: "Verifiable history"): a JSON
    object of exactly the fields of :data:`CANONICAL_FIELDS`, UTF-8, no
    insignificant whitespace, object keys sorted by code point at every depth
    (orjson's ``OPT_SORT_KEYS``), integers as integers, strings unescaped
    except where JSON requires it, and ``recorded_at`` as :func:`canonical_time`.
    It covers everything a store keeps of an event, as stored: the payload
    before any upcaster runs (with its stored ``schema_version``), and the
    ciphertext wherever a field is stored encrypted.

    Args:
        event_id: the event's UUID in canonical text form (36 characters).
        data, metadata: the stored JSON objects (money already as strings).
        recorded_at: the commit time, or its stored ISO-8601 text (:func:`canonical_time_text`).

    Raises:
        TypeError: a value has no JSON form (bytes, an arbitrary object).
    """
    document = {"data": data, "event_id": event_id, "metadata": metadata, "position": position,
                "recorded_at": canonical_time_text(recorded_at) if isinstance(recorded_at, str)
                else canonical_time(recorded_at), "schema_version": schema_version,
                "stream_id": stream_id, "type": type, "version": version}
    try:
        return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as error:
        raise TypeError(f"event at position {position} is not canonical JSON: {error}") from error


# -- tree geometry -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class NodeId:
    """A complete subtree: ``level`` (0 = leaf) and ``index`` among that level's nodes.
    It covers leaves ``[index * 2**level, (index + 1) * 2**level)``."""

    level: int
    index: int

    @property
    def first_leaf(self) -> int:
        return self.index << self.level

    @property
    def end_leaf(self) -> int:
        """One past the last leaf covered."""
        return (self.index + 1) << self.level


LEVELS = 64
"""Levels a storage key leaves room for (6 bits)."""


def storage_key(node: NodeId) -> int:
    """Return the integer key stores file ``node`` under: ``last leaf * 64 + level``.

    Keyed by the leaf that completes them, the nodes an append writes are
    adjacent and after every older one (an append-only B-tree, one page per
    append), and the nodes a range of leaves completes are one key range
    (:func:`completed_keys`). Fits a signed 64-bit integer up to ``2**57`` leaves.
    """
    return (node.end_leaf - 1) * LEVELS + node.level


def node_of(key: int) -> NodeId:
    """Return the node filed under storage ``key`` (inverse of :func:`storage_key`)."""
    last_leaf, level = divmod(key, LEVELS)
    return NodeId(level, ((last_leaf + 1) >> level) - 1)


def completed_keys(first_leaf: int, last_leaf: int) -> tuple[int, int]:
    """Return the inclusive storage-key range of the nodes completed by leaves ``first_leaf..last_leaf``."""
    return first_leaf * LEVELS, last_leaf * LEVELS + LEVELS - 1


def tree_size_of(last_key: int | None) -> int:
    """Return the size of a stored tree from its highest storage key (``None`` = no node)."""
    return 0 if last_key is None else last_key // LEVELS + 1


def largest_power_of_two_below(n: int) -> int:
    """Return ``k``, the largest power of two with ``k < n`` (RFC 9162 §2.1.1). Needs ``n > 1``."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[NodeId]:
    """Return the complete subtrees that make up leaves ``[start, end)``, left to right.

    For the ranges this module asks about (a tree ``[0, n)`` and the right-hand
    parts of its RFC 9162 splits, whose ``start`` is a multiple of every power
    of two up to their length), the Merkle tree hash of the range is the
    right-to-left fold of these nodes (:func:`fold`).
    """
    nodes = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while start + (1 << level) > end:
            level -= 1
        nodes.append(NodeId(level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle tree hash of a range given its :func:`range_nodes` hashes."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Return the leaf ranges whose tree hashes form ``PATH(index, D[size])``
    (RFC 9162 §2.1.3.1), from the leaf's sibling up to the root's child.

    Raises:
        ValueError: not ``0 <= index < size``.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = largest_power_of_two_below(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Return the leaf ranges whose tree hashes form ``PROOF(old_size, D[new_size])``
    (RFC 9162 §2.1.4.1, ``SUBPROOF`` unrolled), in proof order. Empty when the sizes are equal.

    Raises:
        ValueError: not ``0 < old_size <= new_size``.
    """
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    ranges: list[tuple[int, int]] = []
    m, start, end, complete = old_size, 0, new_size, True
    while m != end - start:
        k = largest_power_of_two_below(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            m -= k
            start += k
            complete = False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


# -- building the tree ------------------------------------------------------------------------


def frontier_nodes(size: int) -> list[NodeId]:
    """Return the complete subtrees on the right edge of a tree of ``size`` leaves, left to right
    (one per set bit of ``size``): all an append needs to know of the existing tree."""
    return range_nodes(0, size)


@dataclass
class Frontier:
    """The right edge of a tree: appends leaves and reports the nodes each append completes.

    Args:
        size: the number of leaves so far.
        hashes: the hashes of :func:`frontier_nodes` ``(size)``, left to right.
    """

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.hashes) != self.size.bit_count():
            raise ValueError(f"a tree of size {self.size} has {self.size.bit_count()} frontier nodes, "
                             f"not {len(self.hashes)}")

    def append(self, leaf: bytes) -> list[tuple[int, bytes]]:
        """Add the leaf hash ``leaf``; return the nodes it completes as ``(storage key, hash)``
        (:func:`storage_key`), the leaf first, then upwards."""
        return self.extend((leaf,))

    def extend(self, leaves: Iterable[bytes]) -> list[tuple[int, bytes]]:
        """Add the leaf hashes ``leaves``; return every node they complete, as :meth:`append` does,
        in storage-key order. The same as appending one by one, with less overhead per leaf."""
        completed: list[tuple[int, bytes]] = []
        add, edge, size, sha = completed.append, self.hashes, self.size, _sha256
        for leaf in leaves:
            index, key, current = size, size * LEVELS, leaf
            add((key, leaf))
            while index & 1:
                current = sha(_NODE_PREFIX + edge.pop() + current).digest()
                index >>= 1
                key += 1
                add((key, current))
            edge.append(current)
            size += 1
        self.size = size
        return completed

    def root(self) -> bytes:
        """Return the Merkle tree hash of the leaves so far."""
        return fold(self.hashes)

    def copy(self) -> Frontier:
        return Frontier(self.size, list(self.hashes))


def root_of(leaves: Iterable[bytes]) -> bytes:
    """Return the Merkle tree hash of ``leaves`` (leaf hashes), computed in memory."""
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


# -- verifying proofs (RFC 9162 §2.1.3.2 and §2.1.4.2) ------------------------------------------


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """Return the root that ``path`` proves ``leaf`` (at 0-based ``index``) is in,
    for a tree of ``size`` leaves (RFC 9162 §2.1.3.2).

    Raises:
        ValueError: the index is outside the tree or the path has the wrong length.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise ValueError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("the inclusion proof is too short")
    return result


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """Return whether ``path`` proves ``leaf`` at 0-based ``index`` in the tree of ``size`` with ``root``."""
    try:
        return root_from_inclusion_proof(index, size, leaf, path) == root
    except ValueError:
        return False


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       path: Sequence[bytes]) -> bool:
    """Return whether ``path`` proves the tree of ``new_size`` with ``new_root`` extends
    the tree of ``old_size`` with ``old_root`` (RFC 9162 §2.1.4.2)."""
    if old_size > new_size or old_size < 0:
        return False
    if old_size == new_size:
        return old_root == new_root and not path
    if old_size == 0:
        return not path
    if not path:
        return False
    proof = list(path)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the proof's first node
        proof.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for node in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# -- the storage port and what is built on it ---------------------------------------------------


class StoredLeaf(NamedTuple):
    """One event of the log as the store holds it, ready to hash (a tuple: verifying builds one per event).

    Attributes:
        position: the event's stored position.
        data: its canonical bytes, or ``None`` when the stored row cannot be
            encoded (then ``problem`` says why).
    """

    position: int
    data: bytes | None
    problem: str | None = None


class MerkleStore(Protocol):
    """The tree's storage, kept by each event store next to its log (written in the append's
    transaction). Node hashes are raw 32-byte digests."""

    async def tree_size(self) -> int:
        """Return the number of leaves the stored tree holds (0 = none yet)."""
        ...

    async def nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        """Return the stored hashes of ``ids`` (one lookup); missing nodes are absent from the result."""
        ...

    async def completed_by(self, first_leaf: int, last_leaf: int) -> dict[int, bytes]:
        """Return ``{storage key: hash}`` of the stored nodes whose last leaf is in ``first_leaf..last_leaf``
        (0-based, inclusive): every node those leaves complete (one range of :func:`completed_keys`)."""
        ...

    def leaves(self, from_position: int, batch_size: int) -> AsyncIterator[list[StoredLeaf]]:
        """Yield every stored event from ``from_position`` on, in position order, in batches,
        encoded straight from the stored row (no upcasting, no decoding into events)."""
        ...

    async def add_nodes(self, tree_size: int, new_size: int, nodes: Sequence[tuple[int, bytes]]) -> None:
        """Store ``nodes``, ``(storage key, hash)`` pairs (a backfill), growing the tree from ``tree_size``
        to ``new_size`` leaves, in one transaction that refuses to run unless the stored tree still
        has ``tree_size`` leaves.

        Raises:
            TreeChanged: the tree's size is no longer ``tree_size`` (an append or another backfill ran).
        """
        ...

    async def event_count(self) -> int:
        """Return the highest stored position (0 = empty log)."""
        ...


class TreeChanged(StoreError):
    """The stored tree grew while a backfill was computing nodes for it."""

    code = "MERKLE_TREE_CHANGED"


class MissingNodes(StoreError):
    """The stored tree lacks nodes it should hold (``chronicle verify`` says where).

    Attributes:
        missing: the absent nodes, in order.
    """

    code = "MERKLE_TREE_INCOMPLETE"

    def __init__(self, missing: Iterable[NodeId]) -> None:
        self.missing = sorted(missing)
        super().__init__(f"the Merkle tree is missing {len(self.missing)} node(s), first {self.missing[0]}")


async def _hashes(store: MerkleStore, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """Return the tree hash of each leaf range, from one lookup of their complete subtrees."""
    per_range = [range_nodes(start, end) for start, end in ranges]
    wanted = sorted({node for nodes in per_range for node in nodes})
    found = await store.nodes(wanted)
    if len(found) != len(wanted):
        raise MissingNodes(set(wanted) - set(found))
    return [fold([found[node] for node in nodes]) for nodes in per_range]


async def root_at(store: MerkleStore, size: int) -> bytes:
    """Return the root hash of the stored tree's first ``size`` leaves (``size`` <= its size).

    Raises:
        MissingNodes: the stored tree lacks a node it needs.
    """
    if size == 0:
        return EMPTY_ROOT
    return (await _hashes(store, [(0, size)]))[0]


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """``PATH`` of RFC 9162 §2.1.3: proves the event at ``position`` is leaf ``position - 1``
    of the tree of ``tree_size`` leaves whose root is ``root``."""

    position: int
    tree_size: int
    leaf_hash: bytes
    audit_path: tuple[bytes, ...]
    root: bytes


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """``PROOF`` of RFC 9162 §2.1.4: proves the tree of ``to_size`` leaves extends the one of ``from_size``."""

    from_size: int
    to_size: int
    path: tuple[bytes, ...]
    from_root: bytes
    to_root: bytes


async def inclusion_proof(store: MerkleStore, position: int, tree_size: int) -> InclusionProof:
    """Return the proof that the event at 1-based ``position`` is in the tree of ``tree_size``
    leaves, from one lookup of at most ``2 * log2(tree_size)`` stored nodes.

    Raises:
        ValueError: not ``1 <= position <= tree_size``.
        MissingNodes: the stored tree lacks a node it needs.
    """
    ranges = inclusion_ranges(position - 1, tree_size)
    hashes = await _hashes(store, [(position - 1, position), *ranges, (0, tree_size)])
    return InclusionProof(position, tree_size, hashes[0], tuple(hashes[1:-1]), hashes[-1])


async def consistency_proof(store: MerkleStore, from_size: int, to_size: int) -> ConsistencyProof:
    """Return the proof that the tree of ``to_size`` leaves extends the tree of ``from_size``.

    Raises:
        ValueError: not ``1 <= from_size <= to_size``.
        MissingNodes: the stored tree lacks a node it needs.
    """
    ranges = consistency_ranges(from_size, to_size)
    hashes = await _hashes(store, [*ranges, (0, from_size), (0, to_size)])
    return ConsistencyProof(from_size, to_size, tuple(hashes[:-2]), hashes[-2], hashes[-1])


def event_leaf_bytes(event: RecordedEvent) -> bytes:
    """Return :func:`canonical_event_bytes` of ``event`` as an append records it.

    At append time a :class:`RecordedEvent` holds exactly what the store writes
    (the payload normalised to plain JSON, the stored schema version, the
    metadata as :meth:`EventMetadata.to_dict` writes it), so this equals the
    encoding of the stored row that ``chronicle verify`` recomputes.
    """
    return canonical_event_bytes(event_id=str(event.event_id), stream_id=event.stream_id, version=event.version,
                                 position=event.position, type=event.type, schema_version=event.schema_version,
                                 data=event.data, metadata=event.metadata.to_dict(), recorded_at=event.recorded_at)
