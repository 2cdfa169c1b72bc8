"""The GraphQL ``Transfer`` type, from the ``transfers`` read model."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from api.types.event import Event


@strawberry.enum(description="REQUESTED and DEBITED are unfinished; recovery at start-up finishes them.")
class TransferStatus(enum.Enum):
    REQUESTED = "REQUESTED"
    DEBITED = "DEBITED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


@strawberry.type(description="One event of a transfer saga: its own, or the account movement it caused.")
class TransferStep:
    type: str
    stream_id: str
    version: int
    position: int
    event_id: strawberry.ID
    recorded_at: datetime
    account_id: strawberry.ID | None = None
    amount: Decimal | None = None
    refund: bool = strawberry.field(default=False, description="True for the compensating credit to the source.")

    @classmethod
    def from_document(cls, step: dict[str, Any]) -> TransferStep:
        return cls(type=step["type"], stream_id=step["stream_id"], version=int(step["version"]),
                   position=int(step["position"]), event_id=strawberry.ID(step["event_id"]),
                   recorded_at=datetime.fromisoformat(step["recorded_at"]),
                   account_id=strawberry.ID(step["account_id"]) if step.get("account_id") else None,
                   amount=Decimal(step["amount"]) if step.get("amount") else None, refund=bool(step.get("refund")))


@strawberry.type(description="A money transfer between two accounts, run as a saga in stream transfer-<id>.")
class Transfer:
    id: strawberry.ID
    from_account_id: strawberry.ID
    to_account_id: strawberry.ID
    amount: Decimal
    currency: str
    status: TransferStatus
    reason: str | None = strawberry.field(description="Error code of the refused step (FAILED only).")
    message: str | None
    refunded: bool = strawberry.field(description="True when the source got its money back (FAILED after debit).")
    version: int
    requested_at: datetime
    updated_at: datetime
    steps: list[TransferStep]

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Transfer:
        """Translate a ``transfers`` read-model document."""
        return cls(
            id=strawberry.ID(document["id"]), from_account_id=strawberry.ID(document["from_account_id"]),
            to_account_id=strawberry.ID(document["to_account_id"]), amount=Decimal(document["amount"]),
            currency=document["currency"], status=TransferStatus(document["status"]), reason=document["reason"],
            message=document.get("message"), refunded=bool(document["refunded"]), version=int(document["version"]),
            requested_at=datetime.fromisoformat(document["requested_at"]),
            updated_at=datetime.fromisoformat(document["updated_at"]),
            steps=[TransferStep.from_document(step) for step in document["steps"]],
        )


@strawberry.type(description="The transfer ran to its end (COMPLETED, or FAILED with a reason).")
class TransferSuccess:
    transfer: Transfer
    events: list[Event] = strawberry.field(description="Every event of the transfer, in the order appended.")
    replayed: bool = False
