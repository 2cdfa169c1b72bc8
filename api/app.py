"""The composition root: builds the stores, the processor and the Starlette app.

Only this module imports ``store`` (STYLE.md §1). ``create_app(settings)``
returns an ASGI app whose lifespan opens the store and closes it on shutdown.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from api.auth import AuthenticationFailed, Authenticator, bearer_token, connection_token
from api.context import Context, Runtime, accepted_correlation_id
from api.hosts import host_middleware
from api.http import (
    GRAPHQL_RESPONSE_JSON,
    BodySizeLimit,
    is_request_error,
    operation_problem,
    request_error,
    response_media_type,
)
from api.logs import bind_correlation_id
from api.metrics import Metrics, TimedEventStore
from api.operations import operation_routes
from api.schema import build_schema
from api.settings import Settings
from api.subscriptions.protocols import ChronicleWebSocketAdapter, LegacyWSHandler, TransportWSHandler
from api.subscriptions.shared import Broadcaster
from api.websocket_cap import WebSocketCap
from core.bank.events import register_bank_events
from core.bank.projections import bank_projections
from core.bank.transfer_process import StepHook, TransferProcess
from core.bank.transfer_steps import TransferStep
from core.customers.events import register_customer_events
from core.customers.projections import customer_projections
from core.ports import EventStore, Projection
from core.processor import CommandProcessor
from core.registry import EventTypeRegistry
from core.snapshots import IntervalSnapshotPolicy

STATIC = Path(__file__).parent / "static"
HTTP_OPERATIONS = frozenset({"query", "mutation"})
"""Operation types served over HTTP; subscriptions use the WebSocket protocols."""
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

    def crash(done: TransferStep) -> None:
        if done == step:
            log.warning("CHRONICLE_TEST_CRASH_AFTER=%s: killing the process now", step)
            os.kill(os.getpid(), signal.SIGKILL)
    return crash


@contextlib.asynccontextmanager
async def open_runtime(settings: Settings, metrics: Metrics | None = None) -> AsyncIterator[Runtime]:
    """Build the store, projections and processor described by ``settings``; close them on exit.

    With ``metrics``, appends are timed and commands counted into it.

    Raises:
        ValueError: ``settings.store_url`` has an unsupported scheme.
        StoreUnavailable: the store cannot be reached at start-up.
        StoreError: MongoDB refuses transactions (a replica set is required).
    """
    registry = EventTypeRegistry()
    register_bank_events(registry)
    register_customer_events(registry)
    projections: list[Projection] = [*bank_projections(), *customer_projections()]
    if settings.store_url.startswith("sqlite:"):
        from store.sqlite import SqliteEventStore

        store = SqliteEventStore(sqlite_path(settings.store_url), registry, projections,
                                 poll_interval=settings.poll_interval,
                                 write_lock_timeout=settings.sqlite_write_lock_timeout)
    elif settings.store_url.startswith(("mongodb://", "mongodb+srv://")):
        from store.mongo import MongoEventStore

        store = await MongoEventStore.open(settings.store_url, mongo_database(settings), registry, projections,
                                           poll_interval=settings.poll_interval)
    else:
        raise ValueError(f"unsupported store URL scheme: {settings.store_url.split(':', 1)[0]!r}")
    snapshots = IntervalSnapshotPolicy(store.snapshots, interval=settings.snapshot_interval,
                                       intervals=settings.snapshot_intervals)
    metrics = metrics or Metrics()
    timed: EventStore = TimedEventStore(store, metrics)  # type: ignore[assignment]
    processor = CommandProcessor(timed, snapshots=snapshots)
    runtime = Runtime(settings=settings, store=timed, views=store.views, processor=processor,
                      projections=projections, registry=registry,
                      transfers=TransferProcess(processor, after_step=crash_hook(settings.test_crash_after)),
                      metrics=metrics)
    try:
        yield runtime
    finally:
        await store.close()


class ChronicleGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app with Chronicle's context, limits, protocol handlers and GraphiQL.

    HTTP responses follow :mod:`api.http` (media type and status per the
    GraphQL-over-HTTP spec); WebSockets use :mod:`api.subscriptions.protocols`.
    """

    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    websocket_adapter_class = ChronicleWebSocketAdapter  # type: ignore[assignment]

    def __init__(self, runtime_holder: dict[str, Runtime], settings: Settings, **kwargs: Any) -> None:
        super().__init__(
            build_schema(settings), graphql_ide="graphiql" if settings.graphiql != "off" else None,
            connection_init_wait_timeout=timedelta(seconds=settings.connection_init_wait_timeout),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            allowed_origins=settings.allowed_origins, **kwargs)
        self._holder = runtime_holder
        self._settings = settings
        self.max_operation_id_length = settings.max_operation_id_length
        self.ws_max_connection_age = settings.ws_max_connection_age
        self._auth = Authenticator(settings)
        self.broadcaster = Broadcaster(self.schema._schema)  # type: ignore[attr-defined]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """As strawberry's, but requests refused before execution get a JSON error body
        with ``extensions.code`` (:func:`api.http.request_error`) instead of plain text."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            response = request_error(error.status_code, error.reason,
                                     response_media_type(request.headers.get("accept")))
        await response(scope, receive, send)

    def encode_json(self, data: object) -> str:
        """Serialise responses with orjson (several times faster than ``json.dumps``).
        Text, not bytes: WebSocket messages must go out as text frames."""
        return orjson.dumps(data).decode()

    def parse_json(self, data: str | bytes) -> Any:
        """Parse a request body; anything but a JSON object (or a batch list) is a 400."""
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise HTTPException(400, "Unable to parse request body as JSON") from None
        if not isinstance(parsed, (dict, list)):
            raise HTTPException(400, "The request body must be a JSON object")
        for item in parsed if isinstance(parsed, list) else [parsed]:
            if isinstance(item, dict) and not isinstance(item.get("operationName"), (str, type(None))):
                raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null")
        return parsed

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:  # type: ignore[override]
        context = Context(runtime=self._holder["runtime"], request=request, response=response)
        correlation_id = accepted_correlation_id(request.headers.get("x-correlation-id"))
        if correlation_id is not None:
            context.correlation_id = correlation_id
        bind_correlation_id(context.correlation_id)
        try:
            context.principal = self._auth.authenticate(bearer_token(request.headers.get("authorization")))
        except AuthenticationFailed as failure:
            context.auth_error = failure.reason
        if isinstance(response, Response):
            response.headers["x-correlation-id"] = context.correlation_id
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:  # type: ignore[override]
        """Authenticate the socket from its ``connection_init`` payload (see :mod:`api.auth`;
        missing or bad credentials refuse it) and take the correlation id from it
        (``{"correlationId": "..."}``); both then apply to every operation on the socket."""
        params = context.connection_params or {}
        try:
            token = connection_token(params)
            if token is not None:
                context.principal, context.auth_error = self._auth.authenticate(token), None
        except AuthenticationFailed as failure:
            context.principal, context.auth_error = None, failure.reason
        if context.principal is None:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED", "message": context.auth_error})
        correlation_id = accepted_correlation_id(params.get("correlationId", params.get("correlation_id")))
        if correlation_id is not None:
            context.correlation_id = correlation_id
        return {"correlationId": context.correlation_id}

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """As strawberry's, but a mutation sent with GET answers 405 as the spec requires,
        and the operation to run is checked first (:func:`api.http.operation_problem`):
        a document with several operations needs an ``operationName``, the name must
        exist, and subscriptions need a WebSocket."""
        request_data = kwargs.get("request_data", args[-1] if args else None)
        query = getattr(request_data, "query", None)
        if isinstance(query, str):
            problem = operation_problem(query, getattr(request_data, "operation_name", None), HTTP_OPERATIONS)
            if problem is not None:
                return ExecutionResult(data=None, errors=[GraphQLError(problem, extensions={"code": "BAD_USER_INPUT"})])
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, error.reason) from error
            raise

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = response_media_type(request.headers.get("accept"))
        request.state.sub_response = sub_response
        return sub_response

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        sub_response: Response | None = getattr(request.state, "sub_response", None)
        if sub_response is not None and sub_response.media_type == GRAPHQL_RESPONSE_JSON \
                and is_request_error(dict(response)):
            response.pop("data", None)
            sub_response.status_code = 400
        return response

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        if self._settings.graphiql == "local":
            return FileResponse(STATIC / "graphiql" / "index.html")
        return await super().render_graphql_ide(request)


