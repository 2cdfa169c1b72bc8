"""The transfer process manager: drives a transfer saga step by step.

Each step is a command on one aggregate, appended on its own (Garcia-Molina &
Salem, "Sagas", SIGMOD 1987; Hohpe & Woolf, *Enterprise Integration Patterns*,
2003, "Process Manager"):

1. ``TransferRequested`` on ``transfer-<id>``;
2. debit the source: ``MoneyWithdrawn`` (with ``transfer_id``) on its account,
   caused by the ``TransferRequested`` event;
3. ``TransferDebited``;
4. credit the target: ``MoneyDeposited`` (with ``transfer_id``), or when the
   target refuses (missing, closed, another currency) refund the source with a
   compensating ``MoneyDeposited`` (``refund: true``);
5. ``TransferCompleted``, or ``TransferFailed`` with a reason (and ``refunded``).
   A refused debit goes straight to ``TransferFailed`` with nothing to undo.

Every step after the request runs with a fixed idempotency key derived from the
transfer id and the step (:func:`step_key`), so its events get fixed ids: a step
re-run after a crash finds its earlier events and appends nothing twice. This
makes :meth:`TransferProcess.run` safe to repeat at any point, which is what
recovery at start-up (:meth:`TransferProcess.recover`) relies on.

Limitation: two processes running the same transfer at once could decide the
credit differently if the target account is opened between their attempts (one
refunds, the other credits). Steps of one transfer are serialised within a
process; across processes, run recovery in one instance or add a lease.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.aggregate import AggregateType
from core.bank.account import ACCOUNT
from core.bank.commands import (
    CompleteTransfer,
    CreditForTransfer,
    DebitForTransfer,
    FailTransfer,
    RecordTransferDebit,
    RequestTransfer,
)
from core.bank.errors import AccountNotFound
from core.bank.transfer import TRANSFER, Transfer, TransferStatus
from core.bank.transfer_projection import TRANSFERS
from core.bank.transfer_steps import TransferStep
from core.commands import CommandContext
from core.errors import AggregateNotFound, InvariantViolated, ValidationFailed
from core.events import RecordedEvent
from core.money import parse_amount
from core.ports import ViewReader
from core.processor import CommandOutcome, CommandProcessor

StepHook = Callable[[TransferStep], None]
"""Called with a step right after that step's events are appended (not when they were replayed)."""

REFUSALS = (InvariantViolated, AggregateNotFound, ValidationFailed)
"""Business refusals that fail a step for good. Conflicts that outlast the
processor's retries and store outages propagate: the transfer stays unfinished
and recovery resumes it."""


def step_key(transfer_id: str, step: TransferStep) -> str:
    """Return the idempotency key of ``step`` of ``transfer_id`` (fixes its event ids)."""
    return f"chronicle:transfer:{transfer_id}:{step}"


@dataclass(frozen=True, slots=True)
class TransferRun:
    """A transfer after a run: its state and every event the run appended or found."""

    state: Transfer
    events: tuple[RecordedEvent, ...]
    replayed: bool = False


