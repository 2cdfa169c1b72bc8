"""``accountHistory``: an account's balance after each of its events.

Folded from the account's stream, never from projections (docs/architecture.md §6), so it
always agrees with the event log.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.pagination import page_size, position_cursor
from api.queries.accounts import canonical_id
from api.types.connection import Connection
from api.types.history import BalanceEntry
from core.bank.account import ACCOUNT
from core.bank.history import balance_history


async def account_history(
    info: Info,
    id: strawberry.ID,
    first: int | None = None,
    after: Annotated[str | None, strawberry.argument(description="A version cursor (exclusive).")] = None,
) -> Connection[BalanceEntry]:
    """The account's balance after each of its events, oldest first; the cursor is the version.
    Folded from the event log, so it includes events no projection has applied. A page
    reads the state at its cursor (the nearest snapshot at or below it, then the events
    up to it) and then its own events, never the stream from version 1."""
    runtime = info.context.runtime
    limit = page_size(first, runtime.settings.max_page_size)
    after_version = position_cursor(after)
    account_id = canonical_id(str(id))
    if account_id is None:
        return Connection[BalanceEntry].build([], has_next=False, has_previous=after_version > 0)
    stream_id = ACCOUNT.stream_id(account_id)
    async with info.context.folds:
        before = await runtime.processor.load(ACCOUNT, stream_id, to_version=after_version)  # snapshot + short fold
        events = await runtime.store.read_stream(stream_id, after_version + 1, limit + 1)
    entries = balance_history(events, before.state)
    items = [(str(e.version), BalanceEntry.from_entry(e)) for e in entries[:limit]]
    return Connection[BalanceEntry].build(items, has_next=len(entries) > limit, has_previous=after_version > 0)