def create_app(settings: Settings | None = None) -> Starlette:
    """Return the Chronicle ASGI app for ``settings`` (from the environment by default)."""
    settings = settings or Settings()
    if not settings.jwt_configured and not settings.allow_anonymous:
        raise ValueError("no JWT key configured (CHRONICLE_JWT_SECRET, CHRONICLE_JWT_PUBLIC_KEY_FILE or "
                         "CHRONICLE_JWT_JWKS_FILE) and anonymous access is off (CHRONICLE_ALLOW_ANONYMOUS)")
    holder: dict[str, Runtime] = {}
    graphql = ChronicleGraphQL(holder, settings)

    def live_subscriptions() -> float:
        runtime = holder.get("runtime")
        feed = getattr(runtime.store, "feed", None) if runtime else None
        return float(getattr(feed, "subscribers", 0))

    metrics = Metrics(live_subscriptions)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_runtime(settings, metrics) as runtime:
            recovered = await runtime.transfers.recover(runtime.views)
            if recovered:
                log.info("finished or compensated %d interrupted transfer(s)", len(recovered))
            holder["runtime"] = runtime
            app.state.runtime = runtime
            yield

    async def ledger(request: Request) -> Response:
        return FileResponse(STATIC / "ledger" / "index.html")

    return Starlette(
        routes=[
            Route("/", ledger),
            *operation_routes(lambda: holder.get("runtime"), metrics, settings.ready_max_projection_lag),
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
