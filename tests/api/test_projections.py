"""Projections: a rebuild from the log gives exactly the live rows; every projection is caught up."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from tests.api.client import ACCOUNT_FIELDS, TRANSACTION_FIELDS, Api, success
from tests.support.server import ROOT

CLI_TIMEOUT = 30.0


async def _chronicle(*args: str) -> str:
    """Run ``python -m api <args>`` (the ``chronicle`` CLI) and return its output; it must succeed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api", *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"})
    try:
        async with asyncio.timeout(CLI_TIMEOUT):
            output, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    text = output.decode(errors="replace")
    assert process.returncode == 0, text
    return text


async def _snapshot(api: Api) -> dict[str, Any]:
    """Every row of the accounts, transactions and daily totals read models, via GraphQL."""
    accounts = await api.all_nodes("accounts", ACCOUNT_FIELDS)
    transactions = await asyncio.gather(*(api.all_nodes("transactions", TRANSACTION_FIELDS, accountId=a["id"])
                                          for a in accounts))
    totals = await api.all_nodes("dailyTotals", "day currency deposits withdrawals count")
    return {"accounts": accounts, "transactions": transactions, "dailyTotals": totals}


async def _projections(api: Api) -> dict[str, dict[str, int]]:
    statuses = (await api.run("{ projections { name checkpoint head lag } }"))["projections"]
    return {s.pop("name"): s for s in statuses}


async def test_rebuild_gives_the_live_rows(api: Api, store_url: str) -> None:
    account = await api.opened(currency="JPY", overdraftLimit="500", deposit="1000")
    success(await api.withdraw(account["id"], "1200"))
    closing = await api.opened(deposit="3.50")
    success(await api.withdraw(closing["id"], "3.50"))
    success(await api.close(closing["id"]))
    live = await _snapshot(api)

    output = await _chronicle("projections", "rebuild", "--store-url", store_url)
    assert "rebuilt" in output

    assert await _snapshot(api) == live
    assert all(s["lag"] == 0 for s in (await _projections(api)).values())
    # the server still appends and projects after the rebuild
    assert success(await api.deposit(account["id"], "1"))["account"]["balance"] == "-199"
    assert (await api.account(account["id"]))["balance"] == "-199"


async def test_projections_are_caught_up(api: Api, store_url: str) -> None:
    await api.opened(deposit="1")
    statuses = await _projections(api)
    head = await api.head()
    assert set(statuses) >= {"accounts", "transactions", "daily_totals"}
    assert all(s == {"checkpoint": head, "head": head, "lag": 0} for s in statuses.values()), statuses

    output = await _chronicle("projections", "status", "--store-url", store_url)
    rows = {line.split()[0]: line.split() for line in _table_rows(output)}
    assert set(rows) == set(statuses), output
    assert all(row[1:] == [str(head), str(head), "0"] for row in rows.values()), output


def _table_rows(output: str) -> list[str]:
    """The data rows of a rich table, with the box-drawing characters turned into spaces."""
    table = str.maketrans({c: " " for c in "│┃║|"})
    lines = [line.translate(table).strip() for line in output.splitlines()]
    return [line for line in lines if line and line.split()[-1].isdigit()]

