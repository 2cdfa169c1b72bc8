"""Assembles the GraphQL schema (DESIGN.md §6) from the resolver modules."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.extensions import ValidationCache

from api.errors import ErrorCodes
from api.mutations.close_account import CloseAccountResult, close_account
from api.mutations.money import DepositResult, WithdrawResult, deposit, withdraw
from api.mutations.open_account import OpenAccountResult, open_account
from api.queries import accounts as account_queries
from api.queries import events as event_queries
from api.queries import history as history_queries
from api.scalars import DecimalScalar
from api.subscriptions import events as event_subscriptions
from api.types import errors as error_types


@strawberry.type
class Query:
    account = strawberry.field(resolver=account_queries.account)
    accounts = strawberry.field(resolver=account_queries.accounts)
    account_history = strawberry.field(resolver=history_queries.account_history)
    transactions = strawberry.field(resolver=account_queries.transactions)
    daily_totals = strawberry.field(resolver=account_queries.daily_totals)
    events = strawberry.field(resolver=event_queries.events)
    stream = strawberry.field(resolver=event_queries.stream)
    projections = strawberry.field(resolver=event_queries.projections)


@strawberry.type
class Mutation:
    open_account: OpenAccountResult = strawberry.mutation(resolver=open_account)
    deposit: DepositResult = strawberry.mutation(resolver=deposit)
    withdraw: WithdrawResult = strawberry.mutation(resolver=withdraw)
    close_account: CloseAccountResult = strawberry.mutation(resolver=close_account)


@strawberry.type
class Subscription:
    events = strawberry.subscription(resolver=event_subscriptions.events)
    account_events = strawberry.subscription(resolver=event_subscriptions.account_events)


def build_schema() -> strawberry.Schema:
    """Return the Chronicle schema with its scalars and error handling."""
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[error_types.Error],
        scalar_overrides={Decimal: DecimalScalar},
        # No ParserCache: it parses in its on_parse hook, outside strawberry's try, so a
        # syntax error skipped ErrorCodes.on_operation and reached clients without a code.
        extensions=[ErrorCodes, ValidationCache(maxsize=512)],
    )
