"""``transferMoney``: move money between two accounts through the transfer saga.

A refused debit or credit is not an error of the mutation: the transfer exists
and ends FAILED with a ``reason`` (and a refund when the source was debited).
Errors are only what stops a transfer from being requested at all.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry

from api.context import Info
from api.mutations.run import check_idempotency_key, entity_id_for, parse_account_id
from api.types.bank_errors import AccountNotFoundError
from api.types.errors import (
    ConcurrencyConflictError,
    IdempotencyKeyReusedError,
    ValidationFailedError,
    to_graphql_error,
)
from api.types.event import Event
from api.types.transfer import Transfer, TransferSuccess
from api.types.unions import member_of
from core.bank.domain import TRANSFER_PROCESS
from core.bank.transfer_projection import TRANSFERS
from core.errors import DomainError

TRANSFER_ID_NAMESPACE = UUID("c3d5e1a2-7b8f-4f6a-9e0d-2a4b6c8d0e1f")


@strawberry.input
class TransferMoneyInput:
    from_account_id: strawberry.ID
    to_account_id: strawberry.ID
    amount: Decimal = strawberry.field(description="Major units of the source account's currency, > 0.")
    idempotency_key: str | None = None


TransferMoneyResult = Annotated[
    TransferSuccess | ValidationFailedError | AccountNotFoundError | ConcurrencyConflictError
    | IdempotencyKeyReusedError,
    strawberry.union("TransferMoneyResult"),
]


async def transfer_money(info: Info, input: TransferMoneyInput) -> TransferMoneyResult:
    """Request a transfer and run it to COMPLETED or FAILED (refunding the source when the credit is refused)."""
    runtime = info.context.runtime
    try:
        source = parse_account_id(str(input.from_account_id), "fromAccountId")
        target = parse_account_id(str(input.to_account_id), "toAccountId")
        key = check_idempotency_key(input.idempotency_key)
        transfer_id = entity_id_for(TRANSFER_ID_NAMESPACE, key, info.context.actor)
        run = await runtime.process(TRANSFER_PROCESS).start(transfer_id, source, target, input.amount,
                                                            context=info.context.command_context(),
                                                            idempotency_key=key, idempotency_scope=info.context.actor)
    except DomainError as error:
        return member_of(TransferMoneyResult, to_graphql_error(info, error))
    document = await runtime.views.get(TRANSFERS, transfer_id)
    assert document is not None, "the transfers projection runs inline"
    return TransferSuccess(transfer=Transfer.from_document(document),
                           events=[Event.from_recorded(e) for e in run.events], replayed=run.replayed)
