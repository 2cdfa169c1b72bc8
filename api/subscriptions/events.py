"""``events`` and ``accountEvents``: resumable live streams of recorded events.

``afterPosition`` / ``afterVersion`` are exclusive: 0 replays from the
beginning, ``null`` delivers only what is appended after the subscription
starts. A client that reconnects with the last position (version) it saw
resumes with no gap and no duplicate, because the store's subscription reads
by gap-free position (docs/architecture.md §3).

Over WebSocket the resolvers do not stream themselves: once strawberry has run
the subscriber's checks (auth, limits, arguments), they hand their event source
to :mod:`api.subscriptions.shared`, which executes each event once for every
subscriber with the same document.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator

import strawberry

from api.context import Info
from api.mutations.run import parse_account_id
from api.pagination import bad_input
from api.queries.events import MAX_TYPES
from api.subscriptions import shared
from api.types.event import Event
from core.bank.account import ACCOUNT
from core.bank.errors import AccountNotFound
from core.events import RecordedEvent
from core.ports import EventStore


def _events_source(store: EventStore, after_position: int | None,
                   types: list[str] | None) -> AsyncIterator[RecordedEvent]:
    start = None if after_position is None else after_position + 1
    return store.subscribe(start, types)


async def _account_source(store: EventStore, stream_id: str,
                          after_version: int | None) -> AsyncGenerator[RecordedEvent, None]:
    head = await store.head_position()
    last_version = after_version
    if after_version is not None:
        for event in await store.read_stream(stream_id, after_version + 1):
            if event.position > head:
                break
            last_version = event.version
            yield event
    async for event in store.subscribe(head + 1):
        if event.stream_id != stream_id or (last_version is not None and event.version <= last_version):
            continue
        last_version = event.version
        yield event


async def events(info: Info, after_position: int | None = None,
                 types: list[str] | None = None) -> AsyncGenerator[Event, None]:
    """Every new event (of ``types``, if given) after ``afterPosition``."""
    if after_position is not None and after_position < 0:
        raise bad_input("afterPosition must be >= 0")
    if types is not None and len(types) > MAX_TYPES:
        raise bad_input(f"types may list at most {MAX_TYPES} event types")
    source = _events_source(info.context.runtime.store, after_position, types)
    if shared.arm(source):  # a WebSocket operation: its handler delivers shared payloads
        return
    async for event in source:
        yield Event.from_recorded(event)


async def account_events(info: Info, account_id: strawberry.ID,
                         after_version: int | None = None) -> AsyncGenerator[Event, None]:
    """One account's events after ``afterVersion``: its history first, then live."""
    if after_version is not None and after_version < 0:
        raise bad_input("afterVersion must be >= 0")
    try:
        stream_id = ACCOUNT.stream_id(parse_account_id(str(account_id)))
    except AccountNotFound:
        raise bad_input("accountId is not an account id") from None
    source = _account_source(info.context.runtime.store, stream_id, after_version)
    if shared.arm(source):
        return
    async with contextlib.aclosing(source):
        async for event in source:
            yield Event.from_recorded(event)
