"""The accounts domain's GraphQL: account queries, the four account mutations, ``accountEvents``."""

from __future__ import annotations

import strawberry

from api.domains import GraphQLModule
from api.mutations.close_account import CloseAccountResult, close_account
from api.mutations.money import DepositResult, WithdrawResult, deposit, withdraw
from api.mutations.open_account import OpenAccountResult, open_account
from api.permissions import CanReadAccounts, CanReadLog, CanRunCommands
from api.queries import accounts as account_queries
from api.queries import history as history_queries
from api.subscriptions import events as event_subscriptions
from api.types.bank_errors import BANK_ERRORS
from core.bank.domain import ACCOUNTS


@strawberry.type
class AccountQuery:
    account = strawberry.field(resolver=account_queries.account, permission_classes=[CanReadAccounts])
    accounts = strawberry.field(resolver=account_queries.accounts, permission_classes=[CanReadAccounts])
    account_history = strawberry.field(resolver=history_queries.account_history,
                                       permission_classes=[CanReadAccounts])
    transactions = strawberry.field(resolver=account_queries.transactions, permission_classes=[CanReadAccounts])
    daily_totals = strawberry.field(resolver=account_queries.daily_totals, permission_classes=[CanReadAccounts])


@strawberry.type
class AccountMutation:
    open_account: OpenAccountResult = strawberry.mutation(resolver=open_account, permission_classes=[CanRunCommands])
    deposit: DepositResult = strawberry.mutation(resolver=deposit, permission_classes=[CanRunCommands])
    withdraw: WithdrawResult = strawberry.mutation(resolver=withdraw, permission_classes=[CanRunCommands])
    close_account: CloseAccountResult = strawberry.mutation(resolver=close_account,
                                                            permission_classes=[CanRunCommands])


@strawberry.type
class AccountSubscription:
    account_events = strawberry.subscription(resolver=event_subscriptions.account_events,
                                             permission_classes=[CanReadLog])


MODULE = GraphQLModule(domain=ACCOUNTS, query=AccountQuery, mutation=AccountMutation,
                       subscription=AccountSubscription, errors=BANK_ERRORS)
