"""Shared subscription execution still checks each subscriber's roles when it subscribes."""

from __future__ import annotations

import pytest

from tests.api.test_shared_subscriptions import PROTOCOL_NAMES, subscriber
from tests.security.conftest import post, token
from tests.support.server import RunningServer


@pytest.mark.parametrize("protocol", PROTOCOL_NAMES)
async def test_authorisation_is_checked_per_subscriber(secured: RunningServer, protocol: str) -> None:
    auditor = {"authToken": token(sub="auditor-1", roles=["auditor"])}
    teller = {"authToken": token(sub="teller-1", roles=["teller"])}
    post(secured, 'mutation { openAccount(input: {owner: "ws", currency: "EUR"}) { __typename } }', bearer=token())
    async with subscriber(secured, protocol, {"after": 0}, init=auditor) as allowed:
        [(_, first)] = await allowed.events(1)  # the group now exists and is live
        assert first["position"] == 1
        async with subscriber(secured, protocol, {"after": 0}, init=teller) as refused:
            _, body = await refused.message()
    assert body["type"] == "error", body
    errors = body["payload"] if isinstance(body["payload"], list) else [body["payload"]]
    assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"]
