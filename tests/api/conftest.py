"""A real Chronicle server per backend, shared by the API tests of a session.

``BACKENDS`` maps a backend name to a function returning a fresh store URL;
the MongoDB backend plugs in here without copying any test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.server import RunningServer, running_server


def _sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'chronicle.db'}"


BACKENDS: dict[str, Callable[[Path], str]] = {"sqlite": _sqlite_url}


@pytest.fixture(scope="session", params=sorted(BACKENDS))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A running server on a fresh store of the parametrised backend."""
    directory = tmp_path_factory.mktemp(f"server-{request.param}")
    url = BACKENDS[request.param](directory)
    with running_server(url, directory / "server.log") as running:
        yield running
