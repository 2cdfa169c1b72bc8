"""The "other client": plain HTTP GraphQL calls made beside the browser."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.server import RunningServer

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


def open_account(server: RunningServer, owner: str, currency: str = "EUR", overdraft: str = "0") -> dict[str, Any]:
    """Open an account over HTTP and return the ``AccountSuccess`` account."""
    data = graphql(server, f"""mutation($input: OpenAccountInput!) {{
        result: openAccount(input: $input) {{ {ACCOUNT_RESULT} }} }}""",
                   {"input": {"owner": owner, "currency": currency, "overdraftLimit": overdraft}})
    assert data["result"]["__typename"] == "AccountSuccess", data
    account: dict[str, Any] = data["result"]["account"]
    return account


def deposit(server: RunningServer, account_id: str, amount: str) -> dict[str, Any]:
    """Deposit over HTTP and return the ``AccountSuccess`` account."""
    data = graphql(server, f"""mutation($input: DepositInput!) {{
        result: deposit(input: $input) {{ {ACCOUNT_RESULT} }} }}""",
                   {"input": {"accountId": account_id, "amount": amount}})
    assert data["result"]["__typename"] == "AccountSuccess", data
    account: dict[str, Any] = data["result"]["account"]
    return account


def head_position(server: RunningServer) -> int:
    """The position of the newest event (0 when the log is empty)."""
    body = httpx.get(f"{server.base_url}/readyz", timeout=5.0).json()
    return int(body["head"] or 0)
