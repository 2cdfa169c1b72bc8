"""The SnapshotStore contract: one latest snapshot per stream, never a newer one lost."""

from __future__ import annotations

from core.snapshots import Snapshot, SnapshotStore

STATE = {"balance": "10.25", "owner": "Ada", "nested": {"list": [1, "two", None]}}


async def test_a_stream_without_a_snapshot_loads_none(snapshot_store: SnapshotStore) -> None:
    assert await snapshot_store.load("account-none") is None


async def test_a_saved_snapshot_loads_back_unchanged(snapshot_store: SnapshotStore) -> None:
    await snapshot_store.save(Snapshot("account-a", 7, STATE, 1))

    assert await snapshot_store.load("account-a") == Snapshot("account-a", 7, STATE, 1)
    assert await snapshot_store.load("account-b") is None


async def test_a_newer_snapshot_replaces_an_older_one(snapshot_store: SnapshotStore) -> None:
    await snapshot_store.save(Snapshot("account-a", 7, STATE, 1))
    await snapshot_store.save(Snapshot("account-a", 9, {"balance": "1"}, 1))

    assert await snapshot_store.load("account-a") == Snapshot("account-a", 9, {"balance": "1"}, 1)


async def test_an_older_snapshot_never_replaces_a_newer_one(snapshot_store: SnapshotStore) -> None:
    await snapshot_store.save(Snapshot("account-a", 9, STATE, 1))
    await snapshot_store.save(Snapshot("account-a", 7, {"balance": "1"}, 1))

    assert await snapshot_store.load("account-a") == Snapshot("account-a", 9, STATE, 1)


async def test_a_snapshot_of_another_schema_version_is_replaced(snapshot_store: SnapshotStore) -> None:
    await snapshot_store.save(Snapshot("account-a", 9, STATE, 1))
    await snapshot_store.save(Snapshot("account-a", 4, {"v": 2}, 2))

    assert await snapshot_store.load("account-a") == Snapshot("account-a", 4, {"v": 2}, 2)


async def test_delete_all_removes_every_snapshot(snapshot_store: SnapshotStore) -> None:
    await snapshot_store.save(Snapshot("account-a", 1, STATE, 1))
    await snapshot_store.save(Snapshot("account-b", 2, STATE, 1))

    await snapshot_store.delete_all()

    assert await snapshot_store.load("account-a") is None
    assert await snapshot_store.load("account-b") is None
