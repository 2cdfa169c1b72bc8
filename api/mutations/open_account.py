"""``openAccount``: open an account in a currency with an optional overdraft limit."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry
from uuid6 import uuid7

from api.context import Info
from api.mutations.run import account_id_for, check_idempotency_key, parse_entity_id, run_account_command
from api.types.account import AccountSuccess
from api.types.customer_errors import CustomerNotFoundError
from api.types.errors import IdempotencyKeyReusedError, ValidationFailedError, to_graphql_error
from api.types.unions import member_of
from core.bank.commands import OpenAccount
from core.customers.checks import check_customer_exists
from core.customers.errors import CustomerNotFound
from core.errors import DomainError


@strawberry.input
class OpenAccountInput:
    owner: str
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")
    overdraft_limit: Decimal | None = strawberry.field(default=None, description="Major units, >= 0.")
    customer_id: strawberry.ID | None = strawberry.field(default=None,
                                                         description="A registered customer who holds the account.")
    idempotency_key: str | None = None


OpenAccountResult = Annotated[
    AccountSuccess | ValidationFailedError | CustomerNotFoundError | IdempotencyKeyReusedError,
    strawberry.union("OpenAccountResult"),
]


async def open_account(info: Info, input: OpenAccountInput) -> OpenAccountResult:
    """Open an account. With an idempotency key the account id is derived from
    it, so a retried request returns the same account."""
    customer_id = None
    try:
        key = check_idempotency_key(input.idempotency_key)
        if input.customer_id is not None:
            customer_id = parse_entity_id(str(input.customer_id))
            if customer_id is None:
                raise CustomerNotFound(str(input.customer_id)[:64])
            await check_customer_exists(info.context.runtime.store, customer_id)
    except DomainError as error:
        return member_of(OpenAccountResult, to_graphql_error(info, error))
    account_id = account_id_for(key, info.context.actor) if key else str(uuid7())
    command = OpenAccount(account_id, input.owner, input.currency,
                          input.overdraft_limit if input.overdraft_limit is not None else Decimal(0), customer_id)
    return member_of(OpenAccountResult, await run_account_command(
        info, account_id, command, expected_version=None, idempotency_key=key))
