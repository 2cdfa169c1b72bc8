"""SQLite: another process holding the write lock does not freeze the server.

SQLite runs on the event loop's thread. When its own busy handler did the
waiting for a lock that another process (a second server, a rebuild, a backup)
holds, one waiting mutation stopped every request of the process, /healthz
included, for as long as the lock was held (measured: 1.9 s of a 2 s hold).
Now the wait happens on the loop (store.sqlite.schema.begin_immediate): other
requests go on, and the mutation succeeds when the lock comes free, or fails
with STORE_UNAVAILABLE once ``CHRONICLE_SQLITE_WRITE_LOCK_TIMEOUT`` has passed.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.server import RunningServer, running_server

HOLD = 2.0
"""Seconds the other process holds the write lock."""
RESPONSIVE = 0.5
"""Worst latency allowed for /healthz and a query while the lock is held."""

OPEN = ('mutation { openAccount(input: {owner: "Ada", currency: "EUR"}) {'
        " __typename ... on AccountSuccess { account { id } } } }")
QUERY = "{ accounts(first: 5) { edges { node { id } } } }"


def hold_write_lock(db: Path, seconds: float) -> subprocess.Popen[bytes]:
    """Start a process that holds ``db``'s write lock (``BEGIN IMMEDIATE``) for ``seconds``."""
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        f"conn = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
        "conn.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        f"time.sleep({seconds})\n"
        "conn.execute('COMMIT')\n")], stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
    return holder


async def mutation_while_locked(server: RunningServer, db: Path) -> tuple[dict[str, Any], float, float]:
    """Send a mutation while another process holds the lock; meanwhile probe /healthz and a
    query. Return (mutation response, mutation seconds, worst probe latency)."""
    async with httpx.AsyncClient(timeout=30) as client:
        assert (await client.post(server.http_url, json={"query": OPEN})).status_code == 200  # warm
        holder = hold_write_lock(db, HOLD)
        try:
            async def mutation() -> tuple[dict[str, Any], float]:
                started = time.monotonic()
                body = (await client.post(server.http_url, json={"query": OPEN})).json()
                return body, time.monotonic() - started

            async def probe(request: Any) -> float:
                worst, end = 0.0, time.monotonic() + HOLD
                while time.monotonic() < end:
                    started = time.monotonic()
                    assert (await request()).status_code == 200
                    worst = max(worst, time.monotonic() - started)
                    await asyncio.sleep(0.05)
                return worst

            pending = asyncio.create_task(mutation())  # it waits for the lock while the probes run
            worst = max(await asyncio.gather(
                probe(lambda: client.get(f"{server.base_url}/healthz")),
                probe(lambda: client.post(server.http_url, json={"query": QUERY}))))
            body, took = await pending
        finally:
            holder.wait(timeout=10)
            holder.stdout.close()  # type: ignore[union-attr]
        return body, took, worst


def test_a_held_write_lock_delays_only_the_write(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with running_server(f"sqlite:///{db}", tmp_path / "log") as server:
        body, took, worst = asyncio.run(mutation_while_locked(server, db))
    assert worst < RESPONSIVE, f"/healthz or a query took {worst:.2f}s while another process held the lock"
    assert body["data"]["openAccount"]["__typename"] == "AccountSuccess", body
    assert took >= HOLD - 0.3  # it did wait for the lock


def test_a_write_lock_held_too_long_fails_the_write_with_store_unavailable(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with running_server(f"sqlite:///{db}", tmp_path / "log",
                        env={"CHRONICLE_SQLITE_WRITE_LOCK_TIMEOUT": "0.5"}) as server:
        body, took, worst = asyncio.run(mutation_while_locked(server, db))
        assert worst < RESPONSIVE, f"/healthz or a query took {worst:.2f}s while another process held the lock"
        assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == ["STORE_UNAVAILABLE"]
        assert 0.4 < took < HOLD, f"the mutation failed after {took:.2f}s, not after the 0.5 s bound"
        after = httpx.post(server.http_url, json={"query": OPEN}).json()  # the lock is free again
        assert after["data"]["openAccount"]["__typename"] == "AccountSuccess", after
