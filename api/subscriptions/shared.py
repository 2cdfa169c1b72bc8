"""Shared execution of ``events`` / ``accountEvents`` subscription payloads.

Strawberry runs one operation per subscription, so every event is executed and
JSON-encoded once per subscriber. The selection set under these two fields
depends only on the event (the root field's resolver is the identity, and no
field of ``Event`` reads the context), so subscribers with the same document,
operation name and variables (the root field's own arguments aside) receive
identical bytes. This module executes and encodes each event once per such
group and hands the same text to every member.

What stays per subscriber (the guarantees do not move):

- the prologue runs through strawberry as before, with the subscriber's own
  context: parsing, validation, the document limits, the permission classes
  (auth is checked at subscribe time, per subscriber) and the resolver's
  argument checks. Only when all of them pass does the resolver *arm* the
  operation's :class:`SharedSlot` (instead of yielding) with its event source;
- the event source: each member still reads the live feed *by position* from
  its own start (catch-up from the store, then the ring), with its own
  ``types`` / stream filter, so ordering, no gap / no duplicate on resume and
  bounded memory for slow subscribers are the feed's, unchanged;
- errors: a payload whose execution failed is not shared as bytes; each
  member gets the errors classified (masked) by :func:`api.errors.classify`
  with its own correlation id.

The render cache is bounded (:data:`CACHE_SIZE` events per group); a member
far behind it re-renders, which costs time, never memory.
"""

from __future__ import annotations

import contextvars
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import lru_cache
from inspect import isawaitable
from typing import Any

import orjson
from graphql import (
    ArgumentNode,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    execute,
    parse,
    visit,
)

from api.errors import classify
from api.types.event import Event
from core.events import RecordedEvent

log = logging.getLogger("chronicle.api")

SHAREABLE_FIELDS = frozenset({"events", "accountEvents"})
CACHE_SIZE = 1024
"""Rendered events kept per group (the live feed's ring holds 2,048 at most)."""


@dataclass
class SharedSlot:
    """Set for one WebSocket operation; a shareable resolver arms it with its event source."""

    source: AsyncIterator[RecordedEvent] | None = None

    @property
    def armed(self) -> bool:
        return self.source is not None


CURRENT_SLOT: contextvars.ContextVar[SharedSlot | None] = contextvars.ContextVar("chronicle_shared_slot",
                                                                                 default=None)
"""The running WebSocket operation's slot (contextvars are per task: one operation each)."""


def arm(source: AsyncIterator[RecordedEvent]) -> bool:
    """Hand ``source`` to the running operation's shared delivery; ``False`` if there is none
    (HTTP, or a transport that does not share), in which case the caller streams as usual."""
    slot = CURRENT_SLOT.get()
    if slot is None or slot.armed:
        return False
    slot.source = source
    return True


@lru_cache(maxsize=256)
def _parsed(document: str) -> DocumentNode:
    return parse(document)


class _VariableUses(Visitor):
    """Names of variables used as an argument of a shareable root field (``root``) and anywhere else."""

    def __init__(self) -> None:
        super().__init__()
        self.root: set[str] = set()
        self.other: set[str] = set()

    def enter_variable(self, node: VariableNode, key: Any, parent: Any, path: Any, ancestors: Any) -> None:
        if isinstance(parent, VariableDefinitionNode):  # the declaration is not a use
            return
        if isinstance(parent, ArgumentNode) and len(ancestors) >= 2:
            owner = ancestors[-2]
            if isinstance(owner, FieldNode) and owner.name.value in SHAREABLE_FIELDS:
                self.root.add(node.name.value)
                return
        self.other.add(node.name.value)


@lru_cache(maxsize=256)
def _root_only_variables(document: str) -> frozenset[str]:
    uses = _VariableUses()
    visit(_parsed(document), uses)
    return frozenset(uses.root - uses.other)


