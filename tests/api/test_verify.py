"""``chronicle verify``: tampering through the raw database is caught, with the right position, on both stores.

Each test writes a small log through the store (12 events over 3 interleaved streams), then changes the
database behind Chronicle's back the way someone with file or admin access could: SQLite with the
immutability trigger dropped, MongoDB over a direct pymongo connection. The CLI runs as a subprocess,
as an operator would run it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any, Protocol
from uuid import uuid4

import pytest
from bson import Int64
from pymongo import MongoClient

from api.app import open_runtime
from api.settings import Settings
from core.merkle import root_at
from store.sqlite.schema import EVENTS_DDL
from tests.api.test_cli import chronicle
from tests.contract.bank_events import deposited, new_stream, opened
from tests.support.mongo import drop_database, with_database
from tests.support.raw_events import raw_writer_for

EVENTS = 12
ACCOUNTS = 3


class RawLog(Protocol):
    """Direct access to a store's database, bypassing Chronicle."""

    url: str

    def modify(self, position: int, field: str, key: str, value: str) -> None: ...

    def delete(self, position: int) -> None: ...

    def swap(self, first: int, second: int) -> None: ...

    def insert(self, position: int) -> None: ...

    def erase_tree(self) -> None: ...


class SqliteRawLog:
    def __init__(self, path: Path) -> None:
        self.path, self.url = path, f"sqlite:///{path}"

    def _run(self, *statements: tuple[str, tuple[Any, ...]]) -> None:
        with closing(sqlite3.connect(self.path, isolation_level=None)) as conn:
            conn.execute("DROP TRIGGER IF EXISTS events_are_immutable")
            conn.execute("DROP TRIGGER IF EXISTS events_are_never_deleted")
            conn.execute("BEGIN IMMEDIATE")
            for sql, params in statements:
                conn.execute(sql, params)
            conn.execute("COMMIT")

    def modify(self, position: int, field: str, key: str, value: str) -> None:
        self._run((f"UPDATE events SET {field} = json_set({field}, ?, ?) WHERE position = ?",
                   (f"$.{key}", value, position)))

    def delete(self, position: int) -> None:
        self._run(("DELETE FROM events WHERE position = ?", (position,)))

    def swap(self, first: int, second: int) -> None:
        self._run(("UPDATE events SET position = -1 WHERE position = ?", (first,)),
                  ("UPDATE events SET position = ? WHERE position = ?", (first, second)),
                  ("UPDATE events SET position = ? WHERE position = -1", (second,)))

    def insert(self, position: int) -> None:
        self._run(("INSERT INTO events (position, event_id, stream_id, version, type, schema_version, data,"
                   " metadata, recorded_at) VALUES (?, ?, 'account-forged', 1, 'MoneyDeposited', 2,"
                   " '{\"amount\": \"1000000.00\"}', '{}', '2026-01-01T00:00:00+00:00')", (position, str(uuid4()))))

    def erase_tree(self) -> None:
        self._run(("DELETE FROM merkle_nodes", ()))


class MongoRawLog:
    def __init__(self, uri: str, database: str) -> None:
        self.uri, self.database, self.url = uri, database, with_database(uri, database)

    def _db(self) -> Any:
        client: MongoClient[dict[str, Any]] = MongoClient(self.uri, serverSelectionTimeoutMS=10_000)
        return closing(client)

    def modify(self, position: int, field: str, key: str, value: str) -> None:
        with self._db() as client:
            client[self.database].events.update_one({"_id": position}, {"$set": {f"{field}.{key}": value}})

    def delete(self, position: int) -> None:
        with self._db() as client:
            client[self.database].events.delete_one({"_id": position})

    def swap(self, first: int, second: int) -> None:
        with self._db() as client:
            events = client[self.database].events
            one, two = events.find_one({"_id": first}), events.find_one({"_id": second})
            events.delete_many({"_id": {"$in": [first, second]}})
            events.insert_many([{**one, "_id": Int64(second)}, {**two, "_id": Int64(first)}])

    def insert(self, position: int) -> None:
        with self._db() as client:
            first = client[self.database].events.find_one({"_id": 1})
            client[self.database].events.insert_one({
                **first, "_id": Int64(position), "event_id": str(uuid4()), "stream_id": "account-forged",
                "version": 1, "type": "MoneyDeposited", "data": {"amount": "1000000.00"}})

    def erase_tree(self) -> None:
        with self._db() as client:
            client[self.database].merkle_nodes.delete_many({})


@pytest.fixture(params=["mongo", "sqlite"])
async def raw_log(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RawLog]:
    """An empty store of each backend with raw access to its database."""
    if request.param == "sqlite":
        yield SqliteRawLog(tmp_path / "chronicle.db")
        return
    uri: str = request.getfixturevalue("mongo_uri")
    database = f"verify_{uuid4().hex[:16]}"
    try:
        yield MongoRawLog(uri, database)
    finally:
        drop_database(uri, database)


async def write_log(url: str, *, events: int = EVENTS) -> dict[int, str]:
    """Append ``events`` events (one per append, streams interleaved); return the root hex at every size."""
    streams = [new_stream() for _ in range(ACCOUNTS)]
    async with open_runtime(Settings(store_url=url)) as runtime:
        start = await runtime.store.head_position()
        for offset in range(events):
            account_id, stream_id = streams[offset % ACCOUNTS]
            version = offset // ACCOUNTS
            event = opened(account_id) if version == 0 else deposited(account_id, amount=f"{offset}.00")
            await runtime.store.append(stream_id, [event], version)
        return {size: (await root_at(runtime.merkle, size)).hex() for size in range(1, start + events + 1)}


