"""Queries read the projections: a query right after a mutation sees its effect; lists paginate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.api.client import ACCOUNT_FIELDS, EVENT_FIELDS, TRANSACTION_FIELDS, Api, success


def _day_total(totals: list[dict[str, Any]], day: str) -> dict[str, Any]:
    return next((t for t in totals if t["day"] == day),
                {"day": day, "deposits": "0", "withdrawals": "0", "count": 0})


async def test_a_query_right_after_a_mutation_sees_its_effect(api: Api) -> None:
    account = await api.opened(currency="BHD")
    totals_before = await api.daily_totals("BHD")

    deposited = success(await api.deposit(account["id"], "10.500"))
    assert (await api.account(account["id"])) == deposited["account"]
    withdrawn = success(await api.withdraw(account["id"], "0.125"))
    assert (await api.account(account["id"])) == withdrawn["account"]
    assert withdrawn["account"]["balance"] == "10.375"

    transactions = await api.transactions(account["id"])
    assert [(t["kind"], t["amount"], t["balanceAfter"], t["version"]) for t in transactions] == [
        ("DEPOSIT", "10.500", "10.500", 2), ("WITHDRAWAL", "0.125", "10.375", 3)]
    assert [t["position"] for t in transactions] == [
        deposited["events"][0]["position"], withdrawn["events"][0]["position"]]
    assert {(t["accountId"], t["currency"]) for t in transactions} == {(account["id"], "BHD")}

    day = withdrawn["events"][0]["recordedAt"][:10]
    before, after = _day_total(totals_before, day), _day_total(await api.daily_totals("BHD"), day)
    assert Decimal(after["deposits"]) - Decimal(before["deposits"]) == Decimal("10.5")
    assert Decimal(after["withdrawals"]) - Decimal(before["withdrawals"]) == Decimal("0.125")
    assert after["count"] - before["count"] == 2


async def test_account_is_null_for_unknown_or_malformed_ids(api: Api) -> None:
    assert await api.account("00000000-0000-0000-0000-000000000000") is None
    assert await api.account("not-an-id") is None


async def test_accounts_pages_follow_cursors_without_gap_or_duplicate(api: Api) -> None:
    mine = {(await api.opened(owner=f"pager {i}"))["id"] for i in range(5)}
    closed = await api.opened(owner="pager closed")
    success(await api.close(closed["id"]))

    seen: list[str] = []
    after = None
    previous_has_next = True
    while previous_has_next:
        page = await api.page("accounts", ACCOUNT_FIELDS, first=2, after=after)
        info = page["pageInfo"]
        assert len(page["edges"]) <= 2
        assert info["hasPreviousPage"] is (after is not None)
        if page["edges"]:
            assert (info["startCursor"], info["endCursor"]) == (page["edges"][0]["cursor"],
                                                                 page["edges"][-1]["cursor"])
        seen += [edge["node"]["id"] for edge in page["edges"]]
        after, previous_has_next = info["endCursor"], info["hasNextPage"]
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen)
    assert mine | {closed["id"]} <= set(seen)

    open_ids = {a["id"] for a in await api.all_nodes("accounts", "id status", status="OPEN")}
    closed_ids = {a["id"] for a in await api.all_nodes("accounts", "id status", status="CLOSED")}
    assert mine <= open_ids
    assert closed["id"] in closed_ids - open_ids
    assert open_ids | closed_ids == set(seen)


async def test_transactions_pages(api: Api) -> None:
    account = await api.opened()
    positions = [success(await api.deposit(account["id"], str(i)))["events"][0]["position"] for i in range(1, 6)]

    first = await api.page("transactions", TRANSACTION_FIELDS, first=2, accountId=account["id"])
    assert [e["node"]["position"] for e in first["edges"]] == positions[:2]
    assert [e["cursor"] for e in first["edges"]] == [str(p) for p in positions[:2]]
    assert first["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False,
                                 "startCursor": str(positions[0]), "endCursor": str(positions[1])}
    rest = await api.page("transactions", TRANSACTION_FIELDS, first=3, after=first["pageInfo"]["endCursor"],
                          accountId=account["id"])
    assert [e["node"]["position"] for e in rest["edges"]] == positions[2:]
    assert [e["node"]["balanceAfter"] for e in rest["edges"]] == ["6.00", "10.00", "15.00"]
    assert (rest["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasPreviousPage"]) == (False, True)


async def test_events_pages_by_position(api: Api) -> None:
    account = await api.opened()
    for amount in ("1", "2", "3"):
        success(await api.deposit(account["id"], amount))
    events = await api.stream(account["id"])
    start = events[0]["position"]

    page = await api.page("events", EVENT_FIELDS, first=2, after=str(start - 1))
    assert [e["node"] for e in page["edges"]] == events[:2]  # nothing else was appended in between
    assert page["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": start > 1,
                                "startCursor": str(start), "endCursor": str(start + 1)}
    rest = await api.page("events", EVENT_FIELDS, first=10, after=page["pageInfo"]["endCursor"])
    assert [e["node"] for e in rest["edges"]][:2] == events[2:]

    typed = await api.page("events", "type streamId", first=100, after=str(start - 1), types=["MoneyDeposited"])
    assert [e["node"]["type"] for e in typed["edges"]] == ["MoneyDeposited"] * 3
