"""GraphQL members of the bank's domain errors (:mod:`core.bank.errors`) and their table."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from api.types.errors import Error, ErrorTable
from core.bank.errors import AccountClosed, AccountNotFound, BalanceNotZero, InsufficientFunds


@strawberry.type(name="AccountNotFound")
class AccountNotFoundError(Error):
    account_id: strawberry.ID
    field: str = strawberry.field(description="The input field that named the missing account "
                                              "(`accountId`, or `fromAccountId` / `toAccountId` for transfers).")


@strawberry.type(name="AccountClosed")
class AccountClosedError(Error):
    account_id: strawberry.ID


@strawberry.type(name="InsufficientFunds")
class InsufficientFundsError(Error):
    account_id: strawberry.ID
    balance: Decimal
    amount: Decimal
    overdraft_limit: Decimal


@strawberry.type(name="BalanceNotZero")
class BalanceNotZeroError(Error):
    account_id: strawberry.ID
    balance: Decimal


BANK_ERRORS: ErrorTable = {
    AccountNotFound: lambda e: AccountNotFoundError(code=e.code, message=str(e), field=e.field,
                                                    account_id=strawberry.ID(e.account_id)),
    AccountClosed: lambda e: AccountClosedError(code=e.code, message=str(e), account_id=strawberry.ID(e.account_id)),
    InsufficientFunds: lambda e: InsufficientFundsError(
        code=e.code, message=str(e), account_id=strawberry.ID(e.account_id), balance=e.balance, amount=e.amount,
        overdraft_limit=e.overdraft_limit),
    BalanceNotZero: lambda e: BalanceNotZeroError(code=e.code, message=str(e), account_id=strawberry.ID(e.account_id),
                                                  balance=e.balance),
}
"""Members of the accounts domain's errors (transfers raise the same ones); ``CurrencyMismatch`` is
internal to the transfer saga (``Domain.internal_errors``) and has none."""
