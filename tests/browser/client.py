"""The "other client": GraphQL calls made beside the browser, over plain HTTP (httpx) or
with the ``gql`` client (:func:`with_gql`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx

from tests.api.client import Api, http_api
from tests.support.server import RunningServer

T = TypeVar("T")

ACCOUNT_RESULT = """
    __typename
    ... on AccountSuccess { account { id owner balance version } events { position type } }
    ... on Error { code message }
"""


def graphql(server: RunningServer, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST ``query`` to the server and return ``data``; fail on top-level errors."""
    response = httpx.post(server.http_url, json={"query": query, "variables": variables or {}}, timeout=10.0)
    response.raise_for_status()
    body = response.json()
    assert not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


def account_command(server: RunningServer, field: str, input_type: str, values: dict[str, Any]) -> dict[str, Any]:
    """Run mutation ``field(input: values)`` over HTTP and return the ``AccountSuccess`` account."""
    data = graphql(server, f"""mutation($input: {input_type}!) {{
        result: {field}(input: $input) {{ {ACCOUNT_RESULT} }} }}""", {"input": values})
    assert data["result"]["__typename"] == "AccountSuccess", data
    account: dict[str, Any] = data["result"]["account"]
    return account


def open_account(server: RunningServer, owner: str, currency: str = "EUR", overdraft: str = "0") -> dict[str, Any]:
    """Open an account over HTTP and return the ``AccountSuccess`` account."""
    return account_command(server, "openAccount", "OpenAccountInput",
                           {"owner": owner, "currency": currency, "overdraftLimit": overdraft})


def deposit(server: RunningServer, account_id: str, amount: str) -> dict[str, Any]:
    """Deposit over HTTP and return the ``AccountSuccess`` account."""
    return account_command(server, "deposit", "DepositInput", {"accountId": account_id, "amount": amount})


def withdraw(server: RunningServer, account_id: str, amount: str) -> dict[str, Any]:
    """Withdraw over HTTP and return the ``AccountSuccess`` account."""
    return account_command(server, "withdraw", "WithdrawInput", {"accountId": account_id, "amount": amount})


def balance_history(server: RunningServer, account_id: str) -> list[dict[str, Any]]:
    """The account's ``accountHistory`` entries (version, balance, recordedAt), oldest first."""
    data = graphql(server, """query($id: ID!) { accountHistory(id: $id, first: 100) {
        edges { node { version balance recordedAt } } pageInfo { hasNextPage } } }""", {"id": account_id})
    assert not data["accountHistory"]["pageInfo"]["hasNextPage"]
    return [edge["node"] for edge in data["accountHistory"]["edges"]]


def with_gql(server: RunningServer, work: Callable[[Api], Awaitable[T]]) -> T:
    """Run ``work`` with a ``gql`` client session (aiohttp) on the server and return its result.

    The session runs on its own event loop in a worker thread: Playwright's sync API owns
    the main thread's loop.
    """
    async def main() -> T:
        async with http_api(server) as api:
            return await work(api)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result(timeout=30)


def head_position(server: RunningServer) -> int:
    """The position of the newest event (0 when the log is empty)."""
    body = httpx.get(f"{server.base_url}/readyz", timeout=5.0).json()
    return int(body["head"] or 0)
