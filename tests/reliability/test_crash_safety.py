"""Item 5: SIGKILL under concurrent load, then restart on the same SQLite file.

Checks after the restart:
- every mutation that got a success response is in the log exactly once, at
  the position and with the event id the response reported;
- nothing is partially appended: each command's events (grouped by
  ``metadata.command_id``) are contiguous and complete, and positions and
  per-stream versions are gap-free;
- the projections equal a rebuild (``chronicle projections rebuild``) and a
  fold of the log;
- a subscription resumed with ``afterPosition`` = the last position a client
  saw before the kill delivers exactly the rest of the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from tests.reliability.support import gql, read_log, subscribe_events
from tests.support.server import ROOT, RunningServer, start_server, stop_server

WORKERS = 16
LOAD_SECONDS = 3.0
SUCCESS = "... on AccountSuccess { account { id balance } events { eventId position version } }"


async def _open_accounts(server: RunningServer, count: int) -> list[str]:
    async with httpx.AsyncClient(timeout=10) as client:
        ids = []
        for index in range(count):
            body = await gql(client, server, "mutation($owner: String!) { openAccount(input: {owner: $owner,"
                             f' currency: "EUR", overdraftLimit: "100"}}) {{ {SUCCESS} }} }}',
                             {"owner": f"owner-{index}"})
            ids.append(body["data"]["openAccount"]["account"]["id"])
            body = await gql(client, server, f'mutation {{ deposit(input: {{accountId: "{ids[-1]}",'
                             f' amount: "1000"}}) {{ {SUCCESS} }} }}')
        return ids


async def _worker(server: RunningServer, accounts: list[str], seed: int,
                  acknowledged: list[dict[str, Any]]) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(timeout=5) as client:
        while True:
            kind = rng.choice(["deposit", "withdraw"])
            amount = f"{rng.randint(1, 3000)}.{rng.randint(0, 99):02d}"
            query = (f'mutation {{ {kind}(input: {{accountId: "{rng.choice(accounts)}", amount: "{amount}"}})'
                     f" {{ __typename {SUCCESS} }} }}")
            try:
                body = await gql(client, server, query)
            except (httpx.HTTPError, ValueError):
                return  # the server is gone; a request in flight has no answer, so no promise
            result = body["data"][kind]
            if result["__typename"] == "AccountSuccess":
                acknowledged.append(result)


async def _watch(server: RunningServer, seen: list[int]) -> None:
    with contextlib.suppress(Exception):
        async with contextlib.aclosing(subscribe_events(server, 0)) as stream:
            async for event in stream:
                seen.append(event["position"])


def _snapshot(server: RunningServer, accounts: list[str]) -> dict[str, Any]:
    """Each account's read model and every one of its movements (all pages of ``transactions``)."""
    account_query = "query($id: ID!) { account(id: $id) { balance version status } }"
    page_query = ("query($id: ID!, $after: String) { transactions(accountId: $id, first: 100, after: $after) {"
                  " edges { node { amount kind balanceAfter } } pageInfo { hasNextPage endCursor } } }")
    state: dict[str, Any] = {}
    with httpx.Client(timeout=10) as client:
        for account in accounts:
            view = client.post(server.http_url, json={"query": account_query, "variables": {"id": account}}).json()
            moves: list[dict[str, Any]] = []
            after = None
            while True:
                page = client.post(server.http_url, json={"query": page_query, "variables": {
                    "id": account, "after": after}}).json()["data"]["transactions"]
                moves += [edge["node"] for edge in page["edges"]]
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
            state[account] = {"account": view["data"]["account"], "moves": moves}
    return state


