"""Row 2: appended events/s in the embedded store vs raw ``sqlite3``, one transaction per event.

Chronicle: ``SqliteEventStore.append`` of one event per call with an exact expected
version (no projections: this measures the store). Anchor: plain ``sqlite3`` on a
table of the same shape, ``BEGIN IMMEDIATE; INSERT; COMMIT`` per event, WAL and
``synchronous=NORMAL`` like the store. Fixed wall time each.

    uv run python benchmarks/append_events.py [--quick]
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

import orjson
from _report import parser, row

from core.bank.account import MONEY_DEPOSITED
from core.domains import built_in_registry
from core.events import NewEvent
from store.sqlite import SqliteEventStore

DATA = {"account_id": "a", "amount": "1.00", "currency": "EUR", "reference": None}


async def chronicle(path: Path, seconds: float) -> float:
    registry = built_in_registry().event_types
    store = SqliteEventStore(path, registry)
    version, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        await store.append("account-bench", [NewEvent(MONEY_DEPOSITED, DATA)], version)
        version += 1
    elapsed = time.perf_counter() - began
    await store.close()
    return version / elapsed


def raw(path: Path, seconds: float) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE,"
                 " stream_id TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,"
                 " recorded_at TEXT NOT NULL, UNIQUE (stream_id, version))")
    done, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        done += 1
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (done, str(uuid.uuid4()), "account-bench", done, MONEY_DEPOSITED, orjson.dumps(DATA).decode(),
                      "2025-01-01T00:00:00+00:00"))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - began
    conn.close()
    return done / elapsed


def main() -> None:
    options = parser(__doc__).parse_args()
    seconds = 1.5 if options.quick else 5.0
    with tempfile.TemporaryDirectory() as tmp:
        ours = asyncio.run(chronicle(Path(tmp) / "chronicle.db", seconds))
        anchor = raw(Path(tmp) / "raw.db", seconds)
    row("2 appended events/s (1 event per transaction)", ours, "ev/s", "raw sqlite3", anchor, ">= 0.5x raw",
        ours >= 0.5 * anchor, f"{seconds:.0f} s each, WAL + synchronous=NORMAL")


if __name__ == "__main__":
    main()
