"""Assembles the GraphQL schema (DESIGN.md §6) from the resolver modules."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig

from api.errors import ErrorCodes
from api.executor import executor_class
from api.limits import SafeParserCache, limit_extensions
from api.mutations.change_customer import (
    ChangeCustomerEmailResult,
    ChangeCustomerPhoneResult,
    change_customer_email,
    change_customer_phone,
)
from api.mutations.close_account import CloseAccountResult, close_account
from api.mutations.money import DepositResult, WithdrawResult, deposit, withdraw
from api.mutations.open_account import OpenAccountResult, open_account
from api.mutations.rebuild_projection import ProjectionRebuilt, rebuild_projection
from api.mutations.register_customer import RegisterCustomerResult, register_customer
from api.mutations.transfer_money import TransferMoneyResult, transfer_money
from api.permissions import CanAdminister, CanReadAccounts, CanReadLog, CanRunCommands
from api.queries import accounts as account_queries
from api.queries import customers as customer_queries
from api.queries import events as event_queries
from api.queries import history as history_queries
from api.queries import transfers as transfer_queries
from api.scalars import DecimalScalar
from api.settings import Settings
from api.subscriptions import events as event_subscriptions
from api.types import errors as error_types
from api.validation import Validation, cached_validator

log = logging.getLogger("chronicle.api")


class ChronicleSchema(strawberry.Schema):
    """Logs request errors at DEBUG only: internal faults are logged by :mod:`api.errors` with
    their correlation id, and a client's bad query is not a server error."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        for error in errors:
            log.debug("graphql error: %s", error.message)


READ_ACCOUNTS = [CanReadAccounts]
READ_LOG = [CanReadLog]
COMMAND = [CanRunCommands]


@strawberry.type
class Query:
    account = strawberry.field(resolver=account_queries.account, permission_classes=READ_ACCOUNTS)
    accounts = strawberry.field(resolver=account_queries.accounts, permission_classes=READ_ACCOUNTS)
    account_history = strawberry.field(resolver=history_queries.account_history,
                                       permission_classes=READ_ACCOUNTS)
    transactions = strawberry.field(resolver=account_queries.transactions, permission_classes=READ_ACCOUNTS)
    daily_totals = strawberry.field(resolver=account_queries.daily_totals, permission_classes=READ_ACCOUNTS)
    customer = strawberry.field(resolver=customer_queries.customer, permission_classes=READ_ACCOUNTS)
    customers = strawberry.field(resolver=customer_queries.customers, permission_classes=READ_ACCOUNTS)
    transfer = strawberry.field(resolver=transfer_queries.transfer, permission_classes=READ_ACCOUNTS)
    events = strawberry.field(resolver=event_queries.events, permission_classes=READ_LOG)
    stream = strawberry.field(resolver=event_queries.stream, permission_classes=READ_LOG)
    projections = strawberry.field(resolver=event_queries.projections, permission_classes=READ_LOG)


@strawberry.type
class Mutation:
    open_account: OpenAccountResult = strawberry.mutation(resolver=open_account, permission_classes=COMMAND)
    deposit: DepositResult = strawberry.mutation(resolver=deposit, permission_classes=COMMAND)
    withdraw: WithdrawResult = strawberry.mutation(resolver=withdraw, permission_classes=COMMAND)
    close_account: CloseAccountResult = strawberry.mutation(resolver=close_account, permission_classes=COMMAND)
    register_customer: RegisterCustomerResult = strawberry.mutation(resolver=register_customer,
                                                                    permission_classes=COMMAND)
    change_customer_email: ChangeCustomerEmailResult = strawberry.mutation(resolver=change_customer_email,
                                                                          permission_classes=COMMAND)
    change_customer_phone: ChangeCustomerPhoneResult = strawberry.mutation(resolver=change_customer_phone,
                                                                          permission_classes=COMMAND)
    transfer_money: TransferMoneyResult = strawberry.mutation(resolver=transfer_money, permission_classes=COMMAND)
    rebuild_projection: ProjectionRebuilt = strawberry.mutation(
        resolver=rebuild_projection, permission_classes=[CanAdminister],
        description="Admin only: replay the log into one projection (its name as in `projections`).")


@strawberry.type
class Subscription:
    events = strawberry.subscription(resolver=event_subscriptions.events, permission_classes=READ_LOG)
    account_events = strawberry.subscription(resolver=event_subscriptions.account_events,
                                             permission_classes=READ_LOG)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """Return the Chronicle schema with its scalars, error handling and ``settings``' limits."""
    settings = settings or Settings()
    hide_suggestions = not settings.field_suggestions
    validator = cached_validator(512, hide_suggestions=hide_suggestions)
    return ChronicleSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[error_types.Error],
        scalar_overrides={Decimal: DecimalScalar},
        config=StrawberryConfig(disable_field_suggestions=hide_suggestions),
        execution_context_class=executor_class(hide_suggestions=hide_suggestions),
        # limits before ErrorCodes, so a limit's code is set before errors are classified
        extensions=[*limit_extensions(settings), ErrorCodes, lambda: SafeParserCache(maxsize=512),
                    lambda: Validation(validator)],
    )
