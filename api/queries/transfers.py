"""``transfer``: a transfer's status and steps from the ``transfers`` read model."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.mutations.run import parse_entity_id
from api.types.transfer import Transfer
from core.bank.transfer_projection import TRANSFERS


async def transfer(info: Info, id: strawberry.ID) -> Transfer | None:
    """The transfer with ``id``, or null."""
    transfer_id = parse_entity_id(str(id))
    if transfer_id is None:
        return None
    document = await info.context.runtime.views.get(TRANSFERS, transfer_id)
    return Transfer.from_document(document) if document else None
