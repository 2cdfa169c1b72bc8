"""A real server that requires JWTs (HS256), plus helpers to mint tokens."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from tests.support.server import RunningServer, running_server

SECRET = "test-secret-" + "s" * 52  # 64 bytes: long enough for HS256 and HS512
ALLOWED_ORIGIN = "https://ledger.example"


def token(sub: str = "alice", roles: list[str] | None = None, *, key: Any = SECRET, algorithm: str = "HS256",
          expires_in: float = 300, headers: dict[str, Any] | None = None, **claims: Any) -> str:
    """Return a signed JWT for ``sub`` with ``roles``."""
    payload = {"sub": sub, "roles": roles if roles is not None else ["teller"],
               "exp": int(time.time() + expires_in), **claims}
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def post(server: RunningServer, query: str, variables: dict[str, Any] | None = None,
         bearer: str | None = None, **headers: str) -> dict[str, Any]:
    """POST a GraphQL request and return the JSON body."""
    if bearer is not None:
        headers["authorization"] = f"Bearer {bearer}"
    response = httpx.post(server.http_url, json={"query": query, "variables": variables or {}},
                          headers=headers, timeout=10)
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    """Return the ``extensions.code`` of every top-level error."""
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


@pytest.fixture(scope="session")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server with an HS256 secret, anonymous access off and one trusted browser origin."""
    directory = tmp_path_factory.mktemp("secured")
    env = {"CHRONICLE_JWT_SECRET": SECRET, "CHRONICLE_ALLOW_ANONYMOUS": "false",
           "CHRONICLE_ALLOWED_ORIGINS": ALLOWED_ORIGIN}
    with running_server(f"sqlite:///{directory / 'chronicle.db'}", directory / "server.log", env=env) as server:
        yield server



@pytest.fixture(scope="session")
def locked_down(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A development server with introspection and suggestions off, as the README advises for production."""
    directory = tmp_path_factory.mktemp("locked")
    env = {"CHRONICLE_INTROSPECTION": "false", "CHRONICLE_FIELD_SUGGESTIONS": "false"}
    with running_server(f"sqlite:///{directory / 'c.db'}", directory / "server.log", env=env) as server:
        yield server
