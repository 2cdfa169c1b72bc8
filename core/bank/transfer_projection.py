"""The ``transfers`` read model: each transfer's status and the steps it took.

One document per transfer, keyed by its id: the accounts, amount, currency,
``status`` (REQUESTED, DEBITED, COMPLETED, FAILED; indexed, so recovery finds
unfinished transfers), the failure ``reason`` and ``refunded``, and ``steps``:
every event of the saga in position order, its own (``TransferRequested``...)
and the account events carrying its ``transfer_id`` (``MoneyWithdrawn``,
``MoneyDeposited``), each with its stream, version and position.
"""

from __future__ import annotations

from typing import Any

from core.bank.account import MONEY_DEPOSITED, MONEY_WITHDRAWN
from core.bank.events import MoneyDeposited, TransferFailed, TransferRequested, money_moved
from core.bank.transfer import (
    TRANSFER_COMPLETED,
    TRANSFER_DEBITED,
    TRANSFER_FAILED,
    TRANSFER_REQUESTED,
    TransferStatus,
)
from core.events import RecordedEvent, payload_as
from core.ports import Collection, Index, ViewWriter

TRANSFERS = "transfers"

_STATUS = {TRANSFER_DEBITED: TransferStatus.DEBITED, TRANSFER_COMPLETED: TransferStatus.COMPLETED,
           TRANSFER_FAILED: TransferStatus.FAILED}


def _step(event: RecordedEvent) -> dict[str, Any]:
    step: dict[str, Any] = {"type": event.type, "stream_id": event.stream_id, "version": event.version,
                            "position": event.position, "event_id": str(event.event_id),
                            "recorded_at": event.recorded_at.isoformat()}
    if event.type in (MONEY_DEPOSITED, MONEY_WITHDRAWN):
        moved = money_moved(event)
        step["account_id"] = moved.account_id
        step["amount"] = str(moved.amount)
        if isinstance(moved, MoneyDeposited) and moved.refund:
            step["refund"] = True
    return step


class TransfersProjection:
    """Writes the ``transfers`` read model."""

    name = TRANSFERS
    event_types = frozenset({TRANSFER_REQUESTED, TRANSFER_DEBITED, TRANSFER_COMPLETED, TRANSFER_FAILED,
                             MONEY_WITHDRAWN, MONEY_DEPOSITED})
    collections = (Collection(TRANSFERS, (Index(("status",)),)),)

    async def apply(self, event: RecordedEvent, view: ViewWriter) -> None:
        transfer_id = event.data.get("transfer_id")
        if not transfer_id:
            return  # an ordinary deposit or withdrawal
        when = event.recorded_at.isoformat()
        if event.type == TRANSFER_REQUESTED:
            requested = payload_as(event, TransferRequested)
            await view.put(TRANSFERS, str(transfer_id), {
                "id": transfer_id, "from_account_id": requested.from_account_id,
                "to_account_id": requested.to_account_id, "amount": str(requested.amount),
                "currency": requested.currency,
                "status": TransferStatus.REQUESTED.value, "reason": None, "message": None, "refunded": False,
                "version": event.version, "requested_at": when, "updated_at": when, "steps": [_step(event)],
            })
            return
        document = await view.get(TRANSFERS, str(transfer_id))
        if document is None:
            return
        document["steps"] = [*document["steps"], _step(event)]
        document["updated_at"] = when
        if event.type in _STATUS:
            document["status"] = _STATUS[event.type].value
            document["version"] = event.version
        if event.type == TRANSFER_FAILED:
            failed = payload_as(event, TransferFailed)
            document["reason"] = failed.reason
            document["message"] = failed.message
            document["refunded"] = failed.refunded
        await view.put(TRANSFERS, str(transfer_id), document)
