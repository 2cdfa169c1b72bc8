"""The page guard itself: it must notice what it is there to catch."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import guard_page, is_loopback
from tests.support.server import RunningServer


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://127.0.0.1:8000/graphql", True),
    ("ws://localhost:8000/graphql", True),
    ("http://[::1]:8000/", True),
    ("data:text/plain,x", True),
    ("https://cdn.example.invalid/graphiql.js", False),
    ("http://127.0.0.1.example.invalid/", False),
    ("wss://example.invalid/graphql", False),
])
def test_is_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_guard_records_off_loopback_requests_and_console_errors(browser: Any, web_server: RunningServer) -> None:
    context = browser.new_context()
    try:
        page, guard = guard_page(context)
        page.goto(web_server.base_url + "/healthz")
        # The route aborts these before they are sent (.invalid never resolves anyway).
        page.evaluate("""() => Promise.allSettled([
            fetch('http://cdn.example.invalid/react.js'),
            new Promise((resolve) => {
                const image = new Image();
                image.onerror = resolve;
                image.src = 'https://fonts.example.invalid/f.png';
            }),
        ])""")
        with page.expect_console_message(lambda message: message.text == "boom"):
            page.evaluate("() => console.error('boom')")
    finally:
        context.close()
    assert "http://cdn.example.invalid/react.js" in guard.off_loopback
    assert "https://fonts.example.invalid/f.png" in guard.off_loopback
    assert "boom" in guard.console_errors
    assert guard.problems()
