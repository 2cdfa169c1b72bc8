"""Contract: inline projections, rebuilds and read-model queries (docs/architecture.md §5)."""

from __future__ import annotations

from typing import Any

import pytest

from core.bank.projections import (
    ACCOUNTS,
    DAILY_TOTALS,
    TRANSACTION_BALANCES,
    TRANSACTIONS,
    position_key,
)
from core.ports import ANY, NO_STREAM, Page

from .bank_events import closed, deposited, new_stream, opened, withdrawn
from .conftest import ContractStore, bank_projections

PROJECTIONS = (ACCOUNTS, TRANSACTIONS, DAILY_TOTALS)


async def everything(store: ContractStore, collection: str) -> list[tuple[str, dict[str, Any]]]:
    page = await store.views.find(collection, limit=1000)
    assert not page.has_next
    return list(page.documents)


async def test_an_append_is_visible_in_every_read_model_at_once(store: ContractStore) -> None:
    account_id, stream = new_stream()
    await store.append(stream, [opened(account_id, owner="Ada", overdraft_limit="10.00")], NO_STREAM)
    result = await store.append(stream, [deposited(account_id, "100.50"), withdrawn(account_id, "20.25")], 1)
    deposit, withdrawal = result.events

    account = await store.views.get(ACCOUNTS, account_id)
    assert account == {
        "id": account_id, "owner": "Ada", "currency": "EUR", "balance": "80.25", "overdraft_limit": "10.00",
        "status": "OPEN", "version": 3, "opened_at": (await store.read_stream(stream))[0].recorded_at.isoformat(),
        "updated_at": withdrawal.recorded_at.isoformat(),
    }
    assert await everything(store, TRANSACTIONS) == [
        (position_key(2), {"account_id": account_id, "position": 2, "version": 2, "kind": "DEPOSIT",
                           "amount": "100.50", "currency": "EUR", "reference": None, "balance_after": "100.50",
                           "recorded_at": deposit.recorded_at.isoformat()}),
        (position_key(3), {"account_id": account_id, "position": 3, "version": 3, "kind": "WITHDRAWAL",
                           "amount": "20.25", "currency": "EUR", "reference": None, "balance_after": "80.25",
                           "recorded_at": withdrawal.recorded_at.isoformat()}),
    ]
    day = deposit.recorded_at.date().isoformat()
    if withdrawal.recorded_at.date() == deposit.recorded_at.date():
        assert await everything(store, DAILY_TOTALS) == [(f"{day}:EUR", {
            "day": day, "currency": "EUR", "deposits": "100.50", "withdrawals": "20.25", "count": 2})]
    for name in PROJECTIONS:
        assert await store.views.checkpoint(name) == 3

    await store.append(stream, [withdrawn(account_id, "80.25"), closed(account_id)], 3)
    account = await store.views.get(ACCOUNTS, account_id)
    assert account is not None
    assert (account["balance"], account["status"], account["version"]) == ("0.00", "CLOSED", 5)
    for name in PROJECTIONS:
        assert await store.views.checkpoint(name) == await store.head_position() == 5


async def test_checkpoints_advance_past_events_a_projection_ignores(store: ContractStore) -> None:
    account_id, stream = new_stream()
    await store.append(stream, [opened(account_id)], NO_STREAM)

    for name in PROJECTIONS:
        assert await store.views.checkpoint(name) == 1
    assert await everything(store, TRANSACTIONS) == []
    assert await store.views.checkpoint("no-such-projection") == 0


async def fill(store: ContractStore) -> None:
    """A small mixed history: three currencies, overdrafts, a closed account."""
    accounts = []
    for index, (currency, limit) in enumerate([("EUR", "50.00"), ("JPY", "0"), ("BHD", "1.500"), ("EUR", "0.00")]):
        account_id, stream = new_stream()
        await store.append(stream, [opened(account_id, f"Owner {index}", currency, limit)], NO_STREAM)
        accounts.append((account_id, stream, currency))
    amounts = {"EUR": ("12.34", "0.99"), "JPY": ("500", "7"), "BHD": ("1.234", "0.005")}
    for round_ in range(8):
        for account_id, stream, currency in accounts[:3]:
            deposit, withdrawal = amounts[currency]
            await store.append(stream, [deposited(account_id, deposit, currency)], ANY)
            if round_ % 3 == 0:
                await store.append(stream, [withdrawn(account_id, withdrawal, currency),
                                            withdrawn(account_id, withdrawal, currency)], ANY)
    account_id, stream, _ = accounts[3]
    await store.append(stream, [deposited(account_id, "5.00"), withdrawn(account_id, "5.00"), closed(account_id)],
                       ANY)


async def test_a_rebuild_gives_exactly_the_live_rows(store: ContractStore) -> None:
    await fill(store)
    head = await store.head_position()

    for projection in bank_projections():
        collections = [c.name for c in projection.collections]
        live = {name: await everything(store, name) for name in collections}
        progress: list[tuple[int, int]] = []

        def report(applied: int, total: int, seen: list[tuple[int, int]] = progress) -> None:
            seen.append((applied, total))

        applied = await store.views.rebuild(projection, batch_size=7, progress=report)

        assert applied == head
        assert progress[-1] == (head, head)
        assert {name: await everything(store, name) for name in collections} == live
        assert await store.views.checkpoint(projection.name) == head
    assert len(await everything(store, ACCOUNTS)) == 4
    assert TRANSACTION_BALANCES in [c.name for p in bank_projections() for c in p.collections]


