"""The live feed: one tailer per process, fanned out to every subscriber.

Subscribers always read *by position* (docs/architecture.md §3). The feed keeps a bounded
ring of the most recent events; a subscriber reads from the ring while its next
position is in it, and from the store when it has fallen behind the ring, so a
slow subscriber costs store reads, never unbounded memory, and never delays the
others. New events enter the ring from local appends (``publish``) or from the
tailer, which reads ``read_all(from_position=head + 1)`` whenever it is woken
(by a local append, a MongoDB change stream) or its poll interval elapses (other
processes writing to the same database). Because positions are gap-free and in
commit order, catch-up and live reads join with no gap and no duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from core.errors import StoreUnavailable
from core.events import RecordedEvent

ReadAll = Callable[[int, int], Awaitable[list[RecordedEvent]]]
HeadPosition = Callable[[], Awaitable[int]]

log = logging.getLogger(__name__)


async def cancel(task: asyncio.Task[None] | None) -> None:
    """Cancel a background ``task`` (if any) and wait until it has finished."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class LiveFeed:
    """Process-wide fan-out of newly committed events.

    Args:
        read_all: ``(from_position, limit) -> events`` reading the store in position order.
        head_position: returns the store's last committed position.
        poll_interval: seconds between store polls when nothing wakes the tailer.
        buffer_size: number of recent events kept in memory for live subscribers.
        batch_size: events read from the store per query.
    """

    def __init__(self, read_all: ReadAll, head_position: HeadPosition, *, poll_interval: float = 0.5,
                 buffer_size: int = 2048, batch_size: int = 500) -> None:
        self._read_all = read_all
        self._head_position = head_position
        self.poll_interval = poll_interval
        self._buffer_size = buffer_size
        self._batch_size = batch_size
        self._ring: list[RecordedEvent] = []
        self._head = 0
        self._wake = asyncio.Event()
        self._changed: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()
        self._store_down = False
        self.subscribers = 0

    @property
    def head(self) -> int:
        """The last position the feed has seen."""
        return self._head

    async def start(self) -> None:
        """Start the tailer at the store's current head. Idempotent."""
        async with self._starting:  # concurrent callers must not start two tailers
            if self._task is not None:
                return
            head = await self._head_position()
            if head > self._head:  # events published while awaiting stay; the ring must stay contiguous
                self._ring.clear()
                self._head = head
            self._task = asyncio.create_task(self._tail(), name="chronicle-live-feed")

    async def stop(self) -> None:
        """Stop the tailer."""
        await cancel(self._task)
        self._task = None

    def wake(self) -> None:
        """Ask the tailer to look for new events now (e.g. a change-stream insert)."""
        self._wake.set()

    def publish(self, events: Sequence[RecordedEvent]) -> None:
        """Offer events this process just committed; contiguous ones go straight
        into the ring, anything else makes the tailer read the store."""
        if events and events[0].position == self._head + 1:
            self._extend(events)
        elif events and events[-1].position > self._head:
            self.wake()

    def _extend(self, events: Sequence[RecordedEvent]) -> None:
        fresh = [e for e in events if e.position > self._head]
        if not fresh or fresh[0].position != self._head + 1:
            self.wake()
            return
        self._ring.extend(fresh)
        if len(self._ring) > 2 * self._buffer_size:
            del self._ring[: len(self._ring) - self._buffer_size]
        self._head = fresh[-1].position
        if self._changed is not None and not self._changed.done():
            self._changed.set_result(None)
        self._changed = None

    async def _tail(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()
            try:
                while True:
                    batch = await self._read_all(self._head + 1, self._batch_size)
                    if batch:
                        self._extend(batch)
                    if len(batch) < self._batch_size:
                        break
            except asyncio.CancelledError:
                raise
            except StoreUnavailable as error:  # an outage: say so once, not every tick
                if not self._store_down:
                    log.warning("live feed: store unavailable, retrying every %ss: %s", self.poll_interval, error)
                self._store_down = True
                continue
            except Exception:  # anything else may be transient too; try again next tick
                log.warning("live feed could not read the store; retrying", exc_info=True)
                continue
            if self._store_down:
                self._store_down = False
                log.warning("live feed: store reachable again")

    def _from_ring(self, position: int) -> list[RecordedEvent] | None:
        if not self._ring or position < self._ring[0].position or position > self._head:
            return None
        start = position - self._ring[0].position
        return self._ring[start:start + self._batch_size]

    async def _next_change(self) -> None:
        if self._changed is None:
            self._changed = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._changed)

    async def subscribe(self, from_position: int | None = None,
                        types: Sequence[str] | None = None) -> AsyncIterator[RecordedEvent]:
        """Yield events from ``from_position`` (inclusive; ``None`` = after the
        store's current head) in position order, then follow live appends forever.

        Only events whose type is in ``types`` are yielded (all when ``None``).
        """
        wanted = frozenset(types) if types else None
        position = (await self._head_position()) + 1 if from_position is None else max(1, from_position)
        self.subscribers += 1
        try:
            while True:
                batch = self._from_ring(position)
                if batch is None:
                    if position <= self._head or (self._ring and position < self._ring[0].position):
                        batch = await self._read_all(position, self._batch_size)
                    else:
                        batch = []
                if not batch:
                    await self._next_change()
                    continue
                for event in batch:
                    position = event.position + 1
                    if wanted is None or event.type in wanted:
                        yield event
        finally:
            self.subscribers -= 1
