"""``customer`` and ``customers``: the customers read model."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.mutations.run import parse_entity_id
from api.pagination import bad_input, page_size
from api.queries.accounts import canonical_id
from api.types.connection import Connection
from api.types.customer import Customer
from core.customers.projections import CUSTOMERS

MAX_SEARCH_LENGTH = 200


async def customer(info: Info, id: strawberry.ID) -> Customer | None:
    """The customer with ``id``, or null."""
    customer_id = parse_entity_id(str(id))
    if customer_id is None:
        return None
    document = await info.context.runtime.views.get(CUSTOMERS, customer_id)
    return Customer.from_document(document) if document else None


async def customers(info: Info, search: str | None = None, first: int | None = None,
                    after: str | None = None) -> Connection[Customer]:
    """Customers ordered by id; ``search`` keeps those whose email or name contains it
    (case-insensitive). The cursor is the customer id."""
    runtime = info.context.runtime
    limit = page_size(first, runtime.settings.max_page_size)
    text = (search or "").strip()
    if len(text) > MAX_SEARCH_LENGTH:
        raise bad_input(f"search must be at most {MAX_SEARCH_LENGTH} characters")
    contains = {"email": text, "name": text} if text else None
    if after is not None and canonical_id(after) != after:
        raise bad_input("after must be a cursor returned by this API")
    page = await runtime.views.find(CUSTOMERS, contains=contains, after_key=after, limit=limit)
    items = [(key, Customer.from_document(doc)) for key, doc in page.documents]
    return Connection[Customer].build(items, has_next=page.has_next, has_previous=after is not None)
