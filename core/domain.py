"""How a domain declares itself, once (STYLE.md §2, "A domain declares itself once").

A :class:`Domain` lists what a domain package brings: its aggregate types (their
names are the stream prefixes), its event types with their schema versions and
upcasters, its inline projections (each naming the read-model collections and
indexes it owns), its process managers, its commands and its domain errors.
:class:`core.registry.DomainRegistry` composes the domains; everything else that
needs one of these facts (the composition root, the stores' schema set-up, the
contract-test fixtures, the metrics labels, the MongoDB privileges) reads it
from there, so no second list can drift.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from core.aggregate import AggregateType
from core.errors import DomainError
from core.payloads import Payload
from core.ports import Projection, ViewReader
from core.processor import CommandProcessor

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns the stored payload of one schema version into the next one's."""

StepHook = Callable[[str], None]
"""Called by a process manager with a step's name right after that step was appended."""


@dataclass(frozen=True)
class EventType:
    """One event type of a domain.

    Attributes:
        name: the stored ``type``, past tense (``MoneyDeposited``); unique across domains.
        schema_version: the newest payload schema; new events are written at it.
        upcasters: ``upcasters[i]`` turns a version ``i + 1`` payload into version
            ``i + 2`` (``upcast_money_deposited_v1_to_v2`` first), so there is exactly
            one per version below ``schema_version``.
        payload: the typed payload class (:mod:`core.payloads`) the stores
            decode this type's current-version ``data`` into; see :meth:`of`.

    Raises:
        ValueError: (on construction) the number of upcasters is not ``schema_version - 1``.
    """

    name: str
    schema_version: int = 1
    upcasters: tuple[Upcaster, ...] = ()
    payload: type[Payload] | None = None

    @classmethod
    def of(cls, payload: type[Payload], *upcasters: Upcaster) -> EventType:
        """Declare the event type of ``payload`` (its ``TYPE`` and ``SCHEMA_VERSION``)."""
        return cls(payload.TYPE, payload.SCHEMA_VERSION, upcasters, payload)

    def __post_init__(self) -> None:
        if self.schema_version < 1 or len(self.upcasters) != self.schema_version - 1:
            raise ValueError(f"{self.name}: schema version {self.schema_version} needs "
                             f"{self.schema_version - 1} upcaster(s), got {len(self.upcasters)}")


class ProcessManager(Protocol):
    """A running process manager (a saga): drives steps on other aggregates."""

    async def recover(self, views: ViewReader) -> Sequence[str]:
        """Finish or compensate the runs a crash interrupted; return their ids."""
        ...


P = TypeVar("P", bound=ProcessManager)


@dataclass(frozen=True)
class ProcessManagerType(Generic[P]):
    """Declares a process manager; the composition root builds one per runtime.

    Attributes:
        name: unique name (``transfers``).
        build: ``(processor, after_step) -> manager``; ``after_step`` is the
            test-only fault-injection hook (``None`` in production).
    """

    name: str
    build: Callable[[CommandProcessor, StepHook | None], P]


@dataclass(frozen=True)
class Domain:
    """Everything one domain package contributes, declared in one place.

    Attributes:
        name: the domain's name (``bank``), unique in a registry.
        aggregates: its aggregate types; their ``name`` is the stream prefix.
        events: its event types.
        projections: its inline projections (stateless; their ``collections``
            are the read models they own).
        process_managers: its process managers.
        commands: the command classes its aggregates decide (metrics labels).
        errors: the :class:`DomainError` subclasses it raises to clients; every
            one needs a GraphQL member (``tests/api/test_error_members.py`` enforces it).
        internal_errors: the ones only its process managers see (a transfer step
            refused for another currency); they never reach a client, so they
            have no GraphQL member.
    """

    name: str
    aggregates: tuple[AggregateType[Any], ...] = ()
    events: tuple[EventType, ...] = ()
    projections: tuple[Projection, ...] = ()
    process_managers: tuple[ProcessManagerType[Any], ...] = ()
    commands: tuple[type, ...] = ()
    errors: tuple[type[DomainError], ...] = ()
    internal_errors: tuple[type[DomainError], ...] = ()
