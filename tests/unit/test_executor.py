"""The subscription executor keeps no per-event state once an event is delivered.

graphql-core 3.3's per-event executors share the subscription's field memo, which
grows with every event (see :mod:`api.executor`); ours give each event its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from graphql import GraphQLSchema, build_schema, parse, subscribe
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.executor import ChronicleExecutor

EVENTS = 300


def _schema() -> GraphQLSchema:
    schema = build_schema("""
        type Query { unused: Int }
        type Data { owner: String }
        type Event { position: Int data: Data }
        type Subscription { events: Event }
    """)

    async def source(_root: Any, _info: Any) -> AsyncIterator[dict[str, Any]]:
        position = 0
        while True:
            position += 1
            yield {"position": position, "data": {"owner": "x"}}

    field = schema.subscription_type.fields["events"]  # type: ignore[union-attr]
    field.subscribe = source
    field.resolve = lambda event, _info: event
    return schema


async def _memo_size_after_events(base: type[StrawberryGraphQLCoreExecutionContext]) -> int:
    """Deliver ``EVENTS`` events; return the size of the subscription executor's field memo."""
    roots: list[Any] = []

    class Recording(base):  # type: ignore[valid-type, misc]
        def build_per_event_executor(self, payload: Any) -> Any:
            roots.append(self)
            return super().build_per_event_executor(payload)

    stream = subscribe(_schema(), parse("subscription { events { position data { owner } } }"),
                       executor_class=Recording)
    if asyncio.iscoroutine(stream):
        stream = await stream
    assert isinstance(stream, AsyncIterator)
    delivered = 0
    async for result in stream:
        assert not result.errors
        delivered += 1
        if delivered == EVENTS:
            break
    await stream.aclose()  # type: ignore[attr-defined]
    assert {id(root) for root in roots} == {id(roots[0])}
    return len(roots[0]._relevant_sub_fields)


async def test_subscription_events_leave_nothing_behind() -> None:
    assert await _memo_size_after_events(ChronicleExecutor) == 0


async def test_graphql_core_still_shares_the_memo_across_events() -> None:
    """When this fails, graphql-core no longer leaks and :mod:`api.executor` can go."""
    assert await _memo_size_after_events(StrawberryGraphQLCoreExecutionContext) >= EVENTS
