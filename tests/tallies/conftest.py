"""Fixtures of the tallies tests: the contract suite's stores, serving the tallies domain too,
and a real server per backend with the domain registered (``CHRONICLE_DOMAINS``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.domains import built_in_registry
from core.registry import DomainRegistry
from tests.api.conftest import BACKENDS as API_BACKENDS
from tests.contract.conftest import store  # noqa: F401 - the contract suite's store, parametrised per backend
from tests.support.server import RunningServer, start_server, stop_server
from tests.tallies.domain import TALLIES

REGISTRATION = {"CHRONICLE_DOMAINS": "tests.tallies.graphql:MODULE"}
"""The one place the tallies domain is registered with a server."""


@pytest.fixture
def domain_registry() -> DomainRegistry:
    return built_in_registry(TALLIES)


@pytest.fixture(scope="module", params=sorted(API_BACKENDS))
def tally_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """``chronicle serve`` with the tallies domain registered, on each backend."""
    directory = tmp_path_factory.mktemp(f"tallies-{request.param}")
    running = start_server(API_BACKENDS[request.param](request, directory), directory / "server.log",
                           env=REGISTRATION)
    try:
        yield running
    finally:
        stop_server(running)
