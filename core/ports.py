"""Ports: what the core needs from storage, as ``typing.Protocol`` classes.

Every backend (``SqliteEventStore``, ``MongoEventStore``) implements these and
passes the one contract suite in ``tests/contract``.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from core.events import NewEvent, RecordedEvent


class StreamState(enum.Enum):
    """Symbolic expected versions with KurrentDB's semantics.

    ``ANY``: append whatever the stream's state. ``NO_STREAM``: the stream must
    not exist yet. ``STREAM_EXISTS``: the stream must hold at least one event.
    See https://docs.kurrent.io/clients/python/v1.0/appending-events.html
    """

    ANY = "any"
    NO_STREAM = "no_stream"
    STREAM_EXISTS = "stream_exists"


ANY = StreamState.ANY
NO_STREAM = StreamState.NO_STREAM
STREAM_EXISTS = StreamState.STREAM_EXISTS

ExpectedVersion = int | StreamState
"""An int N means "the stream's last version is exactly N" (0 = no events)."""


def check_expected_version(stream_id: str, expected: ExpectedVersion, actual: int) -> None:
    """Raise if a stream at version ``actual`` (0 = absent) does not match ``expected``.

    Raises:
        ConcurrencyError: on mismatch.
    """
    from core.errors import ConcurrencyError

    if expected is ANY:
        return
    if expected is NO_STREAM:
        ok = actual == 0
    elif expected is STREAM_EXISTS:
        ok = actual > 0
    else:
        ok = actual == expected
    if not ok:
        shown = expected.value if isinstance(expected, StreamState) else expected
        raise ConcurrencyError(stream_id, shown, actual)


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What an append recorded.

    Attributes:
        stream_id: the stream appended to.
        events: the recorded events, in order (their versions and positions).
        version: the stream's version after the append (its last event's version).
        position: the global position of the last recorded event.
    """

    stream_id: str
    events: tuple[RecordedEvent, ...]

    @property
    def version(self) -> int:
        return self.events[-1].version

    @property
    def position(self) -> int:
        return self.events[-1].position


@dataclass(frozen=True, slots=True)
class Index:
    """A secondary index a projection needs on one of its collections.

    ``fields`` are top-level document fields; ``unique`` makes it a unique index.
    """

    fields: tuple[str, ...]
    unique: bool = False


class Operation(enum.Enum):
    """What code does to a read-model collection, in MongoDB's privilege action names.

    ``ViewWriter.put`` is an upsert (``INSERT`` and ``UPDATE``), ``ViewWriter.delete``
    is a ``REMOVE``, every read is a ``FIND``. Rebuilds create, index and drop
    collections on their own account; a store adds those.
    """

    FIND = "find"
    INSERT = "insert"
    UPDATE = "update"
    REMOVE = "remove"


UPSERTED = frozenset({Operation.FIND, Operation.INSERT, Operation.UPDATE})
"""The operations of a collection whose documents are only read and put."""


@dataclass(frozen=True, slots=True)
class Collection:
    """A read-model collection (table) owned by one projection: a store-neutral
    description each backend turns into its own DDL and indexes.

    Attributes:
        name: lower-case identifier; SQLite keeps it in ``view_<name>``.
        indexes: secondary indexes (every document is keyed by its string key).
        operations: what the code does to it (:class:`Operation`); a
            projection that deletes documents adds ``REMOVE``.
    """

    name: str
    indexes: tuple[Index, ...] = ()
    operations: frozenset[Operation] = UPSERTED


class ViewWriter(Protocol):
    """Read-model access bound to one transaction (the append's, or a rebuild batch's).

    Documents are JSON objects keyed by a string ``key``; reads see the
    transaction's own uncommitted writes.
    """

    async def get(self, collection: str, key: str) -> dict[str, Any] | None:
        """Return the document at ``key`` or ``None``."""
        ...

    async def put(self, collection: str, key: str, document: Mapping[str, Any]) -> None:
        """Insert or replace the document at ``key``."""
        ...

    async def delete(self, collection: str, key: str) -> None:
        """Delete the document at ``key`` if present."""
        ...


class Projection(Protocol):
    """A fold of events into read-model documents (docs/architecture.md §5).

    ``apply`` runs inside the append's transaction for each recorded event
    whose type is in ``event_types``; it must be deterministic so that a
    rebuild (replay from position 1) gives exactly the live rows.
    """

    @property
    def name(self) -> str:
        """Unique name; its checkpoint is kept under it."""
        ...

    @property
    def event_types(self) -> frozenset[str]:
        """The event types :meth:`apply` is called for."""
        ...

    @property
    def collections(self) -> tuple[Collection, ...]:
        """The read-model collections it owns (created by the stores, cleared by a rebuild)."""
        ...

    async def apply(self, event: RecordedEvent, view: ViewWriter) -> None:
        """Apply one event to the read model."""
        ...


