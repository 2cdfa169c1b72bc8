"""The composition root: builds the stores, the processor and the Starlette app.

Only this module imports ``store`` (STYLE.md §1). :func:`open_runtime` composes
the registered domains (:func:`api.domains.graphql_modules`) with the store the
settings name; :func:`create_app` returns an ASGI app whose lifespan opens that
runtime, hands it to every request as lifespan state (``request.state.runtime``)
and closes it on shutdown. The ``/graphql`` view itself is :mod:`api.view`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from api.context import Runtime
from api.domains import GraphQLModule, graphql_modules
from api.hosts import host_middleware
from api.http import (
    BodySizeLimit,
)
from api.metrics import Metrics, TimedEventStore
from api.operations import operation_routes
from api.settings import Settings
from api.signing import LogSigner
from api.types.errors import ErrorMembers
from api.view import STATIC, ChronicleGraphQL
from api.websocket_cap import WebSocketCap
from core.bank.transfer_steps import TransferStep
from core.domain import StepHook
from core.ports import EventStore
from core.processor import CommandProcessor
from core.registry import DomainRegistry
from core.snapshots import IntervalSnapshotPolicy

if TYPE_CHECKING:  # imported where used, so a server on one backend never loads the other's driver
    from store.mongo import MongoEventStore
    from store.sqlite import SqliteEventStore

log = logging.getLogger("chronicle")


def sqlite_path(store_url: str) -> str:
    """Return the file path of a ``sqlite:///relative`` or ``sqlite:////absolute`` URL.

    Raises:
        ValueError: the URL is not a ``sqlite:///`` URL.
    """
    prefix = "sqlite:///"
    if not store_url.startswith(prefix) or len(store_url) == len(prefix):
        raise ValueError(f"not a sqlite:/// URL: {store_url!r}")
    return store_url[len(prefix):]


def mongo_database(settings: Settings) -> str:
    """Return the MongoDB database: the one named in the URL path, else ``settings.mongo_database``."""
    path = urlsplit(settings.store_url).path.strip("/")
    return path or settings.mongo_database


def crash_hook(step: TransferStep | None) -> StepHook | None:
    """TEST-ONLY fault injection (``CHRONICLE_TEST_CRASH_AFTER``): a hook that kills
    this process with SIGKILL right after transfer step ``step`` was appended, as
    a power cut would; ``None`` (the default) injects nothing. When ``step`` is set
    it logs a warning at once (at start-up), so a stray setting cannot go unnoticed."""
    if step is None:
        return None
    log.warning("TEST-ONLY FAULT INJECTION IS ON: CHRONICLE_TEST_CRASH_AFTER=%s makes this process kill itself "
                "(SIGKILL) after the transfer step %r is appended. Never set it outside tests.", step, str(step))

    def crash(done: str) -> None:
        if done == step:
            log.warning("CHRONICLE_TEST_CRASH_AFTER=%s: killing the process now", step)
            os.kill(os.getpid(), signal.SIGKILL)
    return crash


State = Mapping[str, Runtime]
"""The lifespan state: ``{"runtime": Runtime}``, copied into every request's ``state``."""


