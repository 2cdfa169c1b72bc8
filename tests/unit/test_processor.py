"""The command processor against the SQLite event store in a temporary folder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from uuid6 import uuid7

from core.aggregate import AggregateType
from core.bank.account import ACCOUNT, MONEY_DEPOSITED, Account
from core.bank.commands import CloseAccount, DepositMoney, OpenAccount, WithdrawMoney
from core.bank.domain import ACCOUNTS, TRANSFERS
from core.bank.errors import AccountNotFound, InsufficientFunds
from core.commands import CommandContext
from core.domains import built_in_registry
from core.errors import ConcurrencyError, IdempotencyKeyReused
from core.events import NewEvent
from core.ports import AppendResult, ExpectedVersion
from core.processor import CommandOutcome, CommandProcessor
from store.sqlite import SqliteEventStore

CONTEXT = CommandContext(correlation_id="corr-1", actor="tester")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteEventStore]:
    registry = built_in_registry().event_types
    store = SqliteEventStore(tmp_path / "events.db", registry, [*ACCOUNTS.projections, *TRANSFERS.projections])
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def processor(store: SqliteEventStore) -> CommandProcessor:
    return CommandProcessor(store)


class RacingStore:
    """Delegates to a store, but lets a competing writer append right before
    each of the first ``races`` appends, so the processor's append conflicts."""

    def __init__(self, store: SqliteEventStore, races: int) -> None:
        self._store = store
        self.races = races
        self.appends = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    async def append(self, stream_id: str, events: Sequence[NewEvent],
                     expected_version: ExpectedVersion) -> AppendResult:
        self.appends += 1
        if self.races > 0:
            self.races -= 1
            account_id = stream_id.removeprefix("account-")
            await self._store.append(stream_id, [NewEvent(MONEY_DEPOSITED, {
                "account_id": account_id, "amount": "1.00", "currency": "EUR"})], expected_version)
        return await self._store.append(stream_id, events, expected_version)


async def open_account(processor: CommandProcessor, deposit: str | None = None) -> str:
    account_id = str(uuid7())
    await processor.execute(ACCOUNT, ACCOUNT.stream_id(account_id), OpenAccount(account_id, "Ada", "EUR"),
                            context=CONTEXT)
    if deposit is not None:
        await processor.execute(ACCOUNT, ACCOUNT.stream_id(account_id), DepositMoney(account_id, Decimal(deposit)),
                                context=CONTEXT)
    return account_id


async def test_a_command_appends_its_events_stamped_with_the_context(processor: CommandProcessor,
                                                                      store: SqliteEventStore) -> None:
    account_id = await open_account(processor)
    stream = ACCOUNT.stream_id(account_id)

    outcome = await processor.execute(ACCOUNT, stream, DepositMoney(account_id, Decimal("10.5")), context=CONTEXT)

    [event] = outcome.events
    assert (event.type, event.data["amount"], event.version, event.position) == (MONEY_DEPOSITED, "10.50", 2, 2)
    assert event.metadata.correlation_id == "corr-1"
    assert event.metadata.actor == "tester"
    assert event.metadata.causation_id == event.metadata.command_id is not None
    assert outcome.state.balance == Decimal("10.50")
    assert outcome.state.version == 2
    assert not outcome.replayed
    assert await store.read_stream(stream) == [*(await store.read_stream(stream))[:1], event]


async def test_a_refused_command_appends_nothing(processor: CommandProcessor, store: SqliteEventStore) -> None:
    missing = str(uuid7())

    with pytest.raises(AccountNotFound):
        await processor.execute(ACCOUNT, ACCOUNT.stream_id(missing), DepositMoney(missing, Decimal(1)),
                                context=CONTEXT)
    assert await store.head_position() == 0


async def test_a_repeated_idempotency_key_replays_the_first_result(processor: CommandProcessor,
                                                                    store: SqliteEventStore) -> None:
    account_id = await open_account(processor, deposit="100")
    stream = ACCOUNT.stream_id(account_id)
    first = await processor.execute(ACCOUNT, stream, WithdrawMoney(account_id, Decimal("30")), context=CONTEXT,
                                    idempotency_key="key-1")
    head = await store.head_position()

    again = await processor.execute(ACCOUNT, stream, WithdrawMoney(account_id, Decimal("30.00")),
                                    context=CommandContext(), idempotency_key="key-1")

    assert again.replayed
    assert again.events == first.events
    assert again.state == first.state
    assert again.state.balance == Decimal("70.00")
    assert await store.head_position() == head


