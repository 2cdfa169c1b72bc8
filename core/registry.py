"""The event-type registry: known event types, their schema versions, upcasters.

An upcaster turns the payload of one schema version of a type into the next
(``upcast_money_deposited_v1_to_v2(data) -> data``); the registry chains them at
read time so stored events are never rewritten (DESIGN.md §2, the same approach
as the ``eventsourcing`` library's ``upcast_vX_vY`` methods and Marten's
upcasters).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from core.errors import UnknownEventType

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class EventTypeRegistry:
    """Maps event type names to their current schema version and upcasters."""

    def __init__(self) -> None:
        self._current: dict[str, int] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, schema_version: int = 1) -> None:
        """Declare ``event_type`` whose newest payload schema is ``schema_version``.

        Raises:
            ValueError: when the type is already registered with another version.
        """
        known = self._current.get(event_type)
        if known is not None and known != schema_version:
            raise ValueError(f"{event_type} already registered at schema version {known}")
        self._current[event_type] = schema_version

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