class TransferProcess:
    """Runs transfers with a :class:`CommandProcessor`.

    Args:
        processor: runs each step's command.
        after_step: optional hook called after each step (tests inject crashes).
    """

    def __init__(self, processor: CommandProcessor, *, after_step: StepHook | None = None) -> None:
        self._processor = processor
        self._after_step = after_step or (lambda step: None)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def start(self, transfer_id: str, from_account_id: str, to_account_id: str, amount: object,
                    *, context: CommandContext, idempotency_key: str | None = None,
                    idempotency_scope: str | None = None) -> TransferRun:
        """Request a transfer and run it to its end.

        The source must exist (its currency fixes the amount's); the target is
        checked by the credit step, which refunds when it refuses (a target
        that does not exist included).

        ``idempotency_key`` / ``idempotency_scope`` key the request as in
        :meth:`CommandProcessor.execute`; the steps use their own keys, derived
        from ``transfer_id``.

        Raises:
            AccountNotFound: the source account does not exist (``field``
                ``fromAccountId``).
            ValidationFailed: bad amount, or the same account twice.
            IdempotencyKeyReused: the key belongs to another command.
        """
        source = await self._processor.load(ACCOUNT, ACCOUNT.stream_id(from_account_id))
        if not source.version:
            raise AccountNotFound(from_account_id, "fromAccountId")
        currency = source.state.currency
        command = RequestTransfer(transfer_id, from_account_id, to_account_id,
                                  parse_amount(str(amount), currency), currency)
        async with self._lock(transfer_id):
            requested = await self._processor.execute(TRANSFER, TRANSFER.stream_id(transfer_id), command,
                                                      context=context, idempotency_key=idempotency_key,
                                                      idempotency_scope=idempotency_scope)
            if not requested.replayed:
                self._after_step(TransferStep.REQUESTED)
            run = await self._run(requested.state, requested.events[0], list(requested.events))
        return TransferRun(run.state, run.events, replayed=requested.replayed)

    async def run(self, transfer_id: str) -> TransferRun:
        """Drive an existing transfer from wherever it stopped to its end (idempotent).

        Raises:
            AggregateNotFound: no such transfer.
        """
        async with self._lock(transfer_id):
            stream = TRANSFER.stream_id(transfer_id)
            loaded = await self._processor.load(TRANSFER, stream)
            if not loaded.version:
                raise AggregateNotFound(stream)
            history = await self._processor.store.read_stream(stream)
            return await self._run(loaded.state, history[0], [])

    async def recover(self, views: ViewReader, *, page_size: int = 100) -> list[str]:
        """Finish or compensate every unfinished transfer (status REQUESTED or DEBITED).

        Returns:
            The ids of the transfers it ran.
        """
        pending: list[str] = []
        for status in (TransferStatus.REQUESTED, TransferStatus.DEBITED):
            after: str | None = None
            while True:
                page = await views.find(TRANSFERS, equals={"status": status.value}, after_key=after,
                                        limit=page_size)
                pending.extend(key for key, _ in page.documents)
                if not page.has_next or not page.documents:
                    break
                after = page.documents[-1][0]
        for transfer_id in pending:
            await self.run(transfer_id)
        return pending

    # -- steps -----------------------------------------------------------------------------------

    def _lock(self, transfer_id: str) -> asyncio.Lock:
        return self._locks.setdefault(transfer_id, asyncio.Lock())

    async def _step(self, aggregate: AggregateType[Any], entity_id: str, command: object, step: TransferStep,
                    transfer_id: str, cause: RecordedEvent, events: list[RecordedEvent]) -> CommandOutcome[Any]:
        """Run one step, caused by ``cause``, under the step's fixed idempotency key."""
        context = CommandContext(correlation_id=cause.metadata.correlation_id or transfer_id,
                                 actor=cause.metadata.actor, causation_id=str(cause.event_id))
        outcome = await self._processor.execute(aggregate, aggregate.stream_id(entity_id), command, context=context,
                                                idempotency_key=step_key(transfer_id, step))
        events.extend(outcome.events)
        if not outcome.replayed:
            self._after_step(step)
        return outcome

    async def _run(self, state: Transfer, requested: RecordedEvent, events: list[RecordedEvent]) -> TransferRun:
        tid = state.transfer_id
        cause = requested
        if state.status is TransferStatus.REQUESTED:
            debit = DebitForTransfer(state.from_account_id, state.amount, state.currency, tid)
            try:
                withdrawn = await self._step(ACCOUNT, state.from_account_id, debit, TransferStep.DEBIT, tid, cause,
                                             events)
            except REFUSALS as refusal:
                failed = await self._step(TRANSFER, tid, FailTransfer(tid, refusal.code, str(refusal), False),
                                          TransferStep.FAILED, tid, cause, events)
                return TransferRun(failed.state, tuple(events))
            cause = withdrawn.events[0]
            debited = await self._step(TRANSFER, tid, RecordTransferDebit(tid, str(cause.event_id)),
                                       TransferStep.DEBITED, tid, cause, events)
            state, cause = debited.state, debited.events[0]
        if state.status is TransferStatus.DEBITED:
            if cause is requested:  # resumed at DEBITED: the TransferDebited event causes the credit
                cause = (await self._processor.store.read_stream(TRANSFER.stream_id(tid), 2, 1))[0]
            credit = CreditForTransfer(state.to_account_id, state.amount, state.currency, tid)
            try:
                deposited = await self._step(ACCOUNT, state.to_account_id, credit, TransferStep.CREDIT, tid, cause,
                                             events)
            except REFUSALS as refusal:
                refund = CreditForTransfer(state.from_account_id, state.amount, state.currency, tid, refund=True)
                refunded = await self._step(ACCOUNT, state.from_account_id, refund, TransferStep.REFUND, tid,
                                            cause, events)
                failed = await self._step(TRANSFER, tid, FailTransfer(tid, refusal.code, str(refusal), True),
                                          TransferStep.FAILED, tid, refunded.events[0], events)
                return TransferRun(failed.state, tuple(events))
            completed = await self._step(TRANSFER, tid, CompleteTransfer(tid, str(deposited.events[0].event_id)),
                                         TransferStep.COMPLETED, tid, deposited.events[0], events)
            state = completed.state
        return TransferRun(state, tuple(events))

