"""The tallies domain: a visit counter per tally, capped at :data:`CAP` visits.

Aggregate ``tally`` (streams ``tally-<uuid>``); events ``TallyStarted`` (the
first count of a tally) and ``TallyCounted``; projection ``tallies`` (one
document per tally: its total and version); command :class:`CountVisits`;
domain error :class:`TallyFull`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from core.aggregate import AggregateType
from core.domain import Domain, EventType
from core.errors import InvariantViolated, ValidationFailed
from core.events import NewEvent, RecordedEvent
from core.ports import Collection, Index, ViewWriter

TALLY_STARTED = "TallyStarted"
TALLY_COUNTED = "TallyCounted"
TALLIES_COLLECTION = "tallies"
CAP = 1000
"""The most visits one tally may count."""


@dataclass(frozen=True, slots=True)
class CountVisits:
    """Count ``visits`` (1 to :data:`CAP`) on tally ``tally_id``, starting it if new."""

    tally_id: str
    visits: int


@dataclass(frozen=True, slots=True)
class Tally:
    tally_id: str = ""
    total: int = 0
    version: int = 0


class TallyFull(InvariantViolated):
    """Counting would take the tally past :data:`CAP`."""

    code = "TALLY_FULL"

    def __init__(self, tally_id: str, total: int, visits: int) -> None:
        super().__init__(f"tally {tally_id} has {total} visits; {visits} more would pass {CAP}")
        self.tally_id = tally_id
        self.total = total
        self.visits = visits


def evolve(state: Tally, event: RecordedEvent) -> Tally:
    if event.type == TALLY_STARTED:
        return Tally(tally_id=str(event.data["tally_id"]), version=event.version)
    if event.type == TALLY_COUNTED:
        return replace(state, total=state.total + int(event.data["visits"]), version=event.version)
    return replace(state, version=event.version)


def decide(command: object, state: Tally) -> Sequence[NewEvent]:
    """Raises ValidationFailed (visits out of range), TallyFull, TypeError (not a tally command)."""
    if not isinstance(command, CountVisits):
        raise TypeError(f"not a tally command: {type(command).__name__}")
    if not 1 <= command.visits <= CAP:
        raise ValidationFailed("visits", f"must be 1 to {CAP}")
    if state.total + command.visits > CAP:
        raise TallyFull(command.tally_id, state.total, command.visits)
    started = [] if state.version else [NewEvent(TALLY_STARTED, {"tally_id": command.tally_id})]
    return [*started, NewEvent(TALLY_COUNTED, {"tally_id": command.tally_id, "visits": command.visits})]


TALLY = AggregateType[Tally](name="tally", initial=Tally(), evolve=evolve, decide=decide)


class TalliesProjection:
    """Writes the ``tallies`` read model: ``{id, total, version}`` per tally."""

    name = TALLIES_COLLECTION
    event_types = frozenset({TALLY_STARTED, TALLY_COUNTED})
    collections = (Collection(TALLIES_COLLECTION, (Index(("total",)),)),)

    async def apply(self, event: RecordedEvent, view: ViewWriter) -> None:
        tally_id = str(event.data["tally_id"])
        document = await view.get(TALLIES_COLLECTION, tally_id) or {"id": tally_id, "total": 0}
        if event.type == TALLY_COUNTED:
            document["total"] = int(document["total"]) + int(event.data["visits"])
        document["version"] = event.version
        await view.put(TALLIES_COLLECTION, tally_id, document)


TALLIES = Domain(
    name="tallies",
    aggregates=(TALLY,),
    events=(EventType(TALLY_STARTED), EventType(TALLY_COUNTED)),
    projections=(TalliesProjection(),),
    commands=(CountVisits,),
    errors=(TallyFull,),
)
