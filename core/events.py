"""Event messages: what an aggregate records and what the store hands back.

Vocabulary follows docs/architecture.md §2: a *new* event has a type, a JSON-object payload,
metadata and a client-suppliable UUIDv7 ``event_id``; a *recorded* event adds the
``stream_id``, its 1-based ``version`` in that stream, its 1-based global
``position`` (gap-free, commit order), ``recorded_at`` (UTC) and ``schema_version``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from uuid6 import uuid7

if TYPE_CHECKING:
    from core.payloads import Payload

JsonObject = Mapping[str, Any]
P = TypeVar("P", bound="Payload")


@dataclass(frozen=True, slots=True)
class EventMetadata:
    """Who and what caused an event.

    Attributes:
        correlation_id: id shared by every message of one user interaction
            (from ``X-Correlation-ID`` or generated per request).
        causation_id: id of the message that directly caused this event: the
            command id, or the causing event's id for events caused by events.
        command_id: id of the command that recorded the event.
        actor: the authenticated subject that issued the command, if any.
        idempotency_key: the client's idempotency key, if the command had one.
        command_hash: SHA-256 hex digest of the command, used to tell a retried
            command from a different command that reuses an idempotency key.
    """

    correlation_id: str | None = None
    causation_id: str | None = None
    command_id: str | None = None
    actor: str | None = None
    idempotency_key: str | None = None
    command_hash: str | None = None

    def to_dict(self) -> dict[str, str]:
        """Return the metadata as a JSON object without ``None`` entries."""
        return {name: value for name in _METADATA_FIELDS if (value := getattr(self, name)) is not None}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> EventMetadata:
        """Build metadata from a stored JSON object, ignoring unknown keys."""
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: str(v) for k, v in raw.items() if k in known and v is not None})


_METADATA_FIELDS = tuple(f.name for f in fields(EventMetadata))


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be appended.

    Attributes:
        type: the event type name, past tense (``MoneyDeposited``).
        data: the payload, a JSON object (money as decimal strings, never floats).
        metadata: correlation/causation metadata.
        event_id: UUIDv7 by default; supply a fixed id to make appends idempotent.
        schema_version: version of the payload schema of ``type`` (for upcasters).
        payload: the typed payload ``data`` was encoded from (:meth:`of`), if any.
    """

    type: str
    data: JsonObject
    metadata: EventMetadata = field(default_factory=EventMetadata)
    event_id: UUID = field(default_factory=uuid7)
    schema_version: int = 1
    payload: Payload | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, payload: Payload) -> NewEvent:
        """Return the new event of a typed ``payload`` (its type, schema version and stored object)."""
        return cls(payload.TYPE, payload.to_data(), schema_version=payload.SCHEMA_VERSION, payload=payload)


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored: a :class:`NewEvent` plus where and when it was recorded.

    Attributes:
        stream_id: the stream the event belongs to (``account-<uuid>``).
        version: 1-based ordinal within the stream.
        position: 1-based ordinal across all streams; gap-free, in commit order.
        recorded_at: timezone-aware UTC commit time.
        payload: ``data`` decoded into its type's payload class, once, by the
            store (``None`` for types without one, or data that does not decode);
            read it with :func:`payload_as`.
    """

    event_id: UUID
    type: str
    data: JsonObject
    metadata: EventMetadata
    stream_id: str
    version: int
    position: int
    recorded_at: datetime
    schema_version: int = 1
    payload: Payload | None = field(default=None, compare=False, repr=False)


def payload_as(event: RecordedEvent, payload_type: type[P]) -> P:
    """Return ``event``'s typed payload: the one the store decoded, else decoded from ``data`` now.

    Raises:
        TypeError, ValueError: ``data`` is not a ``payload_type`` payload.
    """
    if isinstance(event.payload, payload_type):
        return event.payload
    return payload_type.from_data(event.data)
