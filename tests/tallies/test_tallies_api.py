"""The tallies domain over GraphQL, registered only through ``CHRONICLE_DOMAINS``:
its mutation (idempotency key, expected version, its own error member), its
query over the inline projection, and its events on the ``events`` subscription."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx

from tests.api.client import EVENTS_SUBSCRIPTION, Api, events_of, feed, http_api, ws_session
from tests.support.server import RunningServer

COUNT = """mutation($input: CountVisitsInput!) { result: countVisits(input: $input) {
  __typename ... on Error { code message }
  ... on TallySuccess { replayed tally { id total version } events { type version position data } }
  ... on ConcurrencyConflict { expectedVersion actualVersion }
  ... on TallyFull { tallyId total }
} }"""
TALLY = "query($id: ID!) { tally(id: $id) { id total version } }"


async def _count(api: Api, tally_id: str, visits: int, **fields: Any) -> dict[str, Any]:
    return (await api.run(COUNT, input={"tallyId": tally_id, "visits": visits, **fields}))["result"]


async def test_count_visits_appends_and_the_query_sees_the_inline_projection(tally_server: RunningServer) -> None:
    tally_id = str(uuid4())
    async with http_api(tally_server) as api:
        first = await _count(api, tally_id, 2)
        second = await _count(api, tally_id, 3)

        assert first["__typename"] == "TallySuccess", first
        assert [e["type"] for e in first["events"]] == ["TallyStarted", "TallyCounted"]
        assert second["tally"] == {"id": tally_id, "total": 5, "version": 3}
        assert (await api.run(TALLY, id=tally_id))["tally"] == {"id": tally_id, "total": 5, "version": 3}


async def test_an_idempotency_key_replays_and_a_reused_one_is_refused(tally_server: RunningServer) -> None:
    tally_id, key = str(uuid4()), f"tally-{uuid4()}"
    async with http_api(tally_server) as api:
        first = await _count(api, tally_id, 2, idempotencyKey=key)
        again = await _count(api, tally_id, 2, idempotencyKey=key)
        other = await _count(api, tally_id, 7, idempotencyKey=key)

        assert (first["replayed"], again["replayed"]) == (False, True)
        assert again["events"] == first["events"]
        assert (other["__typename"], other["code"]) == ("IdempotencyKeyReused", "IDEMPOTENCY_KEY_REUSED")
        assert (await api.run(TALLY, id=tally_id))["tally"]["total"] == 2


async def test_expected_version_and_the_domain_error_are_union_members(tally_server: RunningServer) -> None:
    tally_id = str(uuid4())
    async with http_api(tally_server) as api:
        await _count(api, tally_id, 1)
        stale = await _count(api, tally_id, 1, expectedVersion=1)
        current = await _count(api, tally_id, 1, expectedVersion=2)
        full = await _count(api, tally_id, 1000)

        assert stale == {"__typename": "ConcurrencyConflict", "code": "CONCURRENCY_CONFLICT",
                         "message": stale["message"], "expectedVersion": 1, "actualVersion": 2}
        assert current["tally"]["version"] == 3
        assert (full["__typename"], full["code"], full["tallyId"], full["total"]) == (
            "TallyFull", "TALLY_FULL", tally_id, 2)


async def test_tally_events_arrive_on_the_events_subscription(tally_server: RunningServer) -> None:
    tally_id = str(uuid4())
    async with http_api(tally_server) as api:
        head = await api.head()
        async with ws_session(tally_server, "graphql-transport-ws") as session, \
                feed(session, EVENTS_SUBSCRIPTION, after=head) as source:
            await _count(api, tally_id, 4)
            delivered = await events_of(source, f"tally-{tally_id}", 2)

    assert [(e["type"], e["version"], e["data"]) for e in delivered] == [
        ("TallyStarted", 1, {"tally_id": tally_id}), ("TallyCounted", 2, {"tally_id": tally_id, "visits": 4})]


async def test_metrics_and_readiness_cover_the_registered_domain(tally_server: RunningServer) -> None:
    async with httpx.AsyncClient() as client:
        metrics = (await client.get(f"{tally_server.base_url}/metrics")).text
        ready = (await client.get(f"{tally_server.base_url}/readyz")).json()

    assert 'chronicle_commands_total{command="CountVisits",outcome="success"}' in metrics
    assert 'chronicle_projection_lag{projection="tallies"}' in metrics
    assert ready["lag"]["tallies"] == 0
