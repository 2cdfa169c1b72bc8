"""Item 5: subscribers that never read keep server memory bounded and delay nobody.

Several WebSocket clients subscribe to the whole log many times over and then
never read (their TCP windows fill, so the server's sends block); a normal
subscriber meanwhile must receive every event promptly, and the server's
resident memory (VmRSS from /proc) must stay far below what buffering the
stalled clients' backlog would need.

The stalled clients turn permessage-deflate off: compressed, these repetitive
events shrink to a few dozen bytes and the whole backlog fits in the kernel's
socket buffers, so the server would never have to hold back. Uncompressed, each
connection is owed more than the kernel will buffer (``tcp_wmem`` max, 4 MiB by
default), so uvicorn's sender really waits for the transport to drain. Each
stalled subscription still runs through thousands of events before it blocks,
which is what exposed graphql-core's per-event memo growth (:mod:`api.executor`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from pathlib import Path

import httpx
import pytest
import websockets

from tests.reliability.support import subscribe_events
from tests.support.server import running_server
from tests.support.ws import wait_for_metric

SLOW_CONNECTIONS = 4
SUBSCRIPTIONS_PER_CONNECTION = 16
MUTATIONS = 600
OWNER = "x" * 200  # the largest owner: every event and its copies weigh more
MESSAGE_BYTES = 500  # at least this much per uncompressed `next` message of the stalled subscriptions

def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def run_scenario(tmp_path: Path) -> tuple[int, int, float, int]:
    """Return (baseline RSS KiB, peak RSS KiB, worst live delay s, events received live)."""
    with running_server(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "log") as server:
        pid = server.process.pid

        async def scenario() -> tuple[int, int, float, int]:
            stalled = []
            for _ in range(SLOW_CONNECTIONS):
                sock = socket.socket()
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: stalls show at once
                sock.connect(("127.0.0.1", server.port))
                ws = await websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                                              max_queue=1, sock=sock, compression=None)
                await ws.send(json.dumps({"type": "connection_init"}))
                await ws.recv()
                for index in range(SUBSCRIPTIONS_PER_CONNECTION):
                    await ws.send(json.dumps({"id": str(index), "type": "subscribe", "payload": {
                        "query": "subscription { events(afterPosition: 0) { position data metadata } }"}}))
                stalled.append(ws)
            # stalled clients now stop reading; the socket buffers fill and stay full
            for ws in stalled:
                ws.transport.pause_reading()  # type: ignore[attr-defined]
            baseline = rss_kib(pid)
            delays: list[float] = []
            sent_at: dict[int, float] = {}
            received: list[int] = []

            async def fast_reader() -> None:
                async with contextlib.aclosing(subscribe_events(server, None)) as stream:
                    async for event in stream:
                        received.append(event["position"])
                        delays.append(time.monotonic() - sent_at.get(event["position"], time.monotonic()))
                        if len(received) == MUTATIONS:
                            return

            reader = asyncio.create_task(fast_reader())
            subscriptions = SLOW_CONNECTIONS * SUBSCRIPTIONS_PER_CONNECTION + 1  # the stalled ones and the reader
            assert await wait_for_metric(server.base_url, "chronicle_live_subscriptions", subscriptions,
                                         timeout=30) == subscriptions
            async with httpx.AsyncClient(timeout=10) as client:
                for _ in range(MUTATIONS):
                    body = (await client.post(server.http_url, json={"query": (
                        'mutation($o: String!) { openAccount(input: {owner: $o, currency: "EUR"}) {'
                        " ... on AccountSuccess { events { position } } } }"), "variables": {"o": OWNER}})).json()
                    sent_at[body["data"]["openAccount"]["events"][0]["position"]] = time.monotonic()
            await asyncio.wait_for(reader, 30)
            peak = rss_kib(pid)
            for ws in stalled:
                ws.transport.abort()  # type: ignore[attr-defined]
            return baseline, peak, max(delays), len(received)

        return asyncio.run(scenario())


NEEDS_PROC = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")


@NEEDS_PROC
def test_stalled_subscribers_do_not_delay_others(tmp_path: Path) -> None:
    _, _, worst_delay, count = run_scenario(tmp_path)
    assert count == MUTATIONS
    assert worst_delay < 2.0, f"the live subscriber waited {worst_delay:.2f}s for an event"


def kernel_send_buffer_max() -> int:
    path = Path("/proc/sys/net/ipv4/tcp_wmem")
    return int(path.read_text().split()[2]) if path.exists() else 4 * 1024 * 1024


@NEEDS_PROC
def test_stalled_subscribers_keep_server_memory_bounded(tmp_path: Path) -> None:
    owed_per_connection = SUBSCRIPTIONS_PER_CONNECTION * MUTATIONS * MESSAGE_BYTES
    assert owed_per_connection > kernel_send_buffer_max(), "the kernel could buffer the whole backlog"
    baseline, peak, _, _ = run_scenario(tmp_path)
    # Buffering everything the stalled subscriptions were owed would take
    # SLOW_CONNECTIONS * owed_per_connection (> 19 MB); before api.executor, the
    # per-event memo alone grew RSS by ~1.3 KiB per (stalled subscription, event).
    assert peak - baseline < 10 * 1024, f"server RSS grew by {(peak - baseline) / 1024:.1f} MiB"
