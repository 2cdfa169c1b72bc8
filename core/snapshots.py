"""Snapshots: an optimisation of aggregate loading, never a source of truth.

A :class:`Snapshot` records an aggregate's state at one stream version together
with the aggregate's ``schema_version``; a snapshot of another schema version is
ignored (DESIGN.md §4). Deleting every snapshot changes no result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from core.aggregate import AggregateType


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An aggregate's serialised state at ``version`` of ``stream_id``."""

    stream_id: str
    version: int
    state: dict[str, Any]
    schema_version: int


class SnapshotStore(Protocol):
    """Storage port for snapshots (one latest snapshot per stream suffices)."""

    async def load(self, stream_id: str) -> Snapshot | None:
        """Return the newest snapshot of ``stream_id`` or ``None``."""
        ...

    async def save(self, snapshot: Snapshot) -> None:
        """Store ``snapshot`` unless a newer one of the stream exists."""
        ...

    async def delete_all(self) -> None:
        """Delete every snapshot."""
        ...


class SnapshotPolicy(Protocol):
    """How the command processor uses snapshots."""

    async def latest(self, aggregate: AggregateType[Any], stream_id: str) -> tuple[Any, int] | None:
        """Return ``(state, version)`` of a trustworthy snapshot, or ``None``."""
        ...

    async def maybe_save(self, aggregate: AggregateType[Any], stream_id: str, state: Any,
                         version: int, events_folded: int) -> None:
        """Save a snapshot when the policy's interval says so."""
        ...
