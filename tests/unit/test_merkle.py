"""The Merkle tree of ``core.merkle`` against RFC 6962/9162 test vectors and properties.

The vectors are Google's, published with transparency-dev/merkle (Apache-2.0):
https://github.com/transparency-dev/merkle/blob/02194e9afb6c1d95b5381350007963aa70fff472/proof/verify_test.go
(``leaves``, ``roots``, ``inclusionProofs``, ``consistencyProofs``) and
https://github.com/transparency-dev/merkle/blob/78493b07ef9b552e3379abf9e23d4da26fbe797c/rfc6962/rfc6962_test.go
(``TestRFC6962Hasher``). Their ``leaf`` in ``inclusionProofs`` is 1-based, like our positions.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.merkle import (
    EMPTY_ROOT,
    Frontier,
    MissingNodes,
    NodeId,
    StoredLeaf,
    canonical_event_bytes,
    canonical_time,
    canonical_time_text,
    completed_keys,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    node_of,
    root_at,
    root_of,
    storage_key,
    tree_size_of,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
INCLUSION_PROOFS = [  # (1-based leaf, tree size, path)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (2, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY_PROOFS = [  # (size 1, size 2, path)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]


class MemoryTree:
    """A :class:`~core.merkle.MerkleStore` holding every node an append completes, in a dict."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.frontier = Frontier()
        self.stored: dict[NodeId, bytes] = {}
        self.lookups = 0
        for leaf in leaves:
            self.stored.update((node_of(key), digest) for key, digest in self.frontier.append(leaf_hash(leaf)))

    async def tree_size(self) -> int:
        return self.frontier.size

    async def nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        self.lookups += 1
        return {node: self.stored[node] for node in ids if node in self.stored}

    async def completed_by(self, first_leaf: int, last_leaf: int) -> dict[int, bytes]:
        return {storage_key(n): h for n, h in self.stored.items() if first_leaf <= n.end_leaf - 1 <= last_leaf}

    async def leaves(self, from_position: int, batch_size: int) -> AsyncIterator[list[StoredLeaf]]:
        raise NotImplementedError
        yield []

    async def add_nodes(self, tree_size: int, new_size: int, nodes: Sequence[tuple[int, bytes]]) -> None:
        raise NotImplementedError

    async def event_count(self) -> int:
        return self.frontier.size


def reference_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) exactly as RFC 9162 §2.1.1 defines it, recursively: the oracle for the stored tree."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def test_hashes_match_rfc6962_vectors() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert leaf_hash(b"L123456").hex() == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    assert node_hash(b"N123", b"N456").hex() == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"


@pytest.mark.parametrize("size", range(1, 9))
async def test_tree_hashes_match_the_published_roots(size: int) -> None:
    assert root_of(leaf_hash(leaf) for leaf in LEAVES[:size]) == ROOTS[size - 1]
    assert await root_at(MemoryTree(LEAVES), size) == ROOTS[size - 1]


@pytest.mark.parametrize(("leaf", "size", "path"), INCLUSION_PROOFS)
async def test_inclusion_proofs_match_the_published_vectors(leaf: int, size: int, path: list[str]) -> None:
    proof = await inclusion_proof(MemoryTree(LEAVES[:size]), leaf, size)

    assert [h.hex() for h in proof.audit_path] == path
    assert proof.leaf_hash == leaf_hash(LEAVES[leaf - 1])
    assert proof.root == ROOTS[size - 1]
    assert verify_inclusion(leaf - 1, size, proof.leaf_hash, proof.audit_path, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY_PROOFS)
async def test_consistency_proofs_match_the_published_vectors(old: int, new: int, path: list[str]) -> None:
    proof = await consistency_proof(MemoryTree(LEAVES[:new]), old, new)

    assert [h.hex() for h in proof.path] == path
    assert (proof.from_root, proof.to_root) == (ROOTS[old - 1], ROOTS[new - 1])
    assert verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof.path)


