"""A cap on the WebSocket connections one process holds (issue 11 item 6).

:class:`WebSocketCap` is ASGI middleware: it counts the WebSocket sessions the
app is serving, and refuses a handshake that would exceed ``limit`` before the
app sees it, with HTTP 503 and a JSON body whose ``extensions.code`` is
``TOO_MANY_WEBSOCKETS`` (the ASGI WebSocket Denial Response extension, which
uvicorn provides); a server without that extension gets close code 1013 (Try
Again Later, RFC 6455 §7.4.1) instead. Every refusal is counted in
``chronicle_websocket_refused_total``; ``chronicle_websocket_connections``
reports the sessions open. Connections already open are never touched.

The cap on all connections, HTTP included, is enforced one level down, by the
server (:mod:`api.server`); ``CHRONICLE_WS_MAX_CONNECTIONS`` must stay below
``CHRONICLE_MAX_CONNECTIONS`` so that HTTP (probes, metrics, mutations) keeps room.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.metrics import Metrics

REFUSAL_CODE = "TOO_MANY_WEBSOCKETS"
TRY_AGAIN_LATER = 1013


class WebSocketCap:
    """Refuse WebSocket handshakes beyond ``limit`` open sessions; pass everything else on.

    Args:
        app: the wrapped ASGI app.
        limit: WebSocket sessions this process serves at once (>= 1).
        metrics: where refusals are counted and open sessions reported.
    """

    def __init__(self, app: ASGIApp, *, limit: int, metrics: Metrics) -> None:
        self.app = app
        self.limit = limit
        self.open = 0
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        if self.open >= self.limit:
            self._metrics.websocket_refused.inc()
            await self._refuse(scope, receive, send)
            return
        self.open += 1
        self._metrics.websocket_connections.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            self.open -= 1
            self._metrics.websocket_connections.dec()

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        if "websocket.http.response" in scope.get("extensions", {}):
            response = JSONResponse(
                {"errors": [{"message": f"The server holds its maximum of {self.limit} WebSocket connections; "
                                        "retry later", "extensions": {"code": REFUSAL_CODE}}]},
                status_code=503, headers={"retry-after": "5"})
            await response(scope, receive, send)
        else:
            await send({"type": "websocket.close", "code": TRY_AGAIN_LATER, "reason": REFUSAL_CODE})
