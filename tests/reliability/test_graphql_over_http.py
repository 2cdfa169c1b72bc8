"""GraphQL over HTTP (issue 5 item 1): media types and status codes per the spec draft,
and the graphql-http package's audit against the live server."""

from __future__ import annotations

import os
import shutil
import subprocess

import httpx
import pytest

from tests.support.server import ROOT, RunningServer
from tests.support.ws import graphql

GRAPHQL_JSON = "application/graphql-response+json"


def post(server: RunningServer, query: str, accept: str, variables: dict[str, object] | None = None) -> httpx.Response:
    return graphql(server.http_url, query, variables, headers={"accept": accept})


@pytest.mark.parametrize("query, variables", [
    ("{ accounts(first: 1) { edges ", None),                                    # parse error
    ("{ noSuchField }", None),                                                   # validation error
    ("query($n: Int) { accounts(first: $n) { edges { cursor } } }", {"n": "x"}),  # variable coercion
])
def test_request_errors_are_400_without_data_for_graphql_response_json(
        hardened: RunningServer, query: str, variables: dict[str, object] | None) -> None:
    response = post(hardened, query, GRAPHQL_JSON, variables)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_JSON)
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_application_json_keeps_200_for_request_errors(hardened: RunningServer) -> None:
    response = post(hardened, "{ noSuchField }", "application/json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"] is None


def test_success_uses_the_accepted_media_type(hardened: RunningServer) -> None:
    response = post(hardened, "{ accounts(first: 1) { edges { cursor } } }", f"{GRAPHQL_JSON}, application/json;q=0.9")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_JSON)
    assert "data" in response.json()


def test_mutation_over_get_is_405(hardened: RunningServer) -> None:
    response = httpx.get(hardened.http_url, params={"query": 'mutation { openAccount(input: {owner: "a", '
                                                              'currency: "EUR"}) { __typename } }'},
                         headers={"accept": GRAPHQL_JSON})
    assert response.status_code == 405


def test_graphql_http_audit_reports_every_audit_ok(hardened: RunningServer) -> None:
    """Runs .ci/graphql-http-audit.mjs (the pinned graphql-http package). Skips only outside CI without node."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node and npm are required under CI for the graphql-http audit")
        pytest.skip("node/npm not installed")
    ci = ROOT / ".ci"
    if not (ci / "node_modules" / "graphql-http").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ci, check=True, capture_output=True, timeout=300)
    audit = subprocess.run([node, str(ci / "graphql-http-audit.mjs"), hardened.http_url],
                           capture_output=True, text=True, timeout=120)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert ", 0 warn, 0 error" in audit.stdout
