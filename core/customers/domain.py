"""The customer domain's declaration."""

from __future__ import annotations

from core.customers.commands import ChangeCustomerEmail, ChangeCustomerPhone, RegisterCustomer
from core.customers.customer import CUSTOMER, CUSTOMER_EMAIL_CHANGED, CUSTOMER_PHONE_CHANGED, CUSTOMER_REGISTERED
from core.customers.errors import CustomerNotFound, EmailTaken, InvalidEmail, InvalidPhone
from core.customers.projections import CustomersProjection, EmailReservationsProjection
from core.domain import Domain, EventType

CUSTOMERS = Domain(
    name="customers",
    aggregates=(CUSTOMER,),
    events=tuple(EventType(name) for name in (CUSTOMER_REGISTERED, CUSTOMER_EMAIL_CHANGED, CUSTOMER_PHONE_CHANGED)),
    projections=(CustomersProjection(), EmailReservationsProjection()),
    commands=(RegisterCustomer, ChangeCustomerEmail, ChangeCustomerPhone),
    errors=(CustomerNotFound, InvalidEmail, InvalidPhone, EmailTaken),
)
"""Customers with a unique email address and a valid phone number: ``customer-<uuid>`` streams."""
