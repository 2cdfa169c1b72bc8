"""Commands of the bank domain: imperative, frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class OpenAccount:
    """Open an account for ``owner`` in ``currency`` (ISO 4217) that may go
    ``overdraft_limit`` (major units, >= 0) below zero, optionally held by the
    registered customer ``customer_id`` (its existence is checked by the caller,
    see :func:`core.customers.checks.check_customer_exists`)."""

    account_id: str
    owner: str
    currency: str
    overdraft_limit: Decimal = Decimal(0)
    customer_id: str | None = None


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


@dataclass(frozen=True, slots=True)
class DebitForTransfer:
    """Take ``amount`` of ``currency`` from an open account as step one of transfer ``transfer_id``.

    Records ``MoneyWithdrawn`` with ``transfer_id``; the same overdraft rule as
    :class:`WithdrawMoney` applies.
    """

    account_id: str
    amount: Decimal
    currency: str
    transfer_id: str


@dataclass(frozen=True, slots=True)
class CreditForTransfer:
    """Add ``amount`` of ``currency`` to an open account for transfer ``transfer_id``.

    ``refund`` marks the compensating credit back to the transfer's source.
    Refused when the account is missing, closed or held in another currency.
    """

    account_id: str
    amount: Decimal
    currency: str
    transfer_id: str
    refund: bool = False


# --- the transfer process's own stream ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestTransfer:
    """Start moving ``amount`` of ``currency`` (the source's) from one account to another."""

    transfer_id: str
    from_account_id: str
    to_account_id: str
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class RecordTransferDebit:
    """Note that the source was debited by the event ``withdrawal_event_id``."""

    transfer_id: str
    withdrawal_event_id: str


@dataclass(frozen=True, slots=True)
class CompleteTransfer:
    """Note that the target was credited by the event ``deposit_event_id``."""

    transfer_id: str
    deposit_event_id: str


@dataclass(frozen=True, slots=True)
class FailTransfer:
    """End the transfer unsuccessfully; ``refunded`` says the source got its money back."""

    transfer_id: str
    reason: str
    message: str
    refunded: bool
