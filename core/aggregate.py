"""Aggregates as a state type plus two pure functions (STYLE.md §2).

``decide(command, state) -> list[NewEvent]`` checks invariants and records new
events; ``evolve(state, event) -> state`` folds one recorded event into the state
and never fails. This is the "functional event sourcing" shape described by
Jérémie Chassaing ("Functional Event Sourcing Decider", 2021).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from core.events import NewEvent, RecordedEvent

S = TypeVar("S")


@dataclass(frozen=True)
class AggregateType(Generic[S]):
    """Describes one kind of aggregate to the command processor.

    Attributes:
        name: the stream prefix and aggregate name (``"account"``).
        initial: the state of a stream with no events.
        evolve: folds one recorded event into the state; never raises.
        decide: turns a command and the current state into new events, or
            raises a :class:`core.errors.DomainError`.
        schema_version: version of the state's shape, stamped on snapshots;
            bump it whenever ``to_snapshot``'s output changes meaning.
        to_snapshot: serialises a state to a JSON object (``None``: this
            aggregate is never snapshotted).
        from_snapshot: the inverse of ``to_snapshot``; may raise ``KeyError``,
            ``ValueError`` or ``TypeError`` on a malformed object.
    """

    name: str
    initial: S
    evolve: Callable[[S, RecordedEvent], S]
    decide: Callable[[Any, S], Sequence[NewEvent]]
    schema_version: int = 1
    to_snapshot: Callable[[S], dict[str, Any]] | None = None
    from_snapshot: Callable[[dict[str, Any]], S] | None = None

    def stream_id(self, entity_id: str) -> str:
        """Return the stream id of the aggregate with ``entity_id`` (``account-<id>``)."""
        return f"{self.name}-{entity_id}"

    def fold(self, events: Sequence[RecordedEvent], state: S | None = None) -> S:
        """Fold ``events`` into ``state`` (the initial state by default)."""
        current = self.initial if state is None else state
        for event in events:
            current = self.evolve(current, event)
        return current
