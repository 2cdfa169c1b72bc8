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