@pytest.mark.parametrize(("leaf", "size", "path"), [p for p in INCLUSION_PROOFS if p[2]])
def test_corrupted_inclusion_proofs_fail(leaf: int, size: int, path: list[str]) -> None:
    """The corruptions of the same test file's ``corruptInclusionProof``."""
    proof = [bytes.fromhex(h) for h in path]
    root, hashed, index = ROOTS[size - 1], leaf_hash(LEAVES[leaf - 1]), leaf - 1
    flipped = [[*proof[:i], bytes([proof[i][0] ^ 8]) + proof[i][1:], *proof[i + 1:]] for i in range(len(proof))]
    probes = [(index - 1, size, hashed, proof, root), (index + 1, size, hashed, proof, root),
              (index ^ 2, size, hashed, proof, root), (index, size * 2, hashed, proof, root),
              (index, size // 2, hashed, proof, root), (index, size, b"WrongLeaf", proof, root),
              (index, size, hashed, proof, EMPTY_ROOT), (index, size, hashed, [*proof, b""], root),
              (index, size, hashed, [*proof, root], root), (index, size, hashed, [b"", *proof], root),
              (index, size, hashed, [root, *proof], root), (index, size, hashed, proof[:-1], root),
              *((index, size, hashed, wrong, root) for wrong in flipped)]
    assert verify_inclusion(index, size, hashed, proof, root)
    assert [p for p in probes if verify_inclusion(*p)] == []


@pytest.mark.parametrize(("old", "new", "path"), [p for p in CONSISTENCY_PROOFS if p[2]])
def test_corrupted_consistency_proofs_fail(old: int, new: int, path: list[str]) -> None:
    """The corruptions of the same test file's ``corruptConsistencyProof``."""
    proof = [bytes.fromhex(h) for h in path]
    r1, r2 = ROOTS[old - 1], ROOTS[new - 1]
    flipped = [[*proof[:i], bytes([proof[i][0] ^ 16]) + proof[i][1:], *proof[i + 1:]] for i in range(len(proof))]
    probes = [(old - 1, new, r1, r2, proof), (old + 1, new, r1, r2, proof), (old ^ 2, new, r1, r2, proof),
              (old, new * 2, r1, r2, proof), (old, new // 2, r1, r2, proof), (old, new, b"WrongRoot", r2, proof),
              (old, new, r1, b"WrongRoot", proof), (old, new, r2, r1, proof), (old, new, r1, r2, []),
              (old, new, r1, r2, [*proof, b""]), (old, new, r1, r2, [*proof, r1]), (old, new, r1, r2, [*proof, r2]),
              (old, new, r1, r2, [b"", *proof]), (old, new, r1, r2, [r1, *proof]), (old, new, r1, r2, [r2, *proof]),
              (old, new, r1, r2, [proof[0], *proof]), (old, new, r1, r2, proof[:-1]),
              *((old, new, r1, r2, wrong) for wrong in flipped)]
    assert verify_consistency(old, new, r1, r2, proof)
    assert [p for p in probes if verify_consistency(*p)] == []


def test_consistency_edge_cases_of_the_published_suite() -> None:
    r1, r2 = b"don't care 1", b"don't care 2"
    assert verify_consistency(0, 0, r1, r1, [])
    assert verify_consistency(0, 1, r1, r2, [])
    assert verify_consistency(1, 1, r2, r2, [])
    assert not verify_consistency(1, 1, r1, r2, [])
    assert not verify_consistency(1, 0, r1, r2, [])
    assert not verify_consistency(2, 1, r1, r2, [])
    assert not verify_consistency(1, 2, r1, r2, [])
    assert not verify_consistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])


