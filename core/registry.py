"""The registries: the domains, and the event types they declare.

:class:`DomainRegistry` composes :class:`core.domain.Domain` declarations and is
the one place the rest of the code asks which aggregates, event types,
projections, read-model collections, process managers, commands and domain
errors exist.

:class:`EventTypeRegistry` knows event types, their schema versions, upcasters.

An upcaster turns the payload of one schema version of a type into the next
(``upcast_money_deposited_v1_to_v2(data) -> data``); the registry chains them at
read time so stored events are never rewritten (docs/architecture.md §2, the same approach
as the ``eventsourcing`` library's ``upcast_vX_vY`` methods and Marten's
upcasters).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.aggregate import AggregateType
from core.domain import Domain, ProcessManagerType, Upcaster
from core.errors import DomainError, UnknownEventType
from core.payloads import Payload
from core.ports import Collection, Projection


class EventTypeRegistry:
    """Maps event type names to their current schema version and upcasters."""

    def __init__(self) -> None:
        self._current: dict[str, int] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        self._payloads: dict[str, type[Payload]] = {}

    def register(self, event_type: str, schema_version: int = 1, payload: type[Payload] | None = None) -> None:
        """Declare ``event_type`` whose newest payload schema is ``schema_version``
        (decoded into ``payload`` by :meth:`decode_payload`, when given).

        Raises:
            ValueError: when the type is already registered with another version.
        """
        known = self._current.get(event_type)
        if known is not None and known != schema_version:
            raise ValueError(f"{event_type} already registered at schema version {known}")
        self._current[event_type] = schema_version
        if payload is not None:
            self._payloads[event_type] = payload

    def decode_payload(self, event_type: str, data: Mapping[str, Any]) -> Payload | None:
        """Return current-version ``data`` of ``event_type`` as its typed payload.

        ``None`` when the type has no payload class or ``data`` does not decode
        (a reader that needs the fields then fails on them, as it would on ``data``).
        """
        payload = self._payloads.get(event_type)
        if payload is None:
            return None
        try:
            return payload.from_data(data)
        except (TypeError, ValueError, ArithmeticError):
            return None

    def add_upcaster(self, event_type: str, from_version: int, upcaster: Upcaster) -> None:
        """Register ``upcaster`` turning ``from_version`` payloads into ``from_version + 1``."""
        self._upcasters[(event_type, from_version)] = upcaster

    def is_known(self, event_type: str) -> bool:
        """Return whether ``event_type`` was registered."""
        return event_type in self._current

    def current_version(self, event_type: str) -> int:
        """Return the newest schema version of ``event_type``.

        Raises:
            UnknownEventType: when the type was never registered.
        """
        try:
            return self._current[event_type]
        except KeyError:
            raise UnknownEventType(event_type) from None

    def upcast(self, event_type: str, schema_version: int, data: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
        """Bring a stored payload up to the current schema version.

        Args:
            event_type: the stored event's type.
            schema_version: the stored payload's schema version.
            data: the stored payload (not modified).

        Returns:
            ``(payload, version)`` with ``version`` equal to :meth:`current_version`.
            Unknown types pass through unchanged: the log must stay readable
            even when code for an old type was removed.

        Raises:
            ValueError: when an upcaster in the chain is missing.
        """
        target = self._current.get(event_type)
        if target is None or schema_version >= target:
            return dict(data), schema_version
        payload = dict(data)
        version = schema_version
        while version < target:
            upcaster = self._upcasters.get((event_type, version))
            if upcaster is None:
                raise ValueError(f"no upcaster for {event_type} v{version}")
            payload = upcaster(payload)
            version += 1
        return payload, version


@dataclass(frozen=True, slots=True)
class OwnedCollection:
    """A read-model collection with the projection and domain that own it."""

    collection: Collection
    projection: str
    domain: str


class DomainRegistry:
    """The composition of every registered :class:`Domain`.

    Raises:
        ValueError: (on construction) two domains declare the same domain name,
            aggregate (stream prefix), event type, projection, collection or
            process manager.
    """

    def __init__(self, domains: Iterable[Domain]) -> None:
        self.domains: tuple[Domain, ...] = tuple(domains)
        self._event_types = EventTypeRegistry()
        for kind, names in (
            ("domain", [d.name for d in self.domains]),
            ("aggregate", [a.name for d in self.domains for a in d.aggregates]),
            ("event type", [e.name for d in self.domains for e in d.events]),
            ("projection", [p.name for d in self.domains for p in d.projections]),
            ("collection", [c.collection.name for c in self.collections()]),
            ("process manager", [m.name for d in self.domains for m in d.process_managers]),
        ):
            seen: set[str] = set()
            for name in names:
                if name in seen:
                    raise ValueError(f"{kind} {name!r} is declared twice")
                seen.add(name)
        for domain in self.domains:
            for event in domain.events:
                self._event_types.register(event.name, event.schema_version, event.payload)
                for from_version, upcaster in enumerate(event.upcasters, start=1):
                    self._event_types.add_upcaster(event.name, from_version, upcaster)

    @property
    def event_types(self) -> EventTypeRegistry:
        """The event types of every domain, with their upcasters (what the stores decode with)."""
        return self._event_types

    def aggregates(self) -> list[AggregateType[Any]]:
        """Every aggregate type, in registration order."""
        return [a for d in self.domains for a in d.aggregates]

    def projections(self) -> list[Projection]:
        """Every inline projection, in registration order (the order they run in an append)."""
        return [p for d in self.domains for p in d.projections]

    def collections(self) -> list[OwnedCollection]:
        """Every read-model collection with its owner, in registration order.

        Each :class:`Collection` says which indexes it needs and which
        operations the code runs on it (``Collection.operations``), so a store
        can create it and a database role can grant exactly that.
        """
        return [OwnedCollection(c, p.name, d.name) for d in self.domains for p in d.projections
                for c in p.collections]

    def process_managers(self) -> list[ProcessManagerType[Any]]:
        """Every process manager type, in registration order."""
        return [m for d in self.domains for m in d.process_managers]

    def commands(self) -> list[type]:
        """Every command class, in registration order."""
        return [c for d in self.domains for c in d.commands]

    def errors(self) -> list[type[DomainError]]:
        """Every domain error class the domains raise to clients, in registration order."""
        return [e for d in self.domains for e in d.errors]

    def internal_errors(self) -> list[type[DomainError]]:
        """Every domain error class only the domains' process managers see."""
        return [e for d in self.domains for e in d.internal_errors]
