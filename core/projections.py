"""The projection runner: applies events to projections and tracks checkpoints.

Backends call :func:`apply_events` inside the append transaction (inline
projections, docs/architecture.md §5) and inside each rebuild batch, so live rows and
rebuilt rows come from the same code. A projection's checkpoint is the last
position it has seen, advanced for every event whether or not it handles the
type, so ``head - checkpoint`` is its lag.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.events import RecordedEvent
from core.ports import Projection, ViewWriter

CHECKPOINTS = "checkpoints"
"""Collection holding one ``{"position": int}`` document per projection name."""


async def apply_events(projections: Sequence[Projection], events: Sequence[RecordedEvent],
                       view: ViewWriter) -> None:
    """Apply ``events`` (in position order) to each projection and advance its checkpoint.

    Events at or below a projection's checkpoint are skipped, so replaying a
    batch twice is harmless.
    """
    if not events:
        return
    for projection in projections:
        stored = await view.get(CHECKPOINTS, projection.name)
        checkpoint = int(stored["position"]) if stored else 0
        for event in events:
            if event.position > checkpoint and event.type in projection.event_types:
                await projection.apply(event, view)
        if events[-1].position > checkpoint:
            await view.put(CHECKPOINTS, projection.name, {"position": events[-1].position})


def by_name(projections: Sequence[Projection], name: str | None) -> list[Projection]:
    """Return the projection called ``name`` (all when ``None``).

    Raises:
        KeyError: no projection has that name.
    """
    if name is None:
        return list(projections)
    chosen = [p for p in projections if p.name == name]
    if not chosen:
        known = ", ".join(p.name for p in projections)
        raise KeyError(f"unknown projection {name!r}; known: {known}")
    return chosen
