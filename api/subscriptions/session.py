"""A WebSocket session's deadlines: its token's expiry and its maximum age (issue 15 item 5).

A socket authenticates once, at ``connection_init``; the token's ``exp`` then
bounds the whole session. :class:`SessionDeadlines` closes the socket when the
earlier of two deadlines passes, by a timer (an idle socket and a running
subscription are cut as well, not only the next message):

- the token's expiry: close code 4403 (``Forbidden``, the code
  ``graphql-transport-ws`` uses for a refused ``connection_init``);
- the session's maximum age (``CHRONICLE_WS_MAX_CONNECTION_AGE``, from the
  accept): close code 1001 (``Going Away``, RFC 6455 §7.4.1).

Neither protocol lets a client re-authenticate on an open socket
(``graphql-transport-ws`` closes a second ``connection_init`` with 4429; the
legacy ``graphql-ws`` handler ignores it), so the client reconnects with a
fresh token. Each new operation also checks the expiry first
(:meth:`SessionDeadlines.token_expired`), so none starts in the moment before
the timer fires; roles are checked per root field when the operation runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

TOKEN_EXPIRED = 4403
MAX_AGE_REACHED = 1001

Close = Callable[[int, str], Awaitable[None]]


class SessionDeadlines:
    """Closes one WebSocket at its token's expiry or at its maximum age, whichever is first.

    Args:
        close: closes the socket with a code and a reason.
        max_age: seconds the session may last from :meth:`start`; ``None`` = no limit.
    """

    def __init__(self, close: Close, max_age: float | None) -> None:
        self._close = close
        self._max_age = max_age
        self._age_deadline: float | None = None
        self._token_expires_at: float | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the age clock (call once the socket is accepted)."""
        loop = asyncio.get_running_loop()
        self._age_deadline = None if self._max_age is None else loop.time() + self._max_age
        self._reschedule()

    def bind_token(self, expires_at: float | None) -> None:
        """Close the session when the token expires: ``expires_at`` is its ``exp``
        (seconds since the epoch, UTC); ``None`` (anonymous access) sets no expiry."""
        self._token_expires_at = expires_at
        self._reschedule()

    def token_expired(self) -> bool:
        """Whether the bound token has expired (checked before each new operation)."""
        return self._token_expires_at is not None and time.time() >= self._token_expires_at

    async def stop(self) -> None:
        """Cancel the pending close (the session ended)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _reschedule(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        loop = asyncio.get_running_loop()
        deadlines: list[tuple[float, int, str]] = []
        if self._token_expires_at is not None:
            deadlines.append((loop.time() + self._token_expires_at - time.time(), TOKEN_EXPIRED, "Token expired"))
        if self._age_deadline is not None:
            deadlines.append((self._age_deadline, MAX_AGE_REACHED, "Maximum connection age reached; reconnect"))
        if deadlines:
            at, code, reason = min(deadlines)
            self._task = asyncio.create_task(self._close_at(at, code, reason))

    async def _close_at(self, at: float, code: int, reason: str) -> None:
        await asyncio.sleep(max(0.0, at - asyncio.get_running_loop().time()))
        await self._close(code, reason)
