"""The live ledger page at GET /, in a real headless chromium."""

from __future__ import annotations

import time
from typing import Any

from tests.browser.client import deposit, open_account
from tests.browser.conftest import PageGuard, save_screenshot
from tests.support.server import RunningServer


def _open_ledger(page: Any, server: RunningServer) -> None:
    page.goto(server.base_url + "/")
    page.wait_for_selector('#status[data-state="live"]')


def _balance_cell(account_id: str) -> str:
    return f'#accounts tr[data-account-id="{account_id}"] td.balance'


def test_ledger_shows_deposit_from_another_client_within_a_second(
        guarded_page: tuple[Any, PageGuard], web_server: RunningServer) -> None:
    page, guard = guarded_page
    account = open_account(web_server, "Katherine Johnson")
    _open_ledger(page, web_server)
    page.wait_for_selector(_balance_cell(account["id"]))
    assert page.text_content(_balance_cell(account["id"])) == account["balance"]

    started = time.monotonic()
    after = deposit(web_server, account["id"], "250.75")
    page.wait_for_function(
        "([sel, want]) => document.querySelector(sel)?.textContent === want",
        arg=[_balance_cell(account["id"]), after["balance"]], timeout=1_000)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"deposit took {elapsed:.3f}s to show"
    page.wait_for_selector(f'#feed li[data-type="MoneyDeposited"][data-stream-id$="{account["id"]}"]', timeout=1_000)
    save_screenshot(page, "ledger-live")
    assert not guard.problems()


def test_ledger_form_opens_deposits_and_shows_insufficient_funds(
        guarded_page: tuple[Any, PageGuard], web_server: RunningServer) -> None:
    page, guard = guarded_page
    _open_ledger(page, web_server)

    page.fill("#open-form [name=owner]", "Alan Turing")
    page.fill("#open-form [name=currency]", "EUR")
    page.fill("#open-form [name=overdraftLimit]", "20")
    page.click("#open-form button[type=submit]")
    row = page.wait_for_selector('#accounts tr:has(td.owner a:text-is("Alan Turing"))')
    account_id = row.get_attribute("data-account-id")
    assert account_id
    assert page.input_value("#deposit-form [name=accountId]") == account_id

    page.fill("#deposit-form [name=amount]", "100")
    page.click("#deposit-form button[type=submit]")
    page.wait_for_function("sel => document.querySelector(sel)?.textContent === '100.00'",
                           arg=_balance_cell(account_id))

    page.select_option("#withdraw-form [name=accountId]", account_id)
    page.fill("#withdraw-form [name=amount]", "120.01")  # balance 100 + overdraft 20 < 120.01
    page.click("#withdraw-form button[type=submit]")
    error = page.wait_for_selector('#error[data-code="INSUFFICIENT_FUNDS"]:not([hidden])')
    text = error.inner_text()
    assert "Insufficient funds" in text
    assert "INSUFFICIENT_FUNDS" in text
    assert page.text_content(_balance_cell(account_id)) == "100.00"  # nothing was withdrawn
    save_screenshot(page, "ledger")
    assert not guard.problems()
