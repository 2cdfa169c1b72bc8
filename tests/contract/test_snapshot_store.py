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


async def test_every_snapshot_is_kept_and_loaded_at_or_below_a_version(snapshot_store: SnapshotStore) -> None:
    for version in (9, 3, 6):
        await snapshot_store.save(Snapshot("account-a", version, {"v": version}, 1))
    await snapshot_store.save(Snapshot("account-b", 5, {"v": 5}, 1))

    found = {bound: await snapshot_store.load("account-a", at_or_below=bound) for bound in (2, 3, 5, 6, 8, 9, 100)}

    assert {bound: s.version if s else None for bound, s in found.items()} == {
        2: None, 3: 3, 5: 3, 6: 6, 8: 6, 9: 9, 100: 9}
    assert found[8] == Snapshot("account-a", 6, {"v": 6}, 1)
    assert await snapshot_store.load("account-a") == Snapshot("account-a", 9, {"v": 9}, 1)


async def test_saving_again_at_a_version_replaces_that_snapshot(snapshot_store: SnapshotStore) -> None:
    await snapshot_store.save(Snapshot("account-a", 4, {"v": "first"}, 1))
    await snapshot_store.save(Snapshot("account-a", 4, {"v": "second"}, 1))

    assert await snapshot_store.load("account-a", at_or_below=4) == Snapshot("account-a", 4, {"v": "second"}, 1)


async def test_a_new_schema_version_removes_the_old_ones_at_every_version(snapshot_store: SnapshotStore) -> None:
    await snapshot_store.save(Snapshot("account-a", 3, STATE, 1))
    await snapshot_store.save(Snapshot("account-a", 9, STATE, 1))
    await snapshot_store.save(Snapshot("account-a", 6, {"v": 2}, 2))

    assert await snapshot_store.load("account-a", at_or_below=5) is None
    assert await snapshot_store.load("account-a") == Snapshot("account-a", 6, {"v": 2}, 2)
