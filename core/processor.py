"""The command processor: load -> decide -> append (docs/architecture.md §4).

One code path for every aggregate type:

1. *load* the aggregate by folding its stream (after the latest snapshot, if a
   snapshot store is configured);
2. *decide*: run the aggregate's pure ``decide`` on the command;
3. *append* the new events with ``expected_version`` = the loaded version.

On :class:`~core.errors.ConcurrencyError` the processor reloads and decides again
(bounded attempts with jittered exponential back-off, via ``tenacity``), so
invariants hold under concurrent writers. A caller that passes an explicit
expected version gets the conflict instead. Commands on the same stream are also
serialised in-process, so retries are only needed across processes.

Idempotency keys: the events of a command sent with key ``k`` get the fixed ids
``uuid5(NAMESPACE, f"{k}/{i}")``; with an idempotency scope ``s`` (the API passes
the caller's token subject), ``k`` is replaced by ``f"{s}\x1f{k}"``
(:func:`scoped_idempotency_key`), so equal keys of different callers name
different events and neither sees the other's command. A repeat finds the first event by id: the same
command returns the first result and appends nothing; another command gets
:class:`~core.errors.IdempotencyKeyReused`. Concurrent repeats are settled by the
store's idempotent append of identical event ids (docs/architecture.md §3). This follows
Stripe's documented idempotency-key semantics (https://docs.stripe.com/api/idempotent_requests).

A command whose ``decide`` returns no events (it would change nothing, e.g. a
customer's email changed to the address it already has) appends nothing and
returns the current state with no events. Since nothing is recorded, its
idempotency key is not recorded either: a repeat is decided again (normally
again returning no events, with ``replayed`` false), and the key stays free
for a later command.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid5

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential
from uuid6 import uuid7

from core.aggregate import AggregateType
from core.commands import CommandContext, command_hash
from core.errors import ConcurrencyError, DuplicateEventId, IdempotencyKeyReused, ValidationFailed
from core.events import EventMetadata, NewEvent, RecordedEvent
from core.ports import EventStore, ExpectedVersion
from core.snapshots import SnapshotPolicy

S = TypeVar("S")

FOLD_CHUNK = 500
"""Events a load reads and folds before giving the event loop a turn: decoding and
folding 500 account events takes about 10 ms, well under the 50 ms that one
request may hold the loop (issue 15)."""

IDEMPOTENCY_NAMESPACE = UUID("5f1d3c1e-8f0a-4d0c-9a57-6c1e0c4a7b21")
"""Namespace of the UUIDv5 event ids derived from idempotency keys."""


KEY_SCOPE_SEPARATOR = "\x1f"
"""Joins a scope and a key; neither may contain it, so no key equals another scope's."""


def scoped_idempotency_key(idempotency_key: str, scope: str | None) -> str:
    """Return the name that ids are derived from for ``idempotency_key`` within ``scope``.

    ``None`` (no scope: anonymous development access, the transfer saga's own
    step keys) leaves the key as it is, so such ids are the ones earlier versions
    derived; a scope gives ``f"{scope}\x1f{key}"``, which no unscoped key can equal.
    Keys are scoped per caller as payment APIs scope them per account
    (https://docs.stripe.com/api/idempotent_requests).

    Raises:
        ValidationFailed: the key or the scope contains U+001F (field ``idempotencyKey``).
    """
    if KEY_SCOPE_SEPARATOR in idempotency_key or (scope is not None and KEY_SCOPE_SEPARATOR in scope):
        raise ValidationFailed("idempotencyKey", "must not contain control characters")
    return idempotency_key if scope is None else f"{scope}{KEY_SCOPE_SEPARATOR}{idempotency_key}"


def idempotent_event_id(idempotency_key: str, index: int, scope: str | None = None) -> UUID:
    """Return the fixed id of the ``index``-th event of the command keyed ``idempotency_key``
    within ``scope`` (see :func:`scoped_idempotency_key`)."""
    return uuid5(IDEMPOTENCY_NAMESPACE, f"{scoped_idempotency_key(idempotency_key, scope)}/{index}")


@dataclass(frozen=True, slots=True)
class _Key:
    """A client's idempotency key and the scope it belongs to."""

    key: str
    scope: str | None

    def event_id(self, index: int) -> UUID:
        return idempotent_event_id(self.key, index, self.scope)


@dataclass(frozen=True, slots=True)
class Loaded(Generic[S]):
    """An aggregate's state and the stream version it reflects (0 = no events)."""

    state: S
    version: int


@dataclass(frozen=True, slots=True)
class _Cached:
    """A stream's latest known state, its version and the version of its last snapshot."""

    state: Any
    version: int
    snapshot_version: int


