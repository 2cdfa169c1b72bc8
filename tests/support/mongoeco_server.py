"""Start a throw-away mongoeco server (MongoDB wire protocol) for tests.

mongoeco needs Python >= 3.13 while the test suite runs on 3.11, so the server
runs as a separate process from a dedicated virtualenv:

* :func:`ensure_mongoeco_venv` creates (once, with ``uv``) a 3.13 venv that has
  ``mongoeco[wire]`` installed and returns its interpreter.
* :func:`running_mongoeco` starts ``mongoeco_launcher.py`` on a free loopback
  port, waits until it answers ``ping`` and yields a ``mongodb://`` URI usable
  with ``pymongo.AsyncMongoClient``/``MongoClient``.

Environment variables:

``CHRONICLE_MONGOECO_VENV``
    venv location (default ``<repo>/.cache/mongoeco-venv``).
``CHRONICLE_PY313``
    path of a Python >= 3.13 interpreter used to create the venv.
``CHRONICLE_MONGOECO_SPEC``
    requirement installed into the venv (default :data:`DEFAULT_SPEC`).

The server presents itself as a *standalone* (no ``setName``); the URI carries
``directConnection=true``.  Data lives in memory and vanishes with the process,
unless ``engine="sqlite"`` is given a ``sqlite_path``.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT: Path = Path(__file__).resolve().parents[2]
LAUNCHER: Path = Path(__file__).resolve().with_name("mongoeco_launcher.py")
DEFAULT_VENV: Path = REPO_ROOT / ".cache" / "mongoeco-venv"
DEFAULT_SPEC: str = "mongoeco[wire]>=4.11,<5"
READY_PREFIX: str = "MONGOECO_READY"

__all__ = [
    "MongoecoUnavailable",
    "ensure_mongoeco_venv",
    "find_python313",
    "running_mongoeco",
]


class MongoecoUnavailable(RuntimeError):
    """Raised when the mongoeco venv cannot be created or the server won't start."""


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _is_py313(python: str | os.PathLike[str]) -> bool:
    try:
        result = subprocess.run(
            [os.fspath(python), "-c", "import sys; sys.exit(sys.version_info < (3, 13))"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def _run_quiet(cmd: list[str]) -> str | None:
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def find_python313() -> Path:
    """Locate a Python >= 3.13 interpreter.

    Order: ``$CHRONICLE_PY313``; ``pyenv prefix 3.13.0``; ``uv python find 3.13``;
    ``python3.13`` on PATH; common install locations.

    Returns:
        Path of the interpreter.
    Raises:
        MongoecoUnavailable: if none is found (or ``$CHRONICLE_PY313`` is not 3.13+).
    """
    explicit = os.environ.get("CHRONICLE_PY313")
    if explicit:
        if _is_py313(explicit):
            return Path(explicit)
        raise MongoecoUnavailable(f"CHRONICLE_PY313={explicit!r} is not a Python >= 3.13")

    candidates: list[str] = []
    if shutil.which("pyenv"):
        prefix = _run_quiet(["pyenv", "prefix", "3.13.0"])
        if prefix:
            candidates += [f"{prefix}/bin/python3.13", f"{prefix}/bin/python"]
    uv = shutil.which("uv")
    if uv:
        found = _run_quiet([uv, "python", "find", "--no-python-downloads", "3.13"])
        if found:
            candidates.append(found)
    which = shutil.which("python3.13")
    if which:
        candidates.append(which)
    home = Path.home()
    for root in (home / ".pyenv" / "versions", Path("/root/.pyenv/versions")):
        if root.is_dir():
            candidates += [str(p / "bin" / "python") for p in sorted(root.glob("3.1[3-9]*"))]
    candidates += ["/usr/local/bin/python3.13", "/usr/bin/python3.13"]

    for candidate in candidates:
        if Path(candidate).exists() and _is_py313(candidate):
            return Path(candidate)
    raise MongoecoUnavailable(
        "no Python >= 3.13 found for mongoeco; set CHRONICLE_PY313 to its path"
    )


MARKER_NAME: str = ".chronicle-mongoeco-ok"


def _venv_ready(python: Path, spec: str) -> bool:
    """True if ``python`` exists and the venv's marker records ``spec``."""
    marker = python.parent.parent / MARKER_NAME
    try:
        return python.exists() and marker.read_text(encoding="utf-8").strip() == spec
    except OSError:
        return False


def _venv_imports_ok(python: Path) -> bool:
    try:
        result = subprocess.run(
            [os.fspath(python), "-c", "import bson, mongoeco.wire.proxy"],
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialize venv creation across processes (e.g. pytest-xdist workers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - non-POSIX
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_mongoeco_venv(venv: str | os.PathLike[str] | None = None) -> Path:
    """Make sure a Python 3.13+ venv with ``mongoeco[wire]`` exists.

    Args:
        venv: venv directory; default ``$CHRONICLE_MONGOECO_VENV`` or
            ``<repo>/.cache/mongoeco-venv``.
    Returns:
        Path of the venv's Python interpreter.
    Raises:
        MongoecoUnavailable: ``uv`` missing, no 3.13 interpreter, or the
            ``uv venv`` / ``uv pip install`` step failed (its output is included).

    ``uv`` is used with the caller's environment, so any index/mirror
    configuration (``UV_INDEX_URL``, ``uv.toml``, ...) applies unchanged.
    """
    target = Path(venv or os.environ.get("CHRONICLE_MONGOECO_VENV") or DEFAULT_VENV)
    target = target.expanduser().resolve()
    python = _venv_python(target)
    spec = os.environ.get("CHRONICLE_MONGOECO_SPEC", DEFAULT_SPEC)
    if _venv_ready(python, spec):
        return python

    with _file_lock(target.parent / f".{target.name}.lock"):
        if _venv_ready(python, spec):  # another process built it meanwhile
            return python
        uv = shutil.which("uv")
        if uv is None:
            raise MongoecoUnavailable("`uv` not found on PATH; needed to build the mongoeco venv")
        py313 = find_python313()
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        steps = [
            [uv, "venv", "--clear", "--python", os.fspath(py313), os.fspath(target)],
            [uv, "pip", "install", "--python", os.fspath(python), spec],
        ]
        for cmd in steps:
            result = subprocess.run(
                cmd, capture_output=True, text=True, env=env, timeout=900, check=False
            )
            if result.returncode != 0:
                raise MongoecoUnavailable(
                    f"command failed ({result.returncode}): {' '.join(cmd)}\n"
                    f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
                )
        if not _venv_imports_ok(python):
            raise MongoecoUnavailable(f"{python} still cannot import mongoeco.wire / bson")
        (target / MARKER_NAME).write_text(spec + "\n", encoding="utf-8")
    return python


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _ping(uri: str, timeout: float) -> None:
    """Send ``ping`` through PyMongo; raise on failure."""
    from pymongo import MongoClient

    ms = max(int(timeout * 1000), 100)
    client: MongoClient = MongoClient(
        uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, socketTimeoutMS=ms
    )
    try:
        client.admin.command("ping")
    finally:
        client.close()


def _stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(OSError):
        if proc.stdin is not None:
            proc.stdin.close()  # launcher exits on stdin EOF
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace)


@contextlib.contextmanager
def running_mongoeco(
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    engine: str = "memory",
    sqlite_path: str | os.PathLike[str] | None = None,
    startup_timeout: float = 30.0,
    venv: str | os.PathLike[str] | None = None,
) -> Iterator[str]:
    """Run a fresh mongoeco wire server for the duration of the ``with`` block.

    Args:
        host: loopback address to bind.
        port: TCP port; ``None`` picks a free one.
        engine: ``"memory"`` (default) or ``"sqlite"``.
        sqlite_path: with ``engine="sqlite"``, the database file, so the data
            outlives the process and a server restarted on it finds it again
            (default: in-memory SQLite).
        startup_timeout: seconds to wait for the server to answer ``ping``.
        venv: mongoeco venv directory, see :func:`ensure_mongoeco_venv`.
    Yields:
        URI ``mongodb://HOST:PORT/?directConnection=true`` (standalone
        topology; no replicaSet option, since mongoeco reports no setName).
    Raises:
        MongoecoUnavailable: venv could not be built, the server exited early
            or did not answer ``ping`` in time (message includes its stderr).

    The server is terminated (SIGTERM, then SIGKILL after 10 s) on exit; it
    also exits by itself if this process dies (its stdin pipe closes).
    """
    python = ensure_mongoeco_venv(venv)
    chosen_port = _free_port(host) if port is None else port
    stderr_file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    cmd = [
        os.fspath(python),
        os.fspath(LAUNCHER),
        "--host",
        host,
        "--port",
        str(chosen_port),
        "--engine",
        engine,
    ]
    if sqlite_path is not None:
        cmd += ["--sqlite-path", os.fspath(sqlite_path)]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr_file
    )

    def _stderr_text() -> str:
        stderr_file.seek(0)
        return stderr_file.read().decode("utf-8", "replace")[-8000:]

    def _fail(reason: str) -> MongoecoUnavailable:
        _stop(proc)
        return MongoecoUnavailable(
            f"mongoeco server {reason} (cmd: {' '.join(cmd)}; exit={proc.poll()})\n"
            f"--- server stderr ---\n{_stderr_text()}"
        )

    try:
        lines: queue.Queue[bytes] = queue.Queue()
        assert proc.stdout is not None
        reader = threading.Thread(
            target=lambda: lines.put(proc.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        deadline = time.monotonic() + startup_timeout
        try:
            line = lines.get(timeout=startup_timeout).decode("utf-8", "replace").split()
        except queue.Empty:
            raise _fail(f"did not report readiness within {startup_timeout:.0f}s") from None
        if len(line) != 3 or line[0] != READY_PREFIX:
            raise _fail(f"exited or printed unexpected output {line!r}")
        uri = f"mongodb://{line[1]}:{int(line[2])}/?directConnection=true"

        last_error: Exception | None = None
        while True:
            if proc.poll() is not None:
                raise _fail("exited during startup")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _fail(f"did not answer ping within {startup_timeout:.0f}s: {last_error!r}")
            try:
                _ping(uri, min(remaining, 5.0))
                break
            except Exception as exc:  # retried until the deadline
                last_error = exc
                time.sleep(0.1)

        yield uri
    finally:
        _stop(proc)
        if proc.stdout is not None:
            proc.stdout.close()
        stderr_file.close()


if __name__ == "__main__":  # manual smoke test: python -m tests.support.mongoeco_server
    with running_mongoeco() as _uri:
        print(_uri)
        sys.stdout.flush()
