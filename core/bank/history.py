"""An account's balance after each of its events, folded from the stream itself.

Used by temporal queries (docs/architecture.md §6): unlike the ``transactions`` read model
it needs no projection, so it always agrees with the event log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.bank.account import ACCOUNT, MONEY_DEPOSITED, MONEY_WITHDRAWN, Account
from core.bank.events import money_moved
from core.events import RecordedEvent


@dataclass(frozen=True, slots=True)
class BalanceEntry:
    """The account right after one event.

    Attributes:
        amount: the money moved (major units) for deposits and withdrawals, else ``None``.
        balance: the balance after the event (major units of ``currency``).
        reference: the deposit's or withdrawal's reference, if any.
    """

    version: int
    position: int
    type: str
    amount: Decimal | None
    balance: Decimal
    currency: str
    reference: str | None
    recorded_at: datetime


def balance_history(events: Sequence[RecordedEvent], state: Account | None = None) -> list[BalanceEntry]:
    """Fold ``events`` (one account's, in version order) and return one entry per event."""
    current = ACCOUNT.initial if state is None else state
    entries = []
    for event in events:
        current = ACCOUNT.evolve(current, event)
        moved = money_moved(event) if event.type in (MONEY_DEPOSITED, MONEY_WITHDRAWN) else None
        entries.append(BalanceEntry(
            version=event.version,
            position=event.position,
            type=event.type,
            amount=moved.amount if moved else None,
            balance=current.balance,
            currency=current.currency,
            reference=moved.reference if moved else None,
            recorded_at=event.recorded_at,
        ))
    return entries
