"""Shapes a customer command's outcome as a result-union member."""

from __future__ import annotations

from api.types.customer import Customer, CustomerSuccess
from api.types.errors import Error
from api.types.event import Event
from core.customers.customer import Customer as CustomerState
from core.processor import CommandOutcome


def customer_result(outcome: CommandOutcome[CustomerState] | Error) -> CustomerSuccess | Error:
    """Return the error as is, or the customer and its appended events."""
    if isinstance(outcome, Error):
        return outcome
    return CustomerSuccess(customer=Customer.from_state(outcome.state),
                           events=[Event.from_recorded(e) for e in outcome.events], replayed=outcome.replayed)
