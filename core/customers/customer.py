"""The customer aggregate.

Invariants:
- a customer is registered once, before anything else happens to it;
- the name is 1 to 200 characters after trimming;
- the email address is syntactically valid and stored in canonical form
  (:func:`core.customers.contact.normalise_email`);
- the phone number is valid and stored in E.164
  (:func:`core.customers.contact.normalise_phone`).

Uniqueness of the email address across customers is not an invariant one
stream can guard: the ``email_reservations`` projection enforces it inside the
append's transaction (see :mod:`core.customers.projections`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from core.aggregate import AggregateType
from core.customers.commands import ChangeCustomerEmail, ChangeCustomerPhone, RegisterCustomer
from core.customers.contact import normalise_email, normalise_phone
from core.customers.errors import CustomerNotFound
from core.customers.events import CustomerEmailChanged, CustomerPhoneChanged, CustomerRegistered
from core.errors import ValidationFailed
from core.events import NewEvent, RecordedEvent, payload_as
from core.text import plain_text

CUSTOMER_REGISTERED = CustomerRegistered.TYPE
CUSTOMER_EMAIL_CHANGED = CustomerEmailChanged.TYPE
CUSTOMER_PHONE_CHANGED = CustomerPhoneChanged.TYPE

MAX_NAME_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Customer:
    """State of one customer; ``registered`` is ``False`` for a stream with no events."""

    customer_id: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    version: int = 0
    registered_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def registered(self) -> bool:
        return self.version > 0


def evolve(state: Customer, event: RecordedEvent) -> Customer:
    """Fold one recorded customer event into ``state``; never raises."""
    moved = replace(state, version=event.version, updated_at=event.recorded_at)
    if event.type == CUSTOMER_REGISTERED:
        registered = payload_as(event, CustomerRegistered)
        return Customer(customer_id=registered.customer_id, name=registered.name, email=registered.email,
                        phone=registered.phone, version=event.version, registered_at=event.recorded_at,
                        updated_at=event.recorded_at)
    if event.type == CUSTOMER_EMAIL_CHANGED:
        return replace(moved, email=payload_as(event, CustomerEmailChanged).email)
    if event.type == CUSTOMER_PHONE_CHANGED:
        return replace(moved, phone=payload_as(event, CustomerPhoneChanged).phone)
    return moved


def _register(command: RegisterCustomer, state: Customer) -> list[NewEvent]:
    if state.registered:
        raise ValidationFailed("customerId", f"customer {command.customer_id} already exists")
    name = plain_text("name", command.name, MAX_NAME_LENGTH)
    return [NewEvent.of(CustomerRegistered(
        customer_id=command.customer_id, name=name, email=normalise_email(command.email),
        phone=normalise_phone(command.phone, command.phone_region)))]


def _require(customer_id: str, state: Customer) -> None:
    if not state.registered:
        raise CustomerNotFound(customer_id)


def _change_email(command: ChangeCustomerEmail, state: Customer) -> list[NewEvent]:
    _require(command.customer_id, state)
    email = normalise_email(command.email)
    if email == state.email:
        return []
    return [NewEvent.of(CustomerEmailChanged(customer_id=command.customer_id, email=email,
                                             previous_email=state.email))]


def _change_phone(command: ChangeCustomerPhone, state: Customer) -> list[NewEvent]:
    _require(command.customer_id, state)
    phone = normalise_phone(command.phone, command.phone_region)
    if phone == state.phone:
        return []
    return [NewEvent.of(CustomerPhoneChanged(customer_id=command.customer_id, phone=phone,
                                             previous_phone=state.phone))]


def decide(command: object, state: Customer) -> Sequence[NewEvent]:
    """Decide a customer command.

    Changing to the current email or phone (after normalisation) changes
    nothing, so it decides no events: nothing is appended and the version
    stays as it is.

    Raises:
        ValidationFailed: blank or long name, or registering twice.
        InvalidEmail: the email address is not valid.
        InvalidPhone: the phone number is not valid.
        CustomerNotFound: changing a customer that was never registered.
        TypeError: ``command`` is not a customer command.
    """
    if isinstance(command, RegisterCustomer):
        return _register(command, state)
    if isinstance(command, ChangeCustomerEmail):
        return _change_email(command, state)
    if isinstance(command, ChangeCustomerPhone):
        return _change_phone(command, state)
    raise TypeError(f"not a customer command: {type(command).__name__}")


CUSTOMER = AggregateType[Customer](name="customer", initial=Customer(), evolve=evolve, decide=decide)
"""The customer aggregate; streams are named ``customer-<uuid>``."""
