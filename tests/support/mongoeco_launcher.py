"""Run a mongoeco MongoDB-wire-protocol server as a standalone process.

This script is executed by a Python >= 3.13 interpreter that has
``mongoeco[wire]`` installed (see ``mongoeco_server.ensure_mongoeco_venv``).
It must not import anything from the Chronicle package.

Usage::

    python mongoeco_launcher.py [--host 127.0.0.1] [--port 0]
                                [--engine memory|sqlite] [--sqlite-path PATH]
                                [--dialect 7.0|8.0|...]

Output: exactly one line on stdout once the listener is bound,
``MONGOECO_READY <host> <port>``; nothing else is written to stdout.
Diagnostics and tracebacks go to stderr.

Shutdown: SIGTERM/SIGINT, or EOF on stdin (so the server dies with the
parent test process that holds the other end of the pipe).

Exit status: 0 after a clean shutdown, non-zero if startup failed.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import threading


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = OS-assigned")
    parser.add_argument("--engine", choices=("memory", "sqlite"), default="memory")
    parser.add_argument("--sqlite-path", default=":memory:")
    parser.add_argument("--dialect", default=None, help="MongoDB dialect, e.g. 7.0")
    parser.add_argument(
        "--no-stdin-watch",
        action="store_true",
        help="do not shut down on stdin EOF",
    )
    return parser.parse_args(argv)


WRITE_CONFLICT = 112


def _label_commit_conflicts_transient() -> None:
    """Make a commit-time write conflict look like real MongoDB's on the wire.

    mongoeco validates transactions optimistically at commit and, when anything
    committed since the transaction's snapshot, fails the commit with a bare
    error ("Write conflict during transaction commit": no code, no labels).
    Real MongoDB reports ``WriteConflict`` (code 112) labelled
    ``TransientTransactionError``, which the driver's ``with_transaction``
    retries. Without the label every concurrent append would fail instead of
    being retried, so the launcher adds code and label to the error document
    sent to the client. (Raising a labelled error inside mongoeco instead is
    wrong: its own session then retries the commit, finds no pending snapshot
    and reports success for writes it discarded.)
    """
    from mongoeco.wire import executor

    original = executor.build_error_document

    def build_error_document(exc: Exception) -> dict[str, object]:
        document = original(exc)
        if "code" not in document and str(document.get("errmsg", "")).startswith("Write conflict"):
            document["code"] = WRITE_CONFLICT
            document["codeName"] = "WriteConflict"
            document["errorLabels"] = ["TransientTransactionError"]
        return document

    executor.build_error_document = build_error_document


def _abort_transactions_whose_commit_failed() -> None:
    """Abort a transaction whose commit failed (e.g. with a write conflict).

    mongoeco leaves such a session's transaction marked active with its pending
    writes, and the next ``startTransaction`` on the session (the driver's
    retry) then silently continues it: the retry sees the failed attempt's own
    writes. Real MongoDB aborts a transaction on a write conflict, so this
    wrapper aborts it before the error goes back to the client.
    """
    from mongoeco.wire.sessions import WireSessionStore

    original = WireSessionStore.commit_transaction

    def commit_transaction(self, body):  # type: ignore[no-untyped-def]
        try:
            return original(self, body)
        except Exception:
            session = self._require_session(body)
            if session.transaction_active:
                session.abort_transaction()
            raise

    WireSessionStore.commit_transaction = commit_transaction


async def _serve(args: argparse.Namespace) -> None:
    from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

    if args.engine == "memory":
        from mongoeco.engines.memory import MemoryEngine

        engine = MemoryEngine()
    else:
        from mongoeco.engines.sqlite import SQLiteEngine

        engine = SQLiteEngine(args.sqlite_path, executor_workers=1)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    if not args.no_stdin_watch:

        def _watch_stdin() -> None:
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            except (OSError, ValueError):
                pass
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=_watch_stdin, name="stdin-watch", daemon=True).start()

    _label_commit_conflicts_transient()
    _abort_transactions_whose_commit_failed()
    server = AsyncMongoEcoProxyServer(
        engine=engine, host=args.host, port=args.port, mongodb_dialect=args.dialect
    )
    await server.start()
    try:
        address = server.address
        sys.stdout.write(f"MONGOECO_READY {address.host} {address.port}\n")
        sys.stdout.flush()
        await stop.wait()
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, serve until asked to stop, and return an exit status."""
    if sys.version_info < (3, 13):
        sys.stderr.write("mongoeco_launcher needs Python >= 3.13\n")
        return 2
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
