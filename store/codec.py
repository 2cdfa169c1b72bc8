"""Maps events to stored documents/rows and back, applying upcasters on read.

Both backends store the same document shape (docs/architecture.md §3): ``event_id``,
``stream_id``, ``version``, ``position``, ``type``, ``schema_version``, ``data``,
``metadata`` and ``recorded_at``. Payloads are JSON objects; ``Decimal`` values
are written as strings so money never passes through a float.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson

from core.errors import CorruptEvent
from core.events import EventMetadata, NewEvent, RecordedEvent
from core.payloads import Payload
from core.registry import EventTypeRegistry


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: object) -> str:
    """Serialise ``value`` to compact JSON text (``Decimal`` and ``UUID`` as strings)."""
    return orjson.dumps(value, default=_default).decode()


def loads(text: str | bytes) -> Any:
    """Parse JSON text."""
    return orjson.loads(text)


def to_json_object(value: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``value`` as plain JSON data (``Decimal`` and ``UUID`` become strings)."""
    return dict(loads(dumps(value)))


def utc_now() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(UTC)


class EventCodec:
    """Encodes new events and decodes stored ones through an upcaster registry.

    Args:
        registry: known event types and their upcasters. Stored events of an
            older schema version are upcast on every read path.
    """

    def __init__(self, registry: EventTypeRegistry) -> None:
        self.registry = registry

    def payload(self, event: NewEvent, data: Mapping[str, Any]) -> Payload | None:
        """Return the typed payload of a new event about to be recorded with ``data``:
        the one it was built from, else ``data`` decoded through the registry."""
        return event.payload if event.payload is not None else self.registry.decode_payload(event.type, data)

    def schema_version(self, event: NewEvent) -> int:
        """Return the schema version to store for ``event`` (its type's current one)."""
        if self.registry.is_known(event.type):
            return self.registry.current_version(event.type)
        return event.schema_version

    def decode(
        self,
        *,
        event_id: str | UUID,
        stream_id: str,
        version: int,
        position: int,
        type: str,
        schema_version: int,
        data: Mapping[str, Any] | str | bytes,
        metadata: Mapping[str, Any] | str | bytes,
        recorded_at: datetime | str,
    ) -> RecordedEvent:
        """Build a :class:`RecordedEvent` from stored fields, upcasting its payload.

        Raises:
            CorruptEvent: a field cannot be decoded.
        """
        try:
            raw_data = loads(data) if isinstance(data, (str, bytes)) else data
            raw_meta = loads(metadata) if isinstance(metadata, (str, bytes)) else metadata
            payload, current = self.registry.upcast(type, schema_version, raw_data)
            when = datetime.fromisoformat(recorded_at) if isinstance(recorded_at, str) else recorded_at
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return RecordedEvent(
                event_id=event_id if isinstance(event_id, UUID) else UUID(event_id),
                type=type,
                data=payload,
                metadata=EventMetadata.from_dict(raw_meta),
                stream_id=stream_id,
                version=version,
                position=position,
                recorded_at=when,
                schema_version=current,
                payload=self.registry.decode_payload(type, payload),
            )
        except (ValueError, TypeError, KeyError, orjson.JSONDecodeError) as error:
            raise CorruptEvent(f"event at position {position} cannot be decoded: {error}") from error
