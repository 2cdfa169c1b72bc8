"""Idempotency keys and concurrent writers over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from decimal import Decimal

import pytest

from tests.api.client import Api, refused, success


@pytest.mark.parametrize("mutation", ["deposit", "withdraw"])
async def test_same_key_same_input_replays_the_first_result(api: Api, mutation: str) -> None:
    account = await api.opened(deposit="100")
    key = f"key-{uuid.uuid4()}"
    first = success(await api.mutate(mutation, accountId=account["id"], amount="10", idempotencyKey=key))
    again = success(await api.mutate(mutation, accountId=account["id"], amount="10", idempotencyKey=key))
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert again["events"] == first["events"]
    assert again["account"]["balance"] == first["account"]["balance"]
    assert [e["eventId"] for e in await api.stream(account["id"])][-1] == first["events"][0]["eventId"]
    assert (await api.account(account["id"]))["version"] == 3
    assert first["events"][0]["metadata"]["idempotency_key"] == key


async def test_same_key_other_input_is_idempotency_key_reused(api: Api) -> None:
    account = await api.opened(deposit="100")
    key = f"key-{uuid.uuid4()}"
    success(await api.deposit(account["id"], "10", idempotencyKey=key))
    before = await api.stream(account["id"])
    reused = refused(await api.deposit(account["id"], "11", idempotencyKey=key),
                     "IdempotencyKeyReused", "IDEMPOTENCY_KEY_REUSED")
    assert reused["idempotencyKey"] == key
    assert await api.stream(account["id"]) == before


async def test_open_account_with_the_same_key_returns_the_same_account(api: Api) -> None:
    key = f"open-{uuid.uuid4()}"
    first = success(await api.open_account(owner="Grace", currency="USD", idempotencyKey=key))
    again = success(await api.open_account(owner="Grace", currency="USD", idempotencyKey=key))
    assert again["account"]["id"] == first["account"]["id"]
    assert (again["replayed"], again["events"]) == (True, first["events"])
    assert len(await api.stream(first["account"]["id"])) == 1
    other = await api.open_account(owner="Someone else", currency="USD", idempotencyKey=key)
    refused(other, "IdempotencyKeyReused", "IDEMPOTENCY_KEY_REUSED")


async def test_concurrent_withdrawals_never_overdraw(api: Api) -> None:
    account = await api.opened(deposit="100")
    results = await asyncio.gather(*(api.withdraw(account["id"], "10") for _ in range(50)))

    assert Counter(r["__typename"] for r in results) == {"AccountSuccess": 10, "InsufficientFunds": 40}
    assert all(r["code"] == "INSUFFICIENT_FUNDS" for r in results if r["__typename"] != "AccountSuccess")
    final = await api.account(account["id"])
    assert (final["balance"], final["version"]) == ("0.00", 12)
    transactions = await api.transactions(account["id"])
    assert len(transactions) == 11
    assert all(Decimal(t["balanceAfter"]) >= 0 for t in transactions)
    assert [t["version"] for t in transactions] == list(range(2, 13))


async def test_a_key_is_not_reusable_on_another_account(api: Api) -> None:
    first, second = await api.opened(), await api.opened()
    key = f"key-{uuid.uuid4()}"
    success(await api.deposit(first["id"], "5", idempotencyKey=key))
    refused(await api.deposit(second["id"], "5", idempotencyKey=key), "IdempotencyKeyReused", "IDEMPOTENCY_KEY_REUSED")
    assert len(await api.stream(second["id"])) == 1


async def test_concurrent_retries_with_one_key_append_once(api: Api) -> None:
    account = await api.opened()
    key = f"key-{uuid.uuid4()}"
    results = await asyncio.gather(*(api.deposit(account["id"], "7", idempotencyKey=key) for _ in range(10)))
    assert {r["__typename"] for r in results} == {"AccountSuccess"}
    assert sorted(r["replayed"] for r in results) == [False] + [True] * 9
    assert len({tuple((e["eventId"], e["position"]) for e in r["events"]) for r in results}) == 1
    assert (await api.account(account["id"]))["balance"] == "7.00"
