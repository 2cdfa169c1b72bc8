"""Start Chronicle and the bare strawberry anchor as separate uvicorn processes on loopback."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.support.server import RunningServer, free_port, start_server, stop_server

HERE = Path(__file__).resolve().parent


@contextlib.contextmanager
def chronicle(directory: Path) -> Iterator[RunningServer]:
    """``chronicle serve`` on a fresh SQLite file in ``directory``."""
    server = start_server(f"sqlite:///{directory / 'bench.db'}", directory / "chronicle.log")
    try:
        yield server
    finally:
        stop_server(server)


@contextlib.contextmanager
def bare(directory: Path) -> Iterator[RunningServer]:
    """``benchmarks/bare_app.py`` under uvicorn."""
    port = free_port()
    log_path = directory / "bare.log"
    with log_path.open("ab") as log_file:
        process = subprocess.Popen([sys.executable, str(HERE / "bare_app.py"), "--port", str(port)],
                                   stdout=log_file, stderr=subprocess.STDOUT)
    server = RunningServer(process, port, log_path)
    deadline = time.monotonic() + 30
    try:
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"bare app did not start:\n{server.log()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{server.base_url}/healthz", timeout=1.0).status_code == 200:
                    break
            time.sleep(0.1)
        yield server
    finally:
        stop_server(server)
