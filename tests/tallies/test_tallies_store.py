"""The tallies domain on both stores: persisted, projected inline, rebuilt, read back by type."""

from __future__ import annotations

from uuid import uuid4

from core.commands import CommandContext
from core.processor import CommandProcessor
from tests.contract.conftest import ContractStore
from tests.tallies.domain import TALLIES, TALLIES_COLLECTION, TALLY, TALLY_COUNTED, TALLY_STARTED, CountVisits


async def _count(store: ContractStore, tally_id: str, visits: int) -> None:
    await CommandProcessor(store).execute(TALLY, TALLY.stream_id(tally_id), CountVisits(tally_id, visits),
                                          context=CommandContext())


async def test_tally_events_are_stored_and_read_back(store: ContractStore) -> None:
    tally_id = str(uuid4())

    await _count(store, tally_id, 2)
    await _count(store, tally_id, 3)

    events = await store.read_stream(TALLY.stream_id(tally_id))
    assert [(e.type, e.version, dict(e.data)) for e in events] == [
        (TALLY_STARTED, 1, {"tally_id": tally_id}),
        (TALLY_COUNTED, 2, {"tally_id": tally_id, "visits": 2}),
        (TALLY_COUNTED, 3, {"tally_id": tally_id, "visits": 3}),
    ]
    assert [e.type for e in await store.read_all(types=[TALLY_COUNTED])] == [TALLY_COUNTED] * 2


async def test_the_tallies_projection_runs_inline_and_rebuilds_to_the_same_rows(store: ContractStore) -> None:
    first, second = str(uuid4()), str(uuid4())
    for tally_id, visits in ((first, 4), (second, 1), (first, 5)):
        await _count(store, tally_id, visits)
    live = {tally_id: await store.views.get(TALLIES_COLLECTION, tally_id) for tally_id in (first, second)}
    assert live == {first: {"id": first, "total": 9, "version": 3}, second: {"id": second, "total": 1, "version": 2}}

    [projection] = TALLIES.projections
    applied = await store.views.rebuild(projection, batch_size=2)

    assert applied == await store.head_position()
    assert {t: await store.views.get(TALLIES_COLLECTION, t) for t in (first, second)} == live
    by_total = await store.views.find(TALLIES_COLLECTION, equals={"total": 9})
    assert [key for key, _ in by_total.documents] == [first]
    assert await store.views.checkpoint(TALLIES_COLLECTION) == await store.head_position()
