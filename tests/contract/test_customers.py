"""Contract: the unique-email reservation runs atomically in the append (every backend)."""

from __future__ import annotations

import asyncio
from typing import Any

from uuid6 import uuid7

from core.customers.customer import CUSTOMER_EMAIL_CHANGED, CUSTOMER_REGISTERED
from core.customers.domain import CUSTOMERS as CUSTOMERS_DOMAIN
from core.customers.errors import EmailTaken
from core.customers.projections import CUSTOMERS, EMAIL_RESERVATIONS
from core.events import NewEvent
from core.ports import NO_STREAM

from .conftest import ContractStore


def registered(customer_id: str, email: str, name: str = "Ada") -> NewEvent:
    return NewEvent(CUSTOMER_REGISTERED, {"customer_id": customer_id, "name": name, "email": email,
                                          "phone": "+442079460958"})


def email_changed(customer_id: str, email: str, previous: str) -> NewEvent:
    return NewEvent(CUSTOMER_EMAIL_CHANGED, {"customer_id": customer_id, "email": email, "previous_email": previous})


async def register(store: ContractStore, email: str, name: str = "Ada") -> str:
    customer_id = str(uuid7())
    await store.append(f"customer-{customer_id}", [registered(customer_id, email, name)], NO_STREAM)
    return customer_id


async def rows(store: ContractStore, collection: str) -> list[tuple[str, dict[str, Any]]]:
    return list((await store.views.find(collection, limit=1000)).documents)


async def test_a_held_email_aborts_the_whole_append(store: ContractStore) -> None:
    ada = await register(store, "ada@example.com")
    head = await store.head_position()
    other = str(uuid7())

    try:
        await store.append(f"customer-{other}", [registered(other, "ada@example.com", "Mallory")], NO_STREAM)
    except EmailTaken as error:
        assert (error.email, error.customer_id, error.code) == ("ada@example.com", ada, "EMAIL_TAKEN")
    else:
        raise AssertionError("the duplicate registration was appended")

    assert await store.head_position() == head
    assert await store.stream_version(f"customer-{other}") == 0
    assert [key for key, _ in await rows(store, CUSTOMERS)] == [ada]


async def test_concurrent_registrations_of_one_email_give_exactly_one_success(store: ContractStore) -> None:
    ids = [str(uuid7()) for _ in range(20)]

    outcomes = await asyncio.gather(
        *(store.append(f"customer-{cid}", [registered(cid, "race@example.com")], NO_STREAM) for cid in ids),
        return_exceptions=True)

    successes = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(successes) == 1
    assert all(isinstance(o, EmailTaken) for o in outcomes if isinstance(o, BaseException))
    [(key, holder)] = await rows(store, EMAIL_RESERVATIONS)
    assert (key, holder["customer_id"]) == ("race@example.com", successes[0].stream_id.removeprefix("customer-"))


async def test_a_change_releases_the_old_address_for_others(store: ContractStore) -> None:
    ada = await register(store, "ada@example.com")
    await store.append(f"customer-{ada}", [email_changed(ada, "ada@example.org", "ada@example.com")], 1)

    grace = await register(store, "ada@example.com", "Grace")

    reservations = {key: doc["customer_id"] for key, doc in await rows(store, EMAIL_RESERVATIONS)}
    assert reservations == {"ada@example.org": ada, "ada@example.com": grace}
    try:
        await store.append(f"customer-{grace}", [email_changed(grace, "ada@example.org", "ada@example.com")], 1)
    except EmailTaken:
        pass
    else:
        raise AssertionError("took an address another customer holds")


async def test_a_rebuild_replays_swaps_without_raising_and_gives_the_live_rows(store: ContractStore) -> None:
    a = await register(store, "a@example.com", "Ann")
    b = await register(store, "b@example.com", "Bob")
    await store.append(f"customer-{a}", [email_changed(a, "c@example.com", "a@example.com")], 1)
    await store.append(f"customer-{b}", [email_changed(b, "a@example.com", "b@example.com")], 1)
    await store.append(f"customer-{a}", [email_changed(a, "b@example.com", "c@example.com")], 2)
    await store.append(f"customer-{a}", [email_changed(a, "b@example.com", "b@example.com")], 3)
    live = {c.name: await rows(store, c.name) for p in CUSTOMERS_DOMAIN.projections for c in p.collections}

    for projection in CUSTOMERS_DOMAIN.projections:
        await store.views.rebuild(projection, batch_size=2)

    assert {c.name: await rows(store, c.name) for p in CUSTOMERS_DOMAIN.projections for c in p.collections} == live
    assert {k: d["customer_id"] for k, d in live[EMAIL_RESERVATIONS]} == {"a@example.com": b, "b@example.com": a}


async def test_customers_are_searchable_by_email_or_name(store: ContractStore) -> None:
    ada = await register(store, "ada@example.com", "Ada Lovelace")
    grace = await register(store, "grace@navy.mil", "Grace Hopper")

    async def search(text: str) -> list[str]:
        page = await store.views.find(CUSTOMERS, contains={"email": text, "name": text})
        return [key for key, _ in page.documents]

    assert await search("LOVELACE") == [ada]
    assert await search("navy") == [grace]
    assert sorted(await search("a")) == sorted([ada, grace])
    assert await search("nobody") == []
