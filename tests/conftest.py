"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import RunningServer, running_server

HARDENED_ENV = {
    "CHRONICLE_MAX_SUBSCRIPTIONS_PER_CONNECTION": "3",
    "CHRONICLE_CONNECTION_INIT_WAIT_TIMEOUT": "1",
    "CHRONICLE_WS_MAX_MESSAGE_BYTES": "65536",
    "CHRONICLE_MAX_BODY_BYTES": "65536",
    "CHRONICLE_MAX_QUERY_DEPTH": "3",
    "CHRONICLE_MAX_QUERY_TOKENS": "400",
    "CHRONICLE_MAX_QUERY_ALIASES": "5",
    "CHRONICLE_POLL_INTERVAL": "0.1",
}


@pytest.fixture(scope="session")
def hardened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A real server with small limits (see ``HARDENED_ENV``) on a fresh SQLite store."""
    directory = tmp_path_factory.mktemp("hardened")
    with running_server(f"sqlite:///{directory / 'chronicle.db'}", directory / "server.log",
                        env=HARDENED_ENV) as server:
        yield server


@pytest.fixture()
def faulty(tmp_path: Path) -> Iterator[tuple[RunningServer, Path]]:
    """A fresh server whose SQLite file tests may write raw rows into; yields it and the file."""
    db = tmp_path / "chronicle.db"
    env = {**HARDENED_ENV, "CHRONICLE_READY_MAX_PROJECTION_LAG": "0"}
    with running_server(f"sqlite:///{db}", tmp_path / "server.log", env=env) as server:
        yield server, db
