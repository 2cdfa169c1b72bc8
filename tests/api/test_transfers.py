"""Transfers over the real server: outcomes, the transfer query, subscriptions, and recovery
after the server process is really killed (SIGKILL) between steps."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any
from uuid import uuid4, uuid5

import httpx
import pytest

from api.mutations.transfer_money import TRANSFER_ID_NAMESPACE
from core.bank.transfer_steps import TransferStep
from tests.support.server import RunningServer, start_server, stop_server

from .client import EVENTS_SUBSCRIPTION, Api, events_of, feed, http_api, ws_session
from .conftest import BACKENDS

TRANSFER_FIELDS = ("id status reason refunded amount currency fromAccountId toAccountId "
                   "steps { type streamId position accountId amount refund }")
TRANSFER = f"""mutation($from: ID!, $to: ID!, $amount: Decimal!, $key: String) {{
  transferMoney(input: {{fromAccountId: $from, toAccountId: $to, amount: $amount, idempotencyKey: $key}}) {{
    __typename ... on TransferSuccess {{ replayed transfer {{ {TRANSFER_FIELDS} }}
      events {{ type streamId eventId position metadata }} }}
    ... on Error {{ code message }} }} }}"""
QUERY = f"query($id: ID!) {{ transfer(id: $id) {{ {TRANSFER_FIELDS} }} }}"


async def transfer(api: Api, source: str, target: str, amount: str, key: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = (await api.run(TRANSFER, **{"from": source, "to": target, "amount": amount,
                                                         "key": key}))["transferMoney"]
    return result


async def balance(api: Api, account_id: str) -> str:
    account = await api.account(account_id)
    assert account is not None
    return str(account["balance"])


async def test_a_transfer_completes_with_linked_events(api: Api) -> None:
    source, target = (await api.opened("100"))["id"], (await api.opened())["id"]

    result = await transfer(api, source, target, "25.50")

    assert result["__typename"] == "TransferSuccess"
    moved = result["transfer"]
    assert (moved["status"], moved["amount"], moved["currency"]) == ("COMPLETED", "25.50", "EUR")
    types = ["TransferRequested", "MoneyWithdrawn", "TransferDebited", "MoneyDeposited", "TransferCompleted"]
    assert [e["type"] for e in result["events"]] == [s["type"] for s in moved["steps"]] == types
    events = result["events"]
    assert events[1]["metadata"]["causation_id"] == events[0]["eventId"]
    assert (await balance(api, source), await balance(api, target)) == ("74.50", "25.50")
    assert (await api.run(QUERY, id=moved["id"]))["transfer"] == moved


async def test_refused_steps_fail_the_transfer(api: Api) -> None:
    poor, target = (await api.opened("10"))["id"], (await api.opened())["id"]
    rich, dollars = (await api.opened("100"))["id"], (await api.opened(currency="USD"))["id"]

    debit_refused = (await transfer(api, poor, target, "20"))["transfer"]
    credit_refused = (await transfer(api, rich, dollars, "20"))["transfer"]
    missing = await transfer(api, str(uuid4()), target, "1")
    same = await transfer(api, rich, rich, "1")

    assert (debit_refused["status"], debit_refused["reason"], debit_refused["refunded"]) == (
        "FAILED", "INSUFFICIENT_FUNDS", False)
    assert (credit_refused["status"], credit_refused["reason"], credit_refused["refunded"]) == (
        "FAILED", "CURRENCY_MISMATCH", True)
    assert [s["refund"] for s in credit_refused["steps"] if s["type"] == "MoneyDeposited"] == [True]
    assert (await balance(api, poor), await balance(api, rich)) == ("10.00", "100.00")
    assert (missing["__typename"], same["__typename"]) == ("AccountNotFound", "ValidationFailed")


MISSING_FIELDS = """mutation($from: ID!, $to: ID!) {
  transferMoney(input: {fromAccountId: $from, toAccountId: $to, amount: "1"}) {
    __typename ... on AccountNotFound { code message accountId field }
    ... on TransferSuccess { transfer { status reason refunded } } } }"""


async def test_a_missing_account_says_which_one(api: Api) -> None:
    source, ghost = (await api.opened("10"))["id"], str(uuid4())

    no_source = (await api.run(MISSING_FIELDS, **{"from": ghost, "to": source}))["transferMoney"]
    bad_target = (await api.run(MISSING_FIELDS, **{"from": source, "to": "nope"}))["transferMoney"]
    no_target = (await api.run(MISSING_FIELDS, **{"from": source, "to": ghost}))["transferMoney"]

    assert no_source == {"__typename": "AccountNotFound", "code": "ACCOUNT_NOT_FOUND", "accountId": ghost,
                         "field": "fromAccountId",
                         "message": f"source account {ghost} does not exist"}
    assert bad_target == {"__typename": "AccountNotFound", "code": "ACCOUNT_NOT_FOUND", "accountId": "nope",
                          "field": "toAccountId", "message": "target account nope does not exist"}
    # a well-formed id of no account: the saga's credit step refuses and the source is refunded
    assert no_target["transfer"] == {"status": "FAILED", "reason": "ACCOUNT_NOT_FOUND", "refunded": True}
    assert await balance(api, source) == "10.00"


async def test_a_retried_transfer_replays(api: Api) -> None:
    source, target = (await api.opened("100"))["id"], (await api.opened())["id"]
    key = f"t-{uuid4()}"

    first = await transfer(api, source, target, "10", key)
    second = await transfer(api, source, target, "10.00", key)

    assert (second["replayed"], second["transfer"]["id"]) == (True, first["transfer"]["id"])
    assert [e["eventId"] for e in second["events"]] == [e["eventId"] for e in first["events"]]
    assert await balance(api, source) == "90.00"


async def test_transfer_events_appear_in_subscriptions(api: Api, server: RunningServer) -> None:
    source, target = (await api.opened("100"))["id"], (await api.opened())["id"]
    head = await api.head()
    async with ws_session(server, "graphql-transport-ws") as session, \
            feed(session, EVENTS_SUBSCRIPTION, after=head) as events:
        result = await transfer(api, source, target, "1")
        stream = f"transfer-{result['transfer']['id']}"
        seen = await events_of(events, stream, 3)
    assert [e["type"] for e in seen] == ["TransferRequested", "TransferDebited", "TransferCompleted"]


# --- crash recovery ----------------------------------------------------------------------------

CRASHES = [(TransferStep.REQUESTED, False), (TransferStep.DEBIT, False), (TransferStep.DEBITED, False),
           (TransferStep.CREDIT, False), (TransferStep.DEBITED, True), (TransferStep.REFUND, True)]


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize(("step", "refused"), CRASHES)
async def test_a_transfer_killed_after_a_step_is_finished_at_the_next_start(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str, step: str, refused: bool) -> None:
    url = BACKENDS[backend](request, tmp_path)
    crashing = start_server(url, tmp_path / "crash.log", env={"CHRONICLE_TEST_CRASH_AFTER": step})
    key = f"crash-{uuid4()}"
    transfer_id = str(uuid5(TRANSFER_ID_NAMESPACE, key))
    try:
        async with http_api(crashing) as api:
            source = (await api.opened("100"))["id"]
            target = str(uuid4()) if refused else (await api.opened("5"))["id"]
            with pytest.raises(Exception):  # noqa: B017 - the connection drops; the client's exception type varies
                await transfer(api, source, target, "30", key)
        await asyncio.to_thread(crashing.process.wait, 10)
        assert crashing.process.returncode == -signal.SIGKILL, crashing.log()
        assert f"TEST-ONLY FAULT INJECTION IS ON: CHRONICLE_TEST_CRASH_AFTER={step}" in crashing.log()
    finally:
        stop_server(crashing, kill=True)

    restarted = start_server(url, tmp_path / "restart.log")
    try:
        async with http_api(restarted) as api:
            moved = (await api.run(QUERY, id=transfer_id))["transfer"]
            assert moved["status"] == ("FAILED" if refused else "COMPLETED"), restarted.log()
            assert await balance(api, source) == ("100.00" if refused else "70.00")
            if not refused:
                assert await balance(api, target) == "35.00"
            assert len(moved["steps"]) == 5
            assert len({s["position"] for s in moved["steps"]}) == 5
        assert "interrupted transfer" in restarted.log()
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{restarted.base_url}/readyz")).json()["ready"] is True
    finally:
        stop_server(restarted)


def test_a_crash_step_that_names_no_transfer_step_is_refused_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="server exited") as refused:
        start_server(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "server.log",
                     env={"CHRONICLE_TEST_CRASH_AFTER": "debitted"})
    assert "invalid setting CHRONICLE_TEST_CRASH_AFTER" in str(refused.value)
    assert all(f"'{step}'" in str(refused.value) for step in TransferStep)
