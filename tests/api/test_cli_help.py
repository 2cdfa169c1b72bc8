"""``chronicle ... --help`` is quick, shows its defaults, and lists the projections.

Quick is checked two ways: by the modules a help loads (none of the app,
stores, pydantic, strawberry, PyJWT or rich), and by the CPU time of the
process, which a busy machine inflates far less than wall-clock time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api import defaults
from api.app import open_runtime
from api.settings import Settings
from tests.support.server import ROOT

HELPS = [(), ("serve",), ("token",), ("verify",), ("projections",), ("projections", "rebuild"),
         ("projections", "status"), ("events",), ("events", "tail")]
SLOW_IMPORTS = ("api.app", "api.settings", "api.auth", "api.schema", "store", "pydantic", "pydantic_settings",
                "strawberry", "graphql", "starlette", "uvicorn", "jwt", "pymongo", "sqlite3", "rich")
"""Top-level packages (and api modules) that a help must not import: together about 2 s."""
CPU_BUDGET = 1.0
"""Seconds of CPU a help may take: twice the issue's 0.5 s, as a loaded machine inflates CPU time too
(typically 0.15 s, 0.3 s with the projection names; 0.5 s seen with a load average of 17)."""
WALL_BOUND = 10.0
"""A generous wall-clock bound: on a loaded machine a 0.15 s CPU help has taken 1.8 s."""

PROBE = """
import json, sys
from api.cli import app
try:
    app(sys.argv[1:], prog_name="chronicle")
except SystemExit as exit:
    code = exit.code
else:
    code = 0
print(json.dumps({"exit": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def run_help(*args: str) -> tuple[str, dict[str, object], float, float]:
    """Run ``chronicle <args> --help``; return its stdout, the probe's report, CPU seconds and wall seconds."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CHRONICLE_")}
    started = time.monotonic()
    with subprocess.Popen([sys.executable, "-c", PROBE, *args, "--help"], cwd=ROOT, text=True,
                          env={**environment, "COLUMNS": "100"},
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        stdout, stderr = process.stdout.read(), process.stderr.read()  # type: ignore[union-attr]
        _, status, usage = os.wait4(process.pid, 0)  # the child's own CPU time
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, stderr
    return stdout, json.loads(stderr.splitlines()[-1]), usage.ru_utime + usage.ru_stime, wall


@pytest.mark.parametrize("args", HELPS, ids=lambda args: " ".join(args) or "chronicle")
def test_a_help_prints_quickly_without_loading_the_app(args: tuple[str, ...]) -> None:
    stdout, report, cpu, wall = run_help(*args)

    assert report["exit"] == 0
    assert stdout.startswith(f"Usage: chronicle {' '.join(args)}".rstrip())
    loaded = {str(name) for name in report["modules"]}  # type: ignore[attr-defined]
    assert not {name for name in loaded if name.split(".")[0] in SLOW_IMPORTS or name in SLOW_IMPORTS}
    assert cpu < CPU_BUDGET, f"{cpu:.2f} s of CPU"
    assert wall < WALL_BOUND


@pytest.mark.parametrize("args", HELPS, ids=lambda args: " ".join(args) or "chronicle")
def test_a_help_shows_no_type_placeholders(args: tuple[str, ...]) -> None:
    stdout, _, _, _ = run_help(*args)

    assert "<bool>" not in stdout
    assert "<str>" not in stdout.split("Options:")[-1]


def test_serve_help_shows_each_default_and_its_environment_variable() -> None:
    stdout, _, _, _ = run_help("serve")
    text = " ".join(stdout.split())  # the formatter wraps long lines

    for setting, default in (("host", defaults.HOST), ("port", defaults.PORT), ("store_url", defaults.STORE_URL)):
        assert f"[env var: {defaults.env_name(setting)}; default: {default}]" in text
    assert (Settings.model_fields["host"].default, Settings.model_fields["port"].default,
            Settings.model_fields["store_url"].default) == (defaults.HOST, defaults.PORT, defaults.STORE_URL)


def test_token_help_shows_its_defaults() -> None:
    text = " ".join(run_help("token")[0].split())

    assert "--roles ROLES Comma-separated roles, e.g. teller,auditor. [required]" in text
    assert "[default: developer]" in text
    assert "[default: 1h]" in text


async def test_rebuild_help_lists_the_projections_the_server_runs(tmp_path: Path) -> None:
    async with open_runtime(Settings(store_url=f"sqlite:///{tmp_path / 'names.db'}")) as runtime:
        served = [projection.name for projection in runtime.projections]

    text = " ".join(run_help("projections", "rebuild")[0].split())

    assert f"Projection names: {', '.join(served)}, and those of the domains CHRONICLE_DOMAINS adds." in text
