"""A socket that closes under a running subscription is normal: nothing is logged at ERROR.

The subscriber asks for a replay it does not read, so the server's sends wait on a
full socket buffer when the connection goes away (closed by the server for a
protocol error, closed by the client, or lost). A send that then finds the socket
closed must end the operation quietly, on both protocols.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.server import RunningServer
from tests.support.ws import (
    LEGACY,
    TRANSPORT,
    close_code,
    error_lines,
    insert_padded_events,
    open_ws,
    send,
    wait_for_metric,
)

REPLAY = {"query": "subscription { events(afterPosition: 0) { position type data } }"}
START = {TRANSPORT: "subscribe", LEGACY: "start"}


async def operations_ended(server: RunningServer) -> None:
    """Wait until every subscription has let go of the live feed: an error on the way would be logged by then."""
    assert await wait_for_metric(server.base_url, "chronicle_live_subscriptions", 0, timeout=30) == 0


async def test_duplicate_id_close_logs_no_error(faulty: tuple[RunningServer, Path]) -> None:
    server, db = faulty
    insert_padded_events(str(db), 20_000)
    for _ in range(8):  # the race (a send waiting on the full buffer when 4409 goes out) is likely, not certain
        ws = await open_ws(server.ws_url, TRANSPORT)
        await send(ws, {"id": "1", "type": "subscribe", "payload": REPLAY})
        await asyncio.sleep(0.5)  # unread: the server's sends now wait on the buffer
        await send(ws, {"id": "1", "type": "subscribe", "payload": REPLAY})
        assert await close_code(ws, timeout=30) == 4409
    await operations_ended(server)
    assert error_lines(server.log()) == []


@pytest.mark.parametrize("protocol", [TRANSPORT, LEGACY])
async def test_client_leaving_mid_stream_logs_no_error(faulty: tuple[RunningServer, Path], protocol: str) -> None:
    server, db = faulty
    insert_padded_events(str(db), 20_000)
    for _ in range(3):
        for abort in (False, True):
            ws = await open_ws(server.ws_url, protocol, close_timeout=0.5)  # the server cannot answer the close
            await send(ws, {"id": "1", "type": START[protocol], "payload": REPLAY})
            await asyncio.sleep(0.3)
            if abort:
                ws.transport.abort()  # vanish without a close frame
            else:
                await ws.close()
    await operations_ended(server)
    assert error_lines(server.log()) == []
