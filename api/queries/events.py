"""``events`` and ``stream``: reading the event log itself."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.pagination import bad_input, page_size, position_cursor
from api.types.connection import Connection
from api.types.event import Event

MAX_TYPES = 50


async def events(info: Info, first: int | None = None, after: str | None = None,
                 types: list[str] | None = None) -> Connection[Event]:
    """The global log in position order; the cursor is the position."""
    runtime = info.context.runtime
    limit = page_size(first, runtime.settings.max_page_size)
    after_position = position_cursor(after)
    if types is not None and len(types) > MAX_TYPES:
        raise bad_input(f"types may list at most {MAX_TYPES} event types")
    found = await runtime.store.read_all(after_position + 1, limit + 1, types)
    items = [(str(e.position), Event.from_recorded(e)) for e in found[:limit]]
    return Connection[Event].build(items, has_next=len(found) > limit, has_previous=after_position > 0)


async def stream(info: Info, stream_id: str, after_version: int | None = None,
                 first: int | None = None) -> list[Event]:
    """One stream's events after ``afterVersion`` (exclusive), in version order."""
    runtime = info.context.runtime
    limit = page_size(first, runtime.settings.max_page_size)
    if after_version is not None and after_version < 0:
        raise bad_input("afterVersion must be >= 0")
    found = await runtime.store.read_stream(stream_id, (after_version or 0) + 1, limit)
    return [Event.from_recorded(e) for e in found]


@strawberry.type(description="A projection's checkpoint and how far it trails the log.")
class ProjectionStatus:
    name: str
    checkpoint: int
    head: int
    lag: int


async def projections(info: Info) -> list[ProjectionStatus]:
    """Every inline projection's checkpoint and lag (head position minus checkpoint)."""
    runtime = info.context.runtime
    head = await runtime.store.head_position()
    statuses = []
    for projection in runtime.projections:
        checkpoint = await runtime.views.checkpoint(projection.name)
        statuses.append(ProjectionStatus(name=projection.name, checkpoint=checkpoint, head=head,
                                         lag=head - checkpoint))
    return statuses
