"""Rows 7a-7c: what the log's Merkle tree costs (issue 13), on SQLite, ratios within one run.

7a. Appended events/s with the tree on vs off: ``SqliteEventStore.append`` of one event per call
    (row 2's set-up), the two stores alternating in short rounds so machine noise hits both alike.
    Goal: on >= 0.9x off.
7b. ``chronicle verify`` (``core.audit.audit`` over ``store.merkle``, what the command runs after start-up)
    on a log of 400,000 events vs the floor of any verification: a plain ``sqlite3`` scan of the same rows
    parsing each event's JSON, best of 3 alternating runs each. Goal: >= 0.25x the scan.
7c. Proof latency on that log: ``inclusion_proof`` and ``consistency_proof`` for random positions/sizes
    (the store lookup and the hashing; no HTTP). Goal: p99 < 1 ms.

    uv run python benchmarks/merkle_tree.py [--quick] [--events 400000]
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import orjson
from _report import parser, row
from rebuild_projections import fill  # the same log as row 6

from core.audit import audit
from core.bank.account import MONEY_DEPOSITED
from core.bank.events import register_bank_events
from core.events import NewEvent
from core.merkle import consistency_proof, inclusion_proof, root_at, verify_inclusion
from core.registry import EventTypeRegistry
from store.sqlite import SqliteEventStore

DATA = {"account_id": "a", "amount": "1.00", "currency": "EUR", "reference": None}
ROUNDS = 3


def registry() -> EventTypeRegistry:
    result = EventTypeRegistry()
    register_bank_events(result)
    return result


async def appends(seconds: float, rounds: int) -> tuple[float, float]:
    """Return (events/s with the tree, events/s without), alternating ``rounds`` rounds."""
    with tempfile.TemporaryDirectory() as tmp:
        stores = {on: SqliteEventStore(Path(tmp) / f"{on}.db", registry(), merkle_tree=on) for on in (True, False)}
        done = {True: 0, False: 0}
        spent = {True: 0.0, False: 0.0}
        for _ in range(rounds):
            for on, store in stores.items():
                began = time.perf_counter()
                while time.perf_counter() - began < seconds / rounds:
                    await store.append("account-bench", [NewEvent(MONEY_DEPOSITED, DATA)], done[on])
                    done[on] += 1
                spent[on] += time.perf_counter() - began
        for store in stores.values():
            await store.close()
    return done[True] / spent[True], done[False] / spent[False]


def raw_scan(path: Path) -> tuple[float, int]:
    conn = sqlite3.connect(path)
    began, count = time.perf_counter(), 0
    for row_ in conn.execute("SELECT position, event_id, stream_id, version, type, schema_version, data, metadata,"
                             " recorded_at FROM events ORDER BY position"):
        orjson.loads(row_[6])
        orjson.loads(row_[7])
        count += 1
    elapsed = time.perf_counter() - began
    conn.close()
    return count / elapsed, count


def percentile(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


async def verify_and_proofs(events: int, samples: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.db"
        store = SqliteEventStore(path, registry())
        began = time.perf_counter()
        await fill(store, events)
        size = await store.merkle.tree_size()
        print(f"log of {size:,} events written in {time.perf_counter() - began:.1f} s (tree on)", flush=True)

        verify_rate = scan_rate = 0.0
        for _ in range(ROUNDS):  # alternate, best of each: this machine's noise hits both alike
            began = time.perf_counter()
            report = await audit(store.merkle)
            verify_rate = max(verify_rate, report.events / (time.perf_counter() - began))
            assert report.ok, report.problem
            rate, scanned = raw_scan(path)
            scan_rate = max(scan_rate, rate)
            assert scanned == report.events
        row(f"7b chronicle verify, {report.events:,} events", verify_rate, "ev/s", "raw sqlite3 scan + JSON parse",
            scan_rate, ">= 0.25x scan", verify_rate >= 0.25 * scan_rate,
            f"best of {ROUNDS} alternating runs; whole log {report.events / verify_rate:.1f} s "
            f"vs {report.events / scan_rate:.1f} s")

        rng = random.Random(7)
        root = await root_at(store.merkle, size)
        inclusion, consistency = [], []
        for _ in range(samples):
            position = rng.randint(1, size)
            began = time.perf_counter()
            proof = await inclusion_proof(store.merkle, position, size)
            inclusion.append((time.perf_counter() - began) * 1000)
            assert verify_inclusion(position - 1, size, proof.leaf_hash, proof.audit_path, root)
            old = rng.randint(1, size)
            began = time.perf_counter()
            await consistency_proof(store.merkle, old, size)
            consistency.append((time.perf_counter() - began) * 1000)
        for name, values in (("inclusion", inclusion), ("consistency", consistency)):
            p99 = percentile(values, 0.99)
            row(f"7c {name} proof p99, tree of {size:,}", p99, "ms", "goal", 1.0, "< 1 ms", p99 < 1.0,
                f"p50 {statistics.median(values):.3f} ms, {samples} proofs")
        await store.close()


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--events", type=int, default=None)
    options = arguments.parse_args()
    seconds, rounds = (3.0, 3) if options.quick else (12.0, 6)
    on, off = asyncio.run(appends(seconds, rounds))
    row("7a appended events/s, tree on (1 event per transaction)", on, "ev/s", "tree off", off, ">= 0.9x off",
        on >= 0.9 * off, f"{seconds:.0f} s each in {rounds} alternating rounds, WAL + synchronous=NORMAL")
    events = options.events or (40_000 if options.quick else 400_000)
    asyncio.run(verify_and_proofs(events, 200 if options.quick else 1000))


if __name__ == "__main__":
    main()
