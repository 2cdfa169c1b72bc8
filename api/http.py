"""GraphQL over HTTP details: response media type, status codes and the body-size limit.

Follows the GraphQL-over-HTTP draft (https://graphql.github.io/graphql-over-http/draft/):

- A client that accepts ``application/graphql-response+json`` (preferred over
  ``application/json``, or alone) gets that media type. Then a request error
  (parse, validation, variable coercion: the operation never ran) answers 400
  and has no ``data`` entry; a response with ``data`` answers 200.
- Otherwise the response is ``application/json`` with status 200 for every
  well-formed request, as the spec requires for that media type.

Requests refused before execution (malformed JSON, a body that is not a JSON
object, an unsupported content type, a mutation over GET, several operations
without ``operationName``) answer a JSON body ``{"errors": [...]}`` with an
``extensions.code``, never plain text.

``BodySizeLimit`` refuses request bodies over ``max_bytes`` with 413 and a GraphQL
error carrying ``extensions.code = REQUEST_TOO_LARGE``, whether the client
announced the length or streams the body in chunks.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def response_media_type(accept: str | None) -> str:
    """Return the media type to answer a request whose ``Accept`` header is ``accept``.

    ``application/graphql-response+json`` when the client accepts it with a quality
    at least that of ``application/json``; ``application/json`` otherwise (also
    for a missing header or ``*/*``, as the spec asks during its transition period).
    """
    if not accept:
        return JSON
    qualities: dict[str, float] = {}
    for item in accept.split(","):
        media, *params = item.split(";")
        media = media.strip().lower()
        qualities[media] = max(qualities.get(media, 0.0), _quality(params))
    graphql_q = qualities.get(GRAPHQL_RESPONSE_JSON, 0.0)
    json_q = max(qualities.get(JSON, 0.0), qualities.get("application/*", 0.0), qualities.get("*/*", 0.0))
    return GRAPHQL_RESPONSE_JSON if graphql_q > 0 and graphql_q >= json_q else JSON


def is_request_error(response: dict[str, Any]) -> bool:
    """Return whether ``response`` reports a request error: errors and no data from execution.

    Field errors carry a ``path``; parse, validation and variable-coercion errors do not.
    """
    errors = response.get("errors") or []
    return bool(errors) and response.get("data") is None and all(not e.get("path") for e in errors)


def too_large(limit: int) -> JSONResponse:
    """The 413 response for a body over ``limit`` bytes."""
    return JSONResponse(
        {"errors": [{"message": f"Request body exceeds {limit} bytes",
                     "extensions": {"code": "REQUEST_TOO_LARGE", "maxBytes": limit}}]},
        status_code=413,
    )


class _BodyTooLarge(Exception):
    pass


class _BodyTooSlow(Exception):
    pass


def too_slow(seconds: float) -> JSONResponse:
    """The 408 response for a body that did not arrive within ``seconds``."""
    return JSONResponse(
        {"errors": [{"message": f"Request body not received within {seconds:g} s",
                     "extensions": {"code": "REQUEST_TIMEOUT"}}]},
        status_code=408, headers={"connection": "close"},
    )


class BodySizeLimit:
    """ASGI middleware guarding HTTP request bodies.

    - At most ``max_bytes`` of body, else 413 ``REQUEST_TOO_LARGE``.
    - The whole body within ``read_timeout`` seconds of the request's start, else
      408 ``REQUEST_TIMEOUT`` (a client that dribbles bytes cannot hold a
      connection and its task forever: the "slowloris" attack).
    - A client that disconnects before its body is complete is simply dropped
      (no error log: it is not a server fault).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, read_timeout: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_timeout = read_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await too_large(self.max_bytes)(scope, receive, send)
                return
        received = 0
        started = False
        body_done = False
        deadline = asyncio.get_running_loop().time() + self.read_timeout

        async def counting_receive() -> Message:
            nonlocal received, body_done
            if body_done:  # afterwards only http.disconnect remains, which may take any time
                return await receive()
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                async with asyncio.timeout(max(remaining, 0.0)):
                    message = await receive()
            except TimeoutError:
                raise _BodyTooSlow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
                body_done = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await too_large(self.max_bytes)(scope, receive, send)
        except _BodyTooSlow:
            if started:
                raise
            await too_slow(self.read_timeout)(scope, receive, send)
        except ClientDisconnect:
            if started:
                raise


def request_error(status_code: int, message: str, media_type: str = JSON) -> JSONResponse:
    """A GraphQL-shaped error response for a request refused before execution.

    ``extensions.code`` is ``BAD_USER_INPUT`` for 400 and 415, ``METHOD_NOT_ALLOWED``
    for 405, ``BAD_REQUEST`` otherwise.
    """
    code = {400: "BAD_USER_INPUT", 415: "BAD_USER_INPUT", 405: "METHOD_NOT_ALLOWED"}.get(status_code, "BAD_REQUEST")
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]},
                        status_code=status_code, media_type=media_type)


def operation_problem(query: str, operation_name: str | None, allowed: frozenset[str]) -> str | None:
    """Check which operation of ``query`` would run, per the GraphQL spec's
    GetOperation (https://spec.graphql.org/October2021/#GetOperation()), and that
    its type (``query``, ``mutation``, ``subscription``) is in ``allowed``.

    Returns:
        ``None`` when the operation can run (or the document does not parse: the
        normal path then reports the syntax error), else a message for a
        ``BAD_USER_INPUT`` error.
    """
    if not isinstance(operation_name, (str, type(None))):
        return "operationName must be a string or null"
    operations = _operations(query)
    if operations is None:
        return None
    if operation_name is None:
        if len(operations) > 1:
            return "Must provide operationName if the document contains several operations"
        chosen = next(iter(operations.values()), None)
    else:
        if operation_name not in operations:
            return f"Unknown operation named {operation_name[:100]!r}"
        chosen = operations[operation_name]
    if chosen is not None and chosen not in allowed:
        return f"{chosen.capitalize()} operations are not supported here (allowed: {', '.join(sorted(allowed))})"
    return None


CACHED_DOCUMENT_LENGTH = 8192
"""Documents up to this many characters have their operations cached (512 of them,
at most 4 MiB of text); longer ones are scanned each time, so a flood of large
distinct documents cannot pin memory."""

SCAN_MAX_TOKENS = 20_000
"""A document with more tokens is not scanned here; the request's own token limit
(``CHRONICLE_MAX_QUERY_TOKENS``) then refuses it on the normal path."""


def _operations(query: str) -> dict[str | None, str] | None:
    """Map each operation's name (``None`` when anonymous) to its type; ``None`` when unparsable."""
    if len(query) <= CACHED_DOCUMENT_LENGTH:
        return _cached_operations(query)
    return _scan_operations(query)


@functools.lru_cache(maxsize=512)
def _cached_operations(query: str) -> dict[str | None, str] | None:
    return _scan_operations(query)


def _scan_operations(query: str) -> dict[str | None, str] | None:
    try:
        document = parse(query, max_tokens=SCAN_MAX_TOKENS)
    except GraphQLError:
        return None
    return {d.name.value if d.name else None: d.operation.value
            for d in document.definitions if isinstance(d, OperationDefinitionNode)}
