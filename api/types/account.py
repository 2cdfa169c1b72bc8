"""The GraphQL ``Account`` type, from aggregate state or from the read model."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from api.types.event import Event
from core.bank.account import Account as AccountState
from core.money import format_amount


@strawberry.enum
class AccountStatus(enum.Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


@strawberry.type(description="A bank account. Money in major units of its ISO 4217 currency.")
class Account:
    id: strawberry.ID
    owner: str
    currency: str
    balance: Decimal
    overdraft_limit: Decimal = strawberry.field(description="How far below zero the balance may go.")
    status: AccountStatus
    version: int = strawberry.field(description="Version of the account's stream this reflects.")
    opened_at: datetime
    updated_at: datetime = strawberry.field(description="When the event at `version` was recorded.")
    customer_id: strawberry.ID | None = strawberry.field(default=None, description="The customer holding it.")

    @classmethod
    def from_state(cls, state: AccountState) -> Account:
        """Translate aggregate state (must be an opened account)."""
        assert state.opened_at is not None and state.updated_at is not None
        return cls(
            id=strawberry.ID(state.account_id),
            owner=state.owner,
            currency=state.currency,
            balance=Decimal(format_amount(state.balance, state.currency)),
            overdraft_limit=state.overdraft_limit,
            status=AccountStatus(state.status.value),
            version=state.version,
            opened_at=state.opened_at,
            updated_at=state.updated_at,
            customer_id=strawberry.ID(state.customer_id) if state.customer_id else None,
        )

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Account:
        """Translate an ``accounts`` read-model document."""
        return cls(
            id=strawberry.ID(document["id"]),
            owner=document["owner"],
            currency=document["currency"],
            balance=Decimal(document["balance"]),
            overdraft_limit=Decimal(document["overdraft_limit"]),
            status=AccountStatus(document["status"]),
            version=int(document["version"]),
            opened_at=datetime.fromisoformat(document["opened_at"]),
            updated_at=datetime.fromisoformat(document["updated_at"]),
            customer_id=strawberry.ID(document["customer_id"]) if document.get("customer_id") else None,
        )


@strawberry.type(description="A command succeeded: the account after it and the events it appended.")
class AccountSuccess:
    account: Account
    events: list[Event] = strawberry.field(
        description="The appended events with their positions (resume subscriptions from here)."
    )
    replayed: bool = strawberry.field(
        default=False, description="True when an idempotency key returned an earlier identical result."
    )


@strawberry.enum
class TransactionKind(enum.Enum):
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"


@strawberry.type(description="One deposit or withdrawal in an account's history.")
class Transaction:
    account_id: strawberry.ID
    position: int
    version: int
    kind: TransactionKind
    amount: Decimal
    currency: str
    balance_after: Decimal
    recorded_at: datetime
    reference: str | None = None

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Transaction:
        """Translate a ``transactions`` read-model document."""
        return cls(
            account_id=strawberry.ID(document["account_id"]),
            position=int(document["position"]),
            version=int(document["version"]),
            kind=TransactionKind(document["kind"]),
            amount=Decimal(document["amount"]),
            currency=document["currency"],
            balance_after=Decimal(document["balance_after"]),
            recorded_at=datetime.fromisoformat(document["recorded_at"]),
            reference=document.get("reference"),
        )


@strawberry.type(description="Deposits and withdrawals of one currency on one UTC day.")
class DailyTotal:
    day: str
    currency: str
    deposits: Decimal
    withdrawals: Decimal
    count: int

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> DailyTotal:
        """Translate a ``daily_totals`` read-model document."""
        return cls(day=document["day"], currency=document["currency"], deposits=Decimal(document["deposits"]),
                   withdrawals=Decimal(document["withdrawals"]), count=int(document["count"]))
