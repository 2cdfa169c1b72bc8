"""Small helpers around the ``gql`` client for driving the real server.

- :class:`Api`: a gql session over HTTP (aiohttp) with Chronicle's operations.
- :func:`ws_session`: a gql session over WebSocket with a chosen subprotocol.
- :class:`Feed`: a running subscription whose results are awaited with a timeout.

Every wait is bounded; clients are closed on exit so aiohttp and websockets
leave no unclosed-session warnings behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from tests.support.server import RunningServer

TIMEOUT = 10.0
"""Seconds any single wait on the server may take before the test fails."""

PROTOCOLS = {
    "graphql-transport-ws": WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL,
    "graphql-ws": WebsocketsTransport.APOLLO_SUBPROTOCOL,
}

ACCOUNT_FIELDS = "id owner currency balance overdraftLimit status version openedAt updatedAt"
EVENT_FIELDS = "eventId streamId version position type data metadata recordedAt"
TRANSACTION_FIELDS = "accountId position version kind amount currency balanceAfter recordedAt"
PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"

MEMBER_FIELDS = {
    "AccountSuccess": f"replayed account {{ {ACCOUNT_FIELDS} }} events {{ {EVENT_FIELDS} }}",
    "ValidationFailed": "field",
    "AccountNotFound": "accountId",
    "AccountClosed": "accountId",
    "InsufficientFunds": "accountId balance amount overdraftLimit",
    "BalanceNotZero": "accountId balance",
    "ConcurrencyConflict": "expectedVersion actualVersion",
    "IdempotencyKeyReused": "idempotencyKey",
}
"""The fields selected from each result-union member."""

RESULT_MEMBERS = {
    "openAccount": ("AccountSuccess", "ValidationFailed", "IdempotencyKeyReused"),
    "deposit": ("AccountSuccess", "ValidationFailed", "AccountNotFound", "AccountClosed",
                "ConcurrencyConflict", "IdempotencyKeyReused"),
    "withdraw": ("AccountSuccess", "ValidationFailed", "AccountNotFound", "AccountClosed",
                 "InsufficientFunds", "ConcurrencyConflict", "IdempotencyKeyReused"),
    "closeAccount": ("AccountSuccess", "AccountNotFound", "AccountClosed", "BalanceNotZero",
                     "ConcurrencyConflict", "IdempotencyKeyReused"),
}
"""The union members of each mutation (docs/architecture.md §6)."""

INPUT_TYPES = {"openAccount": "OpenAccountInput", "deposit": "DepositInput",
               "withdraw": "WithdrawInput", "closeAccount": "CloseAccountInput"}


def mutation_document(name: str) -> str:
    """Return ``mutation($input: ...) { name(input: $input) { ...every member } }``."""
    members = " ".join(f"... on {member} {{ {MEMBER_FIELDS[member]} }}" for member in RESULT_MEMBERS[name])
    return (f"mutation($input: {INPUT_TYPES[name]}!) {{ result: {name}(input: $input) "
            f"{{ __typename ... on Error {{ code message }} {members} }} }}")


def request(document: str, **variables: Any) -> GraphQLRequest:
    """Return a gql request for ``document`` with ``variables`` (None values dropped)."""
    values = {k: v for k, v in variables.items() if v is not None}
    return GraphQLRequest(document, variable_values=values or None)


class Api:
    """Chronicle's operations over a gql HTTP session; results are plain dicts."""

    def __init__(self, session: AsyncClientSession) -> None:
        self.session = session

    async def run(self, document: str, **variables: Any) -> dict[str, Any]:
        """Execute and return ``data``; top-level errors raise ``TransportQueryError``."""
        async with asyncio.timeout(TIMEOUT):
            return await self.session.execute(request(document, **variables))

    async def errors(self, document: str, **variables: Any) -> list[dict[str, Any]]:
        """Execute a request that must fail and return its top-level ``errors``."""
        try:
            data = await self.run(document, **variables)
        except TransportQueryError as error:
            assert error.errors, error
            return error.errors
        raise AssertionError(f"expected top-level errors, got data {data}")

    async def mutate(self, name: str, **fields: Any) -> dict[str, Any]:
        """Run mutation ``name`` with ``input`` built from ``fields`` and return its result member."""
        values = {k: v for k, v in fields.items() if v is not None}
        return (await self.run(mutation_document(name), input=values))["result"]

    async def open_account(self, owner: str = "Ada", currency: str = "EUR", **fields: Any) -> dict[str, Any]:
        return await self.mutate("openAccount", owner=owner, currency=currency, **fields)

    async def deposit(self, account_id: str, amount: str, **fields: Any) -> dict[str, Any]:
        return await self.mutate("deposit", accountId=account_id, amount=amount, **fields)

    async def withdraw(self, account_id: str, amount: str, **fields: Any) -> dict[str, Any]:
        return await self.mutate("withdraw", accountId=account_id, amount=amount, **fields)

    async def close(self, account_id: str, **fields: Any) -> dict[str, Any]:
        return await self.mutate("closeAccount", accountId=account_id, **fields)

    async def opened(self, deposit: str | None = None, **fields: Any) -> dict[str, Any]:
        """Open an account (and deposit ``deposit`` into it); return the account after it."""
        result = success(await self.open_account(**fields))
        if deposit is not None:
            result = success(await self.deposit(result["account"]["id"], deposit))
        return result["account"]

    async def account(self, account_id: str) -> dict[str, Any] | None:
        query = f"query($id: ID!) {{ account(id: $id) {{ {ACCOUNT_FIELDS} }} }}"
        return (await self.run(query, id=account_id))["account"]

    async def stream(self, account_id: str) -> list[dict[str, Any]]:
        """Every event of the account's stream, in version order."""
        query = f"query($s: String!) {{ stream(streamId: $s, first: 100) {{ {EVENT_FIELDS} }} }}"
        return (await self.run(query, s=f"account-{account_id}"))["stream"]

    async def page(self, field: str, node_fields: str, *, arguments: str = "", first: int | None = None,
                   after: str | None = None, **variables: Any) -> dict[str, Any]:
        """One page of connection ``field``: ``{edges: [{cursor, node}], pageInfo}``."""
        declared = "".join(f", ${k}: {t}" for k, t in CONNECTION_VARIABLES.items() if k in variables)
        passed = "".join(f", {k}: ${k}" for k in variables)
        query = (f"query($first: Int, $after: String{declared}) {{ page: {field}(first: $first, after: $after"
                 f"{passed}{arguments}) {{ edges {{ cursor node {{ {node_fields} }} }} {PAGE_INFO} }} }}")
        return (await self.run(query, first=first, after=after, **variables))["page"]

    async def all_nodes(self, field: str, node_fields: str, **variables: Any) -> list[dict[str, Any]]:
        """Every node of connection ``field``, following ``endCursor`` page by page."""
        nodes: list[dict[str, Any]] = []
        after = None
        while True:
            page = await self.page(field, node_fields, first=100, after=after, **variables)
            nodes += [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return nodes
            after = page["pageInfo"]["endCursor"]

    async def transactions(self, account_id: str) -> list[dict[str, Any]]:
        return await self.all_nodes("transactions", TRANSACTION_FIELDS, accountId=account_id)

    async def daily_totals(self, currency: str | None = None) -> list[dict[str, Any]]:
        return await self.all_nodes("dailyTotals", "day currency deposits withdrawals count", currency=currency)

    async def head(self) -> int:
        """The position of the last event in the log (0 when empty)."""
        statuses = (await self.run("{ projections { head } }"))["projections"]
        return int(statuses[0]["head"])


CONNECTION_VARIABLES = {"accountId": "ID!", "currency": "String", "status": "AccountStatus", "types": "[String!]"}
"""Types of the extra connection arguments :meth:`Api.page` may pass."""


def success(result: dict[str, Any]) -> dict[str, Any]:
    """Assert a mutation result is ``AccountSuccess`` and return it."""
    assert result["__typename"] == "AccountSuccess", result
    return result


def refused(result: dict[str, Any], typename: str, code: str) -> dict[str, Any]:
    """Assert a mutation result is the error member ``typename`` with ``code`` and return it."""
    assert result["__typename"] == typename, result
    assert result["code"] == code, result
    assert result["message"], result
    return result


def error_codes(errors: list[dict[str, Any]]) -> list[str]:
    """The ``extensions.code`` of each top-level error."""
    return [(error.get("extensions") or {}).get("code") for error in errors]


@contextlib.asynccontextmanager
async def http_api(server: RunningServer) -> AsyncIterator[Api]:
    """An :class:`Api` over a fresh aiohttp transport, closed on exit."""
    transport = AIOHTTPTransport(url=server.http_url, timeout=int(TIMEOUT))
    async with Client(transport=transport, execute_timeout=TIMEOUT) as session:
        yield Api(session)


@contextlib.asynccontextmanager
async def ws_session(server: RunningServer, protocol: str) -> AsyncIterator[AsyncClientSession]:
    """A gql session over a WebSocket speaking ``protocol`` (a :data:`PROTOCOLS` key), closed on exit."""
    transport = WebsocketsTransport(url=server.ws_url, subprotocols=[PROTOCOLS[protocol]],
                                    connect_timeout=TIMEOUT, close_timeout=TIMEOUT, ack_timeout=TIMEOUT)
    async with Client(transport=transport, execute_timeout=TIMEOUT) as session:
        assert transport.subprotocol == PROTOCOLS[protocol]
        yield session


class Feed:
    """A subscription consumed in the background; :meth:`next` awaits one result with a timeout."""

    def __init__(self, session: AsyncClientSession, document: str, **variables: Any) -> None:
        self._queue: asyncio.Queue[dict[str, Any] | BaseException] = asyncio.Queue()
        self._task = asyncio.create_task(self._consume(session, request(document, **variables)))

    async def _consume(self, session: AsyncClientSession, subscription: GraphQLRequest) -> None:
        try:
            async for result in session.subscribe(subscription):
                self._queue.put_nowait(result)
        except Exception as error:
            self._queue.put_nowait(error)

    async def next(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next result; raises what the subscription raised, or ``TimeoutError``."""
        async with asyncio.timeout(timeout):
            item = await self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    async def close(self) -> None:
        """Stop the subscription (the client tells the server) and wait for it."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@contextlib.asynccontextmanager
async def feed(session: AsyncClientSession, document: str, **variables: Any) -> AsyncIterator[Feed]:
    """A :class:`Feed` stopped on exit."""
    running = Feed(session, document, **variables)
    try:
        yield running
    finally:
        await running.close()


EVENTS_SUBSCRIPTION = f"subscription($after: Int) {{ e: events(afterPosition: $after) {{ {EVENT_FIELDS} }} }}"
ACCOUNT_EVENTS_SUBSCRIPTION = (f"subscription($id: ID!, $after: Int) {{ e: accountEvents(accountId: $id, "
                               f"afterVersion: $after) {{ {EVENT_FIELDS} }} }}")


async def events_of(source: Feed, stream_id: str, count: int, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
    """The next ``count`` events of ``stream_id`` from a feed (other streams' events are skipped)."""
    found: list[dict[str, Any]] = []
    while len(found) < count:
        event = (await source.next(timeout))["e"]
        if event["streamId"] == stream_id:
            found.append(event)
    return found
