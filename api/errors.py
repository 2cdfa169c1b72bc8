"""Top-level GraphQL errors: stable ``extensions.code`` and masked internals.

- Request errors (parse, validation, variable coercion: errors with no
  ``path``) and errors raised on purpose with a code keep their message and get
  ``extensions.code`` (``BAD_USER_INPUT`` by default).
- :class:`core.errors.StoreUnavailable` becomes ``STORE_UNAVAILABLE``.
- Anything else is an internal fault: the client sees only
  ``"Internal server error"`` with ``INTERNAL_SERVER_ERROR``; the log keeps the
  exception and the request's correlation id. The codes follow Apollo Server's
  documented error codes (https://www.apollographql.com/docs/apollo-server/data/errors).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from core.errors import ChronicleError, StoreUnavailable

log = logging.getLogger("chronicle.api")

INTERNAL_MESSAGE = "Internal server error"


def _client_message(error: GraphQLError) -> str:
    """The message of a request error as the client should read it."""
    if "set_int_max_str_digits" in error.message:  # CPython's hint when an Int has more than 4300 digits
        return "Integer value has too many digits"
    return error.message


def classify(error: GraphQLError, correlation_id: str | None) -> GraphQLError:
    """Return the client-safe version of ``error`` with an ``extensions.code``."""
    original = error.original_error
    extensions: dict[str, Any] = dict(error.extensions or {})
    if original is None or isinstance(original, GraphQLError):
        if isinstance(original, GraphQLError) and original.extensions:
            extensions = {**original.extensions, **extensions}
        extensions.setdefault("code", "BAD_USER_INPUT")
        return GraphQLError(_client_message(error), error.nodes, error.source, error.positions, error.path,
                            None, extensions)
    if isinstance(original, StoreUnavailable):
        # an outage, not a bug: the driver's message says enough, and a traceback per request would flood the log
        log.warning("store unavailable: %s", original, extra={"correlation_id": correlation_id})
        return GraphQLError("The event store is unavailable; retry later", error.nodes, error.source,
                            error.positions, error.path, None, {"code": "STORE_UNAVAILABLE"})
    if error.path is None and error.nodes and not isinstance(original, ChronicleError):
        # variable coercion: a scalar refused the value of a variable (the error points at it);
        # an exception escaping a subscription's generator also has no path, but no nodes either
        return GraphQLError(_client_message(error), error.nodes, error.source, error.positions, None, None,
                            {"code": "BAD_USER_INPUT"})
    log.error("internal error (correlation_id=%s)", correlation_id, exc_info=original,
              extra={"correlation_id": correlation_id})
    return GraphQLError(INTERNAL_MESSAGE, error.nodes, error.source, error.positions, error.path, None,
                        {"code": "INTERNAL_SERVER_ERROR", "correlationId": correlation_id})


class ErrorCodes(SchemaExtension):
    """Applies :func:`classify` to every result, streamed subscription results included."""

    def _correlation_id(self) -> str | None:
        context = self.execution_context.context
        return getattr(context, "correlation_id", None)

    def _process(self, result: Any) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [classify(e, self._correlation_id()) for e in errors]

    def on_operation(self) -> Iterator[None]:
        yield
        self._process(self.execution_context.result)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Classify each result a subscription (or any streamed operation) yields, before it is sent."""
        self._process(result)
        yield
