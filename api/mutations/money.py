"""``deposit`` and ``withdraw``: move money into or out of an account."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from api.context import Info
from api.mutations.run import check_idempotency_key, parse_account_id, run_account_command
from api.types.account import AccountSuccess
from api.types.bank_errors import AccountClosedError, AccountNotFoundError, InsufficientFundsError
from api.types.errors import (
    ConcurrencyConflictError,
    Error,
    IdempotencyKeyReusedError,
    ValidationFailedError,
    to_graphql_error,
)
from api.types.unions import member_of
from core.bank.commands import DepositMoney, WithdrawMoney
from core.errors import DomainError

REFERENCE_DESCRIPTION = "Free text for the statement, 1 to 140 characters (stored on the event)."


@strawberry.input
class DepositInput:
    account_id: strawberry.ID
    amount: Decimal = strawberry.field(description="Major units, > 0, within the currency's minor units.")
    expected_version: int | None = strawberry.field(
        default=None, description="Fail with ConcurrencyConflict unless the account is at this version."
    )
    idempotency_key: str | None = None
    reference: str | None = strawberry.field(default=None, description=REFERENCE_DESCRIPTION)


@strawberry.input
class WithdrawInput:
    account_id: strawberry.ID
    amount: Decimal = strawberry.field(description="Major units, > 0, within the currency's minor units.")
    expected_version: int | None = None
    idempotency_key: str | None = None
    reference: str | None = strawberry.field(default=None, description=REFERENCE_DESCRIPTION)


DepositResult = Annotated[
    AccountSuccess | ValidationFailedError | AccountNotFoundError | AccountClosedError
    | ConcurrencyConflictError | IdempotencyKeyReusedError,
    strawberry.union("DepositResult"),
]

WithdrawResult = Annotated[
    AccountSuccess | ValidationFailedError | AccountNotFoundError | AccountClosedError
    | InsufficientFundsError | ConcurrencyConflictError | IdempotencyKeyReusedError,
    strawberry.union("WithdrawResult"),
]


async def _move(info: Info, input: DepositInput | WithdrawInput,
                kind: type[DepositMoney | WithdrawMoney]) -> AccountSuccess | Error:
    try:
        account_id = parse_account_id(str(input.account_id))
        key = check_idempotency_key(input.idempotency_key)
    except DomainError as error:
        return to_graphql_error(info, error)
    return await run_account_command(info, account_id, kind(account_id, input.amount, input.reference),
                                     expected_version=input.expected_version, idempotency_key=key)


async def deposit(info: Info, input: DepositInput) -> DepositResult:
    """Deposit money into an open account."""
    return member_of(DepositResult, await _move(info, input, DepositMoney))


async def withdraw(info: Info, input: WithdrawInput) -> WithdrawResult:
    """Withdraw money; the balance may not go below minus the overdraft limit."""
    return member_of(WithdrawResult, await _move(info, input, WithdrawMoney))
