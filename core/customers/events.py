"""Registers the customer domain's event types with an :class:`EventTypeRegistry`."""

from __future__ import annotations

from core.customers.customer import EVENT_TYPES
from core.registry import EventTypeRegistry


def register_customer_events(registry: EventTypeRegistry) -> None:
    """Declare every customer event type at its current schema version."""
    for event_type in EVENT_TYPES:
        registry.register(event_type, 1)
