"""``rebuildProjection`` (admin): replay the whole log into one projection (docs/architecture.md §5)."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.pagination import bad_input
from core.projections import by_name


@strawberry.type(description="A rebuilt projection: how many events were replayed and its new checkpoint.")
class ProjectionRebuilt:
    name: str
    events_applied: int
    checkpoint: int


async def rebuild_projection(info: Info, name: str) -> ProjectionRebuilt:
    """Rebuild the projection called ``name`` from position 1; appends wait until it commits."""
    runtime = info.context.runtime
    try:
        (projection,) = by_name(runtime.projections, name)
    except KeyError as error:
        raise bad_input(str(error.args[0])) from None
    applied = await runtime.views.rebuild(projection)
    checkpoint = await runtime.views.checkpoint(projection.name)
    return ProjectionRebuilt(name=projection.name, events_applied=applied, checkpoint=checkpoint)
