"""Start the real Chronicle server (``chronicle serve`` under uvicorn) as a subprocess.

Tests drive it over real loopback sockets with real clients.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    """A server process and its URLs."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    store_url: str = ""

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Return what the server printed so far."""
        return self.log_path.read_text(errors="replace")


def start_server(store_url: str, log_path: Path, *, port: int | None = None,
                 env: Mapping[str, str] | None = None, timeout: float = 120.0) -> RunningServer:
    """Start ``chronicle serve`` on 127.0.0.1 and wait until ``/healthz`` answers.

    Raises:
        RuntimeError: the server exited or did not answer within ``timeout`` seconds
            (the message includes its output).
    """
    port = port or free_port()
    environment = {**os.environ, "CHRONICLE_STORE_URL": store_url, "PYTHONUNBUFFERED": "1", **(env or {})}
    with log_path.open("ab") as log_file:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=environment, stdout=log_file, stderr=subprocess.STDOUT,
        )
    server = RunningServer(process, port, log_path, store_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.base_url}/healthz", timeout=1.0).status_code == 200:
                return server
        time.sleep(0.1)
    stop_server(server)
    raise RuntimeError(f"server did not start within {timeout}s:\n{server.log()}")


def stop_server(server: RunningServer, *, kill: bool = False) -> None:
    """Stop the server: SIGTERM and wait (or SIGKILL at once with ``kill``)."""
    if server.process.poll() is None:
        if kill:
            server.process.kill()
        else:
            server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


@contextlib.contextmanager
def running_server(store_url: str, log_path: Path, **kwargs: object) -> Iterator[RunningServer]:
    """Context manager around :func:`start_server` / :func:`stop_server`."""
    server = start_server(store_url, log_path, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        stop_server(server)
