"""Contract: the transfer saga on every backend (steps, compensation, crash recovery, conservation)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from uuid6 import uuid7

from core.bank.account import ACCOUNT, MONEY_DEPOSITED, MONEY_WITHDRAWN
from core.bank.commands import CloseAccount, DepositMoney, OpenAccount
from core.bank.transfer import TransferStatus
from core.bank.transfer_process import TransferProcess
from core.bank.transfer_projection import TRANSFERS
from core.commands import CommandContext
from core.errors import ValidationFailed
from core.processor import CommandProcessor

from .conftest import ContractStore

CONTEXT = CommandContext(correlation_id="corr-transfer", actor="tester")


class SimulatedCrash(Exception):
    """Stands for the process dying right after a step was appended."""


async def open_account(processor: CommandProcessor, balance: str = "0", currency: str = "EUR",
                       limit: str = "0") -> str:
    account_id = str(uuid7())
    stream = ACCOUNT.stream_id(account_id)
    await processor.execute(ACCOUNT, stream, OpenAccount(account_id, "Ada", currency, Decimal(limit)), context=CONTEXT)
    if Decimal(balance):
        await processor.execute(ACCOUNT, stream, DepositMoney(account_id, Decimal(balance)), context=CONTEXT)
    return account_id


async def balance(processor: CommandProcessor, account_id: str) -> Decimal:
    return (await processor.load(ACCOUNT, ACCOUNT.stream_id(account_id))).state.balance


async def test_a_transfer_runs_every_step_with_causation(store: ContractStore) -> None:
    processor = CommandProcessor(store)
    source, target = await open_account(processor, "100"), await open_account(processor)
    transfer_id = str(uuid7())

    run = await TransferProcess(processor).start(transfer_id, source, target, "30.5", context=CONTEXT)

    assert run.state.status is TransferStatus.COMPLETED
    assert [(e.type, e.stream_id) for e in run.events] == [
        ("TransferRequested", f"transfer-{transfer_id}"), ("MoneyWithdrawn", f"account-{source}"),
        ("TransferDebited", f"transfer-{transfer_id}"), ("MoneyDeposited", f"account-{target}"),
        ("TransferCompleted", f"transfer-{transfer_id}")]
    for cause, effect in zip(run.events, run.events[1:], strict=False):
        assert effect.metadata.causation_id == str(cause.event_id)
        assert effect.metadata.correlation_id == "corr-transfer"
    assert {e.data.get("transfer_id") for e in run.events} == {transfer_id}
    assert (await balance(processor, source), await balance(processor, target)) == (Decimal("69.50"), Decimal("30.50"))
    document = await store.views.get(TRANSFERS, transfer_id)
    assert document is not None
    assert (document["status"], document["amount"], document["currency"]) == ("COMPLETED", "30.50", "EUR")
    assert [s["type"] for s in document["steps"]] == [e.type for e in run.events]


async def test_a_refused_debit_fails_without_refund(store: ContractStore) -> None:
    processor = CommandProcessor(store)
    source, target = await open_account(processor, "10", limit="5"), await open_account(processor)

    run = await TransferProcess(processor).start(str(uuid7()), source, target, "15.01", context=CONTEXT)

    assert (run.state.status, run.state.reason, run.state.refunded) == (TransferStatus.FAILED, "INSUFFICIENT_FUNDS",
                                                                        False)
    assert [e.type for e in run.events] == ["TransferRequested", "TransferFailed"]
    assert await balance(processor, source) == Decimal("10.00")


async def test_a_refused_credit_refunds_the_source(store: ContractStore) -> None:
    processor = CommandProcessor(store)
    source = await open_account(processor, "100")
    closed = await open_account(processor)
    await processor.execute(ACCOUNT, ACCOUNT.stream_id(closed), CloseAccount(closed), context=CONTEXT)
    dollars = await open_account(processor, currency="USD")
    cases = {closed: "ACCOUNT_CLOSED", dollars: "CURRENCY_MISMATCH", str(uuid7()): "ACCOUNT_NOT_FOUND"}

    for target, reason in cases.items():
        run = await TransferProcess(processor).start(str(uuid7()), source, target, "40", context=CONTEXT)

        assert (run.state.status, run.state.reason, run.state.refunded) == (TransferStatus.FAILED, reason, True)
        assert [e.type for e in run.events] == ["TransferRequested", "MoneyWithdrawn", "TransferDebited",
                                                "MoneyDeposited", "TransferFailed"]
        assert run.events[3].data["refund"] is True
        assert await balance(processor, source) == Decimal("100.00")


STEPS = ["requested", "debit", "debited", "credit", "refund", "failed", "completed"]


def crash_once_after(step: str) -> Callable[[str], None]:
    crashed: list[str] = []

    def hook(done: str) -> None:
        if done == step and not crashed:
            crashed.append(done)
            raise SimulatedCrash(done)
    return hook


async def test_recovery_resumes_after_a_crash_at_every_step(store: ContractStore) -> None:
    processor = CommandProcessor(store)
    for step in STEPS:
        for refused in (False, True):
            source = await open_account(processor, "50")
            target = str(uuid7()) if refused else await open_account(processor)
            transfer_id = str(uuid7())
            with contextlib.suppress(SimulatedCrash):
                await TransferProcess(processor, after_step=crash_once_after(step)).start(
                    transfer_id, source, target, "20", context=CONTEXT)

            recovered = await TransferProcess(processor).recover(store.views)

            assert set(recovered) <= {transfer_id}
            document = await store.views.get(TRANSFERS, transfer_id)
            assert document is not None
            assert document["status"] == ("FAILED" if refused else "COMPLETED")
            events = [e for e in await store.read_all() if e.data.get("transfer_id") == transfer_id]
            assert len(events) == 5, (step, refused, [e.type for e in events])
            assert len({e.event_id for e in events}) == 5
            assert await balance(processor, source) == Decimal("50.00" if refused else "30.00")


class Ledger:
    """Folds the log incrementally: balances of known accounts and money in flight per transfer.

    Checks every overdraft limit after each event it folds.
    """

    def __init__(self, limits: dict[str, Decimal], after: int) -> None:
        self.limits = limits
        self.position = after
        self.balances: dict[str, Decimal] = defaultdict(Decimal)
        self.in_flight: dict[str, Decimal] = defaultdict(Decimal)

    async def catch_up(self, store: ContractStore) -> None:
        for event in await store.read_all(self.position + 1):
            self.position = event.position
            account_id = event.data.get("account_id")
            if event.type not in (MONEY_DEPOSITED, MONEY_WITHDRAWN) or account_id not in self.limits:
                continue
            signed = Decimal(event.data["amount"]) * (1 if event.type == MONEY_DEPOSITED else -1)
            self.balances[account_id] += signed
            assert self.balances[account_id] >= -self.limits[account_id], f"overdraft limit broken on {account_id}"
            if event.data.get("transfer_id"):
                self.in_flight[event.data["transfer_id"]] -= signed


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(transfers=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 5), st.integers(1, 80),
                                    st.sampled_from([None, *STEPS])), min_size=1, max_size=10),
       seed=st.integers(0, 2**16))
async def test_money_is_conserved_under_concurrent_transfers(store: ContractStore, transfers: list[tuple[int, int,
                                                             int, str | None]], seed: int) -> None:
    processor = CommandProcessor(store)
    start = await store.head_position()
    limits = [Decimal(0), Decimal(20), Decimal(0), Decimal(50), Decimal(0)]
    accounts = [await open_account(processor, "60", limit=str(limit)) for limit in limits[:3]]
    accounts.append(await open_account(processor, "60", currency="USD", limit="50"))
    closed = await open_account(processor)
    await processor.execute(ACCOUNT, ACCOUNT.stream_id(closed), CloseAccount(closed), context=CONTEXT)
    accounts.append(closed)
    targets = [*accounts, str(uuid7())]
    known = dict(zip(accounts, limits, strict=True))
    total = Decimal(60 * 4)
    amounts: dict[str, Decimal] = {}
    done = asyncio.Event()
    rng = random.Random(seed)

    async def transfer(source: int, target: int, amount: int, crash: str | None) -> None:
        transfer_id = str(uuid7())
        amounts[transfer_id] = Decimal(amount)
        await asyncio.sleep(rng.random() / 200)
        process = TransferProcess(processor, after_step=crash_once_after(crash) if crash else None)
        try:
            await process.start(transfer_id, accounts[source], targets[target], amount, context=CONTEXT)
        except SimulatedCrash:
            pass
        except ValidationFailed:  # the same account twice: refused before anything is recorded
            assert source == target
            del amounts[transfer_id]

    ledger = Ledger(known, start)

    async def observe() -> None:
        while not done.is_set():
            await ledger.catch_up(store)
            assert sum(ledger.balances.values()) + sum(ledger.in_flight.values()) == total
            assert all(value in (0, amounts.get(t)) for t, value in ledger.in_flight.items())
            await asyncio.sleep(0.001)

    observer = asyncio.create_task(observe())
    try:
        await asyncio.gather(*(transfer(*spec) for spec in transfers))
        await TransferProcess(processor).recover(store.views)
    finally:
        done.set()
        await observer

    await ledger.catch_up(store)
    assert sum(ledger.balances.values()) == total
    assert all(value == 0 for value in ledger.in_flight.values())
    for transfer_id in amounts:
        document = await store.views.get(TRANSFERS, transfer_id)
        assert document is not None and document["status"] in ("COMPLETED", "FAILED")
