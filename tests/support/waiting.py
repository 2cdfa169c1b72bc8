"""Waiting for a condition instead of sleeping for a guessed time.

A test that sleeps and then asserts is flaky on a slow machine and slow on a
fast one. These helpers poll a condition until it holds, bounded by a timeout,
and fail saying what never happened.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def wait_until(condition: Callable[[], T | Awaitable[T]], what: str, *,
                     timeout: float = 10.0, interval: float = 0.05) -> T:
    """Call ``condition`` (a function or a coroutine function) every ``interval`` seconds until it
    returns a truthy value, and return that value.

    Raises:
        AssertionError: ``timeout`` seconds passed first; the message names ``what`` and the last value.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"within {timeout}s: {what} (last seen: {value!r})")
        await asyncio.sleep(interval)

