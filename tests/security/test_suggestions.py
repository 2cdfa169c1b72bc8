"""Issue 15 item 6: with ``CHRONICLE_FIELD_SUGGESTIONS=false`` no message anywhere says "Did you mean".

Each case misspells one kind of name the schema would otherwise suggest: fields,
arguments, type conditions, variable types, fragment types, directive arguments,
enum values and input fields (in literals, in default values and in variables),
and a field asked of a union. Each kind is sent over HTTP and over both
WebSocket protocols: as a query or mutation over HTTP and ``graphql-transport-ws``,
and as a subscription over both WebSocket protocols (HTTP refuses subscriptions
before validating them, and ``graphql-ws`` runs subscriptions only and reports only
the first error, so defaults and variables, which need an argument of that type,
are covered by the query cases). The same
cases against a server with suggestions on must suggest, so each case reaches
a suggesting code path.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.server import RunningServer
from tests.support.ws import LEGACY, TRANSPORT, graphql, open_ws, receive, send

SUBSCRIPTION_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "subscription field": ("subscription { evnts { position } }", {}),
    "subscription argument": ("subscription { events(aftrPosition: 0) { position } }", {}),
    "subscription type condition": ("subscription { events { ... on Evnt { position } } }", {}),
    "subscription variable type": ("subscription ($p: Itn) { events(afterPosition: $p) { position } }", {}),
    "subscription fragment type": ("subscription { events { ...F } } fragment F on Evnt { position }", {}),
    "subscription directive argument": ("subscription { events { position @skip(iff: true) } }", {}),
}
OPEN = "openAccount(input: {0}) {{ __typename }}"
QUERY_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "field": ("{ acounts { edges { cursor } } }", {}),
    "argument": ("{ accounts(frist: 1) { edges { cursor } } }", {}),
    "type condition": ("{ accounts { edges { node { ... on Acount { id } } } } }", {}),
    "variable type": ("query ($n: Itn) { accounts(first: $n) { edges { cursor } } }", {}),
    "fragment type": ("{ accounts { edges { node { ...F } } } } fragment F on Acount { id }", {}),
    "directive argument": ("{ accounts @include(iff: true) { edges { cursor } } }", {}),
    "enum value": ("{ accounts(status: OPNE) { edges { cursor } } }", {}),
    "input field": ("mutation { " + OPEN.format('{ownr: "x", currency: "EUR"}') + " }", {}),
    "union member": ('mutation { openAccount(input: {owner: "x", currency: "EUR"}) { account { id } } }', {}),
    "enum value in a default": ("query ($s: AccountStatus = OPNE) { accounts(status: $s) { edges { cursor } } }",
                                {}),
    "input field in a default": ('mutation ($i: OpenAccountInput = {ownr: "x", currency: "EUR"}) { '
                                 + OPEN.format("$i") + " }", {}),
    "enum value in a variable": ("query ($s: AccountStatus) { accounts(status: $s) { edges { cursor } } }",
                                 {"s": "OPNE"}),
    "input field in a variable": ("mutation ($i: OpenAccountInput!) { " + OPEN.format("$i") + " }",
                                  {"i": {"ownr": "x", "currency": "EUR"}}),
}
ALL_CASES = {**SUBSCRIPTION_CASES, **QUERY_CASES}


def http_messages(server: RunningServer, case: str) -> list[str]:
    document, variables = ALL_CASES[case]
    body = graphql(server.http_url, document, variables).json()
    assert body.get("errors"), body
    return [error["message"] for error in body["errors"]]


async def ws_messages(server: RunningServer, protocol: str, case: str) -> list[str]:
    document, variables = ALL_CASES[case]
    ws = await open_ws(server.ws_url, protocol)
    start = "subscribe" if protocol == TRANSPORT else "start"
    await send(ws, {"id": "1", "type": start, "payload": {"query": document, "variables": variables}})
    message = await receive(ws)
    await ws.close()
    assert message["type"] == "error" or message.get("payload", {}).get("errors"), message
    payload = message["payload"]
    errors = payload if isinstance(payload, list) else payload.get("errors", [payload])
    return [error["message"] for error in errors]


@pytest.mark.parametrize("case", QUERY_CASES)
def test_no_suggestion_over_http(locked_down: RunningServer, hardened: RunningServer, case: str) -> None:
    assert any("Did you mean" in message for message in http_messages(hardened, case)), case
    messages = http_messages(locked_down, case)
    assert not any("Did you mean" in message for message in messages), json.dumps(messages)


@pytest.mark.parametrize("protocol, case", [(TRANSPORT, case) for case in ALL_CASES]
                         + [(LEGACY, case) for case in SUBSCRIPTION_CASES])
async def test_no_suggestion_over_websocket(locked_down: RunningServer, hardened: RunningServer,
                                            protocol: str, case: str) -> None:
    assert any("Did you mean" in message for message in await ws_messages(hardened, protocol, case)), case
    messages = await ws_messages(locked_down, protocol, case)
    assert not any("Did you mean" in message for message in messages), json.dumps(messages)
