"""Operations (issue 5 item 7): health, readiness by projection lag, Prometheus metrics, JSON logs."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.support.server import RunningServer
from tests.support.ws import graphql, insert_raw_event, metric, open_account


def test_healthz_and_readyz(hardened: RunningServer) -> None:
    assert httpx.get(f"{hardened.base_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{hardened.base_url}/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True


def test_readyz_fails_when_a_projection_lags(faulty: tuple[RunningServer, Path]) -> None:
    server, db = faulty  # CHRONICLE_READY_MAX_PROJECTION_LAG=0
    assert httpx.get(f"{server.base_url}/readyz").status_code == 200
    insert_raw_event(str(db), "AccountOpened")  # written behind the app's back: no projection saw it
    ready = httpx.get(f"{server.base_url}/readyz")
    assert ready.status_code == 503
    assert ready.json()["reason"] == "projection lag"
    assert metric(server.base_url, "chronicle_projection_lag", '{projection="accounts"}') == 1


def test_metrics_count_commands_and_time_appends(hardened: RunningServer) -> None:
    success = metric(hardened.base_url, "chronicle_commands_total", '{command="OpenAccount",outcome="success"}')
    appends = metric(hardened.base_url, "chronicle_append_seconds_count")
    account_id, _ = open_account(hardened.http_url)
    graphql(hardened.http_url, 'mutation($id: ID!) { withdraw(input: {accountId: $id, amount: "5"}) '
                               '{ __typename } }', {"id": account_id})
    assert metric(hardened.base_url, "chronicle_commands_total",
                  '{command="OpenAccount",outcome="success"}') == success + 1
    assert metric(hardened.base_url, "chronicle_commands_total",
                  '{command="WithdrawMoney",outcome="INSUFFICIENT_FUNDS"}') >= 1
    assert metric(hardened.base_url, "chronicle_append_seconds_count") == appends + 1
    text = httpx.get(f"{hardened.base_url}/metrics").text
    assert "chronicle_live_subscriptions " in text and 'chronicle_projection_lag{projection="accounts"}' in text


def test_logs_are_json_lines_with_the_correlation_id(hardened: RunningServer) -> None:
    response = graphql(hardened.http_url, "{ accounts(first: 1) { edges { cursor } } }",
                       headers={"x-correlation-id": "corr-log-1"})
    assert response.headers["x-correlation-id"] == "corr-log-1"
    records = [json.loads(line) for line in hardened.log().splitlines() if line.startswith("{")]
    assert any(r.get("correlation_id") == "corr-log-1" and r["logger"] == "uvicorn.access" for r in records)
    assert all({"event", "level", "timestamp"} <= r.keys() for r in records)
