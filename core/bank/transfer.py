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
from core.errors import InvariantViolated, ValidationFailed
from core.events import NewEvent, RecordedEvent
from core.money import format_amount, parse_amount

TRANSFER_REQUESTED = "TransferRequested"
TRANSFER_DEBITED = "TransferDebited"
TRANSFER_COMPLETED = "TransferCompleted"
TRANSFER_FAILED = "TransferFailed"
EVENT_TYPES = (TRANSFER_REQUESTED, TRANSFER_DEBITED, TRANSFER_COMPLETED, TRANSFER_FAILED)


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
    data = event.data
    moved = replace(state, version=event.version, updated_at=event.recorded_at)
    if event.type == TRANSFER_REQUESTED:
        return replace(moved, transfer_id=str(data["transfer_id"]), from_account_id=str(data["from_account_id"]),
                       to_account_id=str(data["to_account_id"]), amount=Decimal(str(data["amount"])),
                       currency=str(data["currency"]), requested_at=event.recorded_at)
    if event.type == TRANSFER_DEBITED:
        return replace(moved, status=TransferStatus.DEBITED)
    if event.type == TRANSFER_COMPLETED:
        return replace(moved, status=TransferStatus.COMPLETED)
    if event.type == TRANSFER_FAILED:
        return replace(moved, status=TransferStatus.FAILED, reason=str(data["reason"]),
                       refunded=bool(data.get("refunded", False)))
    return moved


def _step_refused(state: Transfer, step: str) -> InvariantViolated:
    return InvariantViolated(f"transfer {state.transfer_id or '?'} is {state.status.value}; cannot {step}")


def _request(command: RequestTransfer, state: Transfer) -> list[NewEvent]:
    if state.version:
        raise ValidationFailed("transferId", f"transfer {command.transfer_id} already exists")
    if command.from_account_id == command.to_account_id:
        raise ValidationFailed("toAccountId", "must differ from fromAccountId")
    amount = parse_amount(command.amount, command.currency)
    return [NewEvent(TRANSFER_REQUESTED, {
        "transfer_id": command.transfer_id, "from_account_id": command.from_account_id,
        "to_account_id": command.to_account_id, "amount": format_amount(amount, command.currency),
        "currency": command.currency,
    })]


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
        return [NewEvent(TRANSFER_DEBITED, {"transfer_id": command.transfer_id,
                                            "withdrawal_event_id": command.withdrawal_event_id})]
    if isinstance(command, CompleteTransfer):
        if state.status is not TransferStatus.DEBITED:
            raise _step_refused(state, "complete")
        return [NewEvent(TRANSFER_COMPLETED, {"transfer_id": command.transfer_id,
                                              "deposit_event_id": command.deposit_event_id})]
    if isinstance(command, FailTransfer):
        expected = TransferStatus.DEBITED if command.refunded else TransferStatus.REQUESTED
        if state.status is not expected or not state.version:
            raise _step_refused(state, "fail")
        return [NewEvent(TRANSFER_FAILED, {"transfer_id": command.transfer_id, "reason": command.reason,
                                           "message": command.message, "refunded": command.refunded})]
    raise TypeError(f"not a transfer command: {type(command).__name__}")


TRANSFER = AggregateType[Transfer](name="transfer", initial=Transfer(), evolve=evolve, decide=decide)
"""The transfer aggregate; streams are named ``transfer-<uuid>``."""
