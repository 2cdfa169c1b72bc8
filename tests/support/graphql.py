"""Small GraphQL clients for API tests: HTTP (httpx) and WebSocket (gql)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
from gql import Client
from gql.client import AsyncClientSession
from gql.transport.websockets import WebsocketsTransport

from tests.support.server import RunningServer

GRAPHQL_TRANSPORT_WS = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL

EVENT_FIELDS = """
    eventId streamId version position type schemaVersion data metadata recordedAt
    correlationId causationId commandId actor
"""


async def execute(server: RunningServer, query: str, variables: Mapping[str, Any] | None = None,
                  headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """POST ``query`` and return the whole response body; fails on HTTP errors or GraphQL errors."""
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(server.http_url, json={"query": query, "variables": variables or {}},
                                     headers=dict(headers or {}))
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]  # type: ignore[no-any-return]


async def post(server: RunningServer, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """POST ``query`` and return the raw response body (data and errors)."""
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(server.http_url, json={"query": query, "variables": variables or {}})
    return response.json()  # type: ignore[no-any-return]


OPEN_ACCOUNT = """
mutation($owner: String!) {
  openAccount(input: {owner: $owner, currency: "EUR"}) {
    __typename
    ... on AccountSuccess { account { id version } events { EVENT_FIELDS } }
  }
}
""".replace("EVENT_FIELDS", EVENT_FIELDS)


async def open_account(server: RunningServer, owner: str = "Ada",
                       headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Open a EUR account and return the ``AccountSuccess`` payload."""
    data = await execute(server, OPEN_ACCOUNT, {"owner": owner}, headers)
    assert data["openAccount"]["__typename"] == "AccountSuccess", data
    return data["openAccount"]  # type: ignore[no-any-return]


DEPOSIT = """
mutation($id: ID!, $amount: Decimal!, $reference: String) {
  deposit(input: {accountId: $id, amount: $amount, reference: $reference}) {
    __typename
    ... on AccountSuccess { account { balance version } events { EVENT_FIELDS } }
    ... on Error { code message }
    ... on ValidationFailed { field }
  }
}
""".replace("EVENT_FIELDS", EVENT_FIELDS)


async def deposit(server: RunningServer, account_id: str, amount: str,
                  reference: str | None = None) -> dict[str, Any]:
    """Deposit and return the mutation's result member."""
    data = await execute(server, DEPOSIT, {"id": account_id, "amount": amount, "reference": reference})
    return data["deposit"]  # type: ignore[no-any-return]


@contextlib.asynccontextmanager
async def websocket(server: RunningServer, subprotocol: str = GRAPHQL_TRANSPORT_WS,
                    init_payload: dict[str, Any] | None = None) -> AsyncIterator[AsyncClientSession]:
    """A gql session over one WebSocket speaking ``subprotocol``."""
    transport = WebsocketsTransport(url=server.ws_url, subprotocols=[subprotocol],
                                    init_payload=init_payload or {})
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        yield session
