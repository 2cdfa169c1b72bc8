"""Mutations over HTTP: the account lifecycle and every error member of the result unions."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from tests.api.client import Api, refused, success


async def test_open_deposit_withdraw_close_returns_account_and_events(api: Api) -> None:
    opened = success(await api.open_account(owner="  Ada Lovelace ", currency="eur", overdraftLimit="50"))
    account = opened["account"]
    assert opened["replayed"] is False
    assert (account["owner"], account["currency"], account["status"]) == ("Ada Lovelace", "EUR", "OPEN")
    assert (account["balance"], account["overdraftLimit"], account["version"]) == ("0.00", "50.00", 1)
    [event] = opened["events"]
    account_id = account["id"]
    stream_id = f"account-{account_id}"
    assert (event["type"], event["streamId"], event["version"]) == ("AccountOpened", stream_id, 1)
    assert event["data"] == {"account_id": account_id, "owner": "Ada Lovelace", "currency": "EUR",
                             "overdraft_limit": "50.00"}
    assert event["position"] >= 1

    deposited = success(await api.deposit(account_id, "100.25"))
    [deposit] = deposited["events"]
    assert (deposit["type"], deposit["version"], deposit["data"]["amount"]) == ("MoneyDeposited", 2, "100.25")
    assert deposit["position"] > event["position"]
    assert (deposited["account"]["balance"], deposited["account"]["version"]) == ("100.25", 2)

    withdrawn = success(await api.withdraw(account_id, "120.25", expectedVersion=2))
    [withdrawal] = withdrawn["events"]
    assert (withdrawal["type"], withdrawal["version"]) == ("MoneyWithdrawn", 3)
    assert withdrawal["position"] > deposit["position"]
    assert withdrawn["account"]["balance"] == "-20.00"

    success(await api.deposit(account_id, "20"))
    closed = success(await api.close(account_id))
    [closing] = closed["events"]
    assert (closing["type"], closing["version"]) == ("AccountClosed", 5)
    assert (closed["account"]["status"], closed["account"]["version"]) == ("CLOSED", 5)
    assert [e["version"] for e in await api.stream(account_id)] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(("currency", "amount", "balance"), [("JPY", "1500", "1500"), ("BHD", "1.125", "1.125")])
async def test_amounts_follow_the_currency_minor_units(api: Api, currency: str, amount: str, balance: str) -> None:
    account = await api.opened(currency=currency, deposit=amount)
    assert account["balance"] == balance


@pytest.mark.parametrize(("amount", "reason"), [
    ("0", "zero"), ("-5", "negative"), ("1.001", "too many decimals"), ("1000000000000.01", "above max"),
])
@pytest.mark.parametrize("mutation", ["deposit", "withdraw"])
async def test_bad_amounts_are_validation_failed(api: Api, mutation: str, amount: str, reason: str) -> None:
    account = await api.opened(deposit="10")
    result = await api.mutate(mutation, accountId=account["id"], amount=amount)
    assert refused(result, "ValidationFailed", "VALIDATION_FAILED")["field"] == "amount", reason
    assert (await api.account(account["id"]))["version"] == account["version"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"owner": "   "}, "owner"),
    ({"owner": "x" * 201}, "owner"),
    ({"owner": "nul\u0000byte"}, "owner"),
    ({"owner": "Ada\u202eEvil"}, "owner"),
    ({"owner": "tab\tin name"}, "owner"),
    ({"owner": "line\u2028separator"}, "owner"),
    ({"idempotencyKey": "key\u0000with-nul"}, "idempotencyKey"),
    ({"currency": "XYZ"}, "currency"),
    ({"currency": "XAU"}, "currency"),
    ({"overdraftLimit": "-1"}, "overdraftLimit"),
    ({"overdraftLimit": "0.001"}, "overdraftLimit"),
    ({"idempotencyKey": " "}, "idempotencyKey"),
])
async def test_bad_open_account_input_is_validation_failed(api: Api, fields: dict[str, str], field: str) -> None:
    result = await api.open_account(**fields)
    assert refused(result, "ValidationFailed", "VALIDATION_FAILED")["field"] == field


@pytest.mark.parametrize("account_id", [str(uuid.uuid4()), "not-an-account-id"])
@pytest.mark.parametrize("mutation", ["deposit", "withdraw", "closeAccount"])
async def test_unknown_or_malformed_account_is_account_not_found(api: Api, mutation: str, account_id: str) -> None:
    amount = {} if mutation == "closeAccount" else {"amount": "1"}
    result = await api.mutate(mutation, accountId=account_id, **amount)
    assert refused(result, "AccountNotFound", "ACCOUNT_NOT_FOUND")["accountId"] == account_id


async def test_closed_account_refuses_deposit_withdraw_and_close(api: Api) -> None:
    account = await api.opened()
    success(await api.close(account["id"]))
    for result in (await api.deposit(account["id"], "1"), await api.withdraw(account["id"], "1"),
                   await api.close(account["id"])):
        assert refused(result, "AccountClosed", "ACCOUNT_CLOSED")["accountId"] == account["id"]
    assert (await api.account(account["id"]))["version"] == 2


async def test_withdrawal_beyond_the_overdraft_limit_is_insufficient_funds(api: Api) -> None:
    account = await api.opened(overdraftLimit="50", deposit="20")
    result = refused(await api.withdraw(account["id"], "70.01"), "InsufficientFunds", "INSUFFICIENT_FUNDS")
    assert result["accountId"] == account["id"]
    assert Decimal(result["balance"]) == Decimal("20")
    assert Decimal(result["amount"]) == Decimal("70.01")
    assert Decimal(result["overdraftLimit"]) == Decimal("50")
    assert success(await api.withdraw(account["id"], "70"))["account"]["balance"] == "-50.00"


async def test_closing_with_money_is_balance_not_zero(api: Api) -> None:
    account = await api.opened(deposit="0.01")
    result = refused(await api.close(account["id"]), "BalanceNotZero", "BALANCE_NOT_ZERO")
    assert (result["accountId"], Decimal(result["balance"])) == (account["id"], Decimal("0.01"))


@pytest.mark.parametrize("mutation", ["deposit", "withdraw", "closeAccount"])
async def test_stale_expected_version_is_concurrency_conflict(api: Api, mutation: str) -> None:
    account = await api.opened(deposit="5")  # version 2
    amount = {} if mutation == "closeAccount" else {"amount": "1"}
    result = await api.mutate(mutation, accountId=account["id"], expectedVersion=1, **amount)
    conflict = refused(result, "ConcurrencyConflict", "CONCURRENCY_CONFLICT")
    assert (conflict["expectedVersion"], conflict["actualVersion"]) == (1, 2)
    assert (await api.account(account["id"]))["version"] == 2