@dataclass(frozen=True, slots=True)
class Page:
    """One page of read-model documents in key order.

    ``documents`` holds ``(key, document)`` pairs; ``has_next`` says whether more
    documents follow the last one.
    """

    documents: tuple[tuple[str, dict[str, Any]], ...]
    has_next: bool


class ViewReader(Protocol):
    """Query side of the projection storage (committed data only)."""

    async def get(self, collection: str, key: str) -> dict[str, Any] | None:
        """Return the document at ``key`` or ``None``."""
        ...

    async def find(
        self,
        collection: str,
        *,
        equals: Mapping[str, Any] | None = None,
        contains: Mapping[str, str] | None = None,
        after_key: str | None = None,
        limit: int = 50,
        backwards: bool = False,
    ) -> Page:
        """Return documents in key order (descending when ``backwards``).

        Args:
            equals: field -> value filters, all of which must match exactly.
            contains: field -> substring filters (case-insensitive); a document
                matches when ANY of these fields contains its substring.
            after_key: exclusive cursor: only keys after it (before it when
                ``backwards``).
            limit: page size, >= 1.
        """
        ...

    async def checkpoint(self, projection: str) -> int:
        """Return the last position ``projection`` applied (0 = none)."""
        ...


class ProjectionStore(ViewReader, Protocol):
    """Storage for read models: querying plus replay-based rebuilds."""

    async def rebuild(self, projection: Projection, *, batch_size: int = 1000,
                      progress: Any = None) -> int:
        """Clear ``projection``'s collections and replay the whole log into them.

        Args:
            batch_size: events applied per transaction.
            progress: optional callable ``(applied: int, total: int) -> None``.

        Returns:
            The number of events applied. The checkpoint ends at the log's head.
        """
        ...


class EventStore(Protocol):
    """The append-only event log (docs/architecture.md §3)."""

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        expected_version: ExpectedVersion,
    ) -> AppendResult:
        """Append ``events`` atomically (all or nothing) to ``stream_id``.

        Inline projections registered with the store are applied, and their
        checkpoints written, in the same transaction.

        Returns:
            The recorded events with their versions and gap-free positions.
            Re-appending events whose ``event_id``s are already in this stream
            returns the original result and appends nothing.

        Raises:
            ConcurrencyError: the stream does not match ``expected_version``.
            ValueError: ``events`` is empty or repeats an event id.
            DuplicateEventId: some ids are already recorded, but not exactly
                these events in this stream.
            StoreUnavailable: the backend cannot be reached.
        """
        ...

    async def read_stream(
        self,
        stream_id: str,
        from_version: int = 1,
        limit: int | None = None,
        backwards: bool = False,
    ) -> list[RecordedEvent]:
        """Return a stream's events from ``from_version`` (inclusive) in version order.

        ``backwards`` reads from ``from_version`` down (use a large number for
        "from the end"). An absent stream yields ``[]``.
        """
        ...

    async def read_all(
        self,
        from_position: int = 1,
        limit: int | None = None,
        types: Sequence[str] | None = None,
        backwards: bool = False,
    ) -> list[RecordedEvent]:
        """Return events of all streams from ``from_position`` (inclusive) in position order.

        ``types`` keeps only those event types; ``backwards`` walks down.
        """
        ...

    async def stream_version(self, stream_id: str) -> int:
        """Return the stream's last version, 0 when it does not exist."""
        ...

    async def first_version_recorded_after(self, stream_id: str, time: datetime) -> int | None:
        """Return the lowest version of ``stream_id`` whose event was recorded after ``time``
        (an aware datetime), or ``None`` when none was (or the stream is absent).

        Temporal reads use it to turn "as of a time" into "up to a version" without
        decoding the stream: the answer bounds the fold exactly as stopping at the first
        event recorded after ``time`` would. Backends compare at their stored precision
        (MongoDB: milliseconds, which it also returns), so the bound agrees with the
        ``recorded_at`` that :meth:`read_stream` returns.

        Raises:
            StoreUnavailable: the backend cannot be reached.
        """
        ...

    async def find_event(self, event_id: UUID) -> RecordedEvent | None:
        """Return the event with ``event_id`` or ``None``."""
        ...

    async def head_position(self) -> int:
        """Return the position of the last committed event (0 for an empty log)."""
        ...

    def subscribe(
        self, from_position: int | None = None, types: Sequence[str] | None = None
    ) -> AsyncIterator[RecordedEvent]:
        """Yield events from ``from_position`` (inclusive), catching up from the
        store and then following new appends live, in position order with no gap
        and no duplicate across the switch. ``None`` starts after the current head.
        Memory per subscriber is bounded: a subscriber that falls behind reads
        from the store again.
        """
        ...

    async def close(self) -> None:
        """Release connections and stop background tasks."""
        ...
