"""Raw WebSocket clients for both GraphQL subscription protocols, and fault injection helpers."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

TRANSPORT = "graphql-transport-ws"
LEGACY = "graphql-ws"


async def open_ws(url: str, protocol: str, *, init: bool = True, **kwargs: Any) -> ClientConnection:
    """Connect with ``protocol``; with ``init``, send ``connection_init`` and wait for the ack."""
    ws = await connect(url, subprotocols=[protocol], **kwargs)  # type: ignore[list-item]
    if init:
        await send(ws, {"type": "connection_init", "payload": {}})
        assert (await receive(ws))["type"] == "connection_ack"
    return ws


async def send(ws: ClientConnection, message: object) -> None:
    await ws.send(message if isinstance(message, str) else json.dumps(message))


async def receive(ws: ClientConnection, timeout: float = 5.0, skip: tuple[str, ...] = ("ka", "ping")) -> Any:
    """Return the next message that is not keep-alive."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message.get("type") not in skip:
            return message


async def close_code(ws: ClientConnection, timeout: float = 5.0) -> int | None:
    """Wait until the server closes the socket (ignoring messages) and return its close code."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    except ConnectionClosed:
        pass
    finally:
        await ws.close()
    return ws.close_code


async def quiet(ws: ClientConnection, seconds: float = 0.5) -> list[Any]:
    """Return every non-keep-alive message arriving within ``seconds``."""
    got: list[Any] = []
    try:
        async with asyncio.timeout(seconds):
            while True:
                got.append(await receive(ws, seconds))
    except (TimeoutError, ConnectionClosed):
        pass
    return got


def metric(base_url: str, name: str, labels: str = "") -> float:
    """Return the value of one Prometheus sample from ``/metrics`` (0 when absent)."""
    text = httpx.get(f"{base_url}/metrics", timeout=5).text
    pattern = re.compile(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", re.MULTILINE)
    found = pattern.search(text)
    return float(found.group(1)) if found else 0.0


async def wait_for_metric(base_url: str, name: str, value: float, timeout: float = 5.0) -> float:
    """Poll ``/metrics`` until ``name`` equals ``value``; return the last value seen."""
    deadline = asyncio.get_running_loop().time() + timeout
    current = metric(base_url, name)
    while current != value and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
        current = metric(base_url, name)
    return current


def graphql(url: str, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
    return httpx.post(url, json={"query": query, "variables": variables}, timeout=10, **kwargs)


OPEN = 'mutation($k: String) { openAccount(input: {owner: "Ada", currency: "EUR", idempotencyKey: $k}) ' \
       '{ ... on AccountSuccess { account { id } events { position } } } }'


def open_account(url: str) -> tuple[str, int]:
    """Open an account over HTTP; return its id and its event's position."""
    body = graphql(url, OPEN).json()["data"]["openAccount"]
    return body["account"]["id"], body["events"][0]["position"]


def insert_raw_event(db_path: str, event_type: str, recorded_at: str = "2024-01-01T00:00:00+00:00") -> int:
    """Append a row straight into the SQLite log, bypassing the app (its projections never see it).

    Returns its position. Used to inject a lagging projection, or (with a ``recorded_at``
    that is no timestamp) an event the store cannot decode.
    """
    with sqlite3.connect(db_path, timeout=10) as conn:
        position = conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM events").fetchone()[0]
        conn.execute(
            "INSERT INTO events (position, event_id, stream_id, version, type, schema_version, data, metadata,"
            " recorded_at) VALUES (?, lower(hex(randomblob(16))), ?, 1, ?, 1, '{}', '{}', ?)",
            (position, f"raw-{position}", event_type, recorded_at),
        )
    return int(position)


def error_lines(log: str) -> list[str]:
    """Lines of a server log at ERROR level or above, or carrying a traceback."""
    return [line for line in log.splitlines()
            if '"level": "error"' in line or '"level": "critical"' in line or "Traceback" in line
            or "exception was never retrieved" in line]


def insert_padded_events(db_path: str, count: int, pad_bytes: int = 1000) -> None:
    """Append ``count`` raw ``Noise`` events of about ``2 * pad_bytes`` bytes of data each, in one transaction
    (enough payload to fill the socket buffers of a subscriber that does not read)."""
    with sqlite3.connect(db_path, timeout=10) as conn:
        start = conn.execute("SELECT COALESCE(MAX(position), 0) FROM events").fetchone()[0]
        conn.executemany(
            "INSERT INTO events (position, event_id, stream_id, version, type, schema_version, data, metadata,"
            " recorded_at) VALUES (?, lower(hex(randomblob(16))), ?, 1, 'Noise', 1,"
            " '{\"pad\": \"' || hex(randomblob(?)) || '\"}', '{}', '2024-01-01T00:00:00+00:00')",
            [(position, f"raw-{position}", pad_bytes) for position in range(start + 1, start + count + 1)],
        )
