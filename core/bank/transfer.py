"""The transfer aggregate: the state of one money transfer, kept in ``transfer-<id>``.

A transfer is a saga (Garcia-Molina & Salem, "Sagas", SIGMOD 1987): a long-lived
transaction split into steps on other aggregates, each committed on its own,
with a compensating step (the refund) undoing a committed step when a later one
fails. Its stream records how far it got, so a process killed between steps is
resumed from there (:mod:`core.bank.transfer_process` runs the steps).

    REQUESTED --debit ok--> DEBITED --credit ok--> COMPLETED
        |                      |
        +--debit refused--> FAILED <--credit refused, source refunded--+

Invariants: the accounts differ; the amount fits the source currency's minor
units; each step happens once and in this order.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from core.aggregate import AggregateType
from core.bank.commands import CompleteTransfer, FailTransfer, RecordTransferDebit, RequestTransfer
from core.bank.events import TransferCompleted, TransferDebited, TransferFailed, TransferRequested
from core.errors import InvariantViolated, ValidationFailed
from core.events import NewEvent, RecordedEvent, payload_as
from core.money import format_amount, parse_amount

TRANSFER_REQUESTED = TransferRequested.TYPE
TRANSFER_DEBITED = TransferDebited.TYPE
TRANSFER_COMPLETED = TransferCompleted.TYPE
TRANSFER_FAILED = TransferFailed.TYPE


class TransferStatus(enum.Enum):
    REQUESTED = "REQUESTED"
    DEBITED = "DEBITED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class Transfer:
    """State of one transfer; ``version`` 0 means it was never requested."""

    transfer_id: str = ""
    from_account_id: str = ""
    to_account_id: str = ""
    amount: Decimal = Decimal(0)
    currency: str = ""
    status: TransferStatus = TransferStatus.REQUESTED
    reason: str | None = None
    refunded: bool = False
    version: int = 0
    requested_at: datetime | None = None
    updated_at: datetime | None = None


def evolve(state: Transfer, event: RecordedEvent) -> Transfer:
    """Fold one recorded transfer event into ``state``; never raises."""
    moved = replace(state, version=event.version, updated_at=event.recorded_at)
    if event.type == TRANSFER_REQUESTED:
        requested = payload_as(event, TransferRequested)
        return replace(moved, transfer_id=requested.transfer_id, from_account_id=requested.from_account_id,
                       to_account_id=requested.to_account_id, amount=requested.amount,
                       currency=requested.currency, requested_at=event.recorded_at)
    if event.type == TRANSFER_DEBITED:
        return replace(moved, status=TransferStatus.DEBITED)
    if event.type == TRANSFER_COMPLETED:
        return replace(moved, status=TransferStatus.COMPLETED)
    if event.type == TRANSFER_FAILED:
        failed = payload_as(event, TransferFailed)
        return replace(moved, status=TransferStatus.FAILED, reason=failed.reason, refunded=failed.refunded)
    return moved


def _step_refused(state: Transfer, step: str) -> InvariantViolated:
    return InvariantViolated(f"transfer {state.transfer_id or '?'} is {state.status.value}; cannot {step}")


def _request(command: RequestTransfer, state: Transfer) -> list[NewEvent]:
    if state.version:
        raise ValidationFailed("transferId", f"transfer {command.transfer_id} already exists")
    if command.from_account_id == command.to_account_id:
        raise ValidationFailed("toAccountId", "must differ from fromAccountId")
    amount = parse_amount(command.amount, command.currency)
    return [NewEvent.of(TransferRequested(
        transfer_id=command.transfer_id, from_account_id=command.from_account_id,
        to_account_id=command.to_account_id, amount=Decimal(format_amount(amount, command.currency)),
        currency=command.currency))]


def decide(command: object, state: Transfer) -> Sequence[NewEvent]:
    """Decide a transfer command.

    Raises:
        ValidationFailed: same source and target, bad amount, or requested twice.
        InvariantViolated: a step out of order (e.g. completing a failed transfer).
        TypeError: ``command`` is not a transfer command.
    """
    if isinstance(command, RequestTransfer):
        return _request(command, state)
    if isinstance(command, RecordTransferDebit):
        if state.status is not TransferStatus.REQUESTED or not state.version:
            raise _step_refused(state, "record a debit")
        return [NewEvent.of(TransferDebited(command.transfer_id, command.withdrawal_event_id))]
    if isinstance(command, CompleteTransfer):
        if state.status is not TransferStatus.DEBITED:
            raise _step_refused(state, "complete")
        return [NewEvent.of(TransferCompleted(command.transfer_id, command.deposit_event_id))]
    if isinstance(command, FailTransfer):
        expected = TransferStatus.DEBITED if command.refunded else TransferStatus.REQUESTED
        if state.status is not expected or not state.version:
            raise _step_refused(state, "fail")
        return [NewEvent.of(TransferFailed(command.transfer_id, command.reason, command.message,
                                           command.refunded))]
    raise TypeError(f"not a transfer command: {type(command).__name__}")


TRANSFER = AggregateType[Transfer](name="transfer", initial=Transfer(), evolve=evolve, decide=decide)
"""The transfer aggregate; streams are named ``transfer-<uuid>``."""
