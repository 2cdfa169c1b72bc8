"""Snapshots: an optimisation of aggregate loading, never a source of truth.

A :class:`Snapshot` records an aggregate's state at one stream version together
with the aggregate's ``schema_version``; a snapshot of another schema version is
ignored (docs/architecture.md §4). Deleting every snapshot changes no result.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from core.aggregate import AggregateType
from core.errors import StoreError

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 20
"""Events folded past the last snapshot before a new one is saved."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An aggregate's serialised state at ``version`` of ``stream_id``."""

    stream_id: str
    version: int
    state: dict[str, Any]
    schema_version: int


class SnapshotStore(Protocol):
    """Storage port for snapshots: every saved snapshot of a stream, by version, so that a
    temporal read (up to some version) can start from the nearest one at or below it.
    Storage grows by one snapshot per snapshot interval of events (5 % of the event
    count at the default interval of 20)."""

    async def load(self, stream_id: str, at_or_below: int | None = None) -> Snapshot | None:
        """Return the snapshot of ``stream_id`` with the highest version that is at most
        ``at_or_below`` (``None``: the newest), or ``None`` when there is none.

        Raises:
            StoreUnavailable: the backend cannot be reached.
        """
        ...

    async def save(self, snapshot: Snapshot) -> None:
        """Store ``snapshot`` at its version (replacing one saved at the same version) and
        remove the stream's snapshots of any other schema version, so that loads never
        pass over a usable snapshot for an unusable one. A snapshot at a lower version
        than the newest is kept too: nothing newer is ever lost.

        Raises:
            StoreUnavailable: the backend cannot be reached.
        """
        ...

    async def delete_all(self) -> None:
        """Delete every snapshot."""
        ...


class SnapshotPolicy(Protocol):
    """How the command processor uses snapshots."""

    async def latest(self, aggregate: AggregateType[Any], stream_id: str,
                     at_or_below: int | None = None) -> tuple[Any, int] | None:
        """Return ``(state, version)`` of the newest trustworthy snapshot whose version is
        at most ``at_or_below`` (``None``: any), or ``None``."""
        ...

    async def maybe_save(self, aggregate: AggregateType[Any], stream_id: str, state: Any,
                         version: int, events_since_snapshot: int) -> bool:
        """Save a snapshot of ``state`` at ``version`` when the policy's interval
        says so; ``events_since_snapshot`` counts the stream's events after its
        last snapshot. Returns whether a snapshot was saved."""
        ...


class IntervalSnapshotPolicy:
    """Saves a snapshot every N events per aggregate type; trusts only snapshots
    of the aggregate's current ``schema_version`` (docs/architecture.md §4).

    Args:
        store: where snapshots live.
        interval: N for aggregate types not in ``intervals``; 0 disables snapshots.
        intervals: per aggregate type name (``{"account": 50}``), overriding ``interval``.

    Aggregates without ``to_snapshot``/``from_snapshot`` are never snapshotted.
    A snapshot that fails to deserialise is ignored like one of another schema
    version, and a failure to save one is logged, never raised: snapshots are
    an optimisation only.
    """

    def __init__(self, store: SnapshotStore, *, interval: int = DEFAULT_INTERVAL,
                 intervals: Mapping[str, int] | None = None) -> None:
        if interval < 0 or any(n < 0 for n in (intervals or {}).values()):
            raise ValueError("snapshot intervals must be >= 0")
        self.store = store
        self._interval = interval
        self._intervals = dict(intervals or {})

    def interval(self, aggregate: AggregateType[Any]) -> int:
        """Return N for ``aggregate`` (0 = never snapshot)."""
        if aggregate.to_snapshot is None or aggregate.from_snapshot is None:
            return 0
        return self._intervals.get(aggregate.name, self._interval)

    async def latest(self, aggregate: AggregateType[Any], stream_id: str,
                     at_or_below: int | None = None) -> tuple[Any, int] | None:
        """Return ``(state, version)`` from the stream's newest snapshot at or below
        ``at_or_below``, or ``None`` when there is none, snapshots are off for the
        type, or it cannot be trusted."""
        if self.interval(aggregate) == 0 or aggregate.from_snapshot is None:
            return None
        snapshot = await self.store.load(stream_id, at_or_below)
        if snapshot is None or snapshot.schema_version != aggregate.schema_version:
            return None
        try:
            return aggregate.from_snapshot(snapshot.state), snapshot.version
        except (KeyError, ValueError, TypeError, ArithmeticError):
            log.warning("ignoring an unreadable snapshot of %s at version %d", stream_id, snapshot.version)
            return None

    async def maybe_save(self, aggregate: AggregateType[Any], stream_id: str, state: Any,
                         version: int, events_since_snapshot: int) -> bool:
        """Save ``state`` at ``version`` when at least N events follow the last
        snapshot; return whether a snapshot was saved."""
        every = self.interval(aggregate)
        if every == 0 or events_since_snapshot < every or aggregate.to_snapshot is None:
            return False
        snapshot = Snapshot(stream_id, version, aggregate.to_snapshot(state), aggregate.schema_version)
        try:
            await self.store.save(snapshot)
        except StoreError:
            log.warning("could not save a snapshot of %s at version %d", stream_id, version, exc_info=True)
            return False
        return True
