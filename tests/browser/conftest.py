"""Headless Debian chromium driven by Playwright against the real server on loopback.

No browser is ever downloaded: Playwright launches the system ``chromium``
(``apt-get install chromium``). Under ``CI=true`` a missing chromium or
Playwright fails the run; locally the browser tests are skipped instead.

Every page is guarded: a request (HTTP or WebSocket) to a host other than
127.0.0.1/localhost is aborted and fails the test, and so does a console error
or an uncaught page error. Each test leaves a screenshot in ``test-artifacts/``
(or ``$CHRONICLE_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.server import ROOT, RunningServer, running_server

ARTIFACTS = Path(os.environ.get("CHRONICLE_TEST_ARTIFACTS") or ROOT / "test-artifacts")
"""Where screenshots go: ``test-artifacts/`` (gitignored), or ``$CHRONICLE_TEST_ARTIFACTS`` for a CI to keep."""
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Schemes that never touch the network.
LOCAL_SCHEMES = {"data", "blob", "about", "chrome-error"}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"browser tests must run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def is_loopback(url: str) -> bool:
    """True when ``url`` stays on this machine (loopback host or a local-only scheme)."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return (parts.hostname or "") in LOOPBACK_HOSTS


@dataclass
class PageGuard:
    """What a page did that fails the test."""

    off_loopback: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return ([f"request left loopback: {url}" for url in self.off_loopback]
                + [f"console error: {text}" for text in self.console_errors])


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        _unavailable("Debian's chromium is not installed (apt-get install -y chromium)")
    assert path is not None
    return path


@pytest.fixture(scope="package")
def browser(chromium_path: str) -> Iterator[Any]:
    """Headless chromium for the tests of this package.

    Package scope, not session: Playwright's sync API keeps an event loop
    running in the main thread while it is open, which would break the
    pytest-asyncio tests of the other packages.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        _unavailable("the playwright package is not installed (uv sync)")
        raise
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, timeout=30_000)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="package")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A real server on a fresh SQLite store, shared by the browser tests."""
    directory = tmp_path_factory.mktemp("browser-server")
    with running_server(f"sqlite:///{directory / 'chronicle.db'}", directory / "server.log",
                        env={"CHRONICLE_POLL_INTERVAL": "0.2"}) as server:
        yield server


def guard_page(context: Any) -> tuple[Any, PageGuard]:
    """Open a page in ``context`` whose off-loopback requests are aborted and recorded, with its console errors."""
    guard = PageGuard()

    def route(route: Any) -> None:
        url = route.request.url
        if is_loopback(url):
            route.continue_()
        else:  # aborted before it is sent: nothing leaves the machine
            guard.off_loopback.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    context.on("request", lambda req: None if is_loopback(req.url) else guard.off_loopback.append(req.url))
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("websocket", lambda ws: None if is_loopback(ws.url) else guard.off_loopback.append(ws.url))
    page.on("console", lambda msg: guard.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: guard.console_errors.append(f"uncaught: {exc}"))
    return page, guard


@contextlib.contextmanager
def guarded_context_page(browser: Any, name: str, **context_options: Any) -> Iterator[tuple[Any, PageGuard]]:
    """A page in a fresh browser context (``context_options`` as for ``browser.new_context``, e.g.
    ``viewport``) whose off-loopback requests and console errors fail the test; on exit its
    screenshot is saved as ``test-artifacts/<name>.png`` and the guard's problems are asserted."""
    options = {"viewport": {"width": 1280, "height": 800}, "service_workers": "block", **context_options}
    context = browser.new_context(**options)
    page, guard = guard_page(context)
    try:
        yield page, guard
    finally:
        try:
            save_screenshot(page, re.sub(r"[^A-Za-z0-9_.-]+", "_", name))
        finally:
            context.close()
    problems = guard.problems()
    assert not problems, "\n".join(dict.fromkeys(problems))


@pytest.fixture
def guarded_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Any, PageGuard]]:
    """A fresh 1280x800 page whose off-loopback requests and console errors fail the test."""
    with guarded_context_page(browser, request.node.name) as (page, guard):
        yield page, guard


def save_screenshot(page: Any, name: str) -> Path:
    """Save a screenshot of ``page`` as ``test-artifacts/<name>.png`` and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
