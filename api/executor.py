"""The GraphQL executor: strawberry's, with a per-event field memo for subscriptions.

graphql-core 3.3's ``Executor.build_per_event_executor`` makes each subscription
event's executor a shallow ``copy()`` of the subscription's executor, so every
event shares the subscription's ``_relevant_sub_fields`` memo. That memo is keyed
by ``id()`` of field lists built afresh for each event and keeps those lists
alive with the value, so it never hits across events and never forgets: each
delivered event added ~1.3 KiB per subscription (2 entries for
``events { position data metadata }``) for as long as the subscription lived.
A server with 32 long-lived subscriptions grew by 52 MiB over 1,200 events
(tests/reliability/test_slow_subscriber.py). Giving each event its own memo
(and its own ``@stream`` usage map, keyed the same way) keeps memoisation
within one event, where it pays, and lets both go with the event.
"""

from __future__ import annotations

from typing import Any

from graphql.pyutils import RefMap
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class ChronicleExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor whose per-event executors do not share the field memo."""

    def build_per_event_executor(self, payload: Any) -> ChronicleExecutor:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        executor._stream_usages = RefMap()
        return executor  # type: ignore[return-value]


def executor_class(*, hide_suggestions: bool) -> type[ChronicleExecutor]:
    """Return :class:`ChronicleExecutor`, building executors with graphql-core's ``hide_suggestions``
    set as given: then a variable's value that misspells an enum value or an input field gets no
    "Did you mean ...?" (strawberry passes no such flag; see :mod:`api.validation`)."""
    if not hide_suggestions:
        return ChronicleExecutor

    class SilentChronicleExecutor(ChronicleExecutor):
        @classmethod
        def build(cls, *args: Any, **kwargs: Any) -> Any:
            return super().build(*args, **{**kwargs, "hide_suggestions": True})

    return SilentChronicleExecutor
