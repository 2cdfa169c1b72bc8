"""``closeAccount``: close an account whose balance is zero."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.mutations.run import check_idempotency_key, parse_account_id, run_account_command
from api.types.account import AccountSuccess
from api.types.bank_errors import AccountClosedError, AccountNotFoundError, BalanceNotZeroError
from api.types.errors import (
    ConcurrencyConflictError,
    IdempotencyKeyReusedError,
    ValidationFailedError,
    to_graphql_error,
)
from api.types.unions import member_of
from core.bank.commands import CloseAccount
from core.errors import DomainError


@strawberry.input
class CloseAccountInput:
    account_id: strawberry.ID
    expected_version: int | None = None
    idempotency_key: str | None = None


CloseAccountResult = Annotated[
    AccountSuccess | AccountNotFoundError | AccountClosedError | BalanceNotZeroError
    | ConcurrencyConflictError | IdempotencyKeyReusedError | ValidationFailedError,
    strawberry.union("CloseAccountResult"),
]


async def close_account(info: Info, input: CloseAccountInput) -> CloseAccountResult:
    """Close an account (only at a zero balance)."""
    try:
        account_id = parse_account_id(str(input.account_id))
        key = check_idempotency_key(input.idempotency_key)
    except DomainError as error:
        return member_of(CloseAccountResult, to_graphql_error(info, error))
    return member_of(CloseAccountResult, await run_account_command(
        info, account_id, CloseAccount(account_id),
        expected_version=input.expected_version, idempotency_key=key))
