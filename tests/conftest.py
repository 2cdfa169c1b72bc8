"""Fixtures shared by every test package.

MongoDB: with ``MONGODB_URI`` set, tests use that server; otherwise a session
fixture starts a mongoeco wire server (tests/support/mongoeco_server.py). Under
``CI=true`` a missing mongoeco is an error, never a skip. Tests marked
``replica_set`` (change streams) run only against ``MONGODB_URI``, because
mongoeco implements no change streams.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mongoeco_server import MongoecoUnavailable, running_mongoeco
from tests.support.server import RunningServer, running_server

REAL_MONGODB = os.environ.get("MONGODB_URI")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if REAL_MONGODB:
        return
    skip = pytest.mark.skip(reason="needs a real MongoDB replica set: set MONGODB_URI")
    for item in items:
        if "replica_set" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def mongo_uri() -> Iterator[str]:
    """URI of the MongoDB server of this test session (``MONGODB_URI`` or mongoeco)."""
    if REAL_MONGODB:
        yield REAL_MONGODB
        return
    try:
        with running_mongoeco() as uri:
            yield uri
    except MongoecoUnavailable as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no MongoDB for these tests (set MONGODB_URI or install Python 3.13): {error}")


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
