"""The live ledger against a server that requires tokens (anonymous access off)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.browser.client import ACCOUNT_RESULT
from tests.browser.conftest import PageGuard, save_screenshot
from tests.security.conftest import SECRET, token
from tests.support.server import RunningServer, running_server


@pytest.fixture(scope="module")
def secured_web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A real server with an HS256 key and anonymous access off."""
    directory = tmp_path_factory.mktemp("browser-secured")
    env = {"CHRONICLE_JWT_SECRET": SECRET, "CHRONICLE_ALLOW_ANONYMOUS": "false", "CHRONICLE_POLL_INTERVAL": "0.2"}
    with running_server(f"sqlite:///{directory / 'chronicle.db'}", directory / "server.log", env=env) as server:
        yield server


def _mutate(server: RunningServer, bearer: str, field: str, input_type: str, values: dict[str, Any]) -> Any:
    response = httpx.post(server.http_url, headers={"authorization": f"Bearer {bearer}"}, timeout=10.0, json={
        "query": f"mutation($input: {input_type}!) {{ result: {field}(input: $input) {{ {ACCOUNT_RESULT} }} }}",
        "variables": {"input": values}})
    body = response.json()
    assert not body.get("errors"), body
    assert body["data"]["result"]["__typename"] == "AccountSuccess", body
    return body["data"]["result"]["account"]


def _balance_cell(account_id: str) -> str:
    return f'#accounts tr[data-account-id="{account_id}"] td.balance'


def test_ledger_asks_for_a_token_then_lists_accounts_and_live_deposits(
        guarded_page: tuple[Any, PageGuard], secured_web_server: RunningServer) -> None:
    page, guard = guarded_page
    server = secured_web_server
    teller = token("other-client", ["teller"])
    account = _mutate(server, teller, "openAccount", "OpenAccountInput", {"owner": "Grace Hopper", "currency": "EUR"})

    page.goto(server.base_url + "/")
    needed = page.wait_for_selector("#auth-needed:not([hidden])")
    assert "requires an access token" in needed.inner_text()
    assert page.is_hidden("#no-accounts")
    assert page.is_hidden("#error")  # no "Initial load failed … retrying…"
    save_screenshot(page, "ledger-token-needed")

    page.fill("#token-form [name=token]", token("ledger-user", ["teller", "auditor"]))
    page.click("#token-form button[type=submit]")
    page.wait_for_selector('#status[data-state="live"]')
    page.wait_for_selector(_balance_cell(account["id"]))
    assert page.is_hidden("#auth-needed")
    assert page.text_content(_balance_cell(account["id"])) == "0.00"
    assert page.evaluate("() => sessionStorage.getItem('chronicle.accessToken')")

    after = _mutate(server, teller, "deposit", "DepositInput", {"accountId": account["id"], "amount": "42.50"})
    page.wait_for_function("([sel, want]) => document.querySelector(sel)?.textContent === want",
                           arg=[_balance_cell(account["id"]), after["balance"]], timeout=2_000)
    page.wait_for_selector(f'#feed li[data-type="MoneyDeposited"][data-stream-id$="{account["id"]}"]')

    page.reload()  # the token is kept for this tab
    page.wait_for_selector('#status[data-state="live"]')
    page.wait_for_selector(_balance_cell(account["id"]))
    save_screenshot(page, "ledger-with-token")
    assert not guard.problems()


def test_ledger_says_when_the_token_lacks_a_role(
        guarded_page: tuple[Any, PageGuard], secured_web_server: RunningServer) -> None:
    page, guard = guarded_page
    page.goto(secured_web_server.base_url + "/")
    page.wait_for_selector("#auth-needed:not([hidden])")

    page.fill("#token-form [name=token]", token("teller-only", ["teller"]))
    page.click("#token-form button[type=submit]")

    page.wait_for_function("() => document.querySelector('#auth-needed')?.textContent.includes('lacks a role')")
    assert page.is_hidden("#no-accounts")
    assert not guard.problems()
