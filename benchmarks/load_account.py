"""Load time of a 100,000-event account with and without snapshots, against a 10-event account.

Not a test: it prints medians and ratios. Run with::

    uv run python benchmarks/load_account.py [--quick] [--events 100000] [--repeat 5]

The big stream is written straight through ``SqliteEventStore.append`` in
batches (no projections), which is far faster than 100,000 commands.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from _report import parser, row

from api.settings import Settings
from core.bank.account import ACCOUNT, ACCOUNT_OPENED, MONEY_DEPOSITED
from core.domains import built_in_registry
from core.events import NewEvent
from core.ports import ANY
from core.processor import CommandProcessor
from core.snapshots import IntervalSnapshotPolicy
from store.sqlite import SqliteEventStore

BATCH = 1000


async def write_account(store: SqliteEventStore, account_id: str, events: int) -> str:
    """Append an opening and ``events - 1`` deposits of 1.00 EUR; return the stream id."""
    stream_id = ACCOUNT.stream_id(account_id)
    opened = NewEvent(ACCOUNT_OPENED, {"account_id": account_id, "owner": "Bench", "currency": "EUR",
                                       "overdraft_limit": "0.00"})
    deposit = {"account_id": account_id, "amount": "1.00", "currency": "EUR", "reference": None}
    pending = [opened] + [NewEvent(MONEY_DEPOSITED, deposit) for _ in range(events - 1)]
    for start in range(0, len(pending), BATCH):
        await store.append(stream_id, pending[start:start + BATCH], ANY)
    return stream_id


async def median_load(processor: CommandProcessor, stream_id: str, repeat: int) -> float:
    """Return the median wall time in seconds of ``repeat`` loads."""
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        await processor.load(ACCOUNT, stream_id)
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


async def main(events: int, repeat: int, interval: int) -> None:
    registry = built_in_registry().event_types
    with tempfile.TemporaryDirectory() as directory:
        store = SqliteEventStore(Path(directory) / "bench.db", registry)
        began = time.perf_counter()
        big = await write_account(store, "00000000-0000-7000-8000-00000000b16b", events)
        small = await write_account(store, "00000000-0000-7000-8000-0000000005a1", 10)
        print(f"wrote {events + 10:,} events in {time.perf_counter() - began:.1f} s")

        # cache_size=0: every load is a cold load from the store, as after a restart.
        plain = CommandProcessor(store, cache_size=0)
        snapshotting = CommandProcessor(store, snapshots=IntervalSnapshotPolicy(store.snapshots, interval=interval),
                                        cache_size=0)
        await snapshotting.load(ACCOUNT, big)  # the first load folds everything and saves a snapshot
        deposit = {"account_id": big.split("-", 1)[1], "amount": "1.00", "currency": "EUR", "reference": None}
        past_snapshot = [NewEvent(MONEY_DEPOSITED, deposit) for _ in range(interval // 2)]
        await store.append(big, past_snapshot, ANY)

        small_time = await median_load(plain, small, repeat)
        without = await median_load(plain, big, max(1, repeat // 2))
        with_snapshot = await median_load(snapshotting, big, repeat)
        await store.close()

    print(f"10-event account:                     {small_time * 1000:9.2f} ms")
    print(f"{events:,}-event account, no snapshot:  {without * 1000:9.2f} ms"
          f"  ({without / small_time:,.0f}x the 10-event account)")
    print(f"{events:,}-event account, snapshot:     {with_snapshot * 1000:9.2f} ms"
          f"  ({with_snapshot / small_time:,.1f}x the 10-event account; {interval // 2} events after it)")
    print(f"speed-up from the snapshot: {without / with_snapshot:,.0f}x")
    row(f"5 load {events:,}-event account, snapshot", with_snapshot * 1000, "ms", "10-event account",
        small_time * 1000, "<= 2x the 10-event account", with_snapshot <= 2 * small_time,
        f"without snapshot {without * 1000:,.1f} ms = {without / small_time:,.0f}x")


if __name__ == "__main__":
    options_parser = parser(__doc__)
    options_parser.add_argument("--events", type=int, default=100_000)
    options_parser.add_argument("--repeat", type=int, default=5)
    options_parser.add_argument("--interval", type=int, default=Settings().snapshot_interval,
                                help="snapshot interval (events; default: the server's CHRONICLE_SNAPSHOT_INTERVAL)")
    options = options_parser.parse_args()
    if options.quick:
        options.events = 20_000
    asyncio.run(main(options.events, options.repeat, options.interval))
