"""Structured logs (structlog): one JSON object a line, carrying the correlation id.

Every record, from structlog or the standard library (uvicorn, strawberry,
``logging.getLogger`` in Chronicle), goes through structlog's
``ProcessorFormatter``: context variables bound with :func:`bind_correlation_id`
are merged in, so a log line written while serving a request or a WebSocket
connection carries its ``correlation_id``; ``extra={...}`` fields are kept;
exceptions are rendered as text in ``exception``.
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
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def bind_correlation_id(correlation_id: str) -> None:
    """Attach ``correlation_id`` to every log line of the current request or connection."""
    structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
