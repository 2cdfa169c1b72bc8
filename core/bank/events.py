"""The bank's event payloads (accounts and transfers), one typed class per event type.

Field order is the stored order; money fields are ``Decimal`` holding the
amount already formatted to the currency's minor units (stored as its string,
e.g. ``"10.50"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.events import RecordedEvent, payload_as
from core.payloads import Payload, omitted


@dataclass(frozen=True, slots=True)
class AccountOpened(Payload):
    TYPE = "AccountOpened"

    account_id: str
    owner: str
    currency: str
    overdraft_limit: Decimal = Decimal(0)
    customer_id: str | None = omitted()


@dataclass(frozen=True, slots=True)
class MoneyDeposited(Payload):
    """A deposit; a transfer's credit carries ``transfer_id`` (and ``refund`` when it undoes a debit).
    v2 added ``reference`` (:func:`core.bank.upcasters.upcast_money_deposited_v1_to_v2`)."""

    TYPE = "MoneyDeposited"
    SCHEMA_VERSION = 2

    account_id: str
    amount: Decimal
    currency: str
    reference: str | None = None
    transfer_id: str | None = omitted()
    refund: bool = omitted(False)


@dataclass(frozen=True, slots=True)
class MoneyWithdrawn(Payload):
    """A withdrawal; a transfer's debit carries ``transfer_id``. v2 added ``reference``."""

    TYPE = "MoneyWithdrawn"
    SCHEMA_VERSION = 2

    account_id: str
    amount: Decimal
    currency: str
    reference: str | None = None
    transfer_id: str | None = omitted()


@dataclass(frozen=True, slots=True)
class AccountClosed(Payload):
    TYPE = "AccountClosed"

    account_id: str


@dataclass(frozen=True, slots=True)
class TransferRequested(Payload):
    TYPE = "TransferRequested"

    transfer_id: str
    from_account_id: str
    to_account_id: str
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class TransferDebited(Payload):
    TYPE = "TransferDebited"

    transfer_id: str
    withdrawal_event_id: str


@dataclass(frozen=True, slots=True)
class TransferCompleted(Payload):
    TYPE = "TransferCompleted"

    transfer_id: str
    deposit_event_id: str


@dataclass(frozen=True, slots=True)
class TransferFailed(Payload):
    TYPE = "TransferFailed"

    transfer_id: str
    reason: str
    message: str | None = None
    refunded: bool = False


MoneyMoved = MoneyDeposited | MoneyWithdrawn
"""The payloads that change a balance."""


def money_moved(event: RecordedEvent) -> MoneyMoved:
    """Return the typed payload of a ``MoneyDeposited`` or ``MoneyWithdrawn`` event.

    Raises:
        TypeError, ValueError: the event's ``data`` is not such a payload.
    """
    if event.type == MoneyDeposited.TYPE:
        return payload_as(event, MoneyDeposited)
    return payload_as(event, MoneyWithdrawn)
