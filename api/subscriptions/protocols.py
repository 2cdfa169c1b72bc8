"""Strawberry's WebSocket protocol handlers, hardened against malformed and abusive clients.

``graphql-transport-ws`` (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md):
strawberry already closes with 4400/4401/4406/4408/4409/4429 where the protocol
says so. Added here: a message that is JSON but not an object, or a ``subscribe``
whose id or payload has the wrong shape, closes with 4400 instead of crashing
the connection's task; the subscription limit answers an ``error`` whose
``extensions.code`` is ``TOO_MANY_SUBSCRIPTIONS``.

Legacy ``graphql-ws`` (subscriptions-transport-ws): a message with no type, a
``start`` with no id or payload, and a ``stop`` for an unknown id are answered
with an ``error`` message (or ignored) and leave the connection and its other
subscriptions running; the limit carries the same code as above.

Both handlers run each operation with a :class:`api.subscriptions.shared.SharedSlot`:
an ``events`` / ``accountEvents`` subscription that passes strawberry's checks
arms it, and the handler then sends the payloads its
:class:`~api.subscriptions.shared.Broadcaster` group executes once per event
(pre-encoded text, through :meth:`send_encoded`) instead of executing per subscriber.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Protocol

from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import CompleteMessage, ErrorMessage
from strawberry.types.execution import PreExecutionError

from api.context import Context
from api.subscriptions import shared

LIMIT_CODE = "TOO_MANY_SUBSCRIPTIONS"


def _limit_error(limit: int | None) -> dict[str, Any]:
    return GraphQLError(f"At most {limit} subscriptions may run on one connection",
                        extensions={"code": LIMIT_CODE, "limit": limit}).formatted  # type: ignore[return-value]


def _valid_start_payload(payload: object) -> bool:
    return (isinstance(payload, dict) and isinstance(payload.get("query"), str)
            and isinstance(payload.get("variables") or {}, dict)
            and isinstance(payload.get("operationName") or "", str))


class _SharingView(Protocol):
    broadcaster: shared.Broadcaster


async def _send_text(websocket: Any, text: str) -> None:
    """Send already-encoded ``text`` on strawberry's ASGI WebSocket adapter."""
    try:
        await websocket.ws.send_text(text)
    except WebSocketDisconnect as error:
        raise WebSocketDisconnected from error


async def _deliver(view: _SharingView, slot: shared.SharedSlot, *, operation_id: str, query: str,
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
    """``graphql-transport-ws`` with shape checks and a coded subscription limit."""

    async def handle_message(self, message: Any) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.handle_invalid_message("Message must be an object with a string type")
            return
        await super().handle_message(message)

    async def handle_subscribe(self, message: Any) -> None:
        if self.connection_acknowledged:
            if not isinstance(message.get("id"), str) or not message["id"]:
                await self.handle_invalid_message("subscribe needs a non-empty string id")
                return
            if not _valid_start_payload(message.get("payload")):
                await self.handle_invalid_message("subscribe payload needs a string query")
                return
            limit = self.max_subscriptions_per_connection
            if message["id"] not in self.operations and limit is not None and len(self.operations) >= limit:
                await self.send_message({"id": message["id"], "type": "error",  # type: ignore[typeddict-item]
                                         "payload": [_limit_error(limit)]})
                return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        shared.CURRENT_SLOT.set(shared.SharedSlot())  # this operation's task only
        await super().run_operation(operation)

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
    """Legacy ``graphql-ws`` where bad messages are answered, never fatal."""

    async def _error(self, operation_id: object, message: str, code: str = "BAD_USER_INPUT") -> None:
        error: dict[str, Any] = {"type": "error",
                                 "payload": {"message": message, "extensions": {"code": code}}}
        if isinstance(operation_id, str):
            error["id"] = operation_id
        await self.send_message(error)  # type: ignore[arg-type]

    async def handle_message(self, message: Any) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self._error(message.get("id") if isinstance(message, dict) else None,
                              "Message must be an object with a string type")
            return
        if message["type"] in ("start", "stop") and not isinstance(message.get("id"), str):
            await self._error(None, f"{message['type']} needs a string id")
            return
        await super().handle_message(message)

    async def handle_start(self, message: Any) -> None:
        if self.connection_acknowledged:
            if not _valid_start_payload(message.get("payload")):
                await self._error(message["id"], "start payload needs a string query")
                return
            limit = self.max_subscriptions_per_connection
            if message["id"] not in self.tasks and limit is not None and len(self.tasks) >= limit:
                await self.send_message({"type": "error", "id": message["id"],  # type: ignore[typeddict-item]
                                         "payload": _limit_error(limit)})
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
                await self.send_data_message(result, operation_id)  # type: ignore[arg-type]
                is_first_result = False
            if slot.armed:
                await _deliver(self.view, slot, operation_id=operation_id, query=query,  # type: ignore[arg-type]
                               operation_name=operation_name, variables=variables,  # type: ignore[arg-type]
                               correlation_id=self.context.correlation_id, legacy=True, send=self.send_encoded)
            await self.send_message(CompleteMessage(type="complete", id=operation_id))
        except asyncio.CancelledError:
            await self.send_message(CompleteMessage(type="complete", id=operation_id))
        finally:
            self.subscriptions.pop(operation_id, None)
            self.tasks.pop(operation_id, None)

    async def send_encoded(self, text: str) -> None:
        """Send a message already encoded as JSON text (a shared payload)."""
        await _send_text(self.websocket, text)
