"""The HTTP and WebSocket view of ``/graphql``: strawberry's ASGI app, adapted.

Every method here that replaces one of strawberry's is listed, with a hash of
the strawberry source it replaces, in ``tests/unit/test_strawberry_fence.py``;
so are the WebSocket handler overrides of :mod:`api.subscriptions.protocols`.
An upgrade of strawberry that changes one of them fails that test.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from api.auth import AuthenticationFailed, Authenticator, bearer_token, connection_token
from api.context import Context, accepted_correlation_id
from api.domains import GraphQLModule
from api.http import (
    GRAPHQL_RESPONSE_JSON,
    is_request_error,
    operation_problem,
    request_error,
    response_media_type,
)
from api.logs import bind_correlation_id
from api.schema import build_schema
from api.settings import Settings
from api.subscriptions.protocols import ChronicleWebSocketAdapter, LegacyWSHandler, TransportWSHandler
from api.subscriptions.shared import Broadcaster

STATIC = Path(__file__).parent / "static"
HTTP_OPERATIONS = frozenset({"query", "mutation"})
"""Operation types served over HTTP; subscriptions use the WebSocket protocols."""


class ChronicleGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI app with Chronicle's context, limits, protocol handlers and GraphiQL.

    The runtime comes from the Starlette lifespan state (``request.state.runtime``),
    which :func:`api.app.create_app`'s lifespan fills once the store is open.

    HTTP responses follow :mod:`api.http` (media type and status per the
    GraphQL-over-HTTP spec); WebSockets use :mod:`api.subscriptions.protocols`.
    """

    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    websocket_adapter_class = ChronicleWebSocketAdapter

    def __init__(self, settings: Settings, modules: Sequence[GraphQLModule] | None = None, **kwargs: Any) -> None:
        super().__init__(
            build_schema(settings, modules), graphql_ide="graphiql" if settings.graphiql != "off" else None,
            connection_init_wait_timeout=timedelta(seconds=settings.connection_init_wait_timeout),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            allowed_origins=settings.allowed_origins, **kwargs)
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

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        context = Context(runtime=request.state.runtime, request=request, response=response)
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

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
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
