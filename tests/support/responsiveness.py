"""Measure whether a server stays responsive while a test attacks it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import TypeVar

import httpx

T = TypeVar("T")

PROBE_TIMEOUT = 5.0
"""Seconds a /healthz probe waits; a probe that times out counts as this latency."""


async def worst_healthz_latency_during(base_url: str, attack: Awaitable[T], interval: float = 0.02) -> tuple[T, float]:
    """Run ``attack`` while probing ``{base_url}/healthz`` one request after another (``interval``
    seconds apart, at least one probe); return the attack's result and the worst probe latency in seconds."""
    task = asyncio.ensure_future(attack)
    worst = 0.0
    async with httpx.AsyncClient(timeout=PROBE_TIMEOUT) as client:
        await client.get(f"{base_url}/healthz")  # the connection is open before the attack starts
        while True:
            started = time.monotonic()
            try:
                status = (await client.get(f"{base_url}/healthz")).status_code
                latency = time.monotonic() - started if status == 200 else PROBE_TIMEOUT
            except httpx.TimeoutException:
                latency = PROBE_TIMEOUT
            worst = max(worst, latency)
            if task.done():
                return task.result(), worst
            await asyncio.sleep(interval)
