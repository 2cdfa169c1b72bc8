"""``store.live.LiveFeed`` with a store whose reads suspend (as a networked backend's do)."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from datetime import UTC, datetime

from uuid6 import uuid7

from core.events import EventMetadata, RecordedEvent
from store.live import LiveFeed


def event(position: int) -> RecordedEvent:
    return RecordedEvent(event_id=uuid7(), type="Noted", data={}, metadata=EventMetadata(), stream_id="s",
                         version=position, position=position, recorded_at=datetime.now(UTC))


class SlowLog:
    """An in-memory log whose reads yield to the event loop before answering."""

    def __init__(self) -> None:
        self.events: list[RecordedEvent] = []
        self.head_reads = 0

    async def head_position(self) -> int:
        self.head_reads += 1
        head = len(self.events)
        await asyncio.sleep(0.01)
        return head

    async def read_all(self, from_position: int, limit: int) -> list[RecordedEvent]:
        await asyncio.sleep(0)
        return self.events[from_position - 1:from_position - 1 + limit]

    def append(self, feed: LiveFeed) -> None:
        self.events.append(event(len(self.events) + 1))
        feed.publish(self.events[-1:])


async def test_concurrent_starts_run_one_tailer() -> None:
    log = SlowLog()
    feed = LiveFeed(log.read_all, log.head_position, poll_interval=0.01)

    await asyncio.gather(feed.start(), feed.start(), feed.start())

    assert log.head_reads == 1
    await feed.stop()


async def test_an_event_published_while_starting_is_delivered_once() -> None:
    log = SlowLog()
    feed = LiveFeed(log.read_all, log.head_position, poll_interval=0.01)
    starting = asyncio.create_task(feed.start())
    await asyncio.sleep(0)  # start() has read head 0 and is waiting
    log.append(feed)  # position 1 is published before start() returns
    await starting
    log.append(feed)

    async with asyncio.timeout(5), aclosing(feed.subscribe(1)) as subscription:
        received = [await anext(subscription) for _ in range(2)]
        log.append(feed)
        received.append(await anext(subscription))
    await feed.stop()

    assert [e.position for e in received] == [1, 2, 3]
