"""``registerCustomer``: a customer with a unique email address and a valid phone number."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from api.context import Info
from api.mutations.customer_result import customer_result
from api.mutations.run import check_idempotency_key, entity_id_for, run_command
from api.types.customer import CustomerSuccess
from api.types.customer_errors import EmailTakenError, InvalidEmailError, InvalidPhoneError
from api.types.errors import IdempotencyKeyReusedError, ValidationFailedError, to_graphql_error
from api.types.unions import member_of
from core.customers.checks import check_email_free
from core.customers.commands import RegisterCustomer
from core.customers.contact import normalise_email
from core.customers.customer import CUSTOMER
from core.errors import DomainError

CUSTOMER_ID_NAMESPACE = UUID("7a0c62f4-54b3-4a0e-9a54-5f0e7bd1c2a3")


@strawberry.input
class RegisterCustomerInput:
    name: str
    email: str
    phone: str = strawberry.field(description="International (+44 20 7946 0958), or national when the "
                                              "server has CHRONICLE_DEFAULT_PHONE_REGION set.")
    idempotency_key: str | None = None


RegisterCustomerResult = Annotated[
    CustomerSuccess | ValidationFailedError | InvalidEmailError | InvalidPhoneError | EmailTakenError
    | IdempotencyKeyReusedError,
    strawberry.union("RegisterCustomerResult"),
]


async def register_customer(info: Info, input: RegisterCustomerInput) -> RegisterCustomerResult:
    """Register a customer. The email address must not belong to another customer."""
    runtime = info.context.runtime
    try:
        key = check_idempotency_key(input.idempotency_key)
        customer_id = entity_id_for(CUSTOMER_ID_NAMESPACE, key, info.context.actor)
        await check_email_free(runtime.views, normalise_email(input.email), customer_id)
    except DomainError as error:
        return member_of(RegisterCustomerResult, to_graphql_error(info, error))
    command = RegisterCustomer(customer_id, input.name, input.email, input.phone,
                               runtime.settings.default_phone_region)
    outcome = await run_command(info, CUSTOMER, customer_id, command, expected_version=None, idempotency_key=key)
    return member_of(RegisterCustomerResult, customer_result(outcome))
