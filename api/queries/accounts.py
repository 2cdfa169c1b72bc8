"""``account``, ``accounts``, ``transactions`` and ``dailyTotals``: read-model queries.

``account`` with ``asOfVersion``/``asOf`` is the exception: it is rebuilt from
the account's events (a temporal query, docs/architecture.md §6).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import strawberry

from api.context import Info
from api.pagination import bad_input, page_size, position_cursor
from api.types.account import Account, AccountStatus, DailyTotal, Transaction
from api.types.connection import Connection
from core.bank.account import ACCOUNT
from core.bank.projections import ACCOUNTS, DAILY_TOTALS, TRANSACTIONS, position_key

AS_OF_VERSION = "Rebuild the account from its events up to this version (inclusive)."
AS_OF = "Rebuild the account from the events recorded at or before this time (ISO-8601; UTC if no offset)."


async def account_as_of(info: Info, account_id: str, as_of_version: int | None,
                        as_of: datetime | None) -> Account | None:
    """The account folded from its events up to ``as_of_version`` and/or ``as_of``;
    its ``version`` and ``updatedAt`` say which event it reflects. Null when the
    account did not exist yet.

    Raises:
        GraphQLError: ``asOfVersion`` is negative (BAD_USER_INPUT).
    """
    if as_of_version is not None and as_of_version < 0:
        raise bad_input("asOfVersion must be >= 0")
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    async with info.context.folds:
        loaded = await info.context.runtime.processor.load(
            ACCOUNT, ACCOUNT.stream_id(account_id), to_version=as_of_version, as_of=as_of)
    return Account.from_state(loaded.state) if loaded.state.opened else None


def canonical_id(raw: str) -> str | None:
    """Return the canonical text of an account id, or ``None`` when it is not a UUID."""
    try:
        return str(UUID(raw.strip()))
    except ValueError:
        return None


async def account(
    info: Info,
    id: strawberry.ID,
    as_of_version: Annotated[int | None, strawberry.argument(description=AS_OF_VERSION)] = None,
    as_of: Annotated[datetime | None, strawberry.argument(description=AS_OF)] = None,
) -> Account | None:
    """The account with ``id``, or null. Without arguments it is read from the
    ``accounts`` read model; with ``asOfVersion`` and/or ``asOf`` it is rebuilt
    from the account's events, and ``version``/``updatedAt`` say which event it reflects."""
    account_id = canonical_id(str(id))
    if account_id is None:
        return None
    if as_of_version is not None or as_of is not None:
        return await account_as_of(info, account_id, as_of_version, as_of)
    document = await info.context.runtime.views.get(ACCOUNTS, account_id)
    return Account.from_document(document) if document else None


DAILY_TOTAL_CURSOR = re.compile(r"\d{4}-\d{2}-\d{2}:[A-Z]{3}")


def _account_cursor(after: str | None) -> str | None:
    """Decode an ``accounts`` cursor (an account id).

    Raises:
        GraphQLError: not an account id (BAD_USER_INPUT).
    """
    if after is None:
        return None
    account_id = canonical_id(after)
    if account_id is None:
        raise bad_input("after must be a cursor returned by this API")
    return account_id


async def accounts(info: Info, first: int | None = None, after: str | None = None,
                   status: AccountStatus | None = None) -> Connection[Account]:
    """Accounts ordered by id; the cursor is the account id."""
    runtime = info.context.runtime
    limit = page_size(first, runtime.settings.max_page_size)
    page = await runtime.views.find(ACCOUNTS, equals={"status": status.value} if status else None,
                                    after_key=_account_cursor(after), limit=limit)
    items = [(key, Account.from_document(doc)) for key, doc in page.documents]
    return Connection[Account].build(items, has_next=page.has_next, has_previous=after is not None)


async def transactions(info: Info, account_id: strawberry.ID, first: int | None = None,
                       after: str | None = None) -> Connection[Transaction]:
    """An account's deposits and withdrawals, oldest first; the cursor is the position."""
    runtime = info.context.runtime
    limit = page_size(first, runtime.settings.max_page_size)
    after_position = position_cursor(after)
    canonical = canonical_id(str(account_id)) or str(account_id)
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
    if after is not None and not DAILY_TOTAL_CURSOR.fullmatch(after):
        raise bad_input("after must be a cursor returned by this API")
    page = await runtime.views.find(DAILY_TOTALS, equals=equals, after_key=after, limit=limit)
    items = [(key, DailyTotal.from_document(doc)) for key, doc in page.documents]
    return Connection[DailyTotal].build(items, has_next=page.has_next, has_previous=after is not None)
