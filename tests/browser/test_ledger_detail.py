"""The ledger page as a person uses it: one account's statement, chart and as-of view;
ids told apart; dates; a 375 px phone; a feed whose text never overlaps."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.client import Api, success
from tests.browser.client import balance_history, deposit, open_account, with_gql, withdraw
from tests.browser.conftest import PageGuard, guarded_context_page, save_screenshot
from tests.support.server import RunningServer

PHONE = {"width": 375, "height": 740}

# Every pair of text boxes in a feed item that intersect (more than half a pixel each
# way), and every text box that sticks out of its item. Leaves only (the elements that
# draw text themselves), each cut to what its clipping ancestors (overflow: hidden)
# let show, so a box counts where its text can be seen.
FEED_OVERLAPS = """() => {
  const visible = (e, li) => {
    const r = e.getBoundingClientRect();
    let [left, top, right, bottom] = [r.left, r.top, r.right, r.bottom];
    for (let p = e.parentElement; p && p !== li; p = p.parentElement) {
      if (getComputedStyle(p).overflowX === 'visible') continue;
      const c = p.getBoundingClientRect();
      [left, top, right, bottom] = [Math.max(left, c.left), Math.max(top, c.top),
                                    Math.min(right, c.right), Math.min(bottom, c.bottom)];
    }
    return { left, top, right, bottom, width: right - left, height: bottom - top };
  };
  const problems = [];
  const items = [...document.querySelectorAll('#feed li')];
  for (const li of items) {
    const outer = li.getBoundingClientRect();
    const leaves = [...li.querySelectorAll('*')]
      .filter((e) => e.children.length === 0 && e.textContent.trim())
      .map((e) => ({ name: e.className + ': ' + e.textContent.trim(), r: visible(e, li) }))
      .filter((b) => b.r.width > 0 && b.r.height > 0);
    for (const b of leaves) {
      if (b.r.left < outer.left - 0.5 || b.r.right > outer.right + 0.5)
        problems.push(`#${li.dataset.position} ${b.name} sticks out of its item`);
    }
    for (let i = 0; i < leaves.length; i++) {
      for (let j = i + 1; j < leaves.length; j++) {
        const a = leaves[i].r, b = leaves[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 0.5 && h > 0.5) problems.push(`#${li.dataset.position} ${leaves[i].name} overlaps ${leaves[j].name}`);
      }
    }
  }
  return { items: items.length, problems };
}"""

# Pixels of the chart's canvas in the series' stroke colour (#2458d6, give or take
# antialiasing): proof that a line was drawn, not just an empty frame.
CHART_INK = """() => {
  const canvas = document.querySelector('#balance-chart canvas');
  const ctx = canvas.getContext('2d');
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    if (a > 200 && b > 150 && r < 90 && g < 130) ink++;
  }
  return ink;
}"""

NO_SIDEWAYS_SCROLL = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def _open_detail(page: Any, server: RunningServer, account_id: str) -> None:
    page.goto(f"{server.base_url}/#/accounts/{account_id}")
    page.wait_for_selector('#status[data-state="live"]')
    page.wait_for_selector(f'#detail[data-account-id="{account_id}"] #balance-chart canvas')


def _texts(page: Any, selector: str) -> list[str]:
    texts: list[str] = page.eval_on_selector_all(selector, "els => els.map(e => e.textContent.trim())")
    return texts


def _assert_feed_text_does_not_overlap(page: Any) -> None:
    result = page.evaluate(FEED_OVERLAPS)
    assert result["items"] > 0
    assert not result["problems"], "\n".join(result["problems"])


def _assert_no_sideways_scroll(page: Any, width: int) -> None:
    # A mobile browser zooms out to fit a page that is too wide, which widens
    # innerWidth with it: so innerWidth must also still be the phone's width.
    scroll_width, inner_width = page.evaluate(NO_SIDEWAYS_SCROLL)
    assert scroll_width <= inner_width, f"page is {scroll_width}px wide in a {inner_width}px viewport"
    assert inner_width == width, f"the browser zoomed out to a {inner_width}px layout to fit the page"


def test_account_detail_pages_its_statement_charts_its_history_and_follows_a_gql_client(
        guarded_page: tuple[Any, PageGuard], web_server: RunningServer) -> None:
    page, guard = guarded_page
    account = open_account(web_server, "Dorothy Vaughan", "EUR", "50")
    amounts = [f"{10 + n}.25" for n in range(20)]  # 20 deposits, then one withdrawal: 21 transactions
    for amount in amounts:
        deposit(web_server, account["id"], amount)
    after = withdraw(web_server, account["id"], "30")
    assert after["version"] == 22

    _open_detail(page, web_server, account["id"])
    assert page.text_content("[data-testid=detail-owner]") == "Dorothy Vaughan"
    assert page.text_content("[data-testid=detail-balance]") == after["balance"]
    assert page.text_content("[data-testid=detail-version]") == "22"
    assert account["id"] in page.text_content(".detail-id")

    # The chart: one point per accountHistory entry, drawn.
    history = balance_history(web_server, account["id"])
    page.wait_for_selector(f'#balance-chart[data-points="{len(history)}"]')
    assert page.evaluate("() => window.chronicleLedger.detail.chart.data[1]") == [
        float(entry["balance"]) for entry in history]
    assert page.evaluate(CHART_INK) > 100

    # The statement: the first page of 20, then the rest on "Load more".
    page.wait_for_function("() => document.querySelectorAll('#statement tbody tr').length === 20")
    assert page.is_visible("[data-testid=statement-more]")
    page.click("[data-testid=statement-more]")
    page.wait_for_function("() => document.querySelectorAll('#statement tbody tr').length === 21")
    assert page.is_hidden("[data-testid=statement-more]")
    assert _texts(page, "#statement td.amount")[:2] == ["+10.25", "+11.25"]
    assert _texts(page, "#statement td.amount")[-1] == "\N{MINUS SIGN}30.00"  # a real minus sign
    assert _texts(page, "#statement td.balance-after")[-1] == after["balance"]

    # Another client (gql over HTTP) deposits: balance, statement, chart and feed follow live.
    async def deposit_with_gql(api: Api) -> dict[str, Any]:
        return success(await api.deposit(account["id"], "99.50"))

    started = time.monotonic()
    result = with_gql(web_server, deposit_with_gql)
    latest, position = result["account"], result["events"][0]["position"]
    page.wait_for_function("want => document.querySelector('[data-testid=detail-balance]').textContent === want",
                           arg=latest["balance"], timeout=2_000)
    elapsed = time.monotonic() - started
    page.wait_for_function("() => document.querySelectorAll('#statement tbody tr').length === 22")
    page.wait_for_selector(f'#balance-chart[data-points="{len(history) + 1}"]')
    page.wait_for_selector(f'#feed li[data-type="MoneyDeposited"][data-position="{position}"]')
    assert _texts(page, "#statement td.amount")[-1] == "+99.50"
    assert elapsed < 2.0, f"the deposit took {elapsed:.3f}s to show"
    _assert_feed_text_does_not_overlap(page)
    save_screenshot(page, "ledger-detail")
    assert not guard.problems()


def test_as_of_shows_the_account_at_an_earlier_version_or_time(
        browser: Any, web_server: RunningServer, request: pytest.FixtureRequest) -> None:
    account = open_account(web_server, "Mary Jackson", "USD")
    deposit(web_server, account["id"], "100")          # v2
    time.sleep(1.1)                                       # v3 and later fall in a later second
    deposit(web_server, account["id"], "50")            # v3
    withdraw(web_server, account["id"], "30")           # v4
    history = balance_history(web_server, account["id"])
    assert [h["balance"] for h in history] == ["0.00", "100.00", "150.00", "120.00"]

    # The browser in UTC, so a datetime-local value is the UTC wall clock.
    with guarded_context_page(browser, request.node.name, timezone_id="UTC") as (page, guard):
        _open_detail(page, web_server, account["id"])
        page.wait_for_selector('#balance-chart[data-points="4"]')

        page.fill("#asof-form [name=version]", "2")  # typing picks the "version" mode
        page.click("#asof-form button[type=submit]")
        page.wait_for_selector('[data-testid=asof-banner][data-version="2"]')
        assert page.text_content("[data-testid=detail-balance]") == "100.00"
        assert page.text_content("[data-testid=detail-version]") == "2"
        assert "As of version 2 of 4" in page.inner_text("[data-testid=asof-banner]")
        assert page.eval_on_selector_all("#statement tbody tr.later", "rows => rows.map(r => r.dataset.version)") \
            == ["3", "4"]
        save_screenshot(page, "ledger-as-of-version")

        # A time: the end of the second in which v3 was recorded (v4 may share it).
        v3_at = datetime.fromisoformat(history[2]["recordedAt"]).astimezone(UTC)
        second = v3_at.replace(microsecond=0)
        expected = [h for h in history if datetime.fromisoformat(h["recordedAt"]) < second + timedelta(seconds=1)][-1]
        page.fill("#asof-form [name=time]", second.strftime("%Y-%m-%dT%H:%M:%S"))
        page.click("#asof-form button[type=submit]")
        page.wait_for_selector(f'[data-testid=asof-banner][data-version="{expected["version"]}"]')
        assert page.text_content("[data-testid=detail-balance]") == expected["balance"]

        # Before the account was opened, it did not exist.
        opened = datetime.fromisoformat(history[0]["recordedAt"]).astimezone(UTC).replace(microsecond=0)
        page.fill("#asof-form [name=time]", (opened - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S"))
        page.click("#asof-form button[type=submit]")
        page.wait_for_selector('[data-testid=asof-banner][data-version="0"]')
        assert "did not exist yet" in page.inner_text("[data-testid=asof-banner]")

        # Back to now.
        page.click("[data-testid=asof-banner] button")
        page.wait_for_selector("[data-testid=asof-banner]", state="hidden")
        assert page.text_content("[data-testid=detail-balance]") == "120.00"
        assert page.text_content("[data-testid=detail-version]") == "4"
        assert not guard.problems()


def test_ids_show_the_owner_and_random_tail_with_the_full_id_on_hover_and_a_copy_button(
        browser: Any, web_server: RunningServer, request: pytest.FixtureRequest) -> None:
    # UUIDv7 ids minted together share their timestamp prefix (the first 8 hex digits change
    # every 65.5 s); their random tails tell them apart.
    first = open_account(web_server, "Annie Easley")
    second = open_account(web_server, "Annie Easley")

    with guarded_context_page(browser, request.node.name, permissions=["clipboard-read", "clipboard-write"]) \
            as (page, guard):
        page.goto(web_server.base_url + "/")
        page.wait_for_selector('#status[data-state="live"]')
        tails = []
        for account in (first, second):
            tail = page.wait_for_selector(f'#accounts tr[data-account-id="{account["id"]}"] td.id .tail')
            assert tail.get_attribute("title") == account["id"]
            text = tail.text_content()
            assert text.startswith("…")
            assert account["id"].replace("-", "").endswith(text[1:])
            assert len(text) >= 7
            tails.append(text)
        assert tails[0] != tails[1]
        labels = [page.text_content(f'#deposit-form option[value="{a["id"]}"]') for a in (first, second)]
        assert labels[0] != labels[1]
        assert all(label.startswith("Annie Easley …") for label in labels)

        page.click(f'#accounts tr[data-account-id="{second["id"]}"] button.copy')
        page.wait_for_selector(f'#accounts tr[data-account-id="{second["id"]}"] button.copy[data-copied]')
        assert page.evaluate("() => navigator.clipboard.readText()") == second["id"]
        assert page.evaluate("() => location.hash") == ""  # copying does not open the account

        page.click(f'#accounts tr[data-account-id="{second["id"]}"] td.balance')  # the row opens it
        page.wait_for_selector(f'#detail[data-account-id="{second["id"]}"]')
        assert page.is_hidden("[data-testid=list-view]")
        assert page.input_value("#deposit-form [name=accountId]") == second["id"]
        page.click("#detail .back")
        page.wait_for_selector("[data-testid=list-view]")
        assert not guard.problems()


def test_times_older_than_today_show_their_date(
        browser: Any, web_server: RunningServer, request: pytest.FixtureRequest) -> None:
    account = open_account(web_server, "Christine Darden")
    deposit(web_server, account["id"], "5")
    with guarded_context_page(browser, request.node.name) as (page, guard):
        # The browser's clock two days ahead: everything recorded so far is older than today.
        page.clock.set_fixed_time(datetime.now(UTC) + timedelta(days=2))
        page.goto(web_server.base_url + "/")
        page.wait_for_selector('#status[data-state="live"]')
        cell = page.wait_for_selector(f'#accounts tr[data-account-id="{account["id"]}"] td.updated')
        recorded_at = balance_history(web_server, account["id"])[-1]["recordedAt"]
        date = page.evaluate("iso => new Date(iso).toLocaleDateString(undefined, {day: 'numeric', month: 'short'})",
                             recorded_at)
        assert date in cell.text_content()
        time_cells = _texts(page, f'#feed li[data-stream-id="account-{account["id"]}"] .time')
        assert time_cells and all(date in text for text in time_cells)
        assert not guard.problems()


def test_ledger_fits_a_375px_phone_and_its_feed_text_never_overlaps(
        browser: Any, web_server: RunningServer, request: pytest.FixtureRequest) -> None:
    long_owner = "Maria Salomea Skłodowska-Curie of the Rather Long Account Names Society"
    account = open_account(web_server, long_owner, "EUR", "1000")
    deposit(web_server, account["id"], "987654321.99")
    withdraw(web_server, account["id"], "0.01")
    other = open_account(web_server, "Ada", "GBP")
    deposit(web_server, other["id"], "1")

    with guarded_context_page(browser, request.node.name, viewport=PHONE, is_mobile=True, has_touch=True) \
            as (page, guard):
        page.goto(web_server.base_url + "/")
        page.wait_for_selector('#status[data-state="live"]')
        page.wait_for_selector(f'#accounts tr[data-account-id="{account["id"]}"]')
        _assert_no_sideways_scroll(page, PHONE["width"])
        _assert_feed_text_does_not_overlap(page)
        save_screenshot(page, "ledger-375")

        _open_detail(page, web_server, account["id"])
        page.wait_for_selector('#balance-chart[data-points="3"]')
        _assert_no_sideways_scroll(page, PHONE["width"])
        chart_right = page.evaluate(
            "() => document.querySelector('#balance-chart canvas').getBoundingClientRect().right")
        assert chart_right <= PHONE["width"]
        save_screenshot(page, "ledger-detail-375")
        assert not guard.problems()
