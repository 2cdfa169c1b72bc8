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
    correlation_id: str | None = strawberry.field(
        description="Shared by every event of one user interaction (X-Correlation-ID, the WebSocket "
                    "connection_init payload's correlationId, or generated per request)."
    )
    causation_id: str | None = strawberry.field(
        description="The id of what directly caused the event: the command id, or the causing event's id."
    )
    command_id: str | None = strawberry.field(description="The id of the command that recorded the event.")
    actor: str | None = strawberry.field(description="Who issued the command, once authentication exists.")

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
            data=JSON(dict(event.data)),
            metadata=JSON(event.metadata.to_dict()),
            recorded_at=event.recorded_at,
            correlation_id=event.metadata.correlation_id,
            causation_id=event.metadata.causation_id,
            command_id=event.metadata.command_id,
            actor=event.metadata.actor,
        )
