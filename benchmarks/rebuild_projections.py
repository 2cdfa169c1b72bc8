"""Row 6: projection rebuild events/s on SQLite.

Writes a log of opening and deposit events over 1,000 accounts straight through
``SqliteEventStore.append`` (batches, no projections), then times
``views.rebuild`` of every bank projection. Figure: replayed events / s summed
over the projections. Anchor, same run: the floor of any replay, a plain
``sqlite3`` scan of the same rows parsing each event's JSON.

    uv run python benchmarks/rebuild_projections.py [--quick] [--events 100000]
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

from core.bank import domain as bank
from core.bank.account import ACCOUNT, ACCOUNT_OPENED, MONEY_DEPOSITED
from core.domains import built_in_registry
from core.events import NewEvent
from core.ports import ANY
from store.sqlite import SqliteEventStore

ACCOUNTS = 1000


async def fill(store: SqliteEventStore, events: int) -> None:
    ids = [str(uuid.uuid4()) for _ in range(ACCOUNTS)]
    for account_id in ids:
        await store.append(ACCOUNT.stream_id(account_id), [NewEvent(ACCOUNT_OPENED, {
            "account_id": account_id, "owner": "Bench", "currency": "EUR", "overdraft_limit": "0.00"})], ANY)
    per_account = max(1, (events - ACCOUNTS) // ACCOUNTS)
    for account_id in ids:
        deposit = {"account_id": account_id, "amount": "1.00", "currency": "EUR", "reference": None}
        events = [NewEvent(MONEY_DEPOSITED, deposit) for _ in range(per_account)]
        await store.append(ACCOUNT.stream_id(account_id), events, ANY)


async def chronicle(path: Path, events: int) -> tuple[float, int, dict[str, float]]:
    registry = built_in_registry().event_types
    projections = [*bank.ACCOUNTS.projections, *bank.TRANSFERS.projections]
    writer = SqliteEventStore(path, registry)  # no projections while writing the log
    await fill(writer, events)
    await writer.close()
    store = SqliteEventStore(path, registry, projections)
    total, replayed, per = 0.0, 0, {}
    for projection in projections:
        began = time.perf_counter()
        applied = await store.views.rebuild(projection)
        elapsed = time.perf_counter() - began
        per[projection.name] = applied / elapsed
        total += elapsed
        replayed += applied
    await store.close()
    return replayed / total, replayed, per


def scan(path: Path) -> float:
    conn = sqlite3.connect(path)
    began = time.perf_counter()
    count = 0
    for data, metadata in conn.execute("SELECT data, metadata FROM events ORDER BY position"):
        orjson.loads(data)
        orjson.loads(metadata)
        count += 1
    elapsed = time.perf_counter() - began
    conn.close()
    return count / elapsed


def main() -> None:
    options_parser = parser(__doc__)
    options_parser.add_argument("--events", type=int, default=100_000)
    options = options_parser.parse_args()
    events = 20_000 if options.quick else options.events
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chronicle.db"
        rate, replayed, per = asyncio.run(chronicle(path, events))
        anchor = scan(path)
    detail = ", ".join(f"{name} {value:,.0f}/s" for name, value in per.items())
    row("6 projection rebuild", rate, "ev/s", "raw sqlite3 scan + JSON parse", anchor, ">= 20,000 ev/s",
        rate >= 20_000, f"{replayed:,} events replayed; {detail}")


if __name__ == "__main__":
    main()
