"""Row 3: GraphQL ``deposit`` mutations/s over HTTP, 32 connections, p50/p99, vs bare strawberry.

Both servers run as separate uvicorn processes on loopback with the same
settings; the load generator is ``wrk`` (``apt-get install -y wrk``) with a Lua
script posting the same document with rotating variables (64 accounts for
Chronicle), so strawberry's parser and validation caches hit for both.
Afterwards the balances are summed to check every counted deposit happened.

    uv run python benchmarks/http_deposits.py [--quick]
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import httpx
from _report import parser, row
from _servers import bare, chronicle

CONNECTIONS = 32
ACCOUNTS = 64
CHRONICLE_DOC = ("mutation($id: ID!) { deposit(input: {accountId: $id, amount: \"1.00\"}) { __typename "
                 "... on AccountSuccess { account { balance version } } ... on Error { code } } }")
BARE_DOC = "mutation($id: ID!) { deposit(accountId: $id, amount: \"1.00\") { balance version } }"

LUA = """
local ids = {%s}
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local body = [[%s,"variables":{"id":"]] .. ids[(n %% #ids) + 1] .. '"}}'
  return wrk.format(nil, "/graphql", nil, body)
end
"""


def prefix(document: str) -> str:
    """The request body up to its variables, for the Lua long string."""
    return json.dumps({"query": document})[:-1]


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise RuntimeError(f"unexpected wrk latency {text!r}")
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(url: str, script: Path, seconds: int) -> tuple[float, float, float, int, str]:
    out = subprocess.run(["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    if "Latency Distribution" not in out:
        raise RuntimeError(out)
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    notes = (f"non-2xx {bad.group(1)} " if bad else "") + (errors.group(0) if errors else "")
    return rate, p50, p99, total, notes


def open_accounts(url: str) -> list[str]:
    ids = []
    with httpx.Client(timeout=10) as http:
        for i in range(ACCOUNTS):
            body = http.post(url, json={"query": "mutation($o: String!) { openAccount(input: {owner: $o, currency: "
                                        "\"EUR\"}) { ... on AccountSuccess { account { id } } } }",
                                        "variables": {"o": f"bench-{i}"}}).json()
            ids.append(body["data"]["openAccount"]["account"]["id"])
    return ids


def total_balance(url: str) -> Decimal:
    with httpx.Client(timeout=10) as http:
        body = http.post(url, json={"query": "{ accounts(first: 100) { edges { node { balance } } } }"}).json()
    return sum((Decimal(e["node"]["balance"]) for e in body["data"]["accounts"]["edges"]), Decimal(0))


def main() -> None:
    options = parser(__doc__).parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    seconds = 3 if options.quick else 10
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        with chronicle(directory) as server:
            ids = open_accounts(server.http_url)
            script = directory / "chronicle.lua"
            script.write_text(LUA % (", ".join(f'"{i}"' for i in ids), prefix(CHRONICLE_DOC)))
            wrk(server.http_url, script, 1)  # warm-up
            before = total_balance(server.http_url)
            ours = wrk(server.http_url, script, seconds)
            deposited = total_balance(server.http_url) - before
        with bare(directory) as server:
            script = directory / "bare.lua"
            script.write_text(LUA % ('"a"', prefix(BARE_DOC)))
            wrk(server.http_url, script, 1)
            theirs = wrk(server.http_url, script, seconds)
    rate, p50, p99, total, notes = ours
    row("3 GraphQL deposit over HTTP, 32 conns", rate, "req/s", "bare strawberry", theirs[0], ">= 0.6x bare",
        rate >= 0.6 * theirs[0],
        f"p50/p99 {p50:.1f}/{p99:.1f} ms vs bare {theirs[1]:.1f}/{theirs[2]:.1f} ms; {total:,} counted, "
        f"{int(deposited):,} deposited {notes}{theirs[4]}".strip())


if __name__ == "__main__":
    main()
