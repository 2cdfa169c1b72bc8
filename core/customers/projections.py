"""Read models of the customer domain (docs/architecture.md §5).

- ``customers``: one document per customer (name, email, phone, version, times),
  searched by email or name with ``ViewReader.find(contains=...)``.
- ``email_reservations``: one document per held email address, keyed by the
  canonical address, naming the customer that holds it.

``EmailReservationsProjection`` is the uniqueness guard. It runs inline, in the
append's transaction, and raises :class:`~core.customers.errors.EmailTaken` when another
customer holds the address, which aborts the append (nothing is recorded).
Because the document key IS the address, two concurrent writers of one address
write the same document and the store serialises them: SQLite has one writer
at a time; MongoDB reports a write conflict on the same ``_id`` and the
driver's transaction retry then sees the committed reservation. This is the
"reservation pattern" for set validation in event-sourced systems (Greg Young,
"CQRS Documents", 2010, on set-based validation; Marten's and KurrentDB's
guidance on unique constraints via a lookup written with the event).

Rebuild safety: the guard only raises for an address held by ANOTHER customer
at that point of the log. Every event in the log passed this same fold in the
same position order when it was appended, so a replay from position 1
re-derives exactly the live reservations and never raises. Releases happen in
the same event that takes the new address, so a swap (A takes B's old address
after B changed away from it) replays in order without a conflict.
"""

from __future__ import annotations

from typing import Any

from core.customers.customer import CUSTOMER_EMAIL_CHANGED, CUSTOMER_PHONE_CHANGED, CUSTOMER_REGISTERED
from core.customers.errors import EmailTaken
from core.customers.events import CustomerEmailChanged, CustomerPhoneChanged, CustomerRegistered
from core.events import RecordedEvent, payload_as
from core.ports import UPSERTED, Collection, Index, Operation, ViewWriter

CUSTOMERS = "customers"
EMAIL_RESERVATIONS = "email_reservations"


class CustomersProjection:
    """Writes the ``customers`` read model."""

    name = CUSTOMERS
    event_types = frozenset({CUSTOMER_REGISTERED, CUSTOMER_EMAIL_CHANGED, CUSTOMER_PHONE_CHANGED})
    collections = (Collection(CUSTOMERS, (Index(("email",)),)),)

    async def apply(self, event: RecordedEvent, view: ViewWriter) -> None:
        customer_id = str(event.data["customer_id"])
        when = event.recorded_at.isoformat()
        if event.type == CUSTOMER_REGISTERED:
            registered = payload_as(event, CustomerRegistered)
            document: dict[str, Any] = {
                "id": customer_id, "name": registered.name, "email": registered.email, "phone": registered.phone,
                "version": event.version, "registered_at": when, "updated_at": when,
            }
            await view.put(CUSTOMERS, customer_id, document)
            return
        current = await view.get(CUSTOMERS, customer_id)
        if current is None:
            return
        if event.type == CUSTOMER_EMAIL_CHANGED:
            current["email"] = payload_as(event, CustomerEmailChanged).email
        else:
            current["phone"] = payload_as(event, CustomerPhoneChanged).phone
        current["version"] = event.version
        current["updated_at"] = when
        await view.put(CUSTOMERS, customer_id, current)


class EmailReservationsProjection:
    """Writes ``email_reservations`` and refuses an address another customer holds."""

    name = EMAIL_RESERVATIONS
    event_types = frozenset({CUSTOMER_REGISTERED, CUSTOMER_EMAIL_CHANGED})
    collections = (Collection(EMAIL_RESERVATIONS, (Index(("customer_id",)),), UPSERTED | {Operation.REMOVE}),)

    async def apply(self, event: RecordedEvent, view: ViewWriter) -> None:
        """Reserve the event's address (and release the previous one on a change).

        Raises:
            EmailTaken: another customer holds the address; the append aborts.
        """
        taken: CustomerRegistered | CustomerEmailChanged = (
            payload_as(event, CustomerRegistered) if event.type == CUSTOMER_REGISTERED
            else payload_as(event, CustomerEmailChanged))
        customer_id, email = taken.customer_id, taken.email
        holder = await view.get(EMAIL_RESERVATIONS, email)
        if holder is not None and holder["customer_id"] != customer_id:
            raise EmailTaken(email, str(holder["customer_id"]))
        await view.put(EMAIL_RESERVATIONS, email, {"customer_id": customer_id, "position": event.position})
        previous = taken.previous_email if isinstance(taken, CustomerEmailChanged) else None
        if previous and previous != email:
            held = await view.get(EMAIL_RESERVATIONS, previous)
            if held is not None and held["customer_id"] == customer_id:
                await view.delete(EMAIL_RESERVATIONS, previous)