@contextlib.asynccontextmanager
async def open_runtime(settings: Settings, metrics: Metrics | None = None,
                       modules: Sequence[GraphQLModule] | None = None,
                       signer: LogSigner | None = None) -> AsyncIterator[Runtime]:
    """Build the store, projections and processor described by ``settings``; close them on exit.

    The domains are those of ``modules`` (by default the built-in ones plus
    ``settings.domains``, :func:`api.domains.graphql_modules`). With ``metrics``,
    appends are timed and commands counted into it; ``signer`` signs ``logDigest``
    tree heads.

    Raises:
        ValueError: ``settings.store_url`` has an unsupported scheme.
        StoreUnavailable: the store cannot be reached at start-up.
        StoreError: MongoDB refuses transactions (a replica set is required).
    """
    if modules is None:
        modules = graphql_modules(settings.domains)
    registry = DomainRegistry(m.domain for m in modules)
    projections = registry.projections()
    store: SqliteEventStore | MongoEventStore
    if settings.store_url.startswith("sqlite:"):
        from store.sqlite import SqliteEventStore

        store = SqliteEventStore(sqlite_path(settings.store_url), registry.event_types, projections,
                                 poll_interval=settings.poll_interval,
                                 write_lock_timeout=settings.sqlite_write_lock_timeout)
    elif settings.store_url.startswith(("mongodb://", "mongodb+srv://")):
        from store.mongo import MongoEventStore

        store = await MongoEventStore.open(settings.store_url, mongo_database(settings), registry.event_types,
                                           projections,
                                           poll_interval=settings.poll_interval)
    else:
        raise ValueError(f"unsupported store URL scheme: {settings.store_url.split(':', 1)[0]!r}")
    snapshots = IntervalSnapshotPolicy(store.snapshots, interval=settings.snapshot_interval,
                                       intervals=settings.snapshot_intervals)
    metrics = metrics or Metrics()
    metrics.declare(registry, live_subscriptions=lambda: float(getattr(getattr(store, "feed", None),
                                                                       "subscribers", 0)))
    timed: EventStore = TimedEventStore(store, metrics)
    processor = CommandProcessor(timed, snapshots=snapshots)
    after_step = crash_hook(settings.test_crash_after)
    runtime = Runtime(settings=settings, store=timed, views=store.views, processor=processor,
                      projections=projections, registry=registry, errors=ErrorMembers(m.errors for m in modules),
                      process_managers={kind.name: kind.build(processor, after_step)
                                        for kind in registry.process_managers()},
                      merkle=store.merkle, metrics=metrics, signer=signer)
    try:
        yield runtime
    finally:
        await store.close()


def create_app(settings: Settings | None = None) -> Starlette:
    """Return the Chronicle ASGI app for ``settings`` (from the environment by default)."""
    settings = settings or Settings()
    if not settings.jwt_configured and not settings.allow_anonymous:
        raise ValueError("no JWT key configured (CHRONICLE_JWT_SECRET, CHRONICLE_JWT_PUBLIC_KEY_FILE or "
                         "CHRONICLE_JWT_JWKS_FILE) and anonymous access is off (CHRONICLE_ALLOW_ANONYMOUS)")
    modules = graphql_modules(settings.domains)
    signer = LogSigner.load(settings.log_signing_key_file)
    graphql = ChronicleGraphQL(settings, modules)
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        async with open_runtime(settings, metrics, modules, signer) as runtime:
            for name, manager in runtime.process_managers.items():
                recovered = await manager.recover(runtime.views)
                if recovered:
                    log.info("finished or compensated %d interrupted %s run(s)", len(recovered), name)
            covered, head = await runtime.merkle.tree_size(), await runtime.merkle.event_count()
            if covered < head:
                log.warning("the Merkle tree covers %d of the log's %d events; appends extend it only once "
                            "`chronicle verify --backfill` has hashed the rest", covered, head)
            yield {"runtime": runtime}  # each request's ``request.state.runtime``

    async def ledger(request: Request) -> Response:
        return FileResponse(STATIC / "ledger" / "index.html")

    return Starlette(
        routes=[
            Route("/", ledger),
            *operation_routes(metrics, settings.ready_max_projection_lag),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[host_middleware(settings), *cors_middleware(settings),
                    Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,
                               read_timeout=settings.body_read_timeout),
                    Middleware(WebSocketCap, limit=settings.ws_max_connections, metrics=metrics)],
        lifespan=lifespan,
    )


def cors_middleware(settings: Settings) -> list[Middleware]:
    """Return CORS middleware for ``settings.allowed_origins`` (none when the list is empty)."""
    if not settings.allowed_origins:
        return []
    return [Middleware(CORSMiddleware, allow_origins=settings.allowed_origins, allow_methods=["GET", "POST"],
                       allow_headers=["Authorization", "Content-Type", "Accept", "X-Correlation-Id"],
                       max_age=600)]
