"""The GraphQL ``Event`` type."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from core.events import RecordedEvent


@strawberry.type(description="An immutable recorded event.")
class Event:
    event_id: strawberry.ID
    stream_id: str
    version: int = strawberry.field(description="1-based ordinal within the stream.")
    position: int = strawberry.field(description="1-based, gap-free ordinal across all streams.")
    type: str
    schema_version: int
    data: JSON
    metadata: JSON = strawberry.field(
        description="correlation_id, causation_id, command_id, actor (when known), idempotency_key."
    )
    recorded_at: datetime

    @classmethod
    def from_recorded(cls, event: RecordedEvent) -> Event:
        """Translate a core :class:`RecordedEvent`."""
        return cls(
            event_id=strawberry.ID(str(event.event_id)),
            stream_id=event.stream_id,
            version=event.version,
            position=event.position,
            type=event.type,
            schema_version=event.schema_version,
            data=dict(event.data),
            metadata=event.metadata.to_dict(),
            recorded_at=event.recorded_at,
        )
