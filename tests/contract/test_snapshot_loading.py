"""Loading aggregates through snapshots on every backend (docs/architecture.md §4).

A snapshot is an optimisation only: deleting all snapshots changes no result,
an aggregate loaded from one has the right version, and a snapshot of another
schema version is ignored.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from core.bank.account import ACCOUNT, Account
from core.bank.commands import DepositMoney, OpenAccount, WithdrawMoney
from core.commands import CommandContext
from core.ports import EventStore
from core.processor import CommandProcessor
from core.snapshots import IntervalSnapshotPolicy, Snapshot, SnapshotStore

ACCOUNT_ID = "0193a0c4-0000-7000-8000-000000000001"
STREAM = ACCOUNT.stream_id(ACCOUNT_ID)


def processor(store: EventStore, snapshots: SnapshotStore | None, interval: int = 3,
              cache_size: int = 0) -> CommandProcessor:
    """A processor whose loads go to the store (no state cache, unless asked), so
    these tests see what snapshots alone do."""
    policy = None if snapshots is None else IntervalSnapshotPolicy(snapshots, interval=interval)
    return CommandProcessor(store, snapshots=policy, cache_size=cache_size)


async def run_history(chronicle: CommandProcessor, deposits: int) -> None:
    context = CommandContext()
    await chronicle.execute(ACCOUNT, STREAM, OpenAccount(ACCOUNT_ID, "Ada", "EUR", Decimal(5)), context=context)
    for n in range(1, deposits + 1):
        await chronicle.execute(ACCOUNT, STREAM, DepositMoney(ACCOUNT_ID, Decimal(n)), context=context)
    await chronicle.execute(ACCOUNT, STREAM, WithdrawMoney(ACCOUNT_ID, Decimal("0.50")), context=context)


async def test_commands_save_snapshots_every_interval(store: EventStore, snapshot_store: SnapshotStore) -> None:
    await run_history(processor(store, snapshot_store, interval=3), deposits=10)

    snapshot = await snapshot_store.load(STREAM)

    assert snapshot is not None
    assert snapshot.schema_version == ACCOUNT.schema_version
    assert 3 <= snapshot.version <= 12


async def test_deleting_all_snapshots_changes_no_result(store: EventStore, snapshot_store: SnapshotStore) -> None:
    chronicle = processor(store, snapshot_store)
    await run_history(chronicle, deposits=10)
    with_snapshots = await chronicle.load(ACCOUNT, STREAM)
    past = [await chronicle.load(ACCOUNT, STREAM, to_version=v) for v in range(0, 14)]

    await snapshot_store.delete_all()

    assert await chronicle.load(ACCOUNT, STREAM) == with_snapshots
    assert [await chronicle.load(ACCOUNT, STREAM, to_version=v) for v in range(0, 14)] == past
    assert await processor(store, None).load(ACCOUNT, STREAM) == with_snapshots
    assert with_snapshots.version == 12
    assert with_snapshots.state.balance == Decimal("54.50")


async def test_an_aggregate_loaded_from_a_snapshot_appends_at_the_right_version(
    store: EventStore, snapshot_store: SnapshotStore
) -> None:
    await run_history(processor(store, snapshot_store), deposits=10)
    fresh = processor(store, snapshot_store)  # nothing cached in-process

    loaded = await fresh.load(ACCOUNT, STREAM)
    outcome = await fresh.execute(ACCOUNT, STREAM, DepositMoney(ACCOUNT_ID, Decimal(1)),
                                  context=CommandContext(), expected_version=loaded.version)

    assert loaded.version == 12
    assert [e.version for e in outcome.events] == [13]
    assert outcome.state.balance == Decimal("55.50")
    assert outcome.state.version == 13


async def test_loading_starts_at_the_snapshot_then_folds_later_events(
    store: EventStore, snapshot_store: SnapshotStore
) -> None:
    chronicle = processor(store, snapshot_store, interval=1000)
    await run_history(chronicle, deposits=2)  # versions 1..4, no snapshot yet
    at_two = await chronicle.load(ACCOUNT, STREAM, to_version=2)
    doctored: Account = replace(at_two.state, balance=Decimal(1000))
    assert ACCOUNT.to_snapshot is not None
    await snapshot_store.save(Snapshot(STREAM, 2, ACCOUNT.to_snapshot(doctored), ACCOUNT.schema_version))

    loaded = await chronicle.load(ACCOUNT, STREAM)

    # 1000 from the snapshot, then +2 (v3) and -0.50 (v4): proof the snapshot was used.
    assert (loaded.version, loaded.state.balance) == (4, Decimal("1001.50"))


async def test_a_snapshot_of_another_schema_version_is_ignored(
    store: EventStore, snapshot_store: SnapshotStore
) -> None:
    chronicle = processor(store, snapshot_store, interval=1000)
    await run_history(chronicle, deposits=2)
    truth = await processor(store, None).load(ACCOUNT, STREAM)
    assert ACCOUNT.to_snapshot is not None
    lying = ACCOUNT.to_snapshot(replace(truth.state, balance=Decimal(1000)))
    await snapshot_store.save(Snapshot(STREAM, 4, lying, ACCOUNT.schema_version + 1))

    assert await chronicle.load(ACCOUNT, STREAM) == truth


async def test_an_unreadable_snapshot_is_ignored(store: EventStore, snapshot_store: SnapshotStore) -> None:
    chronicle = processor(store, snapshot_store, interval=1000)
    await run_history(chronicle, deposits=2)
    truth = await processor(store, None).load(ACCOUNT, STREAM)
    await snapshot_store.save(Snapshot(STREAM, 4, {"balance": "not money"}, ACCOUNT.schema_version))

    assert await chronicle.load(ACCOUNT, STREAM) == truth


async def test_a_cached_hot_stream_still_gets_snapshots(store: EventStore, snapshot_store: SnapshotStore) -> None:
    await run_history(processor(store, snapshot_store, interval=3, cache_size=100), deposits=10)

    snapshot = await snapshot_store.load(STREAM)
    assert snapshot is not None and snapshot.version >= 10


async def test_the_state_cache_never_hides_another_writers_events(store: EventStore) -> None:
    cached = processor(store, None, cache_size=100)
    await run_history(cached, deposits=1)  # cached at version 3
    other = processor(store, None)  # e.g. another process on the same store
    await other.execute(ACCOUNT, STREAM, DepositMoney(ACCOUNT_ID, Decimal(7)), context=CommandContext())

    loaded = await cached.load(ACCOUNT, STREAM)
    assert loaded == await processor(store, None).load(ACCOUNT, STREAM)
    assert (loaded.version, loaded.state.balance) == (4, Decimal("7.50"))


async def test_temporal_loads_start_at_the_snapshot_at_or_below_and_agree_without_snapshots(
    store: EventStore, snapshot_store: SnapshotStore
) -> None:
    """Snapshots at versions 3, 6, 9, 12 (interval 3): every past version and every recorded
    time gives the state a snapshot-free fold gives, and the nearest snapshot is used."""
    chronicle = processor(store, snapshot_store, interval=3, cache_size=10)  # as served: snapshots every 3
    await run_history(chronicle, deposits=10)
    plain = processor(store, None)
    times = [e.recorded_at for e in await store.read_stream(STREAM)]

    for version in range(0, 14):
        assert await chronicle.load(ACCOUNT, STREAM, to_version=version) == \
            await plain.load(ACCOUNT, STREAM, to_version=version), version
    for time in times:
        assert await chronicle.load(ACCOUNT, STREAM, as_of=time) == await plain.load(ACCOUNT, STREAM, as_of=time)
        assert await chronicle.load(ACCOUNT, STREAM, to_version=5, as_of=time) == \
            await plain.load(ACCOUNT, STREAM, to_version=5, as_of=time)

    nearest = [await snapshot_store.load(STREAM, at_or_below=v) for v in range(0, 14)]
    assert len({s.version for s in nearest if s}) >= 3  # several kept, not only the latest
    # a snapshot at some version v and none at v + 1: loading v + 1 must start from it
    used = next(s for v, s in enumerate(nearest[:12]) if s and s.version == v and nearest[v + 1] == s)
    assert ACCOUNT.to_snapshot is not None
    before = await plain.load(ACCOUNT, STREAM, to_version=used.version)
    after = await plain.load(ACCOUNT, STREAM, to_version=used.version + 1)
    doctored = replace(before.state, balance=Decimal(1000))
    await snapshot_store.save(Snapshot(STREAM, used.version, ACCOUNT.to_snapshot(doctored), ACCOUNT.schema_version))
    expected = Decimal(1000) + after.state.balance - before.state.balance  # the doctored start, one event on

    assert (await chronicle.load(ACCOUNT, STREAM, to_version=used.version + 1)).state.balance == expected
    assert (await chronicle.load(ACCOUNT, STREAM, as_of=times[used.version])).state.balance == expected
