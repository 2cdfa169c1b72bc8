"""The GraphQL ``Customer`` type, from aggregate state or from the read model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from api.types.event import Event
from core.customers.customer import Customer as CustomerState


@strawberry.type(description="A customer: a unique (canonical) email address and an E.164 phone number.")
class Customer:
    id: strawberry.ID
    name: str
    email: str = strawberry.field(description="Canonical form: trimmed and lower-cased.")
    phone: str = strawberry.field(description="E.164, e.g. +442079460958.")
    version: int = strawberry.field(description="Version of the customer's stream this reflects.")
    registered_at: datetime
    updated_at: datetime

    @classmethod
    def from_state(cls, state: CustomerState) -> Customer:
        """Translate aggregate state (must be a registered customer)."""
        assert state.registered_at is not None and state.updated_at is not None
        return cls(id=strawberry.ID(state.customer_id), name=state.name, email=state.email, phone=state.phone,
                   version=state.version, registered_at=state.registered_at, updated_at=state.updated_at)

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Customer:
        """Translate a ``customers`` read-model document."""
        return cls(id=strawberry.ID(document["id"]), name=document["name"], email=document["email"],
                   phone=document["phone"], version=int(document["version"]),
                   registered_at=datetime.fromisoformat(document["registered_at"]),
                   updated_at=datetime.fromisoformat(document["updated_at"]))


@strawberry.type(description="A customer command succeeded: the customer after it and the events it appended.")
class CustomerSuccess:
    customer: Customer
    events: list[Event]
    replayed: bool = strawberry.field(
        default=False, description="True when an idempotency key returned an earlier identical result."
    )
