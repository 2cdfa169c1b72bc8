"""A real Chronicle server per backend, shared by the API tests of a session.

``BACKENDS`` maps a backend name to a function returning a fresh store URL;
the MongoDB backend plugs in here without copying any test. The server is
shared: tests create their own accounts and compare deltas, never assuming an
empty store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from tests.api.client import Api, http_api
from tests.support.mongo import drop_database, with_database
from tests.support.server import RunningServer, start_server, stop_server


def _sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'chronicle.db'}"


def _mongo_url(request: pytest.FixtureRequest, directory: Path) -> str:
    """A fresh database on the session's MongoDB, dropped when the session ends."""
    uri: str = request.getfixturevalue("mongo_uri")
    database = f"api_{uuid4().hex[:16]}"
    request.addfinalizer(lambda: drop_database(uri, database))
    return with_database(uri, database)


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], str]] = {
    "sqlite": lambda request, directory: _sqlite_url(directory),
    "mongo": _mongo_url,
}


@pytest.fixture(scope="session", params=sorted(BACKENDS))
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh store URL of the parametrised backend."""
    directory = tmp_path_factory.mktemp(f"store-{request.param}")
    return BACKENDS[request.param](request, directory)


@pytest.fixture(scope="session")
def server(store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A running server on ``store_url``."""
    log_path = tmp_path_factory.mktemp("server-log") / "server.log"
    running = start_server(store_url, log_path)
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture
async def api(server: RunningServer) -> AsyncIterator[Api]:
    """Chronicle's operations over a gql HTTP client (closed after the test)."""
    async with http_api(server) as client:
        yield client
