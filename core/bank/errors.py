"""Errors of the bank domain (accounts and transfers): the invariants it guards.

The generic hierarchy they extend is in :mod:`core.errors` (STYLE.md §4).
"""

from __future__ import annotations

from decimal import Decimal

from core.errors import AggregateNotFound, InvariantViolated


class AccountNotFound(AggregateNotFound):
    """No account has the given id."""

    code = "ACCOUNT_NOT_FOUND"

    def __init__(self, account_id: str, field: str = "accountId") -> None:
        super().__init__(f"account-{account_id}")
        self.account_id = account_id
        self.field = field
        """The input field that named the account (GraphQL spelling), e.g. ``toAccountId``."""
        label = {"fromAccountId": "source account", "toAccountId": "target account"}.get(field, "account")
        self.args = (f"{label} {account_id} does not exist",)


class AccountClosed(InvariantViolated):
    """The account is closed; it accepts no deposits, withdrawals or closing."""

    code = "ACCOUNT_CLOSED"

    def __init__(self, account_id: str) -> None:
        super().__init__(f"account {account_id} is closed")
        self.account_id = account_id


class InsufficientFunds(InvariantViolated):
    """A withdrawal would take the balance below ``-overdraft_limit``.

    Attributes:
        balance: the balance before the withdrawal (major units, e.g. 10.50).
        amount: the requested amount.
        overdraft_limit: how far below zero the balance may go.
    """

    code = "INSUFFICIENT_FUNDS"

    def __init__(self, account_id: str, balance: Decimal, amount: Decimal, overdraft_limit: Decimal) -> None:
        super().__init__(
            f"account {account_id}: balance {balance} minus {amount} "
            f"would exceed the overdraft limit of {overdraft_limit}"
        )
        self.account_id = account_id
        self.balance = balance
        self.amount = amount
        self.overdraft_limit = overdraft_limit


class BalanceNotZero(InvariantViolated):
    """An account can only be closed at a zero balance."""

    code = "BALANCE_NOT_ZERO"

    def __init__(self, account_id: str, balance: Decimal) -> None:
        super().__init__(f"account {account_id} has balance {balance}; only a zero balance can be closed")
        self.account_id = account_id
        self.balance = balance


class CurrencyMismatch(InvariantViolated):
    """Money in one currency was sent to an account held in another."""

    code = "CURRENCY_MISMATCH"

    def __init__(self, account_id: str, account_currency: str, currency: str) -> None:
        super().__init__(f"account {account_id} is held in {account_currency}, not {currency}")
        self.account_id = account_id
        self.account_currency = account_currency
        self.currency = currency
