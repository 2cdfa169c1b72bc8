"""``account``, ``accounts``, ``transactions`` and ``dailyTotals``: read-model queries."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.context import Info
from api.pagination import page_size, position_cursor
from api.types.account import Account, AccountStatus, DailyTotal, Transaction
from api.types.connection import Connection
from core.bank.projections import ACCOUNTS, DAILY_TOTALS, TRANSACTIONS, position_key


def _canonical_id(raw: str) -> str | None:
    try:
        return str(UUID(raw.strip()))
    except ValueError:
        return None


async def account(info: Info, id: strawberry.ID) -> Account | None:
    """The account with ``id`` from the ``accounts`` read model, or null."""
    account_id = _canonical_id(str(id))
    if account_id is None:
        return None
    document = await info.context.runtime.views.get(ACCOUNTS, account_id)
    return Account.from_document(document) if document else None


async def accounts(info: Info, first: int | None = None, after: str | None = None,
                   status: AccountStatus | None = None) -> Connection[Account]:
    """Accounts ordered by id; the cursor is the account id."""
    runtime = info.context.runtime
    limit = page_size(first, runtime.settings.max_page_size)
    page = await runtime.views.find(ACCOUNTS, equals={"status": status.value} if status else None,
                                    after_key=after, limit=limit)
    items = [(key, Account.from_document(doc)) for key, doc in page.documents]
    return Connection[Account].build(items, has_next=page.has_next, has_previous=after is not None)


async def transactions(info: Info, account_id: strawberry.ID, first: int | None = None,
                       after: str | None = None) -> Connection[Transaction]:
    """An account's deposits and withdrawals, oldest first; the cursor is the position."""
    runtime = info.context.runtime
    limit = page_size(first, runtime.settings.max_page_size)
    after_position = position_cursor(after)
    canonical = _canonical_id(str(account_id)) or str(account_id)
    page = await runtime.views.find(TRANSACTIONS, equals={"account_id": canonical},
                                    after_key=position_key(after_position), limit=limit)
    items = [(str(doc["position"]), Transaction.from_document(doc)) for _, doc in page.documents]
    return Connection[Transaction].build(items, has_next=page.has_next, has_previous=after_position > 0)


async def daily_totals(info: Info, first: int | None = None, after: str | None = None,
                       currency: str | None = None) -> Connection[DailyTotal]:
    """Per UTC day and currency totals, oldest day first; the cursor is ``day:currency``."""
    runtime = info.context.runtime
    limit = page_size(first, runtime.settings.max_page_size)
    equals = {"currency": currency.upper()} if currency else None
    page = await runtime.views.find(DAILY_TOTALS, equals=equals, after_key=after, limit=limit)
    items = [(key, DailyTotal.from_document(doc)) for key, doc in page.documents]
    return Connection[DailyTotal].build(items, has_next=page.has_next, has_previous=after is not None)
