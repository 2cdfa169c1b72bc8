"""The customer domain's GraphQL: ``customer``, ``customers`` and the three customer mutations."""

from __future__ import annotations

import strawberry

from api.domains import GraphQLModule
from api.mutations.change_customer import (
    ChangeCustomerEmailResult,
    ChangeCustomerPhoneResult,
    change_customer_email,
    change_customer_phone,
)
from api.mutations.register_customer import RegisterCustomerResult, register_customer
from api.permissions import CanReadAccounts, CanRunCommands
from api.queries import customers as customer_queries
from api.types.customer_errors import CUSTOMER_ERRORS
from core.customers.domain import CUSTOMERS


@strawberry.type
class CustomerQuery:
    customer = strawberry.field(resolver=customer_queries.customer, permission_classes=[CanReadAccounts])
    customers = strawberry.field(resolver=customer_queries.customers, permission_classes=[CanReadAccounts])


@strawberry.type
class CustomerMutation:
    register_customer: RegisterCustomerResult = strawberry.mutation(resolver=register_customer,
                                                                    permission_classes=[CanRunCommands])
    change_customer_email: ChangeCustomerEmailResult = strawberry.mutation(resolver=change_customer_email,
                                                                          permission_classes=[CanRunCommands])
    change_customer_phone: ChangeCustomerPhoneResult = strawberry.mutation(resolver=change_customer_phone,
                                                                          permission_classes=[CanRunCommands])


MODULE = GraphQLModule(domain=CUSTOMERS, query=CustomerQuery, mutation=CustomerMutation, errors=CUSTOMER_ERRORS)
