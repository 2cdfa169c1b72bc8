"""The MongoDB backend (docs/architecture.md §3, "MongoDB")."""

from store.mongo.event_store import MongoEventStore
from store.mongo.schema import ReplicaSetRequired
from store.mongo.snapshot_store import MongoSnapshotStore
from store.mongo.views import MongoProjectionStore

__all__ = ["MongoEventStore", "MongoProjectionStore", "MongoSnapshotStore", "ReplicaSetRequired"]
