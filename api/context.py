"""The typed per-request context handed to every resolver."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, cast

from strawberry.types import Info as StrawberryInfo
from uuid6 import uuid7

from api.auth import ANONYMOUS, Principal
from api.metrics import Metrics
from api.settings import Settings
from api.signing import LogSigner
from api.types.errors import ErrorMembers
from core.commands import CommandContext
from core.domain import P, ProcessManager, ProcessManagerType
from core.merkle import MerkleStore
from core.ports import EventStore, Projection, ProjectionStore
from core.processor import CommandProcessor
from core.registry import DomainRegistry


@dataclass
class Runtime:
    """Everything the app composes at start-up (built only by ``api.app``).

    Attributes:
        store: the event store.
        views: read-model queries and rebuilds.
        processor: runs commands against aggregates.
        projections: the inline projections (``registry.projections()``).
        registry: the domains served: aggregates, event types, projections, errors.
        errors: the GraphQL members of every domain error.
        process_managers: one running process manager per declared type, by name;
            typed access through :meth:`process`.
        metrics: the app's Prometheus metrics.
        merkle: the log's Merkle tree (proofs, digests, ``chronicle verify``).
        signer: signs ``logDigest`` tree heads (``None`` outside the server).
    """

    settings: Settings
    store: EventStore
    views: ProjectionStore
    processor: CommandProcessor
    projections: list[Projection]
    registry: DomainRegistry
    errors: ErrorMembers
    process_managers: dict[str, ProcessManager]
    merkle: MerkleStore
    metrics: Metrics = field(default_factory=Metrics)
    signer: LogSigner | None = None

    def process(self, kind: ProcessManagerType[P]) -> P:
        """Return the running process manager of ``kind`` (e.g. ``TRANSFER_PROCESS``).

        Raises:
            KeyError: no registered domain declares ``kind``.
        """
        return cast(P, self.process_managers[kind.name])


MAX_CORRELATION_ID_LENGTH = 128


def accepted_correlation_id(value: object) -> str | None:
    """Return ``value`` if it is a usable client correlation id (1 to 128 characters), else ``None``."""
    if isinstance(value, str) and value.strip() and len(value) <= MAX_CORRELATION_ID_LENGTH \
            and value.isprintable():
        return value
    return None


@dataclass
class Context:
    """Per-request context: the runtime plus who is asking and under which correlation id.

    Over HTTP there is one context per request; over a WebSocket one per
    connection, so every operation on it shares its correlation id.

    Attributes:
        principal: the authenticated caller, ``None`` when authentication failed.
        auth_error: why authentication failed (client-safe), if it did.
        connection_params: the WebSocket ``connection_init`` payload (set by strawberry).
        folds: held while a resolver folds a stream (temporal ``account``, ``accountHistory``):
            the folds of one request (or connection) run one after another, so its
            aliased reads, resolved concurrently, never make one long turn of the event
            loop together, and other requests get a turn between each fold's steps.
    """

    runtime: Runtime
    request: Any = None
    response: Any = None
    correlation_id: str = field(default_factory=lambda: str(uuid7()))
    principal: Principal | None = None
    auth_error: str | None = None
    connection_params: dict[str, Any] | None = None
    folds: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def actor(self) -> str | None:
        """The token's subject, stamped as ``actor`` on the events this request appends
        (``None`` for anonymous development-mode requests: there is no subject)."""
        return None if self.principal is None or self.principal is ANONYMOUS else self.principal.subject

    def command_context(self) -> CommandContext:
        """Return the metadata source for commands issued by this request."""
        return CommandContext(correlation_id=self.correlation_id, actor=self.actor)


Info = StrawberryInfo[Context, None]
