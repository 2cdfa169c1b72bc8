"""The customer domain's declaration."""

from __future__ import annotations

from core.customers.commands import ChangeCustomerEmail, ChangeCustomerPhone, RegisterCustomer
from core.customers.customer import CUSTOMER
from core.customers.errors import CustomerNotFound, EmailTaken, InvalidEmail, InvalidPhone
from core.customers.events import CustomerEmailChanged, CustomerPhoneChanged, CustomerRegistered
from core.customers.projections import CustomersProjection, EmailReservationsProjection
from core.domain import Domain, EventType

CUSTOMERS = Domain(
    name="customers",
    aggregates=(CUSTOMER,),
    events=tuple(EventType.of(payload) for payload in (CustomerRegistered, CustomerEmailChanged,
                                                       CustomerPhoneChanged)),
    projections=(CustomersProjection(), EmailReservationsProjection()),
    commands=(RegisterCustomer, ChangeCustomerEmail, ChangeCustomerPhone),
    errors=(CustomerNotFound, InvalidEmail, InvalidPhone, EmailTaken),
)
"""Customers with a unique email address and a valid phone number: ``customer-<uuid>`` streams."""
