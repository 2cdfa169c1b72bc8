"""Registers the bank domain's event types with an :class:`EventTypeRegistry`."""

from __future__ import annotations

from core.bank.account import EVENT_TYPES
from core.registry import EventTypeRegistry


def register_bank_events(registry: EventTypeRegistry) -> None:
    """Declare every bank event type at its current schema version."""
    for event_type in EVENT_TYPES:
        registry.register(event_type, 1)