async def test_appends_after_a_rebuild_continue_from_its_checkpoint(store: ContractStore) -> None:
    account_id, stream = new_stream()
    await store.append(stream, [opened(account_id), deposited(account_id, "1.00")], NO_STREAM)
    for projection in bank_projections():
        await store.views.rebuild(projection)

    await store.append(stream, [deposited(account_id, "2.00")], 2)

    account = await store.views.get(ACCOUNTS, account_id)
    assert account is not None
    assert (account["balance"], account["version"]) == ("3.00", 3)
    assert [doc["balance_after"] for _, doc in await everything(store, TRANSACTIONS)] == ["1.00", "3.00"]


async def test_rebuilding_an_empty_log(store: ContractStore) -> None:
    [accounts, *_] = bank_projections()

    assert await store.views.rebuild(accounts) == 0
    assert await store.views.checkpoint(ACCOUNTS) == 0
    assert await everything(store, ACCOUNTS) == []


# --- find ------------------------------------------------------------------------------------

OWNERS = ["Ada Lovelace", "alan turing", "Grace Hopper", "ADA's cat", "Barbara Liskov", "100% Ada", "Edsger_D",
          "Donald Knuth"]


@pytest.fixture
async def directory(store: ContractStore) -> list[str]:
    """Eight accounts with ids ``acc-01``..``acc-08``; odd ones closed; returns the keys."""
    keys = []
    for index, owner in enumerate(OWNERS, start=1):
        account_id = f"acc-{index:02d}"
        events = [opened(account_id, owner, "EUR" if index <= 6 else "JPY")]
        if index % 2:
            events.append(closed(account_id))
        await store.append(f"account-{account_id}", events, NO_STREAM)
        keys.append(account_id)
    return keys


def keys(page: Page) -> list[str]:
    return [key for key, _ in page.documents]


async def test_find_pages_forwards_in_key_order(store: ContractStore, directory: list[str]) -> None:
    first = await store.views.find(ACCOUNTS, limit=3)
    second = await store.views.find(ACCOUNTS, limit=3, after_key=keys(first)[-1])
    third = await store.views.find(ACCOUNTS, limit=3, after_key=keys(second)[-1])

    assert [keys(first), keys(second), keys(third)] == [directory[:3], directory[3:6], directory[6:]]
    assert [first.has_next, second.has_next, third.has_next] == [True, True, False]
    assert dict(first.documents)["acc-01"]["owner"] == "Ada Lovelace"
    exact = await store.views.find(ACCOUNTS, limit=8)
    assert (keys(exact), exact.has_next) == (directory, False)
    assert (await store.views.find(ACCOUNTS, after_key="acc-08")).documents == ()


async def test_find_pages_backwards(store: ContractStore, directory: list[str]) -> None:
    first = await store.views.find(ACCOUNTS, limit=5, backwards=True)
    second = await store.views.find(ACCOUNTS, limit=5, backwards=True, after_key=keys(first)[-1])

    assert (keys(first), first.has_next) == (directory[::-1][:5], True)
    assert (keys(second), second.has_next) == (directory[::-1][5:], False)


async def test_find_filters_by_equality(store: ContractStore, directory: list[str]) -> None:
    closed_page = await store.views.find(ACCOUNTS, equals={"status": "CLOSED"})
    open_yen = await store.views.find(ACCOUNTS, equals={"status": "OPEN", "currency": "JPY"})
    by_version = await store.views.find(ACCOUNTS, equals={"version": 2})
    paged = await store.views.find(ACCOUNTS, equals={"status": "OPEN"}, limit=2, after_key="acc-02")

    assert keys(closed_page) == ["acc-01", "acc-03", "acc-05", "acc-07"]
    assert keys(open_yen) == ["acc-08"]
    assert keys(by_version) == keys(closed_page)
    assert (keys(paged), paged.has_next) == (["acc-04", "acc-06"], True)
    assert (await store.views.find(ACCOUNTS, equals={"status": "FROZEN"})).documents == ()


async def test_find_contains_is_case_insensitive_and_literal(store: ContractStore, directory: list[str]) -> None:
    async def owners(**filters: Any) -> list[str]:
        page = await store.views.find(ACCOUNTS, limit=100, **filters)
        return [doc["owner"] for _, doc in page.documents]

    assert await owners(contains={"owner": "ada"}) == ["Ada Lovelace", "ADA's cat", "100% Ada"]
    assert await owners(contains={"owner": "AlAn"}) == ["alan turing"]
    assert await owners(contains={"owner": "%"}) == ["100% Ada"]
    assert await owners(contains={"owner": "_"}) == ["Edsger_D"]
    assert await owners(contains={"owner": "grace", "id": "acc-05"}) == ["Grace Hopper", "Barbara Liskov"]
    assert await owners(contains={"owner": "ada"}, equals={"status": "OPEN"}) == ["ADA's cat", "100% Ada"]
    page = await store.views.find(ACCOUNTS, contains={"owner": "a"}, limit=2, backwards=True)
    assert (keys(page), page.has_next) == (["acc-08", "acc-06"], True)
