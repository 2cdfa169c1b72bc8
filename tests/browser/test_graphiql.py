"""The bundled GraphiQL IDE at GET /graphql, in a real headless chromium."""

from __future__ import annotations

import json
from typing import Any

from tests.browser.client import deposit, head_position, open_account
from tests.browser.conftest import PageGuard, save_screenshot
from tests.support.server import RunningServer

EDITOR = ".graphiql-query-editor .CodeMirror"
RESPONSE = ".graphiql-response .CodeMirror"


def _open_graphiql(page: Any, server: RunningServer) -> None:
    page.goto(server.http_url)
    page.wait_for_selector(EDITOR)
    page.wait_for_selector(".graphiql-execute-button")


def _run(page: Any, operation_name: str, query: str) -> None:
    """Put ``query`` in the editor through its CodeMirror API and press the run button.

    GraphiQL reads the operation name from the editor after a short debounce;
    like a user, wait until the active tab shows ``operation_name`` before
    running, or the request would carry the previous operation's name.
    """
    page.eval_on_selector(EDITOR, "(el, q) => el.CodeMirror.setValue(q)", query)
    page.wait_for_selector(f'.graphiql-tab-active:has-text("{operation_name}")')
    page.click(".graphiql-execute-button")


def _response_text(page: Any) -> str:
    text: str = page.eval_on_selector(RESPONSE, "el => el.CodeMirror.getValue()")
    return text


def test_graphiql_runs_a_query(guarded_page: tuple[Any, PageGuard], web_server: RunningServer) -> None:
    page, guard = guarded_page
    account = open_account(web_server, "Ada Lovelace", overdraft="50")
    _open_graphiql(page, web_server)

    _run(page, "BrowserAccount",
         f'query BrowserAccount {{ account(id: "{account["id"]}") '
         "{ id owner currency balance overdraftLimit status } }")
    page.wait_for_function(f"() => document.querySelector('{RESPONSE}')?.CodeMirror.getValue().includes('Ada')")

    result = json.loads(_response_text(page))
    assert result == {"data": {"account": {"id": account["id"], "owner": "Ada Lovelace", "currency": "EUR",
                                           "balance": account["balance"], "overdraftLimit": "50.00",
                                           "status": "OPEN"}}}
    save_screenshot(page, "graphiql-query")
    assert not guard.problems()


def test_graphiql_subscription_shows_live_event(guarded_page: tuple[Any, PageGuard],
                                               web_server: RunningServer) -> None:
    page, guard = guarded_page
    account = open_account(web_server, "Grace Hopper")
    _open_graphiql(page, web_server)
    head = head_position(web_server)

    received: list[tuple[str, str]] = []  # (socket url, frame) for every frame the page got
    page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.append((ws.url, str(frame)))))
    # Replaying from the head makes the order of subscribe and deposit irrelevant.
    _run(page, "BrowserLive",
         f"subscription BrowserLive {{ events(afterPosition: {head}) {{ position streamId type data }} }}")

    deposit(web_server, account["id"], "12.34")  # another client, over HTTP
    page.wait_for_function(
        f"() => document.querySelector('{RESPONSE}')?.CodeMirror.getValue().includes('MoneyDeposited')")

    event = json.loads(_response_text(page))["data"]["events"]
    assert event["position"] == head + 1
    assert event["streamId"].endswith(account["id"])
    assert event["type"] == "MoneyDeposited"
    assert event["data"]["amount"] == "12.34"
    assert any(url == web_server.ws_url and '"next"' in frame and "MoneyDeposited" in frame
               for url, frame in received), "the event did not come over the app's WebSocket"
    save_screenshot(page, "graphiql-subscription")
    assert not guard.problems()