sizes = st.integers(min_value=1, max_value=300)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), size=sizes)
async def test_proofs_verify_for_random_sizes_and_fail_for_a_modified_leaf(data: st.DataObject, size: int) -> None:
    leaves = [i.to_bytes(4, "big") for i in range(size)]
    tree = MemoryTree(leaves)
    position = data.draw(st.integers(1, size), label="position")
    old = data.draw(st.integers(1, size), label="old size")
    root = reference_root(leaves)

    proof = await inclusion_proof(tree, position, size)
    grown = await consistency_proof(tree, old, size)

    assert tree.frontier.root() == root == proof.root
    assert len(proof.audit_path) <= size.bit_length()
    assert verify_inclusion(position - 1, size, proof.leaf_hash, proof.audit_path, root)
    assert not verify_inclusion(position - 1, size, leaf_hash(b"forged" + leaves[position - 1]),
                                proof.audit_path, root)
    assert grown.from_root == reference_root(leaves[:old])
    assert verify_consistency(old, size, grown.from_root, root, grown.path)
    modified = [*leaves]
    modified[data.draw(st.integers(0, old - 1), label="modified leaf")] += b"!"
    assert not verify_consistency(old, size, reference_root(modified[:old]), root, grown.path)


async def test_a_proof_is_one_lookup_of_log_n_nodes() -> None:
    tree = MemoryTree([i.to_bytes(4, "big") for i in range(1000)])

    await inclusion_proof(tree, 777, 1000)
    await consistency_proof(tree, 300, 999)

    assert tree.lookups == 2


async def test_a_missing_stored_node_is_reported_not_guessed() -> None:
    tree = MemoryTree(LEAVES)
    del tree.stored[NodeId(2, 0)]

    with pytest.raises(MissingNodes) as error:
        await root_at(tree, 7)  # (2, 0) + (1, 2) + (0, 6)

    assert error.value.missing == [NodeId(2, 0)]


def test_frontier_rejects_a_wrong_number_of_edge_hashes() -> None:
    with pytest.raises(ValueError, match="a tree of size 5 has 2 frontier nodes"):
        Frontier(5, [EMPTY_ROOT])


def test_canonical_encoding_sorts_keys_at_every_depth_and_normalises_time() -> None:
    fields = {"event_id": "0190c4a6-0000-7000-8000-000000000001", "stream_id": "account-1", "version": 2,
              "position": 7, "type": "MoneyDeposited", "schema_version": 2}
    one = canonical_event_bytes(**fields, data={"b": {"y": 1, "x": "é"}, "a": "1.00"}, metadata={"actor": "ann"},
                                recorded_at=datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC))
    two = canonical_event_bytes(**fields, data={"a": "1.00", "b": {"x": "é", "y": 1}}, metadata={"actor": "ann"},
                                recorded_at=datetime(2026, 1, 2, 5, 4, 5, 6000, tzinfo=timezone(timedelta(hours=2))))

    assert one == two
    assert one == ('{"data":{"a":"1.00","b":{"x":"é","y":1}},"event_id":"0190c4a6-0000-7000-8000-000000000001",'
                   '"metadata":{"actor":"ann"},"position":7,"recorded_at":"2026-01-02T03:04:05.006000Z",'
                   '"schema_version":2,"stream_id":"account-1","type":"MoneyDeposited","version":2}').encode()
    with pytest.raises(TypeError, match="position 7"):
        canonical_event_bytes(**fields, data={"x": b"raw"}, metadata={}, recorded_at=datetime.now(UTC))


def test_storage_keys_follow_append_order_and_group_the_nodes_of_a_leaf_range() -> None:
    frontier, keys = Frontier(), []
    for leaf in range(300):
        completed = [key for key, _ in frontier.append(leaf_hash(leaf.to_bytes(2, "big")))]
        keys += completed
        low, high = completed_keys(leaf, leaf)
        assert all(low <= key <= high and node_of(key).end_leaf == leaf + 1 for key in completed)
        assert all(storage_key(node_of(key)) == key for key in completed)
        assert [node_of(key).level for key in completed] == list(range(len(completed)))

    assert keys == sorted(set(keys))
    assert tree_size_of(keys[-1]) == 300
    assert tree_size_of(None) == 0


@pytest.mark.parametrize("when", [datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC),
                                  datetime(2026, 3, 4, 7, 6, 7, 1, tzinfo=timezone(timedelta(hours=2)))])
def test_stored_time_text_encodes_like_the_time_it_denotes(when: datetime) -> None:
    assert canonical_time_text(when.isoformat()) == canonical_time(when)
    assert canonical_time_text(when.astimezone(UTC).isoformat()) == canonical_time(when)
