"""The ``chronicle`` command line's start-up errors: one clean line and exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import ROOT, running_server

CLI_TIMEOUT = 30.0


def chronicle(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m api <args>`` (the ``chronicle`` CLI) with its output captured (not a terminal)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CHRONICLE_")}
    return subprocess.run([sys.executable, "-m", "api", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**environment, "NO_COLOR": "1", **(env or {})}, timeout=CLI_TIMEOUT, check=False)


def test_a_short_jwt_secret_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = chronicle("serve", "--store-url", f"sqlite:///{tmp_path / 's.db'}",
                       env={"CHRONICLE_JWT_SECRET": "short"})

    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 2, output
    assert output.splitlines() == [
        "cannot start: invalid setting CHRONICLE_JWT_SECRET: must be at least 32 bytes (RFC 7518 §3.2)"]
    assert "short" not in output.removeprefix("cannot start")


def test_no_key_without_anonymous_access_refuses_before_the_banner(tmp_path: Path) -> None:
    result = chronicle("serve", "--store-url", f"sqlite:///{tmp_path / 'n.db'}",
                       env={"CHRONICLE_ALLOW_ANONYMOUS": "false"})

    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "cannot start: no JWT key configured" in output
    assert "Chronicle on" not in output
    assert "Traceback" not in output


def test_the_banner_is_not_wrapped_mid_url(tmp_path: Path) -> None:
    long_dir = tmp_path / ("a-rather-long-directory-name-" * 3)
    long_dir.mkdir()
    with running_server(f"sqlite:///{long_dir / 'b.db'}", tmp_path / "log",
                        env={"CHRONICLE_JWT_SECRET": "", "COLUMNS": "", "NO_COLOR": "1"}) as server:
        lines = server.log().splitlines()

    banner = [line for line in lines if line.startswith("Chronicle on ")]
    assert len(banner) == 1, lines
    assert f"http://127.0.0.1:{server.port}/graphql" in banner[0]
    assert f"store: sqlite:///{long_dir / 'b.db'}" in banner[0]


@pytest.mark.parametrize("args", [("projections", "status"), ("projections", "rebuild"), ("events", "tail")])
def test_maintenance_commands_refuse_a_sqlite_file_that_does_not_exist(tmp_path: Path,
                                                                       args: tuple[str, ...]) -> None:
    missing = tmp_path / "typo" / "chronicle.db"

    result = chronicle(*args, "--store-url", f"sqlite:///{missing}")

    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 2, output
    assert output.splitlines() == [f"cannot open the store: {missing} does not exist (only `chronicle serve` "
                                   "creates it; pass the --store-url the server uses)"]
    assert not missing.exists()
    assert not missing.parent.exists()


def test_maintenance_commands_open_an_existing_sqlite_file(tmp_path: Path) -> None:
    store = tmp_path / "chronicle.db"
    with running_server(f"sqlite:///{store}", tmp_path / "log", env={"CHRONICLE_JWT_SECRET": ""}):
        pass

    result = chronicle("projections", "status", "--store-url", f"sqlite:///{store}", env={"COLUMNS": "200"})

    assert result.returncode == 0, result.stdout + result.stderr
    assert "accounts" in result.stdout