@dataclass(frozen=True, slots=True)
class CommandOutcome(Generic[S]):
    """What a successful command did.

    Attributes:
        state: the aggregate's state right after the command's events.
        events: the recorded events (their positions let clients resume).
        replayed: ``True`` when an idempotency key matched an earlier identical
            command, whose result this is; nothing was appended.
    """

    state: S
    events: tuple[RecordedEvent, ...]
    replayed: bool = False


class CommandProcessor:
    """Runs commands against aggregates stored in an :class:`EventStore`.

    Args:
        store: the event store.
        snapshots: optional snapshot policy; loading then starts at the latest
            valid snapshot.
        max_attempts: decide/append attempts per command under write conflicts.
        cache_size: how many streams' latest states are kept in memory (0 = none).

    The state cache (Axon calls it an aggregate cache) is a starting point, never
    a source of truth: a load from the cache still reads every event after the
    cached version, so another process's appends are always seen, and the
    append's expected version guards the rest. Aggregate states must therefore
    be immutable values.
    """

    def __init__(self, store: EventStore, *, snapshots: SnapshotPolicy | None = None,
                 max_attempts: int = 10, cache_size: int = 10_000) -> None:
        self._store = store
        self._snapshots = snapshots
        self._max_attempts = max_attempts
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._cache_size = cache_size

    async def _keep(self, aggregate: AggregateType[S], stream_id: str, state: S, version: int,
                    snapshot_version: int) -> None:
        """Snapshot ``state`` if the policy asks for it, and cache it as the stream's latest."""
        if self._snapshots is not None and version > snapshot_version and \
                await self._snapshots.maybe_save(aggregate, stream_id, state, version, version - snapshot_version):
            snapshot_version = version
        if version > 0:
            self._remember(stream_id, state, version, snapshot_version)

    def _remember(self, stream_id: str, state: object, version: int, snapshot_version: int) -> None:
        if self._cache_size <= 0:
            return
        self._cache[stream_id] = _Cached(state, version, snapshot_version)
        self._cache.move_to_end(stream_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    @property
    def store(self) -> EventStore:
        """The event store commands are appended to (process managers read it)."""
        return self._store

    async def load(self, aggregate: AggregateType[S], stream_id: str, *,
                   to_version: int | None = None, as_of: datetime | None = None) -> Loaded[S]:
        """Rebuild an aggregate from its stream, starting at the nearest usable snapshot.

        Args:
            to_version: stop after this version (temporal queries); ``None`` = latest.
            as_of: fold only the events before the first one recorded after this aware
                time; ``None`` = no time limit. The store turns it into a version bound
                (:meth:`~core.ports.EventStore.first_version_recorded_after`), so a
                temporal read starts from the snapshot at or below that version too.

        Returns:
            The state and the version of the last folded event (0 = nothing folded).
            Snapshots change no result, only where the fold starts.

        The fold reads :data:`FOLD_CHUNK` events at a time and gives the event loop a
        turn before each chunk, so neither a long stream nor many loads in one request
        hold the loop in one piece.
        """
        latest = to_version is None and as_of is None
        if as_of is not None:
            first_after = await self._store.first_version_recorded_after(stream_id, as_of)
            if first_after is not None:
                to_version = first_after - 1 if to_version is None else min(to_version, first_after - 1)
        state, version, snapshot_version = aggregate.initial, 0, 0
        cached = self._cache.get(stream_id) if latest else None
        if cached is not None:
            state, version, snapshot_version = cached.state, cached.version, cached.snapshot_version
        elif self._snapshots is not None and (to_version is None or to_version > 0):
            snapshot = await self._snapshots.latest(aggregate, stream_id, to_version)
            if snapshot is not None:
                state, version = snapshot
                snapshot_version = version
        state, version = await self._fold(aggregate, stream_id, state, version, to_version)
        if latest:
            await self._keep(aggregate, stream_id, state, version, snapshot_version)
        return Loaded(state, version)

    async def _fold(self, aggregate: AggregateType[S], stream_id: str, state: S, version: int,
                    to_version: int | None) -> tuple[S, int]:
        """Fold the events after ``version`` (up to ``to_version``) into ``state``, chunk by chunk."""
        while to_version is None or version < to_version:
            # a turn for other requests before each chunk: a store whose reads never wait (SQLite)
            # would otherwise run the loads of many aliased fields in one piece
            await asyncio.sleep(0)
            limit = FOLD_CHUNK if to_version is None else min(FOLD_CHUNK, to_version - version)
            events = await self._store.read_stream(stream_id, from_version=version + 1, limit=limit)
            for event in events:
                state = aggregate.evolve(state, event)
                version = event.version
            if len(events) < limit:
                break
        return state, version

    async def execute(
        self,
        aggregate: AggregateType[S],
        stream_id: str,
        command: object,
        *,
        context: CommandContext,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
        idempotency_scope: str | None = None,
    ) -> CommandOutcome[S]:
        """Decide ``command`` against the aggregate at ``stream_id`` and append the result.

        Args:
            aggregate: the aggregate type whose ``decide`` handles ``command``.
            stream_id: the target stream.
            command: a frozen dataclass command.
            context: correlation id, actor and causation for the events' metadata.
            expected_version: the version the client saw; a mismatch raises
                instead of retrying.
            idempotency_key: makes a repeated command a no-op (see module doc).
            idempotency_scope: whose key it is (the caller's subject); equal keys
                in different scopes are unrelated. ``None``: one global scope.

        Returns:
            The new state and the recorded events; the current state and no
            events when ``decide`` returned none (nothing is appended).

        Raises:
            DomainError: the aggregate refused the command (nothing appended).
            ConcurrencyError: ``expected_version`` did not match, or conflicts
                persisted for ``max_attempts`` attempts.
            IdempotencyKeyReused: the key belongs to a different command.
        """
        digest = command_hash(stream_id, command) if idempotency_key is not None else None
        key = None if idempotency_key is None else _Key(idempotency_key, idempotency_scope)
        if key is not None and digest is not None:
            earlier = await self._earlier_outcome(aggregate, key, digest)
            if earlier is not None:
                return earlier
        lock = self._locks.setdefault(stream_id, asyncio.Lock())
        async with lock:
            if expected_version is not None:
                return await self._attempt(aggregate, stream_id, command, context,
                                           expected_version, key, digest)
            try:  # the common case, without the cost of setting up a retry loop
                return await self._attempt(aggregate, stream_id, command, context, None, key, digest)
            except ConcurrencyError:
                if self._max_attempts <= 1:
                    raise
            retrying = AsyncRetrying(
                stop=stop_after_attempt(self._max_attempts - 1),
                wait=wait_random_exponential(multiplier=0.002, max=0.1),
                retry=retry_if_exception_type(ConcurrencyError),
                reraise=True,
            )
            async for attempt in retrying:
                with attempt:
                    return await self._attempt(aggregate, stream_id, command, context,
                                               None, key, digest)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(self, aggregate: AggregateType[S], stream_id: str, command: object,
                       context: CommandContext, expected_version: int | None,
                       key: _Key | None, digest: str | None) -> CommandOutcome[S]:
        loaded = await self.load(aggregate, stream_id)
        if expected_version is not None and expected_version != loaded.version:
            raise ConcurrencyError(stream_id, expected_version, loaded.version)
        decided = aggregate.decide(command, loaded.state)
        if not decided:  # the command changes nothing: append nothing
            return CommandOutcome(loaded.state, ())
        events = self._stamp(decided, context, key, digest)
        target: ExpectedVersion = loaded.version
        try:
            result = await self._store.append(stream_id, events, target)
        except DuplicateEventId:
            if key is None or digest is None:
                raise
            earlier = await self._earlier_outcome(aggregate, key, digest)
            if earlier is None:
                raise
            return earlier
        if digest is not None and result.events[0].metadata.command_hash != digest:
            assert key is not None
            raise IdempotencyKeyReused(key.key)
        if result.events[0].version == loaded.version + 1:
            state = aggregate.fold(result.events, loaded.state)
            cached = self._cache.get(stream_id)
            await self._keep(aggregate, stream_id, state, result.version, cached.snapshot_version if cached else 0)
            return CommandOutcome(state, result.events)
        # The store returned an earlier identical append (same event ids).
        replayed = await self.load(aggregate, stream_id, to_version=result.version)
        return CommandOutcome(replayed.state, result.events, replayed=True)

    @staticmethod
    def _stamp(decided: Sequence[NewEvent], context: CommandContext,
               key: _Key | None, digest: str | None) -> list[NewEvent]:
        command_id = str(uuid7())
        metadata = EventMetadata(
            correlation_id=context.correlation_id,
            causation_id=context.causation_id or command_id,
            command_id=command_id,
            actor=context.actor,
            idempotency_key=None if key is None else key.key,
            command_hash=digest,
        )
        stamped = []
        for index, event in enumerate(decided):
            event_id = key.event_id(index) if key else event.event_id
            stamped.append(replace(event, metadata=metadata, event_id=event_id))
        return stamped

    async def _earlier_outcome(self, aggregate: AggregateType[S], key: _Key,
                               digest: str) -> CommandOutcome[S] | None:
        first = await self._store.find_event(key.event_id(0))
        if first is None:
            return None
        if first.metadata.command_hash != digest:
            raise IdempotencyKeyReused(key.key)
        stream = await self._store.read_stream(first.stream_id, from_version=first.version)
        events = tuple(e for e in stream if e.metadata.command_id == first.metadata.command_id)
        loaded = await self.load(aggregate, first.stream_id, to_version=events[-1].version)
        return CommandOutcome(loaded.state, events, replayed=True)
