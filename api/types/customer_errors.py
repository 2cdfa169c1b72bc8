"""GraphQL members of the customer domain's errors (:mod:`core.customers.errors`) and their table."""

from __future__ import annotations

import strawberry

from api.types.errors import Error, ErrorTable
from core.customers.errors import CustomerNotFound, EmailTaken, InvalidEmail, InvalidPhone


@strawberry.type(name="CustomerNotFound")
class CustomerNotFoundError(Error):
    customer_id: strawberry.ID


@strawberry.type(name="InvalidEmail")
class InvalidEmailError(Error):
    field: str = strawberry.field(description="The input field at fault (GraphQL spelling).")


@strawberry.type(name="InvalidPhone")
class InvalidPhoneError(Error):
    field: str = strawberry.field(description="The input field at fault (GraphQL spelling).")


@strawberry.type(name="EmailTaken")
class EmailTakenError(Error):
    email: str = strawberry.field(description="The canonical address another customer holds.")


CUSTOMER_ERRORS: ErrorTable = {
    CustomerNotFound: lambda e: CustomerNotFoundError(code=e.code, message=str(e),
                                                      customer_id=strawberry.ID(e.customer_id)),
    InvalidEmail: lambda e: InvalidEmailError(code=e.code, message=str(e), field=e.field),
    InvalidPhone: lambda e: InvalidPhoneError(code=e.code, message=str(e), field=e.field),
    EmailTaken: lambda e: EmailTakenError(code=e.code, message=str(e), email=e.email),
}
"""Members of the customer domain's errors."""
