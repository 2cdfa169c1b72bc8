"""Issue 15 item 2: reads that fold a long stream are priced, refused over the budget, and cheap.

A teller's 30 aliases of ``account(asOfVersion:)``, ``account(asOf:)`` or
``accountHistory(after:)`` on an account with 3,000 events took 3 to 4 s each, on
the event loop: every temporal read folded the stream from version 1. Now each
starts at the nearest snapshot at or below its bound, history pages start at
their cursor, folds yield to the loop, and an operation priced over
``CHRONICLE_MAX_QUERY_COST`` is refused with ``QUERY_TOO_COSTLY``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.security.conftest import SECRET, token
from tests.support.responsiveness import worst_healthz_latency_during
from tests.support.server import RunningServer, running_server

EVENTS = 3000
ALIASES = 30
HEALTHZ_WITHIN = 0.2
FAST = 2.0
"""Seconds for 30 temporal reads under a loaded CI machine; on an idle one they take tens of milliseconds."""

TELLER = {"authorization": f"Bearer {token(roles=['teller'], expires_in=3600)}"}


def send(server: RunningServer, query: str) -> dict[str, Any]:
    response = httpx.post(server.http_url, json={"query": query}, headers=TELLER, timeout=60)
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
def long_account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, str, Any]]:
    """A server with JWTs on, and an account with 3,000 events (opened, then 2,999 deposits of 1.00,
    so the balance at version v is v - 1), written through the API so its snapshots are the served ones.
    Yields the server, the account id and the SQLite file."""
    directory = tmp_path_factory.mktemp("long")
    db = directory / "chronicle.db"
    env = {"CHRONICLE_JWT_SECRET": SECRET, "CHRONICLE_ALLOW_ANONYMOUS": "false"}
    with running_server(f"sqlite:///{db}", directory / "server.log", env=env) as server:
        opened = send(server, 'mutation { openAccount(input: {owner: "Long", currency: "EUR"}) '
                              "{ ... on AccountSuccess { account { id } } } }")
        account_id = opened["data"]["openAccount"]["account"]["id"]
        deposit = f'deposit(input: {{accountId: "{account_id}", amount: "1.00"}}) {{ __typename }}'
        for start in range(0, EVENTS - 1, ALIASES):
            count = min(ALIASES, EVENTS - 1 - start)
            body = send(server, "mutation { " + " ".join(f"d{n}: {deposit}" for n in range(count)) + " }")
            assert "errors" not in body, body
        yield server, account_id, db


def aliases(field: str, arguments: list[str], selection: str) -> str:
    return "{ " + " ".join(f"a{n}: {field}({argument}) {selection}" for n, argument in enumerate(arguments)) + " }"


def codes(body: dict[str, Any]) -> set[str]:
    return {error.get("extensions", {}).get("code") for error in body.get("errors") or []}


async def timed_while_probing(server: RunningServer, query: str) -> tuple[dict[str, Any], float, float]:
    """Send ``query`` while probing /healthz; return the body, its seconds and the worst probe latency."""
    async def attack() -> tuple[dict[str, Any], float]:
        async with httpx.AsyncClient(timeout=60) as client:
            started = time.monotonic()
            response = await client.post(server.http_url, json={"query": query}, headers=TELLER)
            return response.json(), time.monotonic() - started

    (body, seconds), worst = await worst_healthz_latency_during(server.base_url, attack())
    return body, seconds, worst


LongAccount = tuple[RunningServer, str, Any]


def versions() -> list[int]:
    return [1 + (EVENTS - 1) * n // (ALIASES - 1) for n in range(ALIASES)]  # 1 .. 3000, spread out


async def test_thirty_temporal_reads_by_version_are_fast_and_right(long_account: LongAccount) -> None:
    server, account_id, _ = long_account
    query = aliases("account", [f'id: "{account_id}", asOfVersion: {v}' for v in versions()], "{ version balance }")
    body, seconds, worst = await timed_while_probing(server, query)

    assert "errors" not in body, body
    assert [(a["version"], Decimal(a["balance"])) for a in body["data"].values()] == \
        [(v, Decimal(v - 1)) for v in versions()]
    assert seconds < FAST, seconds
    assert worst < HEALTHZ_WITHIN, (worst, seconds)


async def test_thirty_temporal_reads_by_time_are_fast_and_right(long_account: LongAccount) -> None:
    server, account_id, db = long_account
    with sqlite3.connect(db) as conn:
        recorded = dict(conn.execute("SELECT version, recorded_at FROM events WHERE stream_id = ?",
                                     (f"account-{account_id}",)).fetchall())
    query = aliases("account", [f'id: "{account_id}", asOf: "{recorded[v]}"' for v in versions()],
                    "{ version balance }")
    body, seconds, worst = await timed_while_probing(server, query)

    assert "errors" not in body, body
    answered = [(a["version"], Decimal(a["balance"])) for a in body["data"].values()]
    # several events may share a recorded time: asOf folds all of them
    expected = [max(u for u, at in recorded.items() if at <= recorded[v]) for v in versions()]
    assert answered == [(v, Decimal(v - 1)) for v in expected]
    assert seconds < FAST, seconds
    assert worst < HEALTHZ_WITHIN, (worst, seconds)


async def test_thirty_history_pages_are_refused_as_too_costly(long_account: LongAccount) -> None:
    server, account_id, _ = long_account
    query = aliases("accountHistory", [f'id: "{account_id}", after: "{v}"' for v in versions()],
                    "{ edges { node { version balance } } }")
    body, seconds, worst = await timed_while_probing(server, query)

    assert codes(body) == {"QUERY_TOO_COSTLY"}, body
    assert "data" not in body or body["data"] is None
    assert worst < HEALTHZ_WITHIN, (worst, seconds)


def test_history_pages_start_at_their_cursor(long_account: LongAccount) -> None:
    server, account_id, _ = long_account
    cursors = [0, 1, 19, 20, 21, 1234, 2990, 3000]
    query = aliases("accountHistory", [f'id: "{account_id}", after: "{c}", first: 15' for c in cursors],
                    "{ edges { cursor node { version balance } } pageInfo { hasNextPage } }")
    body = send(server, query)

    assert "errors" not in body, body
    for cursor, page in zip(cursors, body["data"].values(), strict=True):
        expected = list(range(cursor + 1, min(cursor + 15, EVENTS) + 1))
        assert [(e["node"]["version"], Decimal(e["node"]["balance"])) for e in page["edges"]] == \
            [(v, Decimal(v - 1)) for v in expected]
        assert [e["cursor"] for e in page["edges"]] == [str(v) for v in expected]
        assert page["pageInfo"]["hasNextPage"] == (cursor + 15 < EVENTS)


def test_temporal_answers_are_the_same_without_snapshots(long_account: LongAccount) -> None:
    server, account_id, db = long_account
    some = versions()[::3]
    query = aliases("account", [f'id: "{account_id}", asOfVersion: {v}' for v in some], "{ version balance }") \
        .rstrip("}") + f' h: accountHistory(id: "{account_id}", after: "1500", first: 30) ' \
        "{ edges { node { version balance amount } } } }"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] >= EVENTS // 20 - 1
    with_snapshots = send(server, query)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM snapshots")
    without = send(server, query)

    assert "errors" not in with_snapshots, with_snapshots
    assert without == with_snapshots
