"""Errors of the customer domain: the invariants it guards.

The generic hierarchy they extend is in :mod:`core.errors` (STYLE.md §4).
"""

from __future__ import annotations

from core.errors import AggregateNotFound, InvariantViolated, ValidationFailed


class CustomerNotFound(AggregateNotFound):
    """No customer has the given id."""

    code = "CUSTOMER_NOT_FOUND"

    def __init__(self, customer_id: str) -> None:
        super().__init__(f"customer-{customer_id}")
        self.customer_id = customer_id
        self.args = (f"customer {customer_id} does not exist",)


class InvalidEmail(ValidationFailed):
    """An email address is not syntactically valid (RFC 5322 as checked by ``email-validator``)."""

    code = "INVALID_EMAIL"

    def __init__(self, email: str, reason: str, field: str = "email") -> None:
        super().__init__(field, reason)
        self.email = email


class InvalidPhone(ValidationFailed):
    """A phone number cannot be parsed into a valid E.164 number (``phonenumbers``)."""

    code = "INVALID_PHONE"

    def __init__(self, phone: str, reason: str, field: str = "phone") -> None:
        super().__init__(field, reason)
        self.phone = phone


class EmailTaken(InvariantViolated):
    """Another customer holds this (normalised) email address.

    Attributes:
        email: the normalised address.
        customer_id: the customer that holds it.
    """

    code = "EMAIL_TAKEN"

    def __init__(self, email: str, customer_id: str) -> None:
        super().__init__(f"email {email} is already used by another customer")
        self.email = email
        self.customer_id = customer_id
