"""``logDigest``, ``eventProof`` and ``consistencyProof`` over HTTP, checked the way an auditor would:
with the RFC 9162 verifiers of ``core.merkle`` and the leaf recomputed from the event the API shows.

Each backend gets its own server: other API tests write raw rows (as an older release would), which
leave a shared log's tree behind its head until a backfill.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from api.signing import verify_digest
from core.merkle import canonical_event_bytes, leaf_hash, verify_consistency, verify_inclusion
from tests.api.client import EVENT_FIELDS, Api, error_codes, http_api, success
from tests.api.conftest import BACKENDS
from tests.support.server import RunningServer, running_server

DIGEST = "{ logDigest { treeSize rootHash signedAt signature keyId publicKey } }"
PROOF = ("query($p: Int!, $n: Int) { eventProof(position: $p, treeSize: $n) "
         "{ position treeSize leafHash auditPath rootHash } }")
CONSISTENCY = ("query($m: Int!, $n: Int) { consistencyProof(fromSize: $m, toSize: $n) "
               "{ fromSize toSize path fromRootHash toRootHash } }")
EVENT = f"query($s: String!) {{ stream(streamId: $s, first: 100) {{ {EVENT_FIELDS} schemaVersion }} }}"


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def verifiable(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, str]]:
    """A fresh server with its own signing key (CHRONICLE_LOG_SIGNING_KEY_FILE); yields it and the public key."""
    directory = tmp_path_factory.mktemp(f"verifiable-{request.param}")
    url = BACKENDS[request.param](request, directory)
    key = Ed25519PrivateKey.generate()
    key_file = directory / "signing.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    with running_server(url, directory / "server.log", env={"CHRONICLE_LOG_SIGNING_KEY_FILE": str(key_file)}) as server:
        yield server, key.public_key().public_bytes_raw().hex()


@pytest.fixture
async def auditor(verifiable: tuple[RunningServer, str]) -> AsyncIterator[Api]:
    async with http_api(verifiable[0]) as client:
        yield client


async def digest(api: Api) -> dict[str, Any]:
    return (await api.run(DIGEST))["logDigest"]


def leaf_of(event: dict[str, Any]) -> bytes:
    """The leaf hash of an event as the API shows it (what an auditor recomputes)."""
    return leaf_hash(canonical_event_bytes(
        event_id=event["eventId"], stream_id=event["streamId"], version=event["version"],
        position=event["position"], type=event["type"], schema_version=event["schemaVersion"], data=event["data"],
        metadata=event["metadata"], recorded_at=datetime.fromisoformat(event["recordedAt"])))


async def test_the_digest_is_signed_over_the_whole_log(auditor: Api, verifiable: tuple[RunningServer, str]) -> None:
    await auditor.opened(deposit="10.00")

    head = await auditor.head()
    tree_head = await digest(auditor)

    assert tree_head["treeSize"] == head
    assert tree_head["publicKey"] == verifiable[1]
    assert len(tree_head["rootHash"]) == 64 and tree_head["rootHash"] == tree_head["rootHash"].lower()
    public_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(tree_head["publicKey"]))
    assert tree_head["keyId"] == hashlib.sha256(bytes.fromhex(tree_head["publicKey"])).hexdigest()
    signed = (tree_head["treeSize"], bytes.fromhex(tree_head["rootHash"]),
              datetime.fromisoformat(tree_head["signedAt"]))
    assert verify_digest(public_key, *signed, bytes.fromhex(tree_head["signature"]))
    assert not verify_digest(public_key, signed[0] + 1, *signed[1:], bytes.fromhex(tree_head["signature"]))


async def test_an_event_proof_verifies_against_a_saved_digest(auditor: Api) -> None:
    account = await auditor.opened(deposit="5.00")
    events = (await auditor.run(EVENT, s=f"account-{account['id']}"))["stream"]
    saved = await digest(auditor)

    for event in events:
        proof = (await auditor.run(PROOF, p=event["position"], n=saved["treeSize"]))["eventProof"]

        assert proof["leafHash"] == leaf_of(event).hex()
        assert proof["rootHash"] == saved["rootHash"]
        assert all(len(h) == 64 and h == h.lower() for h in proof["auditPath"])
        assert verify_inclusion(event["position"] - 1, saved["treeSize"], leaf_of(event),
                                [bytes.fromhex(h) for h in proof["auditPath"]], bytes.fromhex(saved["rootHash"]))


async def test_a_later_head_is_proven_consistent_with_an_earlier_digest(auditor: Api) -> None:
    await auditor.opened()
    before = await digest(auditor)
    account = await auditor.opened(deposit="1.00")
    success(await auditor.withdraw(account["id"], "0.50"))
    after = await digest(auditor)

    proof = (await auditor.run(CONSISTENCY, m=before["treeSize"]))["consistencyProof"]

    assert (proof["fromSize"], proof["toSize"]) == (before["treeSize"], after["treeSize"])
    assert (proof["fromRootHash"], proof["toRootHash"]) == (before["rootHash"], after["rootHash"])
    path = [bytes.fromhex(h) for h in proof["path"]]
    assert verify_consistency(before["treeSize"], after["treeSize"], bytes.fromhex(before["rootHash"]),
                              bytes.fromhex(after["rootHash"]), path)
    event_proof = (await auditor.run(PROOF, p=before["treeSize"], n=before["treeSize"]))["eventProof"]
    assert event_proof["rootHash"] == before["rootHash"]


@pytest.mark.parametrize(("document", "arguments", "shown"), [
    (PROOF, {"p": 0}, "position 0 is outside the tree of size {head}"),
    (PROOF, {"p": "head+1"}, "position {head+1} is outside the tree of size {head}"),
    (PROOF, {"p": 1, "n": "head+1"}, "treeSize {head+1} is outside the log"),
    (PROOF, {"p": 3, "n": 2}, "position 3 is outside the tree of size 2"),
    (PROOF, {"p": 1, "n": 0}, "treeSize 0 is outside the log"),
    (CONSISTENCY, {"m": 3, "n": 2}, "fromSize 3 must be between 1 and toSize 2"),
    (CONSISTENCY, {"m": 0}, "fromSize 0 must be between 1 and toSize {head}"),
    (CONSISTENCY, {"m": "head+1"}, "fromSize {head+1} must be between 1 and toSize {head}"),
    (CONSISTENCY, {"m": 1, "n": "head+1"}, "toSize {head+1} is outside the log"),
])
async def test_unknown_positions_and_sizes_are_bad_input_naming_the_head(
        auditor: Api, document: str, arguments: dict[str, Any], shown: str) -> None:
    await auditor.opened(deposit="1.00")
    head = (await digest(auditor))["treeSize"]
    values = {k: head + 1 if v == "head+1" else v for k, v in arguments.items()}

    errors = await auditor.errors(document, **values)

    assert error_codes(errors) == ["BAD_USER_INPUT"]
    assert shown.format(head=head, **{"head+1": head + 1}) in errors[0]["message"]
    assert f"the tree head is at size {head}" in errors[0]["message"]
