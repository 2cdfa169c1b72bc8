"""The customer aggregate and contact normalisation: given events, when a command, then events or an error."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from uuid6 import uuid7

from core.customers.commands import ChangeCustomerEmail, ChangeCustomerPhone, RegisterCustomer
from core.customers.contact import normalise_email, normalise_phone
from core.customers.customer import (
    CUSTOMER,
    CUSTOMER_EMAIL_CHANGED,
    CUSTOMER_PHONE_CHANGED,
    CUSTOMER_REGISTERED,
    Customer,
    decide,
)
from core.customers.errors import CustomerNotFound, InvalidEmail, InvalidPhone
from core.errors import ValidationFailed
from core.events import EventMetadata, RecordedEvent

CUSTOMER_ID = "0192f0c4-2222-7000-8000-000000000001"
T0 = datetime(2025, 1, 2, tzinfo=UTC)


def given(*specs: tuple[str, dict[str, Any]]) -> Customer:
    events = [RecordedEvent(event_id=uuid7(), type=t, data=d, metadata=EventMetadata(),
                            stream_id=CUSTOMER.stream_id(CUSTOMER_ID), version=v, position=v, recorded_at=T0)
              for v, (t, d) in enumerate(specs, start=1)]
    return CUSTOMER.fold(events)


REGISTERED = (CUSTOMER_REGISTERED, {"customer_id": CUSTOMER_ID, "name": "Ada", "email": "ada@example.com",
                                    "phone": "+442079460958"})


def test_register_records_canonical_email_and_e164_phone() -> None:
    [event] = decide(RegisterCustomer(CUSTOMER_ID, " Ada Lovelace ", " Ada.Lovelace@Example.COM ",
                                      "+44 20 7946 0958"), given())

    assert (event.type, dict(event.data)) == (CUSTOMER_REGISTERED, {
        "customer_id": CUSTOMER_ID, "name": "Ada Lovelace", "email": "ada.lovelace@example.com",
        "phone": "+442079460958"})


def test_a_national_number_needs_a_region() -> None:
    with pytest.raises(InvalidPhone) as error:
        decide(RegisterCustomer(CUSTOMER_ID, "Ada", "a@example.com", "020 7946 0958"), given())
    assert (error.value.code, error.value.field) == ("INVALID_PHONE", "phone")

    [event] = decide(RegisterCustomer(CUSTOMER_ID, "Ada", "a@example.com", "020 7946 0958", "gb"), given())
    assert event.data["phone"] == "+442079460958"


@pytest.mark.parametrize("email", ["", "ada", "ada@", "@example.com", "ada@@example.com", "ada@exa mple.com",
                                   "a" * 250 + "@x.io"])
def test_invalid_emails_are_refused(email: str) -> None:
    with pytest.raises(InvalidEmail) as error:
        normalise_email(email)
    assert (error.value.code, error.value.field) == ("INVALID_EMAIL", "email")
    assert isinstance(error.value, ValidationFailed)


@pytest.mark.parametrize("phone", ["", "hello", "+1", "+44 20", "+999 123 456 789", "+1 555 000 0000"])
def test_invalid_phones_are_refused(phone: str) -> None:
    with pytest.raises(InvalidPhone):
        normalise_phone(phone)


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_the_name_must_be_1_to_200_characters(name: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        decide(RegisterCustomer(CUSTOMER_ID, name, "a@example.com", "+442079460958"), given())
    assert error.value.field == "name"


def test_registering_twice_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        decide(RegisterCustomer(CUSTOMER_ID, "Ada", "b@example.com", "+442079460958"), given(REGISTERED))


def test_changes_record_the_new_and_previous_values() -> None:
    state = given(REGISTERED)

    [email] = decide(ChangeCustomerEmail(CUSTOMER_ID, "ADA@example.org"), state)
    [phone] = decide(ChangeCustomerPhone(CUSTOMER_ID, "+1 650-253-0000"), state)

    assert (email.type, dict(email.data)) == (CUSTOMER_EMAIL_CHANGED, {
        "customer_id": CUSTOMER_ID, "email": "ada@example.org", "previous_email": "ada@example.com"})
    assert (phone.type, dict(phone.data)) == (CUSTOMER_PHONE_CHANGED, {
        "customer_id": CUSTOMER_ID, "phone": "+16502530000", "previous_phone": "+442079460958"})


def test_changing_to_the_current_email_or_phone_decides_no_events() -> None:
    state = given(REGISTERED)

    assert decide(ChangeCustomerEmail(CUSTOMER_ID, " ADA@Example.com "), state) == []
    assert decide(ChangeCustomerPhone(CUSTOMER_ID, "+44 20 7946 0958"), state) == []
    assert decide(ChangeCustomerPhone(CUSTOMER_ID, "020 7946 0958", "GB"), state) == []


@pytest.mark.parametrize("phone", ["+1 650-253-0000 ext 5", "+1 650-253-0000 x5", "+44 20 7946 0958 ext. 12"])
def test_a_phone_with_an_extension_is_refused(phone: str) -> None:
    with pytest.raises(InvalidPhone) as error:
        normalise_phone(phone)
    assert (error.value.code, error.value.field) == ("INVALID_PHONE", "phone")
    assert "extensions are not supported" in str(error.value)


def test_changing_an_unknown_customer_is_refused() -> None:
    commands = (ChangeCustomerEmail(CUSTOMER_ID, "a@example.com"), ChangeCustomerPhone(CUSTOMER_ID, "+16502530000"))
    for command in commands:
        with pytest.raises(CustomerNotFound) as error:
            decide(command, given())
        assert error.value.code == "CUSTOMER_NOT_FOUND"


def test_evolve_folds_every_event() -> None:
    state = given(REGISTERED, (CUSTOMER_EMAIL_CHANGED, {"customer_id": CUSTOMER_ID, "email": "n@example.com"}),
                  (CUSTOMER_PHONE_CHANGED, {"customer_id": CUSTOMER_ID, "phone": "+16502530000"}))

    assert (state.email, state.phone, state.version, state.registered) == (
        "n@example.com", "+16502530000", 3, True)
