"""Backend-neutral steps of ``append``: recognising an idempotent repeat and
building the :class:`RecordedEvent`s of a new append.

Both backends decide these the same way (docs/architecture.md §3), so the rules live here
once and each backend only does its own I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.errors import DuplicateEventId
from core.events import NewEvent, RecordedEvent
from core.ports import AppendResult
from store.codec import EventCodec, to_json_object


def check_new_events(events: Sequence[NewEvent]) -> None:
    """Refuse an append that cannot be valid whatever the store holds.

    Raises:
        ValueError: ``events`` is empty or repeats an ``event_id``.
    """
    if not events:
        raise ValueError("append needs at least one event")
    if len({e.event_id for e in events}) != len(events):
        raise ValueError("append repeats an event id")


def earlier_append(stream_id: str, events: Sequence[NewEvent],
                   found: Sequence[RecordedEvent]) -> AppendResult | None:
    """Decide whether an append of ``events`` repeats an earlier one.

    Args:
        found: the stored events whose ``event_id`` is among ``events``' ids, in
            position order.

    Returns:
        ``None`` when none of the ids is stored (a new append); the original
        result when exactly these ids were appended, in this order, to ``stream_id``.

    Raises:
        DuplicateEventId: some ids exist elsewhere, or only some of them exist.
    """
    if not found:
        return None
    ids = [e.event_id for e in events]
    if [e.event_id for e in found] == ids and all(e.stream_id == stream_id for e in found):
        return AppendResult(stream_id, tuple(found))
    raise DuplicateEventId(stream_id, found[0].event_id)


def record(codec: EventCodec, stream_id: str, events: Sequence[NewEvent], version: int, head: int,
           recorded_at: datetime) -> list[RecordedEvent]:
    """Return ``events`` as recorded after stream version ``version`` and global
    position ``head``: versions ``version + 1 ...``, positions ``head + 1 ...``.

    Payload and metadata are normalised to plain JSON objects (``Decimal`` and
    ``UUID`` as strings), exactly what a later read decodes, so inline
    projections see the same event a rebuild will.
    """
    recorded = []
    for offset, event in enumerate(events, start=1):
        data = to_json_object(event.data)
        recorded.append(RecordedEvent(
            event_id=event.event_id, type=event.type, data=data,
            metadata=event.metadata, stream_id=stream_id, version=version + offset,
            position=head + offset, recorded_at=recorded_at, schema_version=codec.schema_version(event),
            payload=codec.payload(event, data),
        ))
    return recorded
