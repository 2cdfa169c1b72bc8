"""The customer domain's event payloads, one typed class per event type (field order = stored order)."""

from __future__ import annotations

from dataclasses import dataclass

from core.payloads import Payload


@dataclass(frozen=True, slots=True)
class CustomerRegistered(Payload):
    TYPE = "CustomerRegistered"

    customer_id: str
    name: str
    email: str
    phone: str


@dataclass(frozen=True, slots=True)
class CustomerEmailChanged(Payload):
    TYPE = "CustomerEmailChanged"

    customer_id: str
    email: str
    previous_email: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerPhoneChanged(Payload):
    TYPE = "CustomerPhoneChanged"

    customer_id: str
    phone: str
    previous_phone: str | None = None
