"""GraphQL types of the verifiable log: a signed tree head and the two RFC 9162 proofs.

Hashes are lowercase hex; a proof's hashes are in RFC 9162 order (§2.1.3.1 and §2.1.4.1).
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from core.merkle import ConsistencyProof as CoreConsistencyProof
from core.merkle import InclusionProof as CoreInclusionProof


@strawberry.type(description="A signed tree head: the Merkle root of the log's first treeSize events. Save it; "
                             "a later consistencyProof (or `chronicle verify --digest SIZE:ROOT`) shows the log "
                             "was only appended to since.")
class LogDigest:
    tree_size: int = strawberry.field(description="Events covered: positions 1 to treeSize.")
    root_hash: str = strawberry.field(description="RFC 9162 Merkle tree hash (SHA-256), lowercase hex.")
    signed_at: datetime
    signature: str = strawberry.field(
        description="Ed25519 signature, lowercase hex, of the UTF-8 text 'chronicle-log-digest/v1\\n<treeSize>\\n"
                    "<rootHash>\\n<signedAt as YYYY-MM-DDTHH:MM:SS.ffffffZ>\\n'.")
    key_id: str = strawberry.field(description="Lowercase hex SHA-256 of the raw Ed25519 public key.")
    public_key: str = strawberry.field(description="The raw 32-byte Ed25519 public key, lowercase hex. "
                                                   "Pin it (or its keyId) rather than trusting it from here.")


@strawberry.type(description="RFC 9162 §2.1.3 inclusion proof: the event at position is leaf position - 1 of "
                             "the tree of treeSize events.")
class InclusionProof:
    position: int
    tree_size: int
    leaf_hash: str = strawberry.field(description="SHA-256(0x00 || canonical bytes of the event), lowercase hex.")
    audit_path: list[str] = strawberry.field(description="Sibling hashes from the leaf up, lowercase hex.")
    root_hash: str = strawberry.field(description="The root of the tree of treeSize events the path leads to.")

    @classmethod
    def from_core(cls, proof: CoreInclusionProof) -> InclusionProof:
        return cls(position=proof.position, tree_size=proof.tree_size, leaf_hash=proof.leaf_hash.hex(),
                   audit_path=[h.hex() for h in proof.audit_path], root_hash=proof.root.hex())


@strawberry.type(description="RFC 9162 §2.1.4 consistency proof: the tree of toSize events extends the tree of "
                             "fromSize events.")
class ConsistencyProof:
    from_size: int
    to_size: int
    path: list[str] = strawberry.field(description="Subtree hashes in RFC 9162 order, lowercase hex.")
    from_root_hash: str
    to_root_hash: str

    @classmethod
    def from_core(cls, proof: CoreConsistencyProof) -> ConsistencyProof:
        return cls(from_size=proof.from_size, to_size=proof.to_size, path=[h.hex() for h in proof.path],
                   from_root_hash=proof.from_root.hex(), to_root_hash=proof.to_root.hex())
