"""Row 1: deposit commands/s through Chronicle's core on SQLite vs the ``eventsourcing`` library.

Chronicle: ``CommandProcessor.execute`` (load, decide, append with the inline bank
projections in the same transaction), snapshots every 100 events as ``chronicle
serve`` configures. Peer: ``eventsourcing``'s documented ``Application`` /
``Aggregate`` API with ``PERSISTENCE_MODULE=eventsourcing.sqlite`` (its defaults: no
snapshots, no aggregate cache), same deposits, same file system. Both run for a
fixed wall time per case; the accounts are opened before the clock starts.

    uv run python benchmarks/core_deposits.py [--quick]
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

from _report import parser, row
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from core.bank.account import ACCOUNT
from core.bank.commands import DepositMoney, OpenAccount
from core.bank.domain import ACCOUNTS, TRANSFERS
from core.commands import CommandContext
from core.domains import built_in_registry
from core.processor import CommandProcessor
from core.snapshots import IntervalSnapshotPolicy
from store.sqlite import SqliteEventStore


async def chronicle(directory: Path, accounts: int, seconds: float, read_models: bool = True) -> float:
    registry = built_in_registry().event_types
    projections = [*ACCOUNTS.projections, *TRANSFERS.projections] if read_models else []
    store = SqliteEventStore(directory / "chronicle.db", registry, projections)
    processor = CommandProcessor(store, snapshots=IntervalSnapshotPolicy(store.snapshots, interval=100))
    context = CommandContext()
    ids = [str(uuid.uuid4()) for _ in range(accounts)]
    for account_id in ids:
        await processor.execute(ACCOUNT, ACCOUNT.stream_id(account_id), OpenAccount(account_id, "Bench", "EUR"),
                                context=context)
    done, began = 0, time.perf_counter()
    amount = Decimal("1.00")
    while time.perf_counter() - began < seconds:
        account_id = ids[done % accounts]
        await processor.execute(ACCOUNT, ACCOUNT.stream_id(account_id), DepositMoney(account_id, amount),
                                context=context)
        done += 1
    elapsed = time.perf_counter() - began
    await store.close()
    return done / elapsed


class BankAccount(Aggregate):
    @event("Opened")
    def __init__(self, owner: str, currency: str) -> None:
        self.owner = owner
        self.currency = currency
        self.balance = Decimal(0)

    @event("Deposited")
    def deposit(self, amount: Decimal) -> None:
        if amount <= 0:
            raise ValueError("amount must be > 0")
        self.balance += amount


class Bank(Application[uuid.UUID]):
    def open(self, owner: str) -> uuid.UUID:
        account = BankAccount(owner, "EUR")
        self.save(account)
        return account.id

    def deposit(self, account_id: uuid.UUID, amount: Decimal) -> None:
        account: BankAccount = self.repository.get(account_id)
        account.deposit(amount)
        self.save(account)


def peer(directory: Path, accounts: int, seconds: float) -> float:
    app = Bank(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(directory / "peer.db")})
    ids = [app.open("Bench") for _ in range(accounts)]
    done, began = 0, time.perf_counter()
    amount = Decimal("1.00")
    while time.perf_counter() - began < seconds:
        app.deposit(ids[done % accounts], amount)
        done += 1
    elapsed = time.perf_counter() - began
    app.close()
    return done / elapsed


def main() -> None:
    options = parser(__doc__).parse_args()
    seconds = 1.5 if options.quick else 6.0
    for accounts in (1, 1000):
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            ours = asyncio.run(chronicle(directory, accounts, seconds))
            theirs = peer(directory, accounts, seconds)
            bare = asyncio.run(chronicle(directory / "bare", accounts, seconds, read_models=False))
        row(f"1 core deposits, {accounts:,} account(s)", ours, "cmd/s", "eventsourcing sqlite", theirs,
            ">= 2x peer", ours >= 2 * theirs, f"{seconds:.0f} s each; with 3 inline read models")
        row(f"1b same, no inline read models (the peer keeps none), {accounts:,} account(s)", bare, "cmd/s",
            "eventsourcing sqlite", theirs, ">= 2x peer", bare >= 2 * theirs, "same events, no projections")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
