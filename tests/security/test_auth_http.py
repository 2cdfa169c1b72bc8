"""Item 4 over HTTP: bearer tokens, roles, actor in metadata, RS256/JWKS, CORS."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.security.conftest import ALLOWED_ORIGIN, SECRET, codes, post, token
from tests.support.server import RunningServer, running_server, start_server

OPEN = """mutation($owner: String!) { openAccount(input: {owner: $owner, currency: "EUR"}) {
  __typename ... on AccountSuccess { account { id } events { eventId position metadata } } } }"""
ACCOUNTS = "{ accounts(first: 5) { edges { node { id } } } }"
EVENTS = "{ events(first: 100) { edges { node { position metadata } } } }"
REBUILD = 'mutation { rebuildProjection(name: "accounts") { name eventsApplied checkpoint } }'
AUDIT = ("{ logDigest { treeSize rootHash } }", "{ eventProof(position: 1) { leafHash } }",
         "{ consistencyProof(fromSize: 1) { path } }")


def test_no_token_is_unauthenticated(secured: RunningServer) -> None:
    for query in (OPEN, ACCOUNTS, EVENTS, REBUILD):
        body = post(secured, query, {"owner": "x"} if query is OPEN else None)
        assert codes(body) == ["UNAUTHENTICATED"], body
        assert body["data"] is None


def test_expired_bad_signature_and_garbage_tokens_are_unauthenticated(secured: RunningServer) -> None:
    bad = [token(expires_in=-60), token(key="another-" + "x" * 56), "not.a.jwt",
           jwt.encode({"roles": ["teller"], "exp": 9999999999}, SECRET),
           token(algorithm="HS512"), "x" * 10_000]
    for value in bad:
        body = post(secured, OPEN, {"owner": "x"}, bearer=value)
        assert codes(body) == ["UNAUTHENTICATED"], (value[:40], body)
    body = post(secured, OPEN, {"owner": "x"}, authorization="Basic dXNlcjpwYXNz")
    assert codes(body) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("sub", ["ev\u202eil", "nul\u0000byte", "line\nbreak", "x" * 257])
def test_a_subject_that_is_not_printable_text_is_refused(secured: RunningServer, sub: str) -> None:
    body = post(secured, OPEN, {"owner": "Bob"}, bearer=token(sub=sub))
    assert codes(body) == ["UNAUTHENTICATED"]


def test_unsigned_none_algorithm_token_is_refused(secured: RunningServer) -> None:
    unsigned = jwt.encode({"sub": "mallory", "roles": ["admin"], "exp": 9999999999}, None, algorithm="none")
    assert codes(post(secured, REBUILD, bearer=unsigned)) == ["UNAUTHENTICATED"]


def test_roles(secured: RunningServer) -> None:
    teller, auditor, admin, nobody = (token(roles=r) for r in (["teller"], ["auditor"], ["admin"], []))
    assert post(secured, OPEN, {"owner": "t"}, bearer=teller)["data"]["openAccount"]["__typename"] == \
        "AccountSuccess"
    assert "errors" not in post(secured, ACCOUNTS, bearer=teller)
    assert codes(post(secured, EVENTS, bearer=teller)) == ["FORBIDDEN"]
    assert codes(post(secured, REBUILD, bearer=teller)) == ["FORBIDDEN"]

    assert codes(post(secured, OPEN, {"owner": "a"}, bearer=auditor)) == ["FORBIDDEN"]
    assert "errors" not in post(secured, EVENTS, bearer=auditor)
    assert "errors" not in post(secured, ACCOUNTS, bearer=auditor)
    assert codes(post(secured, REBUILD, bearer=auditor)) == ["FORBIDDEN"]

    for query in (ACCOUNTS, EVENTS):
        assert codes(post(secured, query, bearer=nobody)) == ["FORBIDDEN"]

    rebuilt = post(secured, REBUILD, bearer=admin)
    assert "errors" not in rebuilt, rebuilt
    assert rebuilt["data"]["rebuildProjection"]["name"] == "accounts"
    unknown = post(secured, 'mutation { rebuildProjection(name: "nope") { name } }', bearer=admin)
    assert codes(unknown) == ["BAD_USER_INPUT"]


def test_only_auditors_and_admins_get_digests_and_proofs(secured: RunningServer) -> None:
    post(secured, OPEN, {"owner": "a"}, bearer=token(roles=["teller"]))
    for query in AUDIT:
        for roles in (["auditor"], ["admin"]):
            body = post(secured, query, bearer=token(roles=roles))
            assert "errors" not in body, body
        for roles in (["teller"], []):
            assert codes(post(secured, query, bearer=token(roles=roles))) == ["FORBIDDEN"]
        assert codes(post(secured, query)) == ["UNAUTHENTICATED"]


def test_actor_is_the_token_subject(secured: RunningServer) -> None:
    body = post(secured, OPEN, {"owner": "Bob"}, bearer=token(sub="teller-42"))
    success = body["data"]["openAccount"]
    assert success["events"][0]["metadata"]["actor"] == "teller-42"
    position = success["events"][0]["position"]
    log = post(secured, EVENTS, bearer=token(sub="aud", roles=["auditor"]))
    recorded = {e["node"]["position"]: e["node"] for e in log["data"]["events"]["edges"]}
    assert recorded[position]["metadata"]["actor"] == "teller-42"


def test_cors_preflight_answers_per_setting(secured: RunningServer) -> None:
    def preflight(origin: str) -> httpx.Response:
        return httpx.options(secured.http_url, headers={
            "origin": origin, "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type"}, timeout=5)

    allowed = preflight(ALLOWED_ORIGIN)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    refused = preflight("https://evil.example")
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    simple = httpx.post(secured.http_url, json={"query": "{ __typename }"},
                        headers={"origin": "https://evil.example"}, timeout=5)
    assert "access-control-allow-origin" not in simple.headers


def test_no_cors_headers_without_allowed_origins(tmp_path: Path) -> None:
    env = {"CHRONICLE_JWT_SECRET": "s" * 64, "CHRONICLE_ALLOW_ANONYMOUS": "false"}
    with running_server(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "log", env=env) as server:
        response = httpx.options(server.http_url, headers={
            "origin": ALLOWED_ORIGIN, "access-control-request-method": "POST"}, timeout=5)
        assert "access-control-allow-origin" not in response.headers


def _rsa_pair() -> tuple[rsa.RSAPrivateKey, bytes]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, pem


def test_rs256_public_key_file(tmp_path: Path) -> None:
    private, pem = _rsa_pair()
    (tmp_path / "public.pem").write_bytes(pem)
    env = {"CHRONICLE_JWT_PUBLIC_KEY_FILE": str(tmp_path / "public.pem"), "CHRONICLE_ALLOW_ANONYMOUS": "false",
           "CHRONICLE_JWT_AUDIENCE": "chronicle", "CHRONICLE_JWT_ISSUER": "https://id.example"}
    with running_server(f"sqlite:///{tmp_path / 'r.db'}", tmp_path / "log", env=env) as server:
        good = token(sub="rsa-user", key=private, algorithm="RS256", aud="chronicle", iss="https://id.example")
        body = post(server, OPEN, {"owner": "R"}, bearer=good)
        assert body["data"]["openAccount"]["events"][0]["metadata"]["actor"] == "rsa-user"
        wrong_audience = token(key=private, algorithm="RS256", aud="other", iss="https://id.example")
        assert codes(post(server, OPEN, {"owner": "R"}, bearer=wrong_audience)) == ["UNAUTHENTICATED"]
        other_key, _ = _rsa_pair()
        forged = token(key=other_key, algorithm="RS256", aud="chronicle", iss="https://id.example")
        assert codes(post(server, OPEN, {"owner": "R"}, bearer=forged)) == ["UNAUTHENTICATED"]
        # an HS256 token "signed" with the public key must not pass (algorithm confusion)
        confused = jwt.encode({"sub": "x", "roles": ["admin"], "exp": 9999999999, "aud": "chronicle",
                               "iss": "https://id.example"}, "x" * 64, algorithm="HS256")
        assert codes(post(server, OPEN, {"owner": "R"}, bearer=confused)) == ["UNAUTHENTICATED"]


def test_rs256_jwks_file(tmp_path: Path) -> None:
    private, _ = _rsa_pair()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    other, _ = _rsa_pair()
    other_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(other.public_key()))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig"},
                                                             {**other_jwk, "kid": "k2", "use": "sig"}]}))
    env = {"CHRONICLE_JWT_JWKS_FILE": str(tmp_path / "jwks.json"), "CHRONICLE_ALLOW_ANONYMOUS": "false"}
    with running_server(f"sqlite:///{tmp_path / 'j.db'}", tmp_path / "log", env=env) as server:
        for kid, key in (("k1", private), ("k2", other)):
            good = token(sub=f"jwks-{kid}", key=key, algorithm="RS256", headers={"kid": kid})
            body = post(server, OPEN, {"owner": "J"}, bearer=good)
            assert body["data"]["openAccount"]["events"][0]["metadata"]["actor"] == f"jwks-{kid}"
        swapped = token(key=private, algorithm="RS256", headers={"kid": "k2"})
        assert codes(post(server, OPEN, {"owner": "J"}, bearer=swapped)) == ["UNAUTHENTICATED"]
        unknown = token(key=private, algorithm="RS256", headers={"kid": "k9"})
        assert codes(post(server, OPEN, {"owner": "J"}, bearer=unknown)) == ["UNAUTHENTICATED"]


def test_server_refuses_to_start_without_keys_or_dev_mode(tmp_path: Path) -> None:
    env = {"CHRONICLE_ALLOW_ANONYMOUS": "false", "CHRONICLE_JWT_SECRET": ""}
    with pytest.raises(RuntimeError, match="cannot start: no JWT key configured"):
        start_server(f"sqlite:///{tmp_path / 'n.db'}", tmp_path / "log", env=env, timeout=15)


def test_serve_defaults_to_loud_anonymous_dev_mode(tmp_path: Path) -> None:
    with running_server(f"sqlite:///{tmp_path / 'd.db'}", tmp_path / "log",
                        env={"CHRONICLE_JWT_SECRET": ""}) as server:
        body = post(server, OPEN, {"owner": "dev"})
        assert body["data"]["openAccount"]["events"][0]["metadata"].get("actor") is None
        assert "ANONYMOUS ACCESS IS ON" in server.log()
