"""Collections, the ``events`` validator and indexes of the MongoDB backend.

``ensure_schema`` is idempotent: it creates what is missing and re-applies the
validator, so every process may run it at start-up (docs/architecture.md §3, "MongoDB").
Failed capability probes become typed errors here too.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NoReturn

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import (
    AutoReconnect,
    BulkWriteError,
    CollectionInvalid,
    ConnectionFailure,
    DuplicateKeyError,
    OperationFailure,
    ServerSelectionTimeoutError,
)

from core.errors import StoreError, StoreUnavailable
from core.ports import Collection

Document = dict[str, Any]
log = logging.getLogger(__name__)

EVENTS = "events"
COUNTERS = "counters"
"""``{_id: "events", value: <last position>}``: the global position counter."""
POSITION_COUNTER = "events"
SNAPSHOTS = "snapshots"
"""``{_id, stream_id, version, schema_version, state, saved_at}``: aggregate snapshots."""
SNAPSHOT_INDEXES = [IndexModel([("stream_id", ASCENDING), ("version", ASCENDING)], name="stream_id_version",
                               unique=True)]
MERKLE_NODES = "merkle_nodes"
"""``{_id: last leaf * 64 + level, hash: <32 bytes>}``: the log's Merkle tree (see :mod:`store.mongo.merkle`)."""
GENERATIONS = "projection_generations"
"""``{_id: <projection name>, generation: int}``: which physical collections hold
a projection's live rows (see :mod:`store.mongo.views`)."""

EVENTS_VALIDATOR: Document = {
    "$jsonSchema": {
        "bsonType": "object",
        "required": ["_id", "event_id", "stream_id", "version", "type", "schema_version", "data",
                     "metadata", "recorded_at"],
        "additionalProperties": False,
        "properties": {
            "_id": {"bsonType": "long", "minimum": 1, "description": "global position"},
            "event_id": {"bsonType": "string", "minLength": 36, "maxLength": 36},
            "stream_id": {"bsonType": "string", "minLength": 1},
            "version": {"bsonType": ["int", "long"], "minimum": 1},
            "type": {"bsonType": "string", "minLength": 1},
            "schema_version": {"bsonType": ["int", "long"], "minimum": 1},
            "data": {"bsonType": "object"},
            "metadata": {"bsonType": "object"},
            "recorded_at": {"bsonType": "date"},
        },
    }
}

EVENT_INDEXES = [
    IndexModel([("stream_id", ASCENDING), ("version", ASCENDING)], unique=True, name="stream_version"),
    IndexModel([("event_id", ASCENDING)], unique=True, name="event_id"),
    IndexModel([("type", ASCENDING), ("_id", ASCENDING)], name="type_position"),
]

SHADOW_SUFFIX = "__b"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
ILLEGAL_OPERATION = 20
NAMESPACE_EXISTS = 48
DUPLICATE_KEY = 11000


class ReplicaSetRequired(StoreError):
    """The server refused a transaction: it is a standalone ``mongod``."""

    code = "REPLICA_SET_REQUIRED"


def physical_name(collection: str, generation: int) -> str:
    """Return the MongoDB collection holding generation ``generation`` of a read model.

    Generations alternate between two slots: even ones live in ``<name>``, odd
    ones in ``<name>__b``. A rebuild fills the slot that is not live and then
    switches to it, so the set of collection names is fixed and the
    application role can name every one of them (docker/mongo-init.js).

    Raises:
        ValueError: ``collection`` is not a lower-case identifier.
    """
    if not _NAME.match(collection):
        raise ValueError(f"invalid collection name {collection!r}")
    return collection if generation % 2 == 0 else f"{collection}{SHADOW_SUFFIX}"


@contextlib.contextmanager
def unavailable_on_connection_errors(what: str) -> Iterator[None]:
    """Translate the driver's connection failures into :class:`StoreUnavailable`."""
    try:
        yield
    except (ServerSelectionTimeoutError, AutoReconnect, ConnectionFailure) as error:
        raise StoreUnavailable(f"MongoDB unreachable during {what}: {error}") from error


def refuse_standalone(error: OperationFailure) -> NoReturn:
    """Re-raise a failed probe transaction, as :class:`ReplicaSetRequired` when the
    server is a standalone ``mongod`` (``IllegalOperation``, code 20)."""
    if error.code == ILLEGAL_OPERATION:
        raise ReplicaSetRequired(
            "MongoDB refused a transaction: Chronicle needs a replica set (a single-node one is "
            "fine: start mongod with --replSet rs0 and run rs.initiate() once, then connect with "
            f"?replicaSet=rs0). Server said: {error}"
        ) from error
    raise error


def duplicate_key(error: DuplicateKeyError | BulkWriteError) -> Mapping[str, Any]:
    """Return the details (``keyPattern``, ``keyValue``) of a duplicate-key write
    error, or ``{}`` when ``error`` is about something else."""
    if isinstance(error, DuplicateKeyError):
        return error.details or {}
    duplicates = [e for e in (error.details or {}).get("writeErrors", []) if e.get("code") == DUPLICATE_KEY]
    return duplicates[0] if duplicates else {}


async def _create(db: AsyncDatabase[Document], name: str, **options: Any) -> bool:
    """Create collection ``name``; return False when it already exists."""
    try:
        await db.create_collection(name, **options)
    except CollectionInvalid:  # the driver saw it in listCollections
        return False
    except OperationFailure as error:  # another process (or a concurrent rebuild) created it meanwhile
        if error.code != NAMESPACE_EXISTS and name not in await db.list_collection_names(filter={"name": name}):
            raise  # some servers (mongoeco) answer without a code: believe the catalogue, not the message
        return False
    return True


async def ensure_events(db: AsyncDatabase[Document]) -> None:
    """Create ``events`` (with its validator and indexes) and the bookkeeping collections.

    An existing ``events`` collection keeps its validator: changing it needs
    ``collMod``, which the least-privilege application role must not have
    (README: "Run with MongoDB"). A differing validator is logged for an administrator.
    """
    if not await _create(db, EVENTS, validator=EVENTS_VALIDATOR, validationLevel="strict",
                         validationAction="error"):
        async for info in await db.list_collections(filter={"name": EVENTS}):
            if info.get("options", {}).get("validator") != EVENTS_VALIDATOR:
                log.warning("the events collection's validator differs from this version's; an administrator "
                            "can apply it with collMod (store.mongo.schema.EVENTS_VALIDATOR)")
    await db[EVENTS].create_indexes(EVENT_INDEXES)
    for name in (COUNTERS, GENERATIONS, SNAPSHOTS, MERKLE_NODES):
        await _create(db, name)
    # snapshots of the earlier layout ({_id: stream_id}, one per stream) have no stream_id:
    # snapshots are an optimisation only, so they go
    await db[SNAPSHOTS].delete_many({"stream_id": {"$exists": False}})
    await db[SNAPSHOTS].create_indexes(SNAPSHOT_INDEXES)


async def ensure_collections(db: AsyncDatabase[Document], collections: Iterable[Collection],
                             generation: int = 0) -> None:
    """Create read-model ``collections`` (of ``generation``) and their indexes.

    Collections are created up front because a transaction may only create
    one implicitly on recent servers; indexes end in ``_id`` so pages sort by key.
    """
    for collection in collections:
        name = physical_name(collection.name, generation)
        await _create(db, name)
        if collection.indexes:
            await db[name].create_indexes([
                IndexModel([*((field, ASCENDING) for field in index.fields), ("_id", ASCENDING)],
                           name="_".join(index.fields), unique=index.unique)
                for index in collection.indexes
            ])