async def test_a_replay_returns_the_state_as_of_the_first_result(processor: CommandProcessor) -> None:
    account_id = await open_account(processor, deposit="100")
    stream = ACCOUNT.stream_id(account_id)
    first = await processor.execute(ACCOUNT, stream, WithdrawMoney(account_id, Decimal("30")), context=CONTEXT,
                                    idempotency_key="key-1")
    await processor.execute(ACCOUNT, stream, WithdrawMoney(account_id, Decimal("5")), context=CONTEXT)

    again = await processor.execute(ACCOUNT, stream, WithdrawMoney(account_id, Decimal("30")), context=CONTEXT,
                                    idempotency_key="key-1")

    assert again.replayed
    assert again.events == first.events
    assert again.state.balance == Decimal("70.00")


async def test_concurrent_repeats_of_one_key_append_once(processor: CommandProcessor,
                                                         store: SqliteEventStore) -> None:
    account_id = await open_account(processor)
    stream = ACCOUNT.stream_id(account_id)
    other = CommandProcessor(store)

    outcomes = await asyncio.gather(*(
        p.execute(ACCOUNT, stream, DepositMoney(account_id, Decimal(5)), context=CONTEXT, idempotency_key="k")
        for p in (processor, other) * 5
    ))

    assert all(o.events == outcomes[0].events for o in outcomes)
    assert sum(not o.replayed for o in outcomes) == 1
    assert await store.stream_version(stream) == 2


async def test_an_idempotency_key_reused_for_another_command_is_refused(processor: CommandProcessor,
                                                                         store: SqliteEventStore) -> None:
    account_id = await open_account(processor, deposit="100")
    stream = ACCOUNT.stream_id(account_id)
    await processor.execute(ACCOUNT, stream, WithdrawMoney(account_id, Decimal("30")), context=CONTEXT,
                            idempotency_key="key-1")
    head = await store.head_position()

    for command in (WithdrawMoney(account_id, Decimal("31")), DepositMoney(account_id, Decimal("30"))):
        with pytest.raises(IdempotencyKeyReused) as error:
            await processor.execute(ACCOUNT, stream, command, context=CONTEXT, idempotency_key="key-1")
        assert error.value.idempotency_key == "key-1"
    other_account = await open_account(processor, deposit="100")
    with pytest.raises(IdempotencyKeyReused):
        await processor.execute(ACCOUNT, ACCOUNT.stream_id(other_account),
                                WithdrawMoney(other_account, Decimal("30")), context=CONTEXT,
                                idempotency_key="key-1")
    assert await store.read_all(head + 1, types=["MoneyWithdrawn"]) == []


async def test_an_explicit_expected_version_mismatch_is_reported_not_retried(store: SqliteEventStore) -> None:
    account_id = await open_account(CommandProcessor(store), deposit="100")
    stream = ACCOUNT.stream_id(account_id)
    racing = RacingStore(store, races=0)
    processor = CommandProcessor(racing)  # type: ignore[arg-type]

    with pytest.raises(ConcurrencyError) as error:
        await processor.execute(ACCOUNT, stream, WithdrawMoney(account_id, Decimal(1)), context=CONTEXT,
                                expected_version=1)

    assert (error.value.stream_id, error.value.expected_version, error.value.actual_version) == (stream, 1, 2)
    assert racing.appends == 0
    assert await store.stream_version(stream) == 2


async def test_a_conflict_at_append_with_an_explicit_expected_version_is_not_retried(
        store: SqliteEventStore) -> None:
    account_id = await open_account(CommandProcessor(store), deposit="100")
    stream = ACCOUNT.stream_id(account_id)
    racing = RacingStore(store, races=1)
    processor = CommandProcessor(racing)  # type: ignore[arg-type]

    with pytest.raises(ConcurrencyError) as error:
        await processor.execute(ACCOUNT, stream, WithdrawMoney(account_id, Decimal(1)), context=CONTEXT,
                                expected_version=2)

    assert (error.value.expected_version, error.value.actual_version) == (2, 3)
    assert racing.appends == 1
    assert await store.stream_version(stream) == 3


