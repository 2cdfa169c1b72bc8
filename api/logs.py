"""Structured logs (structlog): one JSON object a line, carrying the correlation id.

Every record, from structlog or the standard library (uvicorn, strawberry,
``logging.getLogger`` in Chronicle), goes through structlog's
``ProcessorFormatter``: context variables bound with :func:`bind_correlation_id`
are merged in, so a log line written while serving a request or a WebSocket
connection carries its ``correlation_id``; ``extra={...}`` fields are kept;
exceptions are rendered as text in ``exception``.

uvicorn's access log lines carry the request path only: the query string
(GraphQL variables over GET, a ``?token=`` someone put in a URL) is cut off by
:class:`PathOnlyAccessLog` before the line is formatted, so no token or
personal data reaches the log that way (issue 15 item 7).
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

_SHARED: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


class PathOnlyAccessLog(logging.Filter):
    """Cut the query string off the request targets in uvicorn's log records.

    uvicorn passes the request target (path with query string) as an argument:
    ``'%s - "%s %s HTTP/%s" %d'`` on ``uvicorn.access`` for HTTP, and
    ``'%s - "WebSocket %s" ...'`` on ``uvicorn.error`` for handshakes. Every
    string argument that starts with ``/`` loses everything from its first ``?``;
    nothing else changes.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(isinstance(a, str) and a.startswith("/") and "?" in a for a in args):
            record.args = tuple(a.partition("?")[0] if isinstance(a, str) and a.startswith("/") else a
                                for a in args)
        return True


def _drop_color_message(logger: object, method: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
    event.pop("color_message", None)  # uvicorn's ANSI-coloured duplicate of the message
    return event


def configure_logging(level: str = "INFO", fmt: Literal["json", "console"] = "json") -> None:
    """Route all logging through structlog, rendered as JSON lines (or for a console) on stderr."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _drop_color_message,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    for name in ("uvicorn.error", "uvicorn.access"):  # the loggers uvicorn writes request targets to
        source = logging.getLogger(name)
        source.filters[:] = [f for f in source.filters if not isinstance(f, PathOnlyAccessLog)]
        source.addFilter(PathOnlyAccessLog())
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def bind_correlation_id(correlation_id: str) -> None:
    """Attach ``correlation_id`` to every log line of the current request or connection."""
    structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
