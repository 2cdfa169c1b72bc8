"""Plain HTTP endpoints: health, readiness, the bundled GraphiQL and the ledger page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.client import TIMEOUT
from tests.support.server import RunningServer


@pytest.fixture
async def http(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=TIMEOUT) as client:
        yield client


async def test_health_and_readiness(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).status_code == 200
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True


async def test_graphiql_is_served_with_local_assets(http: httpx.AsyncClient) -> None:
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script src="/static/graphiql/graphiql.js">' in page.text
    assert not any(cdn in page.text for cdn in ("unpkg.com", "jsdelivr", "esm.sh", "cdnjs"))
    for asset, kind in (("/static/graphiql/graphiql.js", "javascript"), ("/static/graphiql/graphiql.css", "css")):
        response = await http.get(asset)
        assert response.status_code == 200, asset
        assert kind in response.headers["content-type"]
        assert len(response.content) > 1000


async def test_root_serves_the_ledger_page(http: httpx.AsyncClient) -> None:
    page = await http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/static/ledger/app.js" in page.text
    assert (await http.get("/static/ledger/app.js")).status_code == 200


async def test_graphql_over_get(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": "{ __typename }"},
                              headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
