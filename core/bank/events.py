"""Registers the bank domain's event types and upcasters with an :class:`EventTypeRegistry`."""

from __future__ import annotations

from core.bank.account import EVENT_TYPES, MONEY_DEPOSITED, MONEY_WITHDRAWN
from core.bank.transfer import EVENT_TYPES as TRANSFER_EVENT_TYPES
from core.bank.upcasters import upcast_money_deposited_v1_to_v2, upcast_money_withdrawn_v1_to_v2
from core.registry import EventTypeRegistry

SCHEMA_VERSIONS = {MONEY_DEPOSITED: 2, MONEY_WITHDRAWN: 2}
"""Current payload schema version of each bank event type that is past version 1."""


def register_bank_events(registry: EventTypeRegistry) -> None:
    """Declare every bank event type (accounts and transfers) at its current schema version, with its upcasters."""
    for event_type in (*EVENT_TYPES, *TRANSFER_EVENT_TYPES):
        registry.register(event_type, SCHEMA_VERSIONS.get(event_type, 1))
    registry.add_upcaster(MONEY_DEPOSITED, 1, upcast_money_deposited_v1_to_v2)
    registry.add_upcaster(MONEY_WITHDRAWN, 1, upcast_money_withdrawn_v1_to_v2)