def test_sigkill_under_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    url, log = f"sqlite:///{tmp_path / 'chronicle.db'}", tmp_path / "server.log"
    server = start_server(url, log)
    acknowledged: list[dict[str, Any]] = []
    seen: list[int] = []

    async def load() -> list[str]:
        accounts = await _open_accounts(server, 8)
        watcher = asyncio.create_task(_watch(server, seen))
        workers = [asyncio.create_task(_worker(server, accounts, seed, acknowledged)) for seed in range(WORKERS)]
        await asyncio.sleep(LOAD_SECONDS)
        stop_server(server, kill=True)  # SIGKILL, mid-load
        await asyncio.wait_for(asyncio.gather(*workers), 30)
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        return accounts

    try:
        accounts = asyncio.run(load())
    finally:
        stop_server(server, kill=True)
    assert len(acknowledged) >= 20, "the load must have produced acknowledged mutations"
    assert seen, "the subscriber must have seen events before the kill"

    server = start_server(url, log)
    try:
        events = asyncio.run(read_log(server))
        _check_log(events, acknowledged)
        _check_resume(server, seen, events)
        before = _snapshot(server, accounts)
        _check_fold(before, events)
    finally:
        stop_server(server)

    rebuild = subprocess.run([sys.executable, "-m", "api", "projections", "rebuild", "--store-url", url],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert rebuild.returncode == 0, rebuild.stdout + rebuild.stderr
    server = start_server(url, log)
    try:
        assert _snapshot(server, accounts) == before, "projections must equal a rebuild"
    finally:
        stop_server(server)


def _check_log(events: list[dict[str, Any]], acknowledged: list[dict[str, Any]]) -> None:
    positions = [e["position"] for e in events]
    assert positions == list(range(1, len(events) + 1)), "positions are gap-free"
    ids = [e["eventId"] for e in events]
    assert len(ids) == len(set(ids)), "no event is recorded twice"
    by_position = {e["position"]: e for e in events}
    for result in acknowledged:
        for reported in result["events"]:
            stored = by_position.get(reported["position"])
            assert stored is not None and stored["eventId"] == reported["eventId"], reported
    versions: dict[str, list[int]] = defaultdict(list)
    commands: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        versions[event["streamId"]].append(event["version"])
        commands[event["metadata"]["command_id"]].append(event)
    for stream, found in versions.items():
        assert found == list(range(1, len(found) + 1)), f"{stream}: versions gap-free"
    reported_sizes = {r["events"][0]["eventId"]: len(r["events"]) for r in acknowledged}
    for command, found in commands.items():
        run = [e["position"] for e in found]
        assert run == list(range(run[0], run[0] + len(run))), f"command {command} appended contiguously"
        expected = reported_sizes.get(found[0]["eventId"])
        assert expected in (None, len(found)), f"command {command} appended completely"


def _check_resume(server: RunningServer, seen: list[int], events: list[dict[str, Any]]) -> None:
    assert seen == list(range(1, len(seen) + 1)), "the live subscriber saw a gap-free prefix"
    last = seen[-1]
    head = len(events)

    async def resume() -> list[int]:
        got: list[int] = []
        if last == head:
            return got
        async with contextlib.aclosing(subscribe_events(server, last)) as stream:
            async for event in stream:
                got.append(event["position"])
                if event["position"] >= head:
                    return got
        return got

    resumed = asyncio.run(asyncio.wait_for(resume(), 30))
    assert seen + resumed == list(range(1, head + 1)), "resuming misses nothing and repeats nothing"


def _check_fold(snapshot: dict[str, Any], events: list[dict[str, Any]]) -> None:
    """Every account's balance, and the balance after each of its movements, equal a fold of the log."""
    counts: dict[str, int] = defaultdict(int)
    folded: dict[str, Decimal] = defaultdict(Decimal)
    for event in events:
        counts[event["streamId"]] += 1
        sign = {"MoneyDeposited": 1, "MoneyWithdrawn": -1}.get(event["type"], 0)
        folded[event["streamId"]] += sign * Decimal(event["data"].get("amount", 0))
    for account, state in snapshot.items():
        view, moves = state["account"], state["moves"]
        assert view["version"] == counts[f"account-{account}"]
        assert len(moves) == view["version"] - 1, f"{account}: every movement after the opening is listed"
        running = Decimal(0)
        for move in moves:
            running += Decimal(move["amount"]) * (1 if move["kind"] == "DEPOSIT" else -1)
            assert Decimal(move["balanceAfter"]) == running, (account, move)
        assert Decimal(view["balance"]) == running == folded[f"account-{account}"], account
        assert Decimal(view["balance"]) >= Decimal(-100)
