"""Contract: idempotency keys are scoped per caller (issue 15 item 7), on every backend.

The processor derives event ids from the key and its scope (the caller's token
subject), so the rule holds wherever the store finds events by id: another
caller's equal key is neither replayed nor refused as reused, and the same
caller keeps the usual semantics.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.bank.account import ACCOUNT
from core.bank.commands import DepositMoney, OpenAccount
from core.commands import CommandContext
from core.errors import IdempotencyKeyReused, ValidationFailed
from core.processor import CommandProcessor

from .conftest import ContractStore

ALICE = CommandContext(actor="alice")
BOB = CommandContext(actor="bob")


async def _open(processor: CommandProcessor, account_id: str) -> str:
    stream = ACCOUNT.stream_id(account_id)
    await processor.execute(ACCOUNT, stream, OpenAccount(account_id, "Ada", "EUR"), context=ALICE)
    return stream


async def test_another_callers_equal_key_is_a_new_command(store: ContractStore) -> None:
    processor = CommandProcessor(store)
    stream = await _open(processor, "a1")
    first = await processor.execute(ACCOUNT, stream, DepositMoney("a1", Decimal(10)), context=ALICE,
                                    idempotency_key="pay-1", idempotency_scope="alice")
    other = await processor.execute(ACCOUNT, stream, DepositMoney("a1", Decimal(10)), context=BOB,
                                    idempotency_key="pay-1", idempotency_scope="bob")
    assert not other.replayed
    assert other.events[0].event_id != first.events[0].event_id
    assert other.events[0].metadata.actor == "bob"
    assert other.state.balance == Decimal(20)


async def test_another_callers_equal_key_with_other_input_is_not_refused(store: ContractStore) -> None:
    """Refusing it would confirm to bob that alice used the key."""
    processor = CommandProcessor(store)
    stream = await _open(processor, "a2")
    await processor.execute(ACCOUNT, stream, DepositMoney("a2", Decimal(10)), context=ALICE,
                            idempotency_key="pay-1", idempotency_scope="alice")
    other = await processor.execute(ACCOUNT, stream, DepositMoney("a2", Decimal(99)), context=BOB,
                                    idempotency_key="pay-1", idempotency_scope="bob")
    assert not other.replayed and other.state.balance == Decimal(109)


async def test_the_same_caller_keeps_replay_and_reuse_semantics(store: ContractStore) -> None:
    processor = CommandProcessor(store)
    stream = await _open(processor, "a3")
    first = await processor.execute(ACCOUNT, stream, DepositMoney("a3", Decimal(10)), context=ALICE,
                                    idempotency_key="pay-1", idempotency_scope="alice")
    again = await CommandProcessor(store).execute(ACCOUNT, stream, DepositMoney("a3", Decimal(10)), context=ALICE,
                                                  idempotency_key="pay-1", idempotency_scope="alice")
    assert again.replayed and again.events == first.events and again.state.balance == Decimal(10)
    with pytest.raises(IdempotencyKeyReused):
        await processor.execute(ACCOUNT, stream, DepositMoney("a3", Decimal(11)), context=ALICE,
                                idempotency_key="pay-1", idempotency_scope="alice")
    assert (await processor.load(ACCOUNT, stream)).version == 2


async def test_unscoped_keys_are_one_global_scope_apart_from_every_caller(store: ContractStore) -> None:
    """No scope (anonymous development access) keeps the global semantics, and no key can
    spell a caller's scoped name: the separator is refused."""
    processor = CommandProcessor(store)
    stream = await _open(processor, "a4")
    await processor.execute(ACCOUNT, stream, DepositMoney("a4", Decimal(1)), context=ALICE,
                            idempotency_key="k", idempotency_scope="alice")
    with pytest.raises(ValidationFailed):
        await processor.execute(ACCOUNT, stream, DepositMoney("a4", Decimal(1)), context=CommandContext(),
                                idempotency_key="alice\x1fk")
    anonymous = await processor.execute(ACCOUNT, stream, DepositMoney("a4", Decimal(1)), context=CommandContext(),
                                        idempotency_key="k")
    assert not anonymous.replayed
    replay = await processor.execute(ACCOUNT, stream, DepositMoney("a4", Decimal(1)), context=CommandContext(),
                                     idempotency_key="k")
    assert replay.replayed and replay.state.balance == Decimal(2)
