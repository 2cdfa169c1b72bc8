"""Read models of the bank domain (docs/architecture.md §5).

- ``accounts``: one document per account (balance, status, version, times).
- ``transactions``: one document per deposit or withdrawal, keyed by the
  zero-padded global position, with the balance after it.
- ``daily_totals``: per UTC day and currency, the sums of deposits and
  withdrawals and the number of movements.

Money is kept as decimal strings with the currency's minor units.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.bank.account import (
    ACCOUNT_CLOSED,
    ACCOUNT_OPENED,
    MONEY_DEPOSITED,
    MONEY_WITHDRAWN,
)
from core.bank.events import AccountOpened, MoneyDeposited, MoneyMoved, money_moved
from core.events import RecordedEvent, payload_as
from core.money import format_amount
from core.ports import Collection, Index, ViewWriter

ACCOUNTS = "accounts"
TRANSACTIONS = "transactions"
TRANSACTION_BALANCES = "transaction_balances"
DAILY_TOTALS = "daily_totals"


def position_key(position: int) -> str:
    """Return the sortable document key of a global position (20 digits)."""
    return f"{position:020d}"


def _iso(event: RecordedEvent) -> str:
    return event.recorded_at.isoformat()


def _signed(moved: MoneyMoved) -> Decimal:
    return moved.amount if isinstance(moved, MoneyDeposited) else -moved.amount


class AccountsProjection:
    """Writes the ``accounts`` read model."""

    name = ACCOUNTS
    event_types = frozenset({ACCOUNT_OPENED, MONEY_DEPOSITED, MONEY_WITHDRAWN, ACCOUNT_CLOSED})
    collections = (Collection(ACCOUNTS, (Index(("status",)),)),)

    async def apply(self, event: RecordedEvent, view: ViewWriter) -> None:
        if event.type == ACCOUNT_OPENED:
            opened = payload_as(event, AccountOpened)
            account_id, currency = opened.account_id, opened.currency
            document: dict[str, Any] = {
                "id": account_id,
                "owner": opened.owner,
                "currency": currency,
                "balance": format_amount(Decimal(0), currency),
                "overdraft_limit": str(opened.overdraft_limit),
                "status": "OPEN",
                "version": event.version,
                "opened_at": _iso(event),
                "updated_at": _iso(event),
            }
            if opened.customer_id:
                document["customer_id"] = opened.customer_id
            await view.put(ACCOUNTS, account_id, document)
            return
        account_id = str(event.data["account_id"])
        current = await view.get(ACCOUNTS, account_id)
        if current is None:
            return
        if event.type == ACCOUNT_CLOSED:
            current["status"] = "CLOSED"
        else:
            balance = Decimal(current["balance"]) + _signed(money_moved(event))
            current["balance"] = format_amount(balance, current["currency"])
        current["version"] = event.version
        current["updated_at"] = _iso(event)
        await view.put(ACCOUNTS, account_id, current)


class TransactionsProjection:
    """Writes the ``transactions`` history (and its private running balances)."""

    name = TRANSACTIONS
    event_types = frozenset({MONEY_DEPOSITED, MONEY_WITHDRAWN})
    collections = (
        Collection(TRANSACTIONS, (Index(("account_id",)),)),
        Collection(TRANSACTION_BALANCES),
    )

    async def apply(self, event: RecordedEvent, view: ViewWriter) -> None:
        moved = money_moved(event)
        account_id, currency = moved.account_id, moved.currency
        running = await view.get(TRANSACTION_BALANCES, account_id)
        balance = Decimal(running["balance"]) if running else Decimal(0)
        balance += _signed(moved)
        await view.put(TRANSACTION_BALANCES, account_id, {"balance": format_amount(balance, currency)})
        await view.put(TRANSACTIONS, position_key(event.position), {
            "account_id": account_id,
            "position": event.position,
            "version": event.version,
            "kind": "DEPOSIT" if event.type == MONEY_DEPOSITED else "WITHDRAWAL",
            "amount": str(moved.amount),
            "currency": currency,
            "reference": moved.reference,
            "balance_after": format_amount(balance, currency),
            "recorded_at": _iso(event),
        })


class DailyTotalsProjection:
    """Writes the ``daily_totals`` report: per UTC day and currency."""

    name = DAILY_TOTALS
    event_types = frozenset({MONEY_DEPOSITED, MONEY_WITHDRAWN})
    collections = (Collection(DAILY_TOTALS, (Index(("day",)),)),)

    async def apply(self, event: RecordedEvent, view: ViewWriter) -> None:
        moved = money_moved(event)
        currency = moved.currency
        day = event.recorded_at.date().isoformat()
        key = f"{day}:{currency}"
        row = await view.get(DAILY_TOTALS, key) or {
            "day": day, "currency": currency,
            "deposits": format_amount(Decimal(0), currency),
            "withdrawals": format_amount(Decimal(0), currency),
            "count": 0,
        }
        field = "deposits" if event.type == MONEY_DEPOSITED else "withdrawals"
        row[field] = format_amount(Decimal(row[field]) + moved.amount, currency)
        row["count"] = int(row["count"]) + 1
        await view.put(DAILY_TOTALS, key, row)
