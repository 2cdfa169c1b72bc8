"""The registries: domains composed once; event types, schema versions and the upcaster chain."""

from __future__ import annotations

from typing import Any

import pytest

from core.bank.domain import ACCOUNTS
from core.domain import Domain, EventType
from core.domains import built_in_registry
from core.errors import UnknownEventType
from core.ports import Operation
from core.registry import DomainRegistry, EventTypeRegistry


def upcast_money_deposited_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "currency": data.get("currency", "EUR")}


def upcast_money_deposited_v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    amount = data.pop("value")
    return {**data, "amount": amount}


@pytest.fixture
def registry() -> EventTypeRegistry:
    registry = EventTypeRegistry()
    registry.register("MoneyDeposited", 3)
    registry.add_upcaster("MoneyDeposited", 1, upcast_money_deposited_v1_to_v2)
    registry.add_upcaster("MoneyDeposited", 2, upcast_money_deposited_v2_to_v3)
    registry.register("AccountOpened")
    return registry


def test_a_v1_payload_runs_through_the_whole_chain(registry: EventTypeRegistry) -> None:
    stored = {"value": "10.00"}

    payload, version = registry.upcast("MoneyDeposited", 1, stored)

    assert (payload, version) == ({"amount": "10.00", "currency": "EUR"}, 3)
    assert stored == {"value": "10.00"}, "the stored payload is never modified"


def test_the_chain_starts_at_the_stored_version(registry: EventTypeRegistry) -> None:
    payload, version = registry.upcast("MoneyDeposited", 2, {"value": "1.00", "currency": "JPY"})

    assert (payload, version) == ({"amount": "1.00", "currency": "JPY"}, 3)


def test_a_current_payload_is_returned_as_a_copy(registry: EventTypeRegistry) -> None:
    stored = {"amount": "1.00", "currency": "EUR"}

    payload, version = registry.upcast("MoneyDeposited", 3, stored)

    assert (payload, version) == (stored, 3)
    assert payload is not stored


def test_unknown_types_pass_through_unchanged(registry: EventTypeRegistry) -> None:
    assert registry.upcast("SomethingRetired", 1, {"a": 1}) == ({"a": 1}, 1)
    assert not registry.is_known("SomethingRetired")


def test_a_missing_link_in_the_chain_is_an_error() -> None:
    registry = EventTypeRegistry()
    registry.register("MoneyDeposited", 3)
    registry.add_upcaster("MoneyDeposited", 1, upcast_money_deposited_v1_to_v2)

    with pytest.raises(ValueError, match="v2"):
        registry.upcast("MoneyDeposited", 1, {"value": "1"})


def test_current_versions(registry: EventTypeRegistry) -> None:
    assert registry.current_version("MoneyDeposited") == 3
    assert registry.current_version("AccountOpened") == 1
    with pytest.raises(UnknownEventType) as error:
        registry.current_version("Nope")
    assert error.value.event_type == "Nope"


def test_registering_is_idempotent_but_versions_may_not_conflict(registry: EventTypeRegistry) -> None:
    registry.register("AccountOpened", 1)
    with pytest.raises(ValueError):
        registry.register("AccountOpened", 2)


def test_the_domain_registry_composes_every_declaration() -> None:
    registry = built_in_registry()

    assert registry.event_types.current_version("MoneyDeposited") == 2
    assert registry.event_types.upcast("MoneyDeposited", 1, {"amount": "1.00"}) == (
        {"amount": "1.00", "reference": None}, 2)
    assert [a.name for a in registry.aggregates()] == ["account", "customer", "transfer"]
    assert {c.collection.name for c in registry.collections()} >= {
        "accounts", "transactions", "transaction_balances", "daily_totals", "customers", "email_reservations",
        "transfers"}
    reservations = next(c for c in registry.collections() if c.collection.name == "email_reservations")
    assert (reservations.projection, reservations.domain) == ("email_reservations", "customers")
    assert Operation.REMOVE in reservations.collection.operations
    assert [m.name for m in registry.process_managers()] == ["transfers"]


def test_a_fact_declared_twice_is_refused() -> None:
    twin = Domain(name="twin", events=(EventType("MoneyDeposited"),))

    with pytest.raises(ValueError, match="event type 'MoneyDeposited' is declared twice"):
        built_in_registry(twin)
    with pytest.raises(ValueError, match="aggregate 'account' is declared twice"):
        built_in_registry(Domain(name="twin", aggregates=ACCOUNTS.aggregates))
    with pytest.raises(ValueError, match="domain 'accounts' is declared twice"):
        DomainRegistry([ACCOUNTS, ACCOUNTS])


def test_an_event_type_needs_one_upcaster_per_older_version() -> None:
    with pytest.raises(ValueError, match="needs 1 upcaster"):
        EventType("MoneyDeposited", 2)
