"""The composition root: builds the stores, the processor and the Starlette app.

Only this module imports ``store`` (STYLE.md §1). ``create_app(settings)``
returns an ASGI app whose lifespan opens the store and closes it on shutdown.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.types.unset import UnsetType

from api.context import Context, Runtime, accepted_correlation_id
from api.schema import build_schema
from api.settings import Settings
from core.bank.events import register_bank_events
from core.bank.projections import bank_projections
from core.errors import StoreUnavailable
from core.ports import Projection
from core.processor import CommandProcessor
from core.registry import EventTypeRegistry
from core.snapshots import IntervalSnapshotPolicy

STATIC = Path(__file__).parent / "static"
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


@contextlib.asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """Build the store, projections and processor described by ``settings``; close them on exit.

    Raises:
        ValueError: ``settings.store_url`` has an unsupported scheme.
        StoreUnavailable: the store cannot be reached at start-up.
    """
    registry = EventTypeRegistry()
    register_bank_events(registry)
    projections: list[Projection] = list(bank_projections())
    if settings.store_url.startswith("sqlite:"):
        from store.sqlite import SqliteEventStore

        store = SqliteEventStore(sqlite_path(settings.store_url), registry, projections,
                                 poll_interval=settings.poll_interval)
    else:
        raise ValueError(f"unsupported store URL scheme: {settings.store_url.split(':', 1)[0]!r}")
    snapshots = IntervalSnapshotPolicy(store.snapshots, interval=settings.snapshot_interval,
                                       intervals=settings.snapshot_intervals)
    runtime = Runtime(settings=settings, store=store, views=store.views,
                      processor=CommandProcessor(store, snapshots=snapshots), projections=projections,
                      registry=registry)
    try:
        yield runtime
    finally:
        await store.close()


class ChronicleGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app with Chronicle's context and the bundled GraphiQL."""

    def __init__(self, runtime_holder: dict[str, Runtime], settings: Settings, **kwargs: Any) -> None:
        super().__init__(build_schema(), graphql_ide="graphiql" if settings.graphiql != "off" else None,
                         **kwargs)
        self._holder = runtime_holder
        self._settings = settings

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:  # type: ignore[override]
        context = Context(runtime=self._holder["runtime"], request=request, response=response)
        correlation_id = accepted_correlation_id(request.headers.get("x-correlation-id"))
        if correlation_id is not None:
            context.correlation_id = correlation_id
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:  # type: ignore[override]
        """Take the correlation id from the ``connection_init`` payload
        (``{"correlationId": "..."}``); it then applies to every operation on the socket."""
        params = context.connection_params or {}
        correlation_id = accepted_correlation_id(params.get("correlationId", params.get("correlation_id")))
        if correlation_id is not None:
            context.correlation_id = correlation_id
        return {"correlationId": context.correlation_id}

    async def render_graphql_ide(self, request: Request) -> Response:
        if self._settings.graphiql == "local":
            return FileResponse(STATIC / "graphiql" / "index.html")
        return await super().render_graphql_ide(request)


def create_app(settings: Settings | None = None) -> Starlette:
    """Return the Chronicle ASGI app for ``settings`` (from the environment by default)."""
    settings = settings or Settings()
    holder: dict[str, Runtime] = {}
    graphql = ChronicleGraphQL(holder, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_runtime(settings) as runtime:
            holder["runtime"] = runtime
            app.state.runtime = runtime
            yield

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        runtime = holder.get("runtime")
        if runtime is None:
            return JSONResponse({"ready": False, "reason": "starting"}, status_code=503)
        try:
            head = await runtime.store.head_position()
        except StoreUnavailable:
            return JSONResponse({"ready": False, "reason": "store unavailable"}, status_code=503)
        return JSONResponse({"ready": True, "head": head})

    async def ledger(request: Request) -> Response:
        return FileResponse(STATIC / "ledger" / "index.html")

    return Starlette(
        routes=[
            Route("/", ledger),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        lifespan=lifespan,
    )
