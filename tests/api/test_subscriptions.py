"""Subscriptions over both WebSocket subprotocols: live delivery and gap-free resumption."""

from __future__ import annotations

from typing import Any

import pytest
from gql.transport.exceptions import TransportQueryError

from tests.api.client import (
    ACCOUNT_EVENTS_SUBSCRIPTION,
    EVENTS_SUBSCRIPTION,
    PROTOCOLS,
    Api,
    Feed,
    error_codes,
    events_of,
    feed,
    success,
    ws_session,
)
from tests.support.server import RunningServer

pytestmark = pytest.mark.parametrize("protocol", sorted(PROTOCOLS))

PROBE_WAIT = 0.25
"""Seconds to wait for a probe deposit before sending another (see :func:`_until_live`)."""


async def _deposits(api: Api, account_id: str, count: int) -> list[dict[str, Any]]:
    """Deposit 1 ``count`` times; return the appended events."""
    return [success(await api.deposit(account_id, "1"))["events"][0] for _ in range(count)]


async def _until_live(api: Api, source: Feed, account_id: str) -> int:
    """Deposit until the feed delivers one of the deposits; return that event's version.

    A subscription with no ``after`` starts at the head when the server runs it,
    which the client cannot observe; the first delivered probe proves it is live.
    """
    for _ in range(40):
        await _deposits(api, account_id, 1)
        try:
            [event] = await events_of(source, f"account-{account_id}", 1, timeout=PROBE_WAIT)
        except TimeoutError:
            continue
        return int(event["version"])
    raise AssertionError("the subscription never delivered a live event")


@pytest.mark.parametrize("kind", ["events", "accountEvents"])
async def test_events_appended_after_subscribing_arrive(api: Api, server: RunningServer, protocol: str,
                                                        kind: str) -> None:
    account = await api.opened()
    stream_id = f"account-{account['id']}"
    document, variables = ((EVENTS_SUBSCRIPTION, {}) if kind == "events"
                           else (ACCOUNT_EVENTS_SUBSCRIPTION, {"id": account["id"]}))
    async with ws_session(server, protocol) as session, feed(session, document, **variables) as source:
        live_version = await _until_live(api, source, account["id"])
        appended = await _deposits(api, account["id"], 3)
        received = []
        while not received or received[-1]["eventId"] != appended[-1]["eventId"]:
            received += await events_of(source, stream_id, 1)
    # every event after the first live one, each once, in order (late probes included)
    assert [e["version"] for e in received] == list(range(live_version + 1, appended[-1]["version"] + 1))
    assert received[-3:] == appended


async def test_events_resume_after_reconnect_without_gap_or_duplicate(api: Api, server: RunningServer,
                                                                      protocol: str) -> None:
    account = await api.opened()
    stream_id = f"account-{account['id']}"
    opened_at = (await api.stream(account["id"]))[0]["position"]
    before = await _deposits(api, account["id"], 3)

    async with ws_session(server, protocol) as session, feed(session, EVENTS_SUBSCRIPTION, after=opened_at) as s:
        seen = await events_of(s, stream_id, 2)
    assert seen == before[:2]

    after = before[2:] + await _deposits(api, account["id"], 2)  # appended while disconnected
    resume_from = seen[-1]["position"]
    async with ws_session(server, protocol) as session, feed(session, EVENTS_SUBSCRIPTION, after=resume_from) as s:
        received = [(await s.next())["e"] for _ in range(len(after))]
        after += await _deposits(api, account["id"], 1)  # live once caught up
        received.append((await s.next())["e"])
    # the global log is gap-free: every position after the resume point, each once
    assert [e["position"] for e in received] == list(range(resume_from + 1, resume_from + 1 + len(received)))
    assert [e for e in received if e["streamId"] == stream_id] == after


async def test_account_events_resume_after_reconnect_without_gap_or_duplicate(api: Api, server: RunningServer,
                                                                              protocol: str) -> None:
    account = await api.opened()
    before = await _deposits(api, account["id"], 3)  # versions 2..4
    async with ws_session(server, protocol) as session, \
            feed(session, ACCOUNT_EVENTS_SUBSCRIPTION, id=account["id"], after=1) as source:
        seen = [(await source.next())["e"] for _ in range(2)]
    assert seen == before[:2]

    after = before[2:] + await _deposits(api, account["id"], 2)
    async with ws_session(server, protocol) as session, \
            feed(session, ACCOUNT_EVENTS_SUBSCRIPTION, id=account["id"], after=seen[-1]["version"]) as source:
        received = [(await source.next())["e"] for _ in range(len(after))]
        after += await _deposits(api, account["id"], 1)
        received.append((await source.next())["e"])
    assert received == after
    assert [e["version"] for e in received] == list(range(seen[-1]["version"] + 1, after[-1]["version"] + 1))


@pytest.mark.parametrize(("document", "variables"), [
    (EVENTS_SUBSCRIPTION, {"after": -1}),
    (ACCOUNT_EVENTS_SUBSCRIPTION, {"id": "not-an-id"}),
    (ACCOUNT_EVENTS_SUBSCRIPTION, {"id": "00000000-0000-0000-0000-000000000000", "after": -1}),
])
async def test_bad_subscription_arguments_are_bad_user_input(server: RunningServer, protocol: str, document: str,
                                                             variables: dict[str, Any]) -> None:
    async with ws_session(server, protocol) as session, feed(session, document, **variables) as source:
        with pytest.raises(TransportQueryError) as raised:
            await source.next()
    assert error_codes(raised.value.errors or []) == ["BAD_USER_INPUT"]
