"""The tallies domain: a visit counter per tally, capped at :data:`CAP` visits.

Aggregate ``tally`` (streams ``tally-<uuid>``); events ``TallyStarted`` (the
first count of a tally) and ``TallyCounted``, typed payloads (:mod:`core.payloads`); projection ``tallies`` (one
document per tally: its total and version); command :class:`CountVisits`;
domain error :class:`TallyFull`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from core.aggregate import AggregateType
from core.domain import Domain, EventType
from core.errors import InvariantViolated, ValidationFailed
from core.events import NewEvent, RecordedEvent, payload_as
from core.payloads import Payload
from core.ports import Collection, Index, ViewWriter

TALLIES_COLLECTION = "tallies"
CAP = 1000
"""The most visits one tally may count."""


@dataclass(frozen=True, slots=True)
class TallyStarted(Payload):
    TYPE = "TallyStarted"

    tally_id: str


@dataclass(frozen=True, slots=True)
class TallyCounted(Payload):
    TYPE = "TallyCounted"

    tally_id: str
    visits: int


TALLY_STARTED = TallyStarted.TYPE
TALLY_COUNTED = TallyCounted.TYPE


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
        return Tally(tally_id=payload_as(event, TallyStarted).tally_id, version=event.version)
    if event.type == TALLY_COUNTED:
        return replace(state, total=state.total + payload_as(event, TallyCounted).visits, version=event.version)
    return replace(state, version=event.version)


def decide(command: object, state: Tally) -> Sequence[NewEvent]:
    """Raises ValidationFailed (visits out of range), TallyFull, TypeError (not a tally command)."""
    if not isinstance(command, CountVisits):
        raise TypeError(f"not a tally command: {type(command).__name__}")
    if not 1 <= command.visits <= CAP:
        raise ValidationFailed("visits", f"must be 1 to {CAP}")
    if state.total + command.visits > CAP:
        raise TallyFull(command.tally_id, state.total, command.visits)
    started = [] if state.version else [NewEvent.of(TallyStarted(command.tally_id))]
    return [*started, NewEvent.of(TallyCounted(command.tally_id, command.visits))]


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
            document["total"] = int(document["total"]) + payload_as(event, TallyCounted).visits
        document["version"] = event.version
        await view.put(TALLIES_COLLECTION, tally_id, document)


TALLIES = Domain(
    name="tallies",
    aggregates=(TALLY,),
    events=(EventType.of(TallyStarted), EventType.of(TallyCounted)),
    projections=(TalliesProjection(),),
    commands=(CountVisits,),
    errors=(TallyFull,),
)
