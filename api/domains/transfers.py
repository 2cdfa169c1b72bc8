"""The transfers domain's GraphQL: ``transfer`` and ``transferMoney``.

Transfers raise the accounts domain's errors (mapped by :mod:`api.domains.accounts`).
"""

from __future__ import annotations

import strawberry

from api.domains import GraphQLModule
from api.mutations.transfer_money import TransferMoneyResult, transfer_money
from api.permissions import CanReadAccounts, CanRunCommands
from api.queries import transfers as transfer_queries
from core.bank.domain import TRANSFERS


@strawberry.type
class TransferQuery:
    transfer = strawberry.field(resolver=transfer_queries.transfer, permission_classes=[CanReadAccounts])


@strawberry.type
class TransferMutation:
    transfer_money: TransferMoneyResult = strawberry.mutation(resolver=transfer_money,
                                                              permission_classes=[CanRunCommands])


MODULE = GraphQLModule(domain=TRANSFERS, query=TransferQuery, mutation=TransferMutation)
