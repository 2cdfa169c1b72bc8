"""Strawberry's WebSocket protocol handlers, hardened against malformed and abusive clients.

``graphql-transport-ws`` (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md):
strawberry already closes with 4400/4401/4406/4408/4409/4429 where the protocol
says so. Added here: a message that is JSON but not an object, or a ``subscribe``
whose id or payload has the wrong shape, closes with 4400 instead of crashing
the connection's task; the subscription limit answers an ``error`` whose
``extensions.code`` is ``TOO_MANY_SUBSCRIPTIONS``.

Operation ids are at most ``max_operation_id_length`` characters
(``CHRONICLE_MAX_OPERATION_ID_LENGTH``); a longer one closes with 4400. The
operation to run is checked before it is registered
(:func:`api.http.operation_problem`): several operations without
``operationName``, an unknown ``operationName`` are answered with an ``error``
for that id whose ``extensions.code`` is ``BAD_USER_INPUT``.

Legacy ``graphql-ws`` (subscriptions-transport-ws): a message with no type, a
``start`` with no id or payload, and a ``stop`` for an unknown id are answered
with an ``error`` message (or ignored) and leave the connection and its other
subscriptions running; the limit carries the same code as above. The protocol
carries subscriptions only: a ``start`` with a query or a mutation (or with an
operation that cannot be chosen, as above) is answered with a ``BAD_USER_INPUT``
``error`` for that id. So are an id longer than the limit (the error then has
no id, and nothing is registered), a text frame that is not JSON and a second
``connection_init`` (ignored: the connection keeps its first authentication).
A connection that sends no ``connection_init`` within
``connection_init_wait_timeout`` is closed with 4408, as in
``graphql-transport-ws``.

Both handlers close the socket when its token expires (4403) or when it
reaches ``CHRONICLE_WS_MAX_CONNECTION_AGE`` (1001), by a timer, and refuse a new
operation on an expired token the same way (:mod:`api.subscriptions.session`).

A socket that closes under a running operation (the client left, or the server
closed it for a protocol error such as a duplicate id) ends the operation
quietly: no error is logged, whichever of Starlette's two disconnect
exceptions the send raised (:class:`ChronicleWebSocketAdapter`).

Both handlers run each operation with a :class:`api.subscriptions.shared.SharedSlot`:
an ``events`` / ``accountEvents`` subscription that passes strawberry's checks
arms it, and the handler then sends the payloads its
:class:`~api.subscriptions.shared.Broadcaster` group executes once per event
(pre-encoded text, through :meth:`send_encoded`) instead of executing per subscriber.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Mapping
from datetime import timedelta
from json import JSONDecodeError
from typing import Any, Final, Protocol, cast

from graphql import GraphQLError, GraphQLFormattedError
from starlette.websockets import WebSocketDisconnect, WebSocketState
from starlette.websockets import WebSocketDisconnected as SendAfterClose
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived, WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ErrorMessage as TransportError
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message as TransportMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import CompleteMessage, ErrorMessage, OperationMessage
from strawberry.types.execution import PreExecutionError

from api.context import Context
from api.http import operation_problem
from api.subscriptions import shared
from api.subscriptions.session import TOKEN_EXPIRED, SessionDeadlines

LIMIT_CODE = "TOO_MANY_SUBSCRIPTIONS"
TRANSPORT_OPERATIONS = frozenset({"query", "mutation", "subscription"})
LEGACY_OPERATIONS = frozenset({"subscription"})
"""Operation types each protocol runs (strawberry's legacy graphql-ws handler only subscribes)."""
DEFAULT_MAX_OPERATION_ID_LENGTH = 128


class _NotJson:
    def __repr__(self) -> str:
        return "NOT_JSON"


NOT_JSON: Final = _NotJson()
"""What :meth:`ChronicleWebSocketAdapter.iter_json` yields for a text frame that is not JSON
when parsing errors are not fatal (legacy graphql-ws), so the handler can answer it."""


class ChronicleWebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's Starlette adapter, where a send on a socket that is gone always raises
    strawberry's :class:`WebSocketDisconnected`.

    Starlette raises :class:`~starlette.websockets.WebSocketDisconnect` when the
    transport is lost, but its own ``WebSocketDisconnected`` (a ``RuntimeError``)
    for a send after the close was sent, e.g. by an operation still streaming when
    the handler closed the connection (4409, 4400). Strawberry knew only the first.
    """

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        """As strawberry's, except that when parsing errors are not fatal a frame that is not
        JSON yields :data:`NOT_JSON` instead of being dropped without a word."""
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                try:
                    message = self.view.decode_json(text)
                except JSONDecodeError as error:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from error
                    message = NOT_JSON
                yield message
        except KeyError as error:
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await super().send_json(message)
        except SendAfterClose as error:
            raise WebSocketDisconnected from error

    async def send_text(self, text: str) -> None:
        """Send already-encoded ``text``."""
        try:
            await self.ws.send_text(text)
        except (WebSocketDisconnect, SendAfterClose) as error:
            raise WebSocketDisconnected from error

    async def close(self, code: int, reason: str) -> None:
        """Close the socket; nothing to do when it is closed already."""
        with contextlib.suppress(WebSocketDisconnect, SendAfterClose):
            await self.ws.close(code=code, reason=reason)


def _limit_error(limit: int | None) -> GraphQLFormattedError:
    return GraphQLError(f"At most {limit} subscriptions may run on one connection",
                        extensions={"code": LIMIT_CODE, "limit": limit}).formatted


def _valid_start_payload(payload: object) -> bool:
    return (isinstance(payload, dict) and isinstance(payload.get("query"), str)
            and isinstance(payload.get("variables") or {}, dict)
            and isinstance(payload.get("operationName") or "", str))


def _bad_input(message: str) -> GraphQLFormattedError:
    return {"message": message, "extensions": {"code": "BAD_USER_INPUT"}}


class _ChronicleView(Protocol):
    broadcaster: shared.Broadcaster
    max_operation_id_length: int
    connection_init_wait_timeout: timedelta
    ws_max_connection_age: float | None


def _deadlines(view: object, websocket: Any) -> SessionDeadlines:
    """Start the deadlines of a session on ``websocket`` (the view's maximum age; the token comes later)."""
    deadlines = SessionDeadlines(websocket.close, getattr(view, "ws_max_connection_age", None))
    deadlines.start()
    return deadlines


def _bind_token(deadlines: SessionDeadlines, context: Context, acknowledged: bool) -> None:
    """After ``connection_init``: bound the session by the expiry of the token it authenticated with."""
    principal = context.principal
    if acknowledged and principal is not None:
        deadlines.bind_token(principal.expires_at)


def _max_id_length(view: object) -> int:
    return int(getattr(view, "max_operation_id_length", DEFAULT_MAX_OPERATION_ID_LENGTH))


async def _send_text(websocket: Any, text: str) -> None:
    """Send already-encoded ``text`` on the WebSocket adapter (normally :class:`ChronicleWebSocketAdapter`)."""
    if isinstance(websocket, ChronicleWebSocketAdapter):
        await websocket.send_text(text)
        return
    try:
        await websocket.ws.send_text(text)
    except (WebSocketDisconnect, SendAfterClose) as error:
        raise WebSocketDisconnected from error


async def _deliver(view: _ChronicleView, slot: shared.SharedSlot, *, operation_id: str, query: str,
                   operation_name: str | None, variables: dict[str, Any] | None, correlation_id: str | None,
                   legacy: bool, send: Any) -> None:
    """Send every event of ``slot``'s source, rendered once per group, until the source ends or fails
    (then a masked error payload), or the task is cancelled."""
    assert slot.source is not None
    group = view.broadcaster.join(query, operation_name, variables)
    prefix = shared.next_prefix(operation_id, legacy)
    try:
        async with contextlib.aclosing(slot.source) as source:  # type: ignore[type-var]
            try:
                async for event in source:
                    await send(prefix + group.render(event).for_subscriber(correlation_id) + "}")
            except (asyncio.CancelledError, WebSocketDisconnected):
                raise
            except Exception as error:  # the source failed (e.g. the store): strawberry's path sends it masked
                await send(prefix + shared.stream_error(error, correlation_id) + "}")
    finally:
        view.broadcaster.leave(group)


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """``graphql-transport-ws`` with shape checks, a coded subscription limit, and a session
    bounded by its token's expiry and a maximum age (:mod:`api.subscriptions.session`)."""

    deadlines: SessionDeadlines

    async def handle(self) -> None:
        self.deadlines = _deadlines(self.view, self.websocket)
        try:
            await super().handle()
        finally:
            await self.deadlines.stop()

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        _bind_token(self.deadlines, self.context, self.connection_acknowledged)

    async def handle_message(self, message: Any) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.handle_invalid_message("Message must be an object with a string type")
            return
        await super().handle_message(cast("TransportMessage", message))  # strawberry checks each type's fields

    async def handle_subscribe(self, message: Any) -> None:
        if self.connection_acknowledged and self.deadlines.token_expired():
            await self.websocket.close(TOKEN_EXPIRED, "Token expired")
            return
        if self.connection_acknowledged:
            operation_id = message.get("id")
            if not isinstance(operation_id, str) or not operation_id:
                await self.handle_invalid_message("subscribe needs a non-empty string id")
                return
            longest = _max_id_length(self.view)
            if len(operation_id) > longest:
                await self.handle_invalid_message(f"Operation id is longer than {longest} characters")
                return
            payload = message.get("payload")
            if not _valid_start_payload(payload):
                await self.handle_invalid_message("subscribe payload needs a string query")
                return
            if operation_id not in self.operations:  # else strawberry closes 4409
                limit = self.max_subscriptions_per_connection
                if limit is not None and len(self.operations) >= limit:
                    await self.send_message(TransportError(id=operation_id, type="error",
                                                           payload=[_limit_error(limit)]))
                    return
                problem = operation_problem(payload["query"], payload.get("operationName"), TRANSPORT_OPERATIONS)
                if problem is not None:
                    await self.send_message(TransportError(id=operation_id, type="error",
                                                           payload=[_bad_input(problem)]))
                    return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        shared.CURRENT_SLOT.set(shared.SharedSlot())  # this operation's task only
        with contextlib.suppress(WebSocketDisconnected):  # the socket closed under the operation: nothing to report
            await super().run_operation(operation)

    async def handle_task_exception(self, error: Exception) -> None:
        if isinstance(error, WebSocketDisconnected):
            return
        await super().handle_task_exception(error)

    async def _send_result_stream(self, operation: Operation[Context, None], result_source: Any) -> None:
        await super()._send_result_stream(operation, result_source)
        slot = shared.CURRENT_SLOT.get()
        if slot is not None and slot.armed:

            async def send(text: str) -> None:
                if not operation.completed:
                    await self.send_encoded(text)

            await _deliver(self.view, slot, operation_id=operation.id,  # type: ignore[arg-type]
                           query=operation.query, operation_name=operation.operation_name,
                           variables=operation.variables, correlation_id=self.context.correlation_id,
                           legacy=False, send=send)

    async def send_encoded(self, text: str) -> None:
        """Send a message already encoded as JSON text (a shared payload)."""
        await _send_text(self.websocket, text)


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """Legacy ``graphql-ws`` where bad messages are answered, never fatal, and
    ``connection_init`` is expected once and in time."""

    init_received = False
    deadlines: SessionDeadlines

    async def handle(self) -> None:
        timer = asyncio.create_task(self._close_unless_initialised())
        self.deadlines = _deadlines(self.view, self.websocket)
        try:
            await super().handle()
        finally:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
            await self.deadlines.stop()

    async def _close_unless_initialised(self) -> None:
        timeout = cast("_ChronicleView", self.view).connection_init_wait_timeout
        await asyncio.sleep(timeout.total_seconds())
        if not self.init_received:
            await self.websocket.close(code=4408, reason="Connection initialisation timeout")

    async def handle_connection_init(self, message: Any) -> None:
        if self.init_received:
            await self._error(None, "connection_init was already received; this one is ignored")
            return
        self.init_received = True
        await super().handle_connection_init(message)
        _bind_token(self.deadlines, self.context, self.connection_acknowledged)

    async def _error(self, operation_id: object, message: str, code: str = "BAD_USER_INPUT") -> None:
        error: dict[str, Any] = {"type": "error",
                                 "payload": {"message": message, "extensions": {"code": code}}}
        if isinstance(operation_id, str):
            error["id"] = operation_id
        await self.send_message(error)  # type: ignore[arg-type]

    async def handle_message(self, message: Any) -> None:
        if message is NOT_JSON:
            await self._error(None, "Message must be valid JSON")
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            operation_id = message.get("id") if isinstance(message, dict) else None
            await self._error(operation_id if self._short(operation_id) else None,
                              "Message must be an object with a string type")
            return
        if message["type"] in ("start", "stop"):
            if not isinstance(message.get("id"), str):
                await self._error(None, f"{message['type']} needs a string id")
                return
            if not self._short(message["id"]):
                await self._error(None, f"Operation id is longer than {_max_id_length(self.view)} characters")
                return
        await super().handle_message(cast("OperationMessage", message))  # strawberry checks each type's fields

    def _short(self, operation_id: object) -> bool:
        return not isinstance(operation_id, str) or len(operation_id) <= _max_id_length(self.view)

    async def handle_start(self, message: Any) -> None:
        if self.connection_acknowledged and self.deadlines.token_expired():
            await self.websocket.close(TOKEN_EXPIRED, "Token expired")
            return
        if self.connection_acknowledged:
            payload = message.get("payload")
            if not _valid_start_payload(payload):
                await self._error(message["id"], "start payload needs a string query")
                return
            problem = operation_problem(payload["query"], payload.get("operationName"), LEGACY_OPERATIONS)
            if problem is not None:
                await self._error(message["id"], problem)
                return
            limit = self.max_subscriptions_per_connection
            if message["id"] not in self.tasks and limit is not None and len(self.tasks) >= limit:
                await self.send_message(ErrorMessage(type="error", id=message["id"], payload=_limit_error(limit)))
                return
        await super().handle_start(message)

    async def handle_async_results(self, operation_id: str, query: str, operation_name: str | None,
                                   variables: dict[str, object] | None) -> None:
        """As strawberry's, plus the shared delivery of an armed ``events`` / ``accountEvents``."""
        slot = shared.SharedSlot()
        shared.CURRENT_SLOT.set(slot)
        try:
            result_source = await self.schema.subscribe(query=query, variable_values=variables,
                                                        operation_name=operation_name, context_value=self.context,
                                                        root_value=self.root_value)
            self.subscriptions[operation_id] = result_source
            is_first_result = True
            async for result in result_source:
                if is_first_result and isinstance(result, PreExecutionError):
                    assert result.errors
                    await self.send_message(ErrorMessage(type="error", id=operation_id,
                                                         payload=result.errors[0].formatted))
                    return
                await self.send_data_message(result, operation_id)
                is_first_result = False
            if slot.armed:
                await _deliver(self.view, slot, operation_id=operation_id, query=query,  # type: ignore[arg-type]
                               operation_name=operation_name, variables=variables,
                               correlation_id=self.context.correlation_id, legacy=True, send=self.send_encoded)
            await self.send_message(CompleteMessage(type="complete", id=operation_id))
        except WebSocketDisconnected:  # the socket closed under the operation: nothing to report
            pass
        except asyncio.CancelledError:
            with contextlib.suppress(WebSocketDisconnected):
                await self.send_message(CompleteMessage(type="complete", id=operation_id))
        finally:
            self.subscriptions.pop(operation_id, None)
            self.tasks.pop(operation_id, None)

    async def send_encoded(self, text: str) -> None:
        """Send a message already encoded as JSON text (a shared payload)."""
        await _send_text(self.websocket, text)