async def test_a_conflict_without_expected_version_is_retried_on_fresh_state(store: SqliteEventStore) -> None:
    account_id = await open_account(CommandProcessor(store), deposit="100")
    stream = ACCOUNT.stream_id(account_id)
    racing = RacingStore(store, races=2)
    processor = CommandProcessor(racing)  # type: ignore[arg-type]

    outcome = await processor.execute(ACCOUNT, stream, WithdrawMoney(account_id, Decimal(1)), context=CONTEXT)

    assert racing.appends == 3
    assert outcome.events[0].version == 5
    assert outcome.state.balance == Decimal("101.00")


async def test_retries_are_bounded(store: SqliteEventStore) -> None:
    account_id = await open_account(CommandProcessor(store), deposit="100")
    racing = RacingStore(store, races=100)
    processor = CommandProcessor(racing, max_attempts=3)  # type: ignore[arg-type]

    with pytest.raises(ConcurrencyError):
        await processor.execute(ACCOUNT, ACCOUNT.stream_id(account_id), WithdrawMoney(account_id, Decimal(1)),
                                context=CONTEXT)
    assert racing.appends == 3


@pytest.mark.parametrize("processors", [1, 5])
async def test_concurrent_withdrawals_never_break_the_overdraft_rule(store: SqliteEventStore,
                                                                     processors: int) -> None:
    """50 withdrawals of 10 from 100: exactly 10 succeed, the rest are refused."""
    pool = [CommandProcessor(store) for _ in range(processors)]
    account_id = await open_account(pool[0], deposit="100")
    stream = ACCOUNT.stream_id(account_id)

    async with asyncio.timeout(30):
        results = await asyncio.gather(*(
            pool[i % processors].execute(ACCOUNT, stream, WithdrawMoney(account_id, Decimal(10)), context=CONTEXT)
            for i in range(50)
        ), return_exceptions=True)

    succeeded = [r for r in results if isinstance(r, CommandOutcome)]
    refused = [r for r in results if isinstance(r, InsufficientFunds)]
    assert (len(succeeded), len(refused)) == (10, 40)
    loaded = await pool[0].load(ACCOUNT, stream)
    assert loaded.state.balance == Decimal(0)
    assert loaded.version == 12
    account = await store.views.get("accounts", account_id)
    assert account is not None
    assert account["balance"] == "0.00"


async def test_load_to_version_rebuilds_the_past(processor: CommandProcessor) -> None:
    account_id = await open_account(processor, deposit="100")
    stream = ACCOUNT.stream_id(account_id)
    await processor.execute(ACCOUNT, stream, WithdrawMoney(account_id, Decimal(100)), context=CONTEXT)
    await processor.execute(ACCOUNT, stream, CloseAccount(account_id), context=CONTEXT)

    past = await processor.load(ACCOUNT, stream, to_version=2)
    now = await processor.load(ACCOUNT, stream)

    assert (past.version, past.state.balance, past.state.status.value) == (2, Decimal("100.00"), "OPEN")
    assert (now.version, now.state.balance, now.state.status.value) == (4, Decimal(0), "CLOSED")
    assert (await processor.load(ACCOUNT, "account-missing")).state == Account()


async def test_a_command_deciding_no_events_appends_nothing_and_keeps_its_key_free(
        processor: CommandProcessor, store: SqliteEventStore) -> None:
    account_id = await open_account(processor, deposit="5")
    stream = ACCOUNT.stream_id(account_id)
    unchanged = AggregateType[Account](name="account", initial=ACCOUNT.initial, evolve=ACCOUNT.evolve,
                                       decide=lambda command, state: [])
    head = await store.head_position()

    outcome = await processor.execute(unchanged, stream, DepositMoney(account_id, Decimal(1)), context=CONTEXT,
                                      expected_version=2, idempotency_key="nothing-1")
    again = await processor.execute(unchanged, stream, DepositMoney(account_id, Decimal(1)), context=CONTEXT,
                                    idempotency_key="nothing-1")
    later = await processor.execute(ACCOUNT, stream, DepositMoney(account_id, Decimal(2)), context=CONTEXT,
                                    idempotency_key="nothing-1")

    assert (outcome.events, outcome.replayed, outcome.state.version, outcome.state.balance) == (
        (), False, 2, Decimal("5.00"))
    assert (again.events, again.replayed) == ((), False)
    assert await store.head_position() == head + 1
    assert [e.type for e in later.events] == [MONEY_DEPOSITED]
    with pytest.raises(ConcurrencyError):
        await processor.execute(unchanged, stream, DepositMoney(account_id, Decimal(1)), context=CONTEXT,
                                expected_version=2)
