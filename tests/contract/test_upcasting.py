"""Upcasting on every read path of every backend (docs/architecture.md §2).

A ``MoneyDeposited`` v1 row (no ``reference``), written straight into the store
as an older release would have, reads as schema version 2 with ``reference``
``None`` from streams, the global log, single-event lookup, subscriptions,
projection rebuilds and aggregate loading. The stored row is not rewritten.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from core.bank.account import ACCOUNT, MONEY_DEPOSITED
from core.bank.commands import DepositMoney, OpenAccount
from core.bank.projections import ACCOUNTS, TRANSACTIONS, AccountsProjection, TransactionsProjection, position_key
from core.commands import CommandContext
from core.events import RecordedEvent
from core.processor import CommandProcessor
from tests.contract.conftest import ContractStore
from tests.support.raw_events import RawEventWriter

ACCOUNT_ID = "0193a0c4-0000-7000-8000-0000000000a1"
STREAM = ACCOUNT.stream_id(ACCOUNT_ID)
V1_DEPOSIT = {"account_id": ACCOUNT_ID, "amount": "7.50", "currency": "EUR"}


@pytest.fixture
async def old_deposit(store: ContractStore, raw_events: RawEventWriter) -> int:
    """An open account with a v1 deposit written raw; returns the deposit's position."""
    await CommandProcessor(store).execute(
        ACCOUNT, STREAM, OpenAccount(ACCOUNT_ID, "Old Timer", "EUR"), context=CommandContext())
    return raw_events(STREAM, MONEY_DEPOSITED, V1_DEPOSIT, 1)


def assert_upcast(event: RecordedEvent) -> None:
    assert event.type == MONEY_DEPOSITED
    assert event.schema_version == 2
    assert dict(event.data) == {**V1_DEPOSIT, "reference": None}


async def test_streams_upcast(store: ContractStore, old_deposit: int) -> None:
    events = await store.read_stream(STREAM)

    assert [e.version for e in events] == [1, 2]
    assert_upcast(events[1])
    assert_upcast((await store.read_stream(STREAM, from_version=99, backwards=True))[0])


async def test_the_global_log_upcasts(store: ContractStore, old_deposit: int) -> None:
    assert_upcast((await store.read_all(old_deposit))[0])
    assert_upcast((await store.read_all(types=[MONEY_DEPOSITED]))[0])
    found = await store.find_event((await store.read_all(old_deposit))[0].event_id)
    assert found is not None
    assert_upcast(found)


async def test_subscriptions_upcast(store: ContractStore, old_deposit: int) -> None:
    subscription = store.subscribe(old_deposit)
    try:
        assert_upcast(await asyncio.wait_for(anext(subscription), 10))
    finally:
        await subscription.aclose()  # type: ignore[attr-defined]


async def test_projection_replay_upcasts(store: ContractStore, old_deposit: int) -> None:
    await store.views.rebuild(AccountsProjection())
    await store.views.rebuild(TransactionsProjection())

    account = await store.views.get(ACCOUNTS, ACCOUNT_ID)
    row = await store.views.get(TRANSACTIONS, position_key(old_deposit))
    assert account is not None and row is not None
    assert (account["balance"], account["version"]) == ("7.50", 2)
    assert row["reference"] is None
    assert row["balance_after"] == "7.50"


async def test_an_aggregate_with_v1_events_loads_and_takes_v2_commands(store: ContractStore, old_deposit: int) -> None:
    chronicle = CommandProcessor(store)
    outcome = await chronicle.execute(ACCOUNT, STREAM, DepositMoney(ACCOUNT_ID, Decimal(1), "rent"),
                                      context=CommandContext(), expected_version=2)

    assert outcome.state.balance == Decimal("8.50")
    assert outcome.events[0].schema_version == 2
    assert outcome.events[0].data["reference"] == "rent"
    stored = await store.read_stream(STREAM)
    assert [e.data.get("reference") for e in stored[1:]] == [None, "rent"]
