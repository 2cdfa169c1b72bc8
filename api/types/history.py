"""The GraphQL ``BalanceEntry`` type: an account right after one of its events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from core.bank.history import BalanceEntry as BalanceEntryState
from core.money import format_amount


@strawberry.type(description="An account's balance right after one of its events, folded from the event log.")
class BalanceEntry:
    version: int = strawberry.field(description="The event's version in the account's stream.")
    position: int = strawberry.field(description="The event's global position.")
    type: str
    amount: Decimal | None = strawberry.field(description="Money moved by a deposit or withdrawal, else null.")
    balance: Decimal = strawberry.field(description="The balance after the event.")
    currency: str
    reference: str | None
    recorded_at: datetime

    @classmethod
    def from_entry(cls, entry: BalanceEntryState) -> BalanceEntry:
        """Translate a core :class:`~core.bank.history.BalanceEntry`."""
        return cls(
            version=entry.version,
            position=entry.position,
            type=entry.type,
            amount=entry.amount,
            balance=Decimal(format_amount(entry.balance, entry.currency)),
            currency=entry.currency,
            reference=entry.reference,
            recorded_at=entry.recorded_at,
        )