def group_key(document: str, operation_name: str | None, variables: dict[str, Any] | None) -> tuple[str, str, bytes]:
    """Return the key under which subscribers share payloads: the document, the operation
    name and the variables, less those used only as the root field's arguments (the
    start position, the types filter, the account id: they choose events, they do not
    shape them)."""
    root_only = _root_only_variables(document)
    kept = {k: v for k, v in (variables or {}).items() if k not in root_only}
    return document, operation_name or "", orjson.dumps(kept, option=orjson.OPT_SORT_KEYS)


@dataclass
class Rendered:
    """One event executed for a group: the encoded ``payload`` when it succeeded, else the raw result."""

    payload: str | None
    result: ExecutionResult | None = None

    def for_subscriber(self, correlation_id: str | None) -> str:
        """The encoded payload; errors are classified with the subscriber's correlation id."""
        if self.payload is not None:
            return self.payload
        assert self.result is not None
        body: dict[str, Any] = {"data": self.result.data}
        if self.result.errors:
            body["errors"] = [classify(e, correlation_id).formatted for e in self.result.errors]
        return orjson.dumps(body).decode()


@dataclass
class Group:
    """Subscribers with one key; renders each event once."""

    schema: GraphQLSchema
    document: str
    operation_name: str | None
    variables: dict[str, Any] | None
    members: int = 0
    executions: int = 0
    _cache: OrderedDict[int, Rendered] = field(default_factory=OrderedDict)

    def render(self, event: RecordedEvent) -> Rendered:
        """The payload of ``event`` (executed on first request, then cached by position)."""
        cached = self._cache.get(event.position)
        if cached is not None:
            return cached
        rendered = self._execute(event)
        self._cache[event.position] = rendered
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return rendered

    def _execute(self, event: RecordedEvent) -> Rendered:
        self.executions += 1
        try:
            result = execute(self.schema, _parsed(self.document), root_value=Event.from_recorded(event),
                             variable_values=self.variables, operation_name=self.operation_name)
        except Exception as error:  # an execution fault becomes a (masked) error, as in strawberry's path
            result = ExecutionResult(None, [GraphQLError(str(error), original_error=error)])
        if isawaitable(result):  # no field of Event is async; refuse rather than block
            result.close()  # type: ignore[attr-defined]
            fault = RuntimeError("shared subscription execution must be synchronous")
            result = ExecutionResult(None, [GraphQLError(str(fault), original_error=fault)])
        if result.errors:
            return Rendered(None, result)
        return Rendered(orjson.dumps({"data": result.data}).decode())


class Broadcaster:
    """Process-wide registry of :class:`Group` by :func:`group_key`."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self._schema = schema
        self._groups: dict[tuple[str, str, bytes], Group] = {}

    @property
    def groups(self) -> int:
        return len(self._groups)

    def join(self, document: str, operation_name: str | None, variables: dict[str, Any] | None) -> Group:
        """Return the group for this operation (created on first use) and count the member in."""
        key = group_key(document, operation_name, variables)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = Group(self._schema, document, operation_name, variables)
        group.members += 1
        return group

    def leave(self, group: Group) -> None:
        """Count a member out; the last one drops the group and its cache."""
        group.members -= 1
        if group.members <= 0:
            key = group_key(group.document, group.operation_name, group.variables)
            if self._groups.get(key) is group:
                del self._groups[key]


def next_prefix(operation_id: str, legacy: bool) -> str:
    """The text before the payload of a ``next`` (``data`` in legacy graphql-ws) message."""
    encoded = orjson.dumps(operation_id).decode()
    if legacy:
        return '{"type":"data","id":' + encoded + ',"payload":'
    return '{"id":' + encoded + ',"type":"next","payload":'


def stream_error(error: Exception, correlation_id: str | None) -> str:
    """The payload for an exception escaping a subscription's event source (masked as strawberry's path does)."""
    graphql_error = error if isinstance(error, GraphQLError) else GraphQLError(str(error), original_error=error)
    return orjson.dumps({"data": None, "errors": [classify(graphql_error, correlation_id).formatted]}).decode()
