"""The HTTP server behind ``chronicle serve``: uvicorn, plus the connection limits it lacks.

What uvicorn 0.54 enforces by itself, measured against its source
(``uvicorn/protocols/http/{h11_impl,httptools_impl}.py``):

- keep-alive idle timeout (``timeout_keep_alive``): both implementations, armed
  only after a response has been sent;
- maximum header size: only ``h11`` (``h11_max_incomplete_event_size``, answered
  with 400, not 431). ``httptools``, the default whenever it is installed (it
  is, with ``uvicorn[standard]``), buffers header names, values and the URL
  without any bound: 286 MB of header lines cost 276 MB of RSS;
- header *read* timeout: neither. A connection that never finishes its request
  head (or never sends a byte) stays open forever;
- ``limit_concurrency``: answers 503 once connections or tasks reach the limit,
  but still accepts and parses every connection, and WebSocket upgrades bypass
  it.

So Chronicle runs uvicorn with its own protocol class,
:class:`GuardedHttpToolsProtocol` (a subclass of uvicorn's ``httptools`` one),
which adds, per connection:

- a header read deadline (``CHRONICLE_HEADER_READ_TIMEOUT``): from the accept,
  and from the first byte of every later request, to the end of the request
  head. When it passes, a client that sent part of a head gets
  ``408 Request Timeout``; either way the connection is closed;
- a bound on a request head (``CHRONICLE_MAX_HEADER_BYTES``, request line and
  headers): beyond it ``431 Request Header Fields Too Large`` and a close. At
  most the bound plus one read (256 KiB) is ever buffered;
- a cap on open connections, HTTP and WebSocket together
  (``CHRONICLE_MAX_CONNECTIONS``): a connection accepted beyond it is answered
  ``503`` (``TOO_MANY_CONNECTIONS``) and closed before anything is read.

The keep-alive timeout is uvicorn's (``CHRONICLE_KEEP_ALIVE_TIMEOUT``). The
WebSocket cap (``CHRONICLE_WS_MAX_CONNECTIONS``, below the connection cap so that
HTTP always keeps room) is counted in the app: :mod:`api.websocket_cap`.
Request bodies have their own deadline and size limit (:class:`api.http.BodySizeLimit`).
"""

from __future__ import annotations

import asyncio
import logging
import resource
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.settings import Settings

log = logging.getLogger("chronicle.server")


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """Per-process connection limits (see the module docstring).

    Attributes:
        max_header_bytes: largest request head (request line and headers), bytes.
        header_read_timeout: seconds from a request's first byte (or the accept)
            to the end of its head.
        max_connections: open connections, HTTP and WebSocket together.
    """

    max_header_bytes: int
    header_read_timeout: float
    max_connections: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ServerLimits:
        return cls(settings.max_header_bytes, settings.header_read_timeout, settings.max_connections)


def _refusal(status: int, reason: bytes, code: str, message: str) -> bytes:
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    return (b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n" % (status, reason, len(body))) + body


TOO_MANY_CONNECTIONS = _refusal(503, b"Service Unavailable", "TOO_MANY_CONNECTIONS",
                                "The server has too many open connections; retry later")
HEADERS_TOO_LARGE = _refusal(431, b"Request Header Fields Too Large", "REQUEST_HEADERS_TOO_LARGE",
                             "The request line and headers are too large")
HEADER_TIMEOUT = _refusal(408, b"Request Timeout", "REQUEST_TIMEOUT",
                          "The request headers did not arrive in time")


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's ``httptools`` protocol with a header deadline, a head size bound and a
    connection cap. ``limits`` is set on the subclass that :func:`protocol_class` makes."""

    limits: ClassVar[ServerLimits]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            transport.write(TOO_MANY_CONNECTIONS)
            transport.close()
            return
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > self.limits.max_header_bytes and not self.transport.is_closing():
            self._cancel_head_timer()
            self.transport.write(HEADERS_TOO_LARGE)
            self.transport.close()

    # parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        if self._head_timer is None:  # the first request keeps the deadline armed at the accept
            self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True  # what arrives next is the next request's head

    # the deadline

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.limits.header_read_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self._in_head or self.transport.is_closing():
            return
        responding = self.cycle is not None and not self.cycle.response_complete
        if self._head_bytes and not responding:
            self.transport.write(HEADER_TIMEOUT)
        self.transport.close()


def protocol_class(limits: ServerLimits) -> type[GuardedHttpToolsProtocol]:
    """Return a :class:`GuardedHttpToolsProtocol` subclass bound to ``limits`` (uvicorn
    instantiates the protocol class itself, once per connection)."""
    return type("ChronicleHttpProtocol", (GuardedHttpToolsProtocol,), {"limits": limits})


def raise_file_limit(wanted: int) -> int:
    """Raise this process's soft limit on open files towards ``wanted`` (never above the
    hard limit) and return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


FILE_HEADROOM = 64
"""Descriptors kept for the store, log files and listening sockets besides the connections."""


def uvicorn_config(app: Any, settings: Settings) -> uvicorn.Config:
    """Return the uvicorn configuration ``chronicle serve`` runs ``app`` with."""
    return uvicorn.Config(
        app, host=settings.host, port=settings.port, log_config=None,
        http=protocol_class(ServerLimits.from_settings(settings)),
        timeout_keep_alive=settings.keep_alive_timeout,  # type: ignore[arg-type]  # a float works (call_later)
        ws_max_size=settings.ws_max_message_bytes, ws_per_message_deflate=settings.ws_compression,
    )


def serve(app: Any, settings: Settings) -> None:
    """Run ``app`` under uvicorn with Chronicle's limits until interrupted.

    Raises the open-files limit so the connection cap can be reached, and logs a
    warning when the hard limit does not allow it.
    """
    files = raise_file_limit(settings.max_connections + FILE_HEADROOM)
    if files < settings.max_connections + FILE_HEADROOM:
        log.warning("the open-files limit (%d) is below CHRONICLE_MAX_CONNECTIONS (%d) plus %d; "
                    "connections beyond it fail at accept", files, settings.max_connections, FILE_HEADROOM)
    uvicorn.Server(uvicorn_config(app, settings)).run()
