"""Commands of the bank domain: imperative, frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class OpenAccount:
    """Open an account for ``owner`` in ``currency`` (ISO 4217) that may go
    ``overdraft_limit`` (major units, >= 0) below zero."""

    account_id: str
    owner: str
    currency: str
    overdraft_limit: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class DepositMoney:
    """Add ``amount`` (major units, > 0) to an open account, with an optional
    free-text ``reference`` (at most 140 characters) for the statement."""

    account_id: str
    amount: Decimal
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class WithdrawMoney:
    """Take ``amount`` (major units, > 0) from an open account, with an optional
    free-text ``reference`` (at most 140 characters) for the statement."""

    account_id: str
    amount: Decimal
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class CloseAccount:
    """Close an account whose balance is zero."""

    account_id: str
