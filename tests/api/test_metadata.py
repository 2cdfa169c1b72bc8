"""Event metadata over the real server: correlation from the X-Correlation-ID
header or the WebSocket connection_init payload (else generated), causation =
the command id, all exposed as typed fields of ``Event``."""

from __future__ import annotations

import uuid

from gql import GraphQLRequest

from tests.support.graphql import (
    GRAPHQL_TRANSPORT_WS,
    OPEN_ACCOUNT,
    execute,
    open_account,
    websocket,
)
from tests.support.server import RunningServer

STREAM = """query($id: String!) { stream(streamId: $id) { correlationId causationId commandId actor metadata } }"""


async def test_the_correlation_header_reaches_the_events_metadata(server: RunningServer) -> None:
    opened = await open_account(server, headers={"X-Correlation-ID": "checkout-42"})

    event = opened["events"][0]
    assert event["correlationId"] == "checkout-42"
    assert event["metadata"]["correlation_id"] == "checkout-42"
    assert event["causationId"] == event["commandId"] == event["metadata"]["command_id"]
    assert event["actor"] is None
    stored = await execute(server, STREAM, {"id": f"account-{opened['account']['id']}"})
    assert stored["stream"][0]["correlationId"] == "checkout-42"
    assert stored["stream"][0]["commandId"] == event["commandId"]


async def test_without_a_header_each_request_gets_its_own_correlation_id(server: RunningServer) -> None:
    first = (await open_account(server))["events"][0]
    second = (await open_account(server))["events"][0]

    assert uuid.UUID(first["correlationId"]) != uuid.UUID(second["correlationId"])
    assert first["commandId"] != second["commandId"]


async def test_an_overlong_header_is_replaced_by_a_generated_id(server: RunningServer) -> None:
    event = (await open_account(server, headers={"X-Correlation-ID": "x" * 129}))["events"][0]

    assert uuid.UUID(event["correlationId"])


async def test_the_connection_init_correlation_id_marks_mutations_sent_over_the_socket(
    server: RunningServer,
) -> None:
    # graphql-transport-ws carries mutations; strawberry's legacy graphql-ws refuses them.
    correlation_id = "socket-session-7"
    async with websocket(server, GRAPHQL_TRANSPORT_WS, {"correlationId": correlation_id}) as session:
        first = await session.execute(GraphQLRequest(OPEN_ACCOUNT, variable_values={"owner": "Ws One"}))
        second = await session.execute(GraphQLRequest(OPEN_ACCOUNT, variable_values={"owner": "Ws Two"}))

    events = [first["openAccount"]["events"][0], second["openAccount"]["events"][0]]
    assert [e["correlationId"] for e in events] == [correlation_id, correlation_id]
    assert events[0]["commandId"] != events[1]["commandId"]
    stored = await execute(server, STREAM, {"id": events[0]["streamId"]})
    assert stored["stream"][0]["correlationId"] == correlation_id
