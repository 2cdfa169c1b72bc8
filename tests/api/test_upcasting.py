"""Upcasting over the real server: a ``MoneyDeposited`` v1 row written by "an
older release" (another process, straight into the store) streams, loads,
projects after a rebuild and reads everywhere as schema version 2 with
``reference: null``; deposit/withdraw inputs accept a validated ``reference``."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

from gql import GraphQLRequest

from tests.support.graphql import EVENT_FIELDS, deposit, execute, open_account, websocket
from tests.support.raw_events import raw_writer_for
from tests.support.server import ROOT, RunningServer

SUBSCRIBE = "subscription($after: Int) { events(afterPosition: $after) { EVENT_FIELDS } }".replace(
    "EVENT_FIELDS", EVENT_FIELDS)
READ_BACK = """
query($id: ID!, $stream: String!) {
  stream(streamId: $stream) { version type schemaVersion data }
  account(id: $id) { balance version }
  transactions(accountId: $id) { edges { node { version amount reference balanceAfter } } }
  accountHistory(id: $id) { edges { node { version balance reference } } }
}
"""


async def event_after(server: RunningServer, position: int, caught_up: asyncio.Event) -> dict[str, Any]:
    """Subscribe from just before ``position``; once the event at ``position`` has arrived (the
    subscription has caught up: what follows is live) set ``caught_up`` and return the next event."""
    async with websocket(server) as session:
        request = GraphQLRequest(SUBSCRIBE, variable_values={"after": position - 1})
        async for result in session.subscribe(request):
            if caught_up.is_set():
                return result["events"]  # type: ignore[no-any-return]
            assert result["events"]["position"] == position
            caught_up.set()
    raise AssertionError("the subscription ended without an event")


async def test_a_stored_v1_deposit_streams_loads_and_projects_as_v2(server: RunningServer) -> None:
    opened = await open_account(server, "Old Timer")
    account_id, stream_id = opened["account"]["id"], opened["events"][0]["streamId"]
    caught_up = asyncio.Event()
    subscribed = asyncio.create_task(event_after(server, opened["events"][0]["position"], caught_up))
    await asyncio.wait_for(caught_up.wait(), 15)  # the subscription is live before the row appears

    v1_deposit = {"account_id": account_id, "amount": "7.50", "currency": "EUR"}
    position = raw_writer_for(server.store_url)(stream_id, "MoneyDeposited", v1_deposit, 1)

    streamed = await asyncio.wait_for(subscribed, 15)
    assert (streamed["position"], streamed["schemaVersion"]) == (position, 2)
    assert streamed["data"] == {"account_id": account_id, "amount": "7.50", "currency": "EUR", "reference": None}

    after = await deposit(server, account_id, "1", "new style")  # the aggregate folds the v1 event
    assert after["__typename"] == "AccountSuccess"
    assert (after["account"]["balance"], after["account"]["version"]) == ("8.50", 3)

    rebuilt = subprocess.run([sys.executable, "-m", "api", "projections", "rebuild", "--store-url",
                              server.store_url], cwd=ROOT, capture_output=True, timeout=60, check=False)
    assert rebuilt.returncode == 0, rebuilt.stderr.decode()

    data = await execute(server, READ_BACK, {"id": account_id, "stream": stream_id})
    assert [(e["version"], e["schemaVersion"], e["data"].get("reference")) for e in data["stream"]] == [
        (1, 1, None), (2, 2, None), (3, 2, "new style")]
    assert data["account"] == {"balance": "8.50", "version": 3}
    assert [e["node"] for e in data["transactions"]["edges"]] == [
        {"version": 2, "amount": "7.50", "reference": None, "balanceAfter": "7.50"},
        {"version": 3, "amount": "1.00", "reference": "new style", "balanceAfter": "8.50"},
    ]
    assert [e["node"]["balance"] for e in data["accountHistory"]["edges"]] == ["0.00", "7.50", "8.50"]


async def test_an_overlong_reference_is_a_validation_failure(server: RunningServer) -> None:
    account_id = (await open_account(server))["account"]["id"]

    refused = await deposit(server, account_id, "1", "x" * 141)

    assert (refused["__typename"], refused["code"], refused["field"]) == ("ValidationFailed", "VALIDATION_FAILED",
                                                                           "reference")
