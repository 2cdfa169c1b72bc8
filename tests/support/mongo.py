"""Databases on the test session's MongoDB server (``MONGODB_URI`` or mongoeco).

Each test package works in a database of its own and drops it afterwards; the
store classes in ``store/`` have no way to delete a database on purpose.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from pymongo import MongoClient


def with_database(uri: str, database: str) -> str:
    """Return ``uri`` naming ``database`` as its default database (the URL path)."""
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def drop_database(uri: str, database: str) -> None:
    """Drop ``database`` on the server at ``uri`` (synchronous: finalizers call it; async code
    runs it with ``asyncio.to_thread``)."""
    client: MongoClient[dict[str, object]] = MongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        client.drop_database(database)
    finally:
        client.close()
