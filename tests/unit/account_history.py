"""Builds the *given* part of account tests: recorded events of one account stream."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from uuid6 import uuid7

from core.bank.account import (
    ACCOUNT,
    ACCOUNT_CLOSED,
    ACCOUNT_OPENED,
    MONEY_DEPOSITED,
    MONEY_WITHDRAWN,
    Account,
)
from core.events import EventMetadata, RecordedEvent

ACCOUNT_ID = "0192f0c4-1111-7000-8000-000000000001"
T0 = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)

EventSpec = tuple[str, dict[str, Any]]


def opened(currency: str = "EUR", overdraft_limit: str = "0.00", owner: str = "Ada Lovelace") -> EventSpec:
    return ACCOUNT_OPENED, {"account_id": ACCOUNT_ID, "owner": owner, "currency": currency,
                            "overdraft_limit": overdraft_limit}


def deposited(amount: str, currency: str = "EUR") -> EventSpec:
    return MONEY_DEPOSITED, {"account_id": ACCOUNT_ID, "amount": amount, "currency": currency}


def withdrawn(amount: str, currency: str = "EUR") -> EventSpec:
    return MONEY_WITHDRAWN, {"account_id": ACCOUNT_ID, "amount": amount, "currency": currency}


def closed() -> EventSpec:
    return ACCOUNT_CLOSED, {"account_id": ACCOUNT_ID}


def recorded(*specs: EventSpec) -> list[RecordedEvent]:
    """Return ``specs`` as the recorded events of ``account-<ACCOUNT_ID>``, versions 1..n."""
    return [
        RecordedEvent(
            event_id=uuid7(), type=event_type, data=data, metadata=EventMetadata(),
            stream_id=ACCOUNT.stream_id(ACCOUNT_ID), version=version, position=version,
            recorded_at=T0 + timedelta(minutes=version),
        )
        for version, (event_type, data) in enumerate(specs, start=1)
    ]


def given(*specs: EventSpec) -> Account:
    """Return the account state after ``specs`` (the initial state when empty)."""
    return ACCOUNT.fold(recorded(*specs))
