"""A real Chronicle server per backend, shared by the API tests of a session.

``BACKENDS`` maps a backend name to a function returning a fresh store URL;
the MongoDB backend plugs in here without copying any test. The server is
shared: tests create their own accounts and compare deltas, never assuming an
empty store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests.api.client import Api, http_api
from tests.support.server import RunningServer, start_server, stop_server


def _sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'chronicle.db'}"


BACKENDS: dict[str, Callable[[Path], str]] = {"sqlite": _sqlite_url}


@pytest.fixture(scope="session", params=sorted(BACKENDS))
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh store URL of the parametrised backend."""
    directory = tmp_path_factory.mktemp(f"store-{request.param}")
    return BACKENDS[request.param](directory)


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