def verify(url: str, *args: str) -> tuple[int, list[str]]:
    result = chronicle("verify", "--store-url", url, *args)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout.strip().splitlines()  # stderr: the log (warnings)


NOT_IN_TREE = ("the event is not in the Merkle tree, which holds {leaves} leaves (a log older than the tree, or "
               "an event added outside Chronicle; `chronicle verify --backfill` hashes it)")


async def test_an_untouched_log_verifies_and_matches_saved_digests(raw_log: RawLog) -> None:
    roots = await write_log(raw_log.url)

    assert verify(raw_log.url) == (0, [f"verified {EVENTS} events, root {roots[EVENTS]}"])
    assert verify(raw_log.url, "--digest", f"5:{roots[5]}") == (
        0, [f"verified {EVENTS} events, root {roots[EVENTS]}", f"digest 5:{roots[5]} matches"])
    assert verify(raw_log.url, "--digest", f"5:{roots[6]}") == (1, ["digest mismatch at size 5"])
    assert verify(raw_log.url, "--digest", f"13:{roots[EVENTS]}") == (
        1, [f"digest mismatch at size 13 (the log holds {EVENTS} events)"])


@pytest.mark.parametrize(("tamper", "line"), [
    (lambda log: log.modify(5, "data", "amount", "999.00"), "mismatch at position 5: the event does not match "
                                                            "its leaf hash"),
    (lambda log: log.modify(7, "metadata", "actor", "mallory"), "mismatch at position 7: the event does not "
                                                                "match its leaf hash"),
    (lambda log: log.delete(5), "mismatch at position 5: the event is missing (the log goes on at 6)"),
    (lambda log: log.delete(EVENTS), f"mismatch at position {EVENTS}: the event is missing (the tree holds "
                                     f"{EVENTS} leaves, the log ends at {EVENTS - 1})"),
    (lambda log: log.swap(3, 8), "mismatch at position 3: the event does not match its leaf hash"),
    (lambda log: log.insert(EVENTS + 1), f"mismatch at position {EVENTS + 1}: "
                                         + NOT_IN_TREE.format(leaves=EVENTS)),
], ids=["modify-data", "modify-metadata", "delete", "delete-last", "swap", "insert"])
async def test_tampering_is_reported_at_its_position(raw_log: RawLog, tamper: Any, line: str) -> None:
    await write_log(raw_log.url)

    tamper(raw_log)

    assert verify(raw_log.url) == (1, [line])


async def test_history_rewritten_with_a_recomputed_tree_fails_the_auditors_digest(raw_log: RawLog) -> None:
    roots = await write_log(raw_log.url)
    raw_log.modify(5, "data", "amount", "999.00")
    raw_log.erase_tree()

    code, lines = verify(raw_log.url, "--backfill")  # the forger recomputes the whole tree
    assert code == 0 and lines[0] == f"backfilled {EVENTS} events into the Merkle tree", lines
    assert lines[1] != f"verified {EVENTS} events, root {roots[EVENTS]}"

    assert verify(raw_log.url, "--digest", f"{EVENTS}:{roots[EVENTS]}") == (1, [f"digest mismatch at size {EVENTS}"])
    assert verify(raw_log.url, "--digest", f"5:{roots[5]}") == (1, ["digest mismatch at size 5"])
    assert verify(raw_log.url, "--digest", f"4:{roots[4]}")[0] == 0  # history before the change still holds


async def test_a_rebuild_from_an_empty_tree_gives_the_same_root(raw_log: RawLog) -> None:
    roots = await write_log(raw_log.url)
    raw_log.erase_tree()

    assert verify(raw_log.url) == (1, ["mismatch at position 1: " + NOT_IN_TREE.format(leaves=0)])
    assert verify(raw_log.url, "--backfill") == (0, [f"backfilled {EVENTS} events into the Merkle tree",
                                                     f"verified {EVENTS} events, root {roots[EVENTS]}"])
    assert verify(raw_log.url) == (0, [f"verified {EVENTS} events, root {roots[EVENTS]}"])


async def test_a_log_written_before_the_tree_is_backfilled_and_then_maintained(raw_log: RawLog) -> None:
    if raw_log.url.startswith("sqlite:"):  # the schema of a release without the tree
        with closing(sqlite3.connect(raw_log.url.removeprefix("sqlite:///"))) as conn:
            conn.executescript(EVENTS_DDL)
    write = raw_writer_for(raw_log.url)
    for number in range(5):
        write(f"account-old{number % 2}", "MoneyDeposited", {"amount": f"{number}.00"}, 1)

    assert verify(raw_log.url) == (1, ["mismatch at position 1: " + NOT_IN_TREE.format(leaves=0)])
    code, lines = verify(raw_log.url, "--backfill")
    assert (code, lines[0]) == (0, "backfilled 5 events into the Merkle tree"), lines

    roots = await write_log(raw_log.url, events=3)  # appends extend the backfilled tree

    assert verify(raw_log.url) == (0, [f"verified 8 events, root {roots[8]}"])
    assert verify(raw_log.url, "--digest", f"5:{lines[1].rsplit(' ', 1)[1]}")[0] == 0


@pytest.mark.parametrize("value", ["12:abc", "-1:" + "0" * 64, "1:" + "g" * 64])
def test_a_malformed_digest_is_one_line_and_exit_2(tmp_path: Path, value: str) -> None:
    db = tmp_path / "chronicle.db"
    with closing(sqlite3.connect(db)) as conn:
        conn.executescript(EVENTS_DDL)

    assert verify(f"sqlite:///{db}", "--digest", value) == (
        2, [f"--digest must be SIZE:ROOTHEX (a tree size and a 64-digit hex root), not {value!r}"])
