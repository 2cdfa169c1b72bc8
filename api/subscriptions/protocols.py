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
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from api.context import Context

LIMIT_CODE = "TOO_MANY_SUBSCRIPTIONS"


def _limit_error(limit: int | None) -> dict[str, Any]:
    return GraphQLError(f"At most {limit} subscriptions may run on one connection",
                        extensions={"code": LIMIT_CODE, "limit": limit}).formatted  # type: ignore[return-value]


def _valid_start_payload(payload: object) -> bool:
    return (isinstance(payload, dict) and isinstance(payload.get("query"), str)
            and isinstance(payload.get("variables") or {}, dict)
            and isinstance(payload.get("operationName") or "", str))


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
