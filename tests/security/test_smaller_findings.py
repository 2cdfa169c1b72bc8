"""Issue 15 item 7: unknown ``kid``s, idempotency keys per caller, nothing secret in the logs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
import pytest
import websockets
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.security.conftest import SECRET, codes, post, token
from tests.support.server import RunningServer, running_server

OPEN = """mutation($owner: String!, $key: String) {
  openAccount(input: {owner: $owner, currency: "EUR", idempotencyKey: $key}) {
    __typename ... on AccountSuccess { account { id } replayed events { metadata } }
  }
}"""
DEPOSIT = """mutation($id: ID!, $amount: Decimal!, $key: String) {
  deposit(input: {accountId: $id, amount: $amount, idempotencyKey: $key}) {
    __typename ... on AccountSuccess { account { balance } replayed events { metadata } }
    ... on Error { code }
  }
}"""
REGISTER = """mutation($name: String!, $email: String!, $key: String) {
  registerCustomer(input: {name: $name, email: $email, phone: "+44 20 7946 0958", idempotencyKey: $key}) {
    __typename ... on Error { code message }
  }
}"""
TRANSPORT_WS = "graphql-transport-ws"


# -- unknown kid -------------------------------------------------------------------------------

def test_a_kid_is_refused_when_the_key_has_no_id(secured: RunningServer) -> None:
    """The single configured secret has no id, so a token naming one names a key we do not hold."""
    assert post(secured, OPEN, {"owner": "K"}, bearer=token())["data"]["openAccount"]["__typename"] == "AccountSuccess"
    named = token(headers={"kid": "rotated-2024"})
    assert codes(post(secured, OPEN, {"owner": "K"}, bearer=named)) == ["UNAUTHENTICATED"]


def test_a_single_key_jwks_refuses_an_unknown_kid(tmp_path: Path) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig"}]}))
    env = {"CHRONICLE_JWT_JWKS_FILE": str(tmp_path / "jwks.json"), "CHRONICLE_ALLOW_ANONYMOUS": "false"}
    with running_server(f"sqlite:///{tmp_path / 'j.db'}", tmp_path / "log", env=env) as server:
        for headers in ({"kid": "k1"}, None):
            good = token(key=private, algorithm="RS256", headers=headers)
            assert post(server, OPEN, {"owner": "J"}, bearer=good)["data"]["openAccount"]["__typename"] \
                == "AccountSuccess"
        unknown = token(key=private, algorithm="RS256", headers={"kid": "k9"})
        assert codes(post(server, OPEN, {"owner": "J"}, bearer=unknown)) == ["UNAUTHENTICATED"]


# -- idempotency keys per caller ------------------------------------------------------------------

def test_another_callers_key_is_neither_replayed_nor_confirmed(secured: RunningServer) -> None:
    alice, bob = token(sub="idem-alice"), token(sub="idem-bob")
    first = post(secured, OPEN, {"owner": "A", "key": "open-shared"}, bearer=alice)["data"]["openAccount"]
    theirs = post(secured, OPEN, {"owner": "B", "key": "open-shared"}, bearer=bob)["data"]["openAccount"]
    assert theirs["__typename"] == "AccountSuccess" and not theirs["replayed"]
    assert theirs["account"]["id"] != first["account"]["id"]
    assert theirs["events"][0]["metadata"]["actor"] == "idem-bob"
    again = post(secured, OPEN, {"owner": "A", "key": "open-shared"}, bearer=alice)["data"]["openAccount"]
    assert again["replayed"] and again["account"]["id"] == first["account"]["id"]

    account = first["account"]["id"]
    paid = post(secured, DEPOSIT, {"id": account, "amount": "10", "key": "dep-shared"}, bearer=alice)
    assert paid["data"]["deposit"]["account"]["balance"] == "10.00"
    carol = token(sub="idem-carol")
    for caller, amount in ((bob, "10"), (carol, "99")):  # the same input, or other input: their own command
        other = post(secured, DEPOSIT, {"id": account, "amount": amount, "key": "dep-shared"}, bearer=caller)
        assert other["data"]["deposit"]["__typename"] == "AccountSuccess", other
        assert not other["data"]["deposit"]["replayed"]
        assert other["data"]["deposit"]["events"][0]["metadata"]["actor"] in ("idem-bob", "idem-carol")
    mine = post(secured, DEPOSIT, {"id": account, "amount": "11", "key": "dep-shared"}, bearer=alice)
    assert mine["data"]["deposit"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    replay = post(secured, DEPOSIT, {"id": account, "amount": "10", "key": "dep-shared"}, bearer=alice)
    assert replay["data"]["deposit"]["replayed"] and replay["data"]["deposit"]["account"]["balance"] == "10.00"


# -- nothing secret in the logs ------------------------------------------------------------------

@pytest.fixture()
def chatty(tmp_path: Path) -> Iterator[RunningServer]:
    """A fresh secured server whose whole log belongs to one test."""
    env = {"CHRONICLE_JWT_SECRET": SECRET, "CHRONICLE_ALLOW_ANONYMOUS": "false", "CHRONICLE_LOG_LEVEL": "INFO"}
    with running_server(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "server.log", env=env) as server:
        yield server


async def _ws_session(server: RunningServer, url: str, payload: dict[str, Any]) -> None:
    async with websockets.connect(url, subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        try:
            reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
        except websockets.ConnectionClosed:
            return
        if reply["type"] == "connection_ack":
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
                "query": "subscription { events(afterPosition: 0) { position } }"}}))
            await asyncio.wait_for(ws.recv(), 5)


async def test_a_realistic_session_leaves_no_token_or_email_in_the_log(chatty: RunningServer) -> None:
    teller = token(sub="log-teller", roles=["teller"])
    auditor = token(sub="log-auditor", roles=["auditor"])
    expired = token(sub="log-late", expires_in=-60)
    forged = token(sub="log-forged", key="f" * 40)
    emails = ["grace.hopper@navy.example", "Ada.Lovelace@Example.com", "not-an-email@", "dup@example.org"]

    for i, email in enumerate(emails):
        post(chatty, REGISTER, {"name": f"Person {i}", "email": email, "key": f"reg-{email}"}, bearer=teller)
    post(chatty, REGISTER, {"name": "Again", "email": emails[-1]}, bearer=teller)  # EMAIL_TAKEN
    for bad in (expired, forged, "not.a.jwt"):
        post(chatty, REGISTER, {"name": "X", "email": emails[0]}, bearer=bad)
    query = "query($email: String!) { customers(first: 1) { edges { node { id } } } __typename }"
    async with httpx.AsyncClient(timeout=10) as client:
        for bearer in (teller, expired):
            params = {"query": query, "variables": json.dumps({"email": emails[1]}), "token": bearer}
            await client.get(f"{chatty.http_url}?{urlencode(params)}", headers={"authorization": f"Bearer {bearer}"})
        await client.get(f"{chatty.base_url}/healthz?{urlencode({'token': teller, 'email': emails[0]})}")
        await client.get(f"{chatty.base_url}/nowhere?{urlencode({'token': auditor})}")
        await client.post(chatty.http_url, content=b'{"query": "{ __typename ', headers={
            "authorization": f"Bearer {teller}", "content-type": "application/json"})
    for url, payload in ((f"{chatty.ws_url}?token={auditor}", {"authToken": auditor}),
                         (chatty.ws_url, {"Authorization": f"Bearer {expired}"}),
                         (f"{chatty.ws_url}?email={emails[2]}", {"authToken": forged})):
        await _ws_session(chatty, url, payload)

    await asyncio.sleep(0.5)
    log = chatty.log()
    assert "GET /healthz HTTP/1.1" in log and "WebSocket /graphql" in log  # access lines are there, paths only
    for secret in (teller, auditor, expired, forged):
        signature = secret.rsplit(".", 1)[1]
        assert secret not in log and signature not in log, f"a token reached the log:\n{log}"
    for email in emails:
        for form in (email, email.lower(), email.replace("@", "%40")):
            assert form not in log, f"{form!r} reached the log:\n{log}"
