"""Temporal queries over the real server: ``account(asOfVersion, asOf)`` and
``accountHistory``, both rebuilt from the events."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.support.graphql import deposit, execute, open_account, post
from tests.support.server import RunningServer

AS_OF = """
query($id: ID!, $v: Int, $at: DateTime) {
  account(id: $id, asOfVersion: $v, asOf: $at) { id balance version updatedAt status }
}
"""

HISTORY = """
query($id: ID!, $first: Int, $after: String) {
  accountHistory(id: $id, first: $first, after: $after) {
    edges { cursor node { version position type amount balance currency reference recordedAt } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""

WITHDRAW = """
mutation($id: ID!, $amount: Decimal!, $reference: String) {
  withdraw(input: {accountId: $id, amount: $amount, reference: $reference}) {
    __typename ... on AccountSuccess { events { version position recordedAt } }
  }
}
"""


@pytest.fixture
async def moved_account(server: RunningServer) -> dict[str, Any]:
    """An account with versions: 1 opened, 2 +10.00, 3 +20.00 "salary", 4 -5.00 "coffee"."""
    opened = await open_account(server, "Time Traveller")
    account_id = opened["account"]["id"]
    times = [opened["events"][0]["recordedAt"]]
    times.append((await deposit(server, account_id, "10"))["events"][0]["recordedAt"])
    times.append((await deposit(server, account_id, "20", "salary"))["events"][0]["recordedAt"])
    withdrawn = await execute(server, WITHDRAW, {"id": account_id, "amount": "5", "reference": "coffee"})
    times.append(withdrawn["withdraw"]["events"][0]["recordedAt"])
    return {"id": account_id, "times": times}


async def as_of(server: RunningServer, account_id: str, version: int | None = None,
                at: str | None = None) -> dict[str, Any] | None:
    return (await execute(server, AS_OF, {"id": account_id, "v": version, "at": at}))["account"]


async def test_as_of_version_rebuilds_the_account_at_that_version(
    server: RunningServer, moved_account: dict[str, Any]
) -> None:
    account_id, times = moved_account["id"], moved_account["times"]

    at_two = await as_of(server, account_id, version=2)
    assert at_two is not None
    assert (at_two["balance"], at_two["version"], at_two["updatedAt"]) == ("10.00", 2, times[1])
    assert (await as_of(server, account_id, version=1))["balance"] == "0.00"  # type: ignore[index]
    assert await as_of(server, account_id, version=0) is None
    latest = await as_of(server, account_id, version=99)
    assert latest is not None and (latest["balance"], latest["version"]) == ("25.00", 4)


async def test_without_arguments_the_account_still_comes_from_the_projection(
    server: RunningServer, moved_account: dict[str, Any]
) -> None:
    current = await as_of(server, moved_account["id"])

    assert current == await as_of(server, moved_account["id"], version=4)


async def test_as_of_a_time_rebuilds_the_account_from_events_recorded_by_then(
    server: RunningServer, moved_account: dict[str, Any]
) -> None:
    account_id, times = moved_account["id"], moved_account["times"]

    at_third = await as_of(server, account_id, at=times[2])
    assert at_third is not None and (at_third["balance"], at_third["version"]) == ("30.00", 3)
    before = (datetime.fromisoformat(times[0]) - timedelta(seconds=1)).isoformat()
    assert await as_of(server, account_id, at=before) is None
    both = await as_of(server, account_id, version=2, at=times[3])
    assert both is not None and both["version"] == 2


async def test_a_negative_as_of_version_is_bad_input(server: RunningServer, moved_account: dict[str, Any]) -> None:
    body = await post(server, AS_OF, {"id": moved_account["id"], "v": -1})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_account_history_lists_the_balance_after_each_event(
    server: RunningServer, moved_account: dict[str, Any]
) -> None:
    history = (await execute(server, HISTORY, {"id": moved_account["id"]}))["accountHistory"]

    nodes = [edge["node"] for edge in history["edges"]]
    assert [(n["version"], n["type"], n["amount"], n["balance"], n["reference"]) for n in nodes] == [
        (1, "AccountOpened", None, "0.00", None),
        (2, "MoneyDeposited", "10.00", "10.00", None),
        (3, "MoneyDeposited", "20.00", "30.00", "salary"),
        (4, "MoneyWithdrawn", "5.00", "25.00", "coffee"),
    ]
    assert [n["recordedAt"] for n in nodes] == moved_account["times"]
    assert all(n["currency"] == "EUR" for n in nodes)
    assert nodes[0]["position"] < nodes[3]["position"]
    assert history["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False, "endCursor": "4"}


async def test_account_history_pages_by_version(server: RunningServer, moved_account: dict[str, Any]) -> None:
    page = (await execute(server, HISTORY, {"id": moved_account["id"], "first": 2, "after": "1"}))["accountHistory"]

    assert [edge["cursor"] for edge in page["edges"]] == ["2", "3"]
    assert page["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": True, "endCursor": "3"}


async def test_an_unknown_account_has_no_history(server: RunningServer) -> None:
    history = (await execute(server, HISTORY, {"id": "not-an-id"}))["accountHistory"]

    assert history["edges"] == []
