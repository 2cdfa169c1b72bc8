"""Internal errors are masked over HTTP and in subscriptions, with the details and the
correlation id in the JSON log; introspection and field suggestions can be switched off."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.server import RunningServer
from tests.support.waiting import wait_until
from tests.support.ws import TRANSPORT, graphql, insert_raw_event, open_ws, receive, send

SECRET = "not-a-timestamp-42"


def log_records(server: RunningServer) -> list[dict[str, object]]:
    records = []
    for line in server.log().splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


def logged_with(server: RunningServer, correlation_id: str) -> list[dict[str, object]]:
    return [r for r in log_records(server) if r.get("correlation_id") == correlation_id and "exception" in r]


def test_internal_error_over_http_is_masked_and_logged(faulty: tuple[RunningServer, Path]) -> None:
    server, db = faulty
    insert_raw_event(str(db), "AccountOpened", recorded_at=SECRET)  # a row the store cannot decode
    response = graphql(server.http_url, "{ events(first: 10) { edges { node { type } } } }",
                       headers={"x-correlation-id": "corr-http-1"})
    error = response.json()["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "correlationId": "corr-http-1"}
    assert SECRET not in response.text
    records = logged_with(server, "corr-http-1")
    assert records and SECRET in str(records[0]["exception"])


async def test_internal_error_in_a_subscription_is_masked_and_logged(faulty: tuple[RunningServer, Path]) -> None:
    server, db = faulty
    insert_raw_event(str(db), "AccountOpened", recorded_at=SECRET)
    ws = await open_ws(server.ws_url, TRANSPORT, additional_headers={"x-correlation-id": "corr-ws-1"})
    await send(ws, {"id": "1", "type": "subscribe",
                    "payload": {"query": "subscription { events(afterPosition: 0) { type } }"}})
    message = await receive(ws)
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert errors[0]["message"] == "Internal server error"
    assert errors[0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert SECRET not in json.dumps(message)
    await ws.close()
    records = await wait_until(lambda: logged_with(server, "corr-ws-1"), "the masked error is logged")
    assert SECRET in str(records[0]["exception"])


def test_introspection_can_be_switched_off(locked_down: RunningServer, hardened: RunningServer) -> None:
    query = "{ __schema { types { name } } }"
    assert "errors" not in graphql(hardened.http_url, query).json()
    error = graphql(locked_down.http_url, query).json()["errors"][0]
    assert error["extensions"]["code"] == "INTROSPECTION_DISABLED"


def test_field_suggestions_can_be_switched_off(locked_down: RunningServer, hardened: RunningServer) -> None:
    query = "{ acounts { edges { cursor } } }"
    assert "Did you mean" in graphql(hardened.http_url, query).json()["errors"][0]["message"]
    assert "Did you mean" not in graphql(locked_down.http_url, query).json()["errors"][0]["message"]
