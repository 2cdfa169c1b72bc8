"""New bank events for the contract suite (the store sees them as opaque payloads)."""

from __future__ import annotations

from uuid import UUID

from uuid6 import uuid7

from core.bank.account import ACCOUNT_CLOSED, ACCOUNT_OPENED, MONEY_DEPOSITED, MONEY_WITHDRAWN
from core.events import EventMetadata, NewEvent


def new_stream() -> tuple[str, str]:
    """Return ``(account_id, stream_id)`` of a fresh account stream."""
    account_id = str(uuid7())
    return account_id, f"account-{account_id}"


def opened(account_id: str, owner: str = "Ada Lovelace", currency: str = "EUR",
           overdraft_limit: str = "0.00") -> NewEvent:
    return NewEvent(ACCOUNT_OPENED, {"account_id": account_id, "owner": owner, "currency": currency,
                                     "overdraft_limit": overdraft_limit})


def deposited(account_id: str, amount: str = "10.00", currency: str = "EUR",
              event_id: UUID | None = None) -> NewEvent:
    event = NewEvent(MONEY_DEPOSITED, {"account_id": account_id, "amount": amount, "currency": currency,
                                       "reference": None},
                     metadata=EventMetadata(correlation_id="corr", command_id="cmd", actor="tester"))
    return event if event_id is None else NewEvent(event.type, event.data, event.metadata, event_id)


def withdrawn(account_id: str, amount: str = "1.00", currency: str = "EUR") -> NewEvent:
    return NewEvent(MONEY_WITHDRAWN, {"account_id": account_id, "amount": amount, "currency": currency,
                                      "reference": None})


def closed(account_id: str) -> NewEvent:
    return NewEvent(ACCOUNT_CLOSED, {"account_id": account_id})
