"""Early checks on committed data made before a command is decided.

They give the precise error in the common case; they are not what makes the
rules hold under concurrency (see each function).
"""

from __future__ import annotations

from core.customers.customer import CUSTOMER
from core.customers.errors import CustomerNotFound, EmailTaken
from core.customers.projections import EMAIL_RESERVATIONS
from core.ports import EventStore, ViewReader


async def check_email_free(views: ViewReader, email: str, customer_id: str) -> None:
    """Refuse early when ``email`` (canonical) is held by a customer other than ``customer_id``.

    A courtesy only: the inline ``email_reservations`` projection is what
    guarantees uniqueness, atomically with the append.

    Raises:
        EmailTaken: another customer holds the address.
    """
    holder = await views.get(EMAIL_RESERVATIONS, email)
    if holder is not None and holder["customer_id"] != customer_id:
        raise EmailTaken(email, str(holder["customer_id"]))


async def check_customer_exists(store: EventStore, customer_id: str) -> None:
    """Refuse unless the customer's stream exists (read from the log, not a projection).

    Customers are never deleted, so a customer that exists now exists for
    good: checking before the account's append is enough.

    Raises:
        CustomerNotFound: no customer was ever registered with this id.
    """
    if await store.stream_version(CUSTOMER.stream_id(customer_id)) == 0:
        raise CustomerNotFound(customer_id)
