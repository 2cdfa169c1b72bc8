"""Commands of the customer domain: imperative, frozen dataclasses.

``phone_region`` is the ISO 3166-1 alpha-2 region used to read a phone number
written without a ``+`` country prefix (``"GB"`` reads ``020 7946 0958`` as
``+442079460958``); ``None`` requires the ``+`` prefix.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RegisterCustomer:
    """Register a customer with a name, an email address and a phone number."""

    customer_id: str
    name: str
    email: str
    phone: str
    phone_region: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeCustomerEmail:
    """Give a registered customer a new email address."""

    customer_id: str
    email: str


@dataclass(frozen=True, slots=True)
class ChangeCustomerPhone:
    """Give a registered customer a new phone number."""

    customer_id: str
    phone: str
    phone_region: str | None = None
