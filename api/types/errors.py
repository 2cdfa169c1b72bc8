"""The ``Error`` interface and the union members for expected domain outcomes.

Each member carries a stable ``code`` (DESIGN.md §6) and typed fields, so
clients branch on ``__typename`` or ``code`` and never parse messages.
"""

from __future__ import annotations

from decimal import Decimal

import strawberry

from core import errors as domain


@strawberry.interface(description="An expected outcome that refused a command; nothing was appended.")
class Error:
    code: str
    message: str


@strawberry.type(name="ValidationFailed")
class ValidationFailedError(Error):
    field: str = strawberry.field(description="The input field at fault (GraphQL spelling).")


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


@strawberry.type(name="ConcurrencyConflict")
class ConcurrencyConflictError(Error):
    expected_version: int | None
    actual_version: int


@strawberry.type(name="CustomerNotFound")
class CustomerNotFoundError(Error):
    customer_id: strawberry.ID


@strawberry.type(name="InvalidEmail")
class InvalidEmailError(Error):
    field: str = strawberry.field(description="The input field at fault (GraphQL spelling).")


@strawberry.type(name="InvalidPhone")
class InvalidPhoneError(Error):
    field: str = strawberry.field(description="The input field at fault (GraphQL spelling).")


@strawberry.type(name="EmailTaken")
class EmailTakenError(Error):
    email: str = strawberry.field(description="The canonical address another customer holds.")


@strawberry.type(name="IdempotencyKeyReused")
class IdempotencyKeyReusedError(Error):
    idempotency_key: str


def to_graphql_error(error: domain.DomainError) -> Error:
    """Translate a core domain error into its GraphQL union member.

    Raises:
        TypeError: the error has no GraphQL member (a programming error).
    """
    message = str(error)
    if isinstance(error, domain.InvalidEmail):
        return InvalidEmailError(code=error.code, message=message, field=error.field)
    if isinstance(error, domain.InvalidPhone):
        return InvalidPhoneError(code=error.code, message=message, field=error.field)
    if isinstance(error, domain.EmailTaken):
        return EmailTakenError(code=error.code, message=message, email=error.email)
    if isinstance(error, domain.CustomerNotFound):
        return CustomerNotFoundError(code=error.code, message=message, customer_id=strawberry.ID(error.customer_id))
    if isinstance(error, domain.ValidationFailed):
        return ValidationFailedError(code=error.code, message=message, field=error.field)
    if isinstance(error, domain.AccountNotFound):
        return AccountNotFoundError(code=error.code, message=message, account_id=strawberry.ID(error.account_id),
                                    field=error.field)
    if isinstance(error, domain.AccountClosed):
        return AccountClosedError(code=error.code, message=message, account_id=strawberry.ID(error.account_id))
    if isinstance(error, domain.InsufficientFunds):
        return InsufficientFundsError(code=error.code, message=message, account_id=strawberry.ID(error.account_id),
                                      balance=error.balance, amount=error.amount,
                                      overdraft_limit=error.overdraft_limit)
    if isinstance(error, domain.BalanceNotZero):
        return BalanceNotZeroError(code=error.code, message=message, account_id=strawberry.ID(error.account_id),
                                   balance=error.balance)
    if isinstance(error, domain.ConcurrencyError):
        expected = error.expected_version if isinstance(error.expected_version, int) else None
        return ConcurrencyConflictError(code=error.code, message=message, expected_version=expected,
                                        actual_version=error.actual_version)
    if isinstance(error, domain.IdempotencyKeyReused):
        return IdempotencyKeyReusedError(code=error.code, message=message, idempotency_key=error.idempotency_key)
    raise TypeError(f"no GraphQL member for {type(error).__name__}")
