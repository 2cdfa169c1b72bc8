"""Prometheus metrics (prometheus-client), one registry per app.

- ``chronicle_commands_total{command, outcome}``: commands run by mutations;
  ``outcome`` is ``success``, ``replayed``, a domain error code (e.g.
  ``INSUFFICIENT_FUNDS``) or ``error`` (an exception).
- ``chronicle_append_seconds``: latency of ``EventStore.append``.
- ``chronicle_live_subscriptions``: live subscriptions to the event feed.
- ``chronicle_websocket_connections``: WebSocket connections open in this process.
- ``chronicle_websocket_refused_total``: WebSocket handshakes refused by the
  connection cap (:mod:`api.websocket_cap`).
- ``chronicle_projection_lag{projection}``: positions between the log's head and
  the projection's checkpoint, measured at each scrape.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from core.events import NewEvent
from core.ports import AppendResult, EventStore, ExpectedVersion
from core.registry import DomainRegistry

APPEND_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The app's metrics and their registry."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter("chronicle_commands", "Commands run, by command type and outcome.",
                                ["command", "outcome"], registry=self.registry)
        self.append_seconds = Histogram("chronicle_append_seconds", "Latency of event store appends.",
                                        buckets=APPEND_BUCKETS, registry=self.registry)
        self.live_subscriptions = Gauge("chronicle_live_subscriptions",
                                        "Live subscriptions to the event feed.", registry=self.registry)
        self.projection_lag = Gauge("chronicle_projection_lag",
                                    "Positions the projection's checkpoint is behind the log's head.",
                                    ["projection"], registry=self.registry)
        self.websocket_connections = Gauge("chronicle_websocket_connections",
                                           "WebSocket connections open in this process.", registry=self.registry)
        self.websocket_refused = Counter("chronicle_websocket_refused",
                                         "WebSocket handshakes refused because the connection cap was reached.",
                                         registry=self.registry)
        self._live: Callable[[], float] | None = None

    def declare(self, registry: DomainRegistry, live_subscriptions: Callable[[], float] | None = None) -> None:
        """Start the series of every declared command (``success``) and projection at zero,
        so dashboards see them before the first command or scrape; with
        ``live_subscriptions``, read the live subscriptions gauge from it at each scrape."""
        if live_subscriptions is not None:
            self._live = live_subscriptions
        for command in registry.commands():
            self.commands.labels(command.__name__, "success")
        for projection in registry.projections():
            self.projection_lag.labels(projection.name)

    def command(self, command: object, outcome: str) -> None:
        """Count one ``command`` (its class name is the label) that ended in ``outcome``."""
        self.commands.labels(type(command).__name__, outcome).inc()

    def render(self) -> bytes:
        """Return the exposition text of every metric."""
        if self._live is not None:
            self.live_subscriptions.set(self._live())
        return generate_latest(self.registry)


class TimedEventStore:
    """An event store whose ``append`` is timed into ``metrics.append_seconds``; all else delegates."""

    def __init__(self, store: EventStore, metrics: Metrics) -> None:
        self._store = store
        self._metrics = metrics

    async def append(self, stream_id: str, events: Sequence[NewEvent],
                     expected_version: ExpectedVersion) -> AppendResult:
        started = time.perf_counter()
        try:
            return await self._store.append(stream_id, events, expected_version)
        finally:
            self._metrics.append_seconds.observe(time.perf_counter() - started)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)
