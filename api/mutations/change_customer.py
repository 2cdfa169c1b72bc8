"""``changeCustomerEmail`` and ``changeCustomerPhone``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.mutations.customer_result import customer_result
from api.mutations.run import check_idempotency_key, parse_entity_id, run_command
from api.types.customer import CustomerSuccess
from api.types.customer_errors import CustomerNotFoundError, EmailTakenError, InvalidEmailError, InvalidPhoneError
from api.types.errors import (
    ConcurrencyConflictError,
    IdempotencyKeyReusedError,
    ValidationFailedError,
    to_graphql_error,
)
from api.types.unions import member_of
from core.customers.checks import check_email_free
from core.customers.commands import ChangeCustomerEmail, ChangeCustomerPhone
from core.customers.contact import normalise_email
from core.customers.customer import CUSTOMER
from core.customers.errors import CustomerNotFound
from core.errors import DomainError


@strawberry.input
class ChangeCustomerEmailInput:
    customer_id: strawberry.ID
    email: str
    expected_version: int | None = None
    idempotency_key: str | None = None


@strawberry.input
class ChangeCustomerPhoneInput:
    customer_id: strawberry.ID
    phone: str
    expected_version: int | None = None
    idempotency_key: str | None = None


ChangeCustomerEmailResult = Annotated[
    CustomerSuccess | ValidationFailedError | InvalidEmailError | EmailTakenError | CustomerNotFoundError
    | ConcurrencyConflictError | IdempotencyKeyReusedError,
    strawberry.union("ChangeCustomerEmailResult"),
]

ChangeCustomerPhoneResult = Annotated[
    CustomerSuccess | ValidationFailedError | InvalidPhoneError | CustomerNotFoundError
    | ConcurrencyConflictError | IdempotencyKeyReusedError,
    strawberry.union("ChangeCustomerPhoneResult"),
]


def _customer_id(raw: strawberry.ID) -> str:
    customer_id = parse_entity_id(str(raw))
    if customer_id is None:
        raise CustomerNotFound(str(raw)[:64])
    return customer_id


async def change_customer_email(info: Info, input: ChangeCustomerEmailInput) -> ChangeCustomerEmailResult:
    """Give a customer a new email address; the old one is released for others."""
    try:
        customer_id = _customer_id(input.customer_id)
        key = check_idempotency_key(input.idempotency_key)
        await check_email_free(info.context.runtime.views, normalise_email(input.email), customer_id)
    except DomainError as error:
        return member_of(ChangeCustomerEmailResult, to_graphql_error(info, error))
    outcome = await run_command(info, CUSTOMER, customer_id, ChangeCustomerEmail(customer_id, input.email),
                                expected_version=input.expected_version, idempotency_key=key)
    return member_of(ChangeCustomerEmailResult, customer_result(outcome))


async def change_customer_phone(info: Info, input: ChangeCustomerPhoneInput) -> ChangeCustomerPhoneResult:
    """Give a customer a new phone number (stored as E.164)."""
    try:
        customer_id = _customer_id(input.customer_id)
        key = check_idempotency_key(input.idempotency_key)
    except DomainError as error:
        return member_of(ChangeCustomerPhoneResult, to_graphql_error(info, error))
    command = ChangeCustomerPhone(customer_id, input.phone, info.context.runtime.settings.default_phone_region)
    outcome = await run_command(info, CUSTOMER, customer_id, command,
                                expected_version=input.expected_version, idempotency_key=key)
    return member_of(ChangeCustomerPhoneResult, customer_result(outcome))
