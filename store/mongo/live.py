"""The change-stream waker: ONE change stream per process on ``events`` (inserts only).

Its only job is :meth:`store.live.LiveFeed.wake`; subscribers always read by
position, so a lost or duplicated notification costs a query, never an event.
Capabilities are detected by trying (docs/architecture.md §3): when the server refuses
``$changeStream`` on the first attempt, the waker logs it once and stops, and
the feed's polling (``CHRONICLE_POLL_INTERVAL``) carries on alone. A stream that
drops after it was open is reopened with exponential back-off; the feed is
woken after each reopen to pick up inserts made while it was down.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import OperationFailure, PyMongoError

from store.live import LiveFeed, cancel

log = logging.getLogger(__name__)

INSERTS_ONLY: list[dict[str, Any]] = [{"$match": {"operationType": "insert"}}, {"$project": {"_id": 1}}]


class ChangeStreamWaker:
    """Wakes ``feed`` on every insert into ``events``.

    Attributes:
        available: ``None`` until the first attempt, then whether the server
            offers change streams (``False`` means the feed only polls).
    """

    def __init__(self, events: AsyncCollection[Any], feed: LiveFeed, *, first_backoff: float = 0.5,
                 max_backoff: float = 30.0) -> None:
        self._events = events
        self._feed = feed
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._task: asyncio.Task[None] | None = None
        self.available: bool | None = None
        self.opened = 0

    def start(self) -> None:
        """Start watching in the background. Idempotent."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="chronicle-change-stream")

    async def stop(self) -> None:
        """Close the change stream."""
        await cancel(self._task)
        self._task = None

    async def _run(self) -> None:
        backoff = self._first_backoff
        while True:
            try:
                stream = await self._events.watch(INSERTS_ONLY)
            except OperationFailure as error:
                if self.available is None:
                    self.available = False
                    log.info("MongoDB refused a change stream (%s); new events are found by polling every "
                             "%.2f s", error, self._feed.poll_interval)
                    return
                log.warning("cannot reopen the change stream (%s); retrying in %.1f s", error, backoff)
            except PyMongoError as error:
                log.warning("cannot open the change stream (%s); retrying in %.1f s", error, backoff)
            else:
                self.available = True
                self.opened += 1
                backoff = self._first_backoff
                self._feed.wake()
                try:
                    async with stream:
                        async for _change in stream:
                            self._feed.wake()
                except PyMongoError as error:
                    log.warning("change stream dropped (%s); reopening in %.1f s", error, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)
