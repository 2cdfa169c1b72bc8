"""IntervalSnapshotPolicy: when snapshots are saved and which are trusted."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.bank.account import ACCOUNT, Account, AccountStatus, from_snapshot, to_snapshot
from core.errors import StoreUnavailable
from core.snapshots import IntervalSnapshotPolicy, Snapshot

STATE = Account(account_id="a", owner="Ada", currency="EUR", balance=Decimal("12.30"),
                overdraft_limit=Decimal("5.00"), status=AccountStatus.CLOSED, version=7,
                opened_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
                updated_at=datetime(2025, 2, 3, 4, 5, 6, 789, tzinfo=UTC))


class MemorySnapshotStore:
    def __init__(self, *, failing: bool = False) -> None:
        self.saved: dict[str, Snapshot] = {}
        self.failing = failing

    async def load(self, stream_id: str, at_or_below: int | None = None) -> Snapshot | None:
        found = self.saved.get(stream_id)
        return found if found is None or at_or_below is None or found.version <= at_or_below else None

    async def save(self, snapshot: Snapshot) -> None:
        if self.failing:
            raise StoreUnavailable("down")
        self.saved[snapshot.stream_id] = snapshot

    async def delete_all(self) -> None:
        self.saved.clear()


def test_account_state_survives_a_snapshot_round_trip() -> None:
    assert from_snapshot(to_snapshot(STATE)) == STATE
    assert from_snapshot(to_snapshot(Account())) == Account()


async def test_a_snapshot_is_saved_once_the_interval_is_reached() -> None:
    store = MemorySnapshotStore()
    policy = IntervalSnapshotPolicy(store, interval=5)

    await policy.maybe_save(ACCOUNT, "account-a", STATE, 4, 4)
    assert store.saved == {}
    await policy.maybe_save(ACCOUNT, "account-a", STATE, 5, 5)

    assert store.saved["account-a"] == Snapshot("account-a", 5, to_snapshot(STATE), ACCOUNT.schema_version)
    assert await policy.latest(ACCOUNT, "account-a") == (STATE, 5)


async def test_the_interval_is_configurable_per_aggregate_type() -> None:
    policy = IntervalSnapshotPolicy(MemorySnapshotStore(), interval=100, intervals={"account": 2})
    other = replace(ACCOUNT, name="ledger")
    manual = replace(ACCOUNT, to_snapshot=None, from_snapshot=None)

    assert policy.interval(ACCOUNT) == 2
    assert policy.interval(other) == 100
    assert policy.interval(manual) == 0


async def test_interval_zero_disables_snapshots() -> None:
    store = MemorySnapshotStore()
    policy = IntervalSnapshotPolicy(store, interval=0)
    store.saved["account-a"] = Snapshot("account-a", 5, to_snapshot(STATE), ACCOUNT.schema_version)

    await policy.maybe_save(ACCOUNT, "account-b", STATE, 500, 500)

    assert "account-b" not in store.saved
    assert await policy.latest(ACCOUNT, "account-a") is None


async def test_a_snapshot_of_another_schema_version_is_not_trusted() -> None:
    store = MemorySnapshotStore()
    store.saved["account-a"] = Snapshot("account-a", 5, to_snapshot(STATE), ACCOUNT.schema_version + 1)

    assert await IntervalSnapshotPolicy(store).latest(ACCOUNT, "account-a") is None


async def test_an_unreadable_snapshot_is_not_trusted(caplog: pytest.LogCaptureFixture) -> None:
    store = MemorySnapshotStore()
    store.saved["account-a"] = Snapshot("account-a", 5, {**to_snapshot(STATE), "balance": "x"}, 1)

    assert await IntervalSnapshotPolicy(store).latest(ACCOUNT, "account-a") is None
    assert "unreadable snapshot" in caplog.text


async def test_a_failed_save_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    policy = IntervalSnapshotPolicy(MemorySnapshotStore(failing=True), interval=1)

    with caplog.at_level(logging.WARNING):
        await policy.maybe_save(ACCOUNT, "account-a", STATE, 5, 5)

    assert "could not save a snapshot" in caplog.text


def test_negative_intervals_are_refused() -> None:
    with pytest.raises(ValueError):
        IntervalSnapshotPolicy(MemorySnapshotStore(), interval=-1)
    with pytest.raises(ValueError):
        IntervalSnapshotPolicy(MemorySnapshotStore(), intervals={"account": -1})
