"""``logDigest``, ``eventProof`` and ``consistencyProof``: what an auditor checks the log with.

Sizes and positions are checked against the tree head (the stored tree's
size, which is the log's head once the tree is backfilled); anything outside
is ``BAD_USER_INPUT`` naming the head.
"""

from __future__ import annotations

from datetime import UTC, datetime

from api.context import Info
from api.pagination import bad_input
from api.types.merkle import ConsistencyProof, InclusionProof, LogDigest
from core.merkle import consistency_proof as build_consistency_proof
from core.merkle import inclusion_proof, root_at


async def log_digest(info: Info) -> LogDigest:
    """The signed tree head of the whole tree."""
    runtime = info.context.runtime
    size = await runtime.merkle.tree_size()
    root = await root_at(runtime.merkle, size)
    signed_at = datetime.now(UTC)
    signer = runtime.signer
    if signer is None:
        raise RuntimeError("this runtime has no log signing key")
    return LogDigest(tree_size=size, root_hash=root.hex(), signed_at=signed_at,
                     signature=signer.sign(size, root, signed_at).hex(), key_id=signer.key_id,
                     public_key=signer.public_key_hex)


async def _tree_size(info: Info, requested: int | None, name: str) -> int:
    head = await info.context.runtime.merkle.tree_size()
    if requested is None:
        return head
    if not 1 <= requested <= head:
        raise bad_input(f"{name} {requested} is outside the log: the tree head is at size {head}")
    return requested


async def event_proof(info: Info, position: int, tree_size: int | None = None) -> InclusionProof:
    """The proof that the event at ``position`` is in the tree of ``treeSize`` events (default: the head)."""
    size = await _tree_size(info, tree_size, "treeSize")
    if not 1 <= position <= size:
        raise bad_input(f"position {position} is outside the tree of size {size} "
                        f"(the tree head is at size {await info.context.runtime.merkle.tree_size()})")
    return InclusionProof.from_core(await inclusion_proof(info.context.runtime.merkle, position, size))


async def consistency_proof(info: Info, from_size: int, to_size: int | None = None) -> ConsistencyProof:
    """The proof that the tree of ``toSize`` events (default: the head) extends the tree of ``fromSize``."""
    size = await _tree_size(info, to_size, "toSize")
    if not 1 <= from_size <= size:
        head = await info.context.runtime.merkle.tree_size()
        raise bad_input(f"fromSize {from_size} must be between 1 and toSize {size} (the tree head is at size {head})")
    return ConsistencyProof.from_core(await build_consistency_proof(info.context.runtime.merkle, from_size, size))
