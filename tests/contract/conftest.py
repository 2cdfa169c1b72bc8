"""The ``store`` fixture of the contract suite, parametrised over every backend.

Adding a backend is one factory: an async context manager that takes the pytest
request (for ``tmp_path`` or a server fixture) and yields a fresh, empty store
serving the ``domain_registry`` fixture's domains, closing it on exit.
Register it in :data:`BACKENDS`; every contract test then runs against it.
Backend specifics go in a module of their own (see ``test_sqlite_store.py``).

A backend also registers a raw event writer in :data:`RAW_WRITERS`: it puts an
event row straight into the store, bypassing the codec, the way an older
release would have written it (for the upcasting tests).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Protocol
from uuid import uuid4

import pytest

from core.bank.domain import ACCOUNTS, TRANSFERS
from core.domains import built_in_registry
from core.ports import EventStore, Projection, ProjectionStore
from core.registry import DomainRegistry, EventTypeRegistry
from core.snapshots import SnapshotStore
from store.mongo import MongoEventStore
from store.sqlite import SqliteEventStore
from tests.support.mongo import drop_database
from tests.support.raw_events import RawEventWriter, mongo_raw_writer, sqlite_raw_writer


class ContractStore(EventStore, Protocol):
    """What the suite drives: the event store port plus its projection and snapshot storage."""

    views: ProjectionStore
    snapshots: SnapshotStore


StoreFactory = Callable[[pytest.FixtureRequest], AbstractAsyncContextManager[ContractStore]]


def contract_registry() -> EventTypeRegistry:
    """Return the event types (with upcasters) of every built-in domain (the suite's events)."""
    return built_in_registry().event_types


def bank_projections() -> list[Projection]:
    """Return the projections of the bank's domains (accounts and transfers), for bank-only stores."""
    return [*ACCOUNTS.projections, *TRANSFERS.projections]


@asynccontextmanager
async def make_sqlite_store(request: pytest.FixtureRequest) -> AsyncIterator[ContractStore]:
    tmp_path: Path = request.getfixturevalue("tmp_path")
    registry: DomainRegistry = request.getfixturevalue("domain_registry")
    store = SqliteEventStore(tmp_path / "events.db", registry.event_types, registry.projections(),
                             poll_interval=0.05)
    try:
        yield store
    finally:
        await store.close()


def sqlite_raw_events(request: pytest.FixtureRequest) -> RawEventWriter:
    tmp_path: Path = request.getfixturevalue("tmp_path")
    return sqlite_raw_writer(tmp_path / "events.db")


@asynccontextmanager
async def make_mongo_store(request: pytest.FixtureRequest) -> AsyncIterator[ContractStore]:
    """A store on a fresh database of the session's MongoDB server, dropped afterwards.

    mongoeco's unique-indexed inserts slow down as a collection grows, which is
    one more reason for a database per test (real MongoDB does not care).
    """
    uri: str = request.getfixturevalue("mongo_uri")
    database = f"contract_{uuid4().hex[:16]}"
    registry: DomainRegistry = request.getfixturevalue("domain_registry")
    store = await MongoEventStore.open(uri, database, registry.event_types, registry.projections(),
                                       poll_interval=0.05)
    try:
        yield store
    finally:
        await asyncio.to_thread(drop_database, uri, database)
        await store.close()


BACKENDS: dict[str, StoreFactory] = {
    "sqlite": make_sqlite_store,
    "mongo": make_mongo_store,
}
def mongo_raw_events(request: pytest.FixtureRequest) -> RawEventWriter:
    store: MongoEventStore = request.getfixturevalue("store")
    return mongo_raw_writer(request.getfixturevalue("mongo_uri"), store.database)


RAW_WRITERS: dict[str, Callable[[pytest.FixtureRequest], RawEventWriter]] = {
    "sqlite": sqlite_raw_events,
    "mongo": mongo_raw_events,
}


@pytest.fixture
def domain_registry() -> DomainRegistry:
    """The domains a contract store serves: the built-in ones. A test package with a
    domain of its own overrides this fixture (``tests/tallies/conftest.py``)."""
    return built_in_registry()


@pytest.fixture(params=sorted(BACKENDS))
async def store(request: pytest.FixtureRequest) -> AsyncIterator[ContractStore]:
    async with BACKENDS[request.param](request) as store:
        yield store


@pytest.fixture
def snapshot_store(store: ContractStore) -> SnapshotStore:
    """The parametrised backend's snapshot store."""
    return store.snapshots


@pytest.fixture
def raw_events(request: pytest.FixtureRequest, store: ContractStore) -> RawEventWriter:
    """Writes event rows straight into the parametrised backend's store."""
    return RAW_WRITERS[request.node.callspec.params["store"]](request)
