"""``api.subscriptions.shared``: one execution per event and group, errors masked per subscriber."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from uuid6 import uuid7

from api.schema import build_schema
from api.subscriptions import shared
from api.subscriptions.protocols import _deliver
from core.errors import StoreUnavailable
from core.events import EventMetadata, RecordedEvent

DOCUMENT = ("subscription($after: Int, $types: [String!], $withData: Boolean!) {"
            " events(afterPosition: $after, types: $types) { position type data @include(if: $withData) recordedAt } }")


def event(position: int, recorded_at: Any = None) -> RecordedEvent:
    return RecordedEvent(event_id=uuid7(), type="Noted", data={"n": position}, metadata=EventMetadata(),
                         stream_id="s", version=position, position=position,
                         recorded_at=recorded_at or datetime.now(UTC))


@pytest.fixture
def broadcaster() -> shared.Broadcaster:
    return shared.Broadcaster(build_schema()._schema)


def test_subscribers_with_other_start_and_types_share_one_group_and_one_execution(
        broadcaster: shared.Broadcaster) -> None:
    groups = [broadcaster.join(DOCUMENT, None, {"after": after, "types": types, "withData": True})
              for after, types in [(None, None), (0, ["Noted"]), (41, ["Other", "Noted"])]]
    assert groups[0] is groups[1] is groups[2] and broadcaster.groups == 1
    first = event(42)
    payloads = [group.render(first).for_subscriber(f"cid-{i}") for i, group in enumerate(groups)]
    assert payloads[0] is payloads[1] is payloads[2]  # the very same encoded text
    assert groups[0].executions == 1
    assert orjson.loads(payloads[0]) == {"data": {"events": {
        "position": 42, "type": "Noted", "data": {"n": 42}, "recordedAt": first.recorded_at.isoformat()}}}


def test_what_shapes_the_payload_keeps_groups_apart(broadcaster: shared.Broadcaster) -> None:
    with_data = broadcaster.join(DOCUMENT, None, {"withData": True})
    without = broadcaster.join(DOCUMENT, None, {"withData": False})
    other_document = broadcaster.join(DOCUMENT.replace("type ", "streamId "), None, {"withData": True})
    assert len({id(with_data), id(without), id(other_document)}) == 3
    assert "data" not in orjson.loads(without.render(event(1)).for_subscriber(None))["data"]["events"]


def test_the_last_member_leaving_drops_the_group(broadcaster: shared.Broadcaster) -> None:
    a = broadcaster.join(DOCUMENT, None, {"withData": True})
    b = broadcaster.join(DOCUMENT, None, {"withData": True})
    broadcaster.leave(a)
    assert broadcaster.groups == 1
    broadcaster.leave(b)
    assert broadcaster.groups == 0


def test_a_failed_execution_is_masked_per_subscriber(broadcaster: shared.Broadcaster) -> None:
    group = broadcaster.join(DOCUMENT, None, {"withData": True})
    rendered = group.render(event(7, recorded_at="not a datetime"))  # the DateTime scalar raises
    bodies = [orjson.loads(rendered.for_subscriber(cid)) for cid in ("cid-a", "cid-b")]
    for body, cid in zip(bodies, ("cid-a", "cid-b"), strict=True):
        [error] = body["errors"]
        assert error["message"] == "Internal server error"
        assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "correlationId": cid}
        assert "isoformat" not in orjson.dumps(body).decode()


class _View:
    def __init__(self, broadcaster: shared.Broadcaster) -> None:
        self.broadcaster = broadcaster


@pytest.mark.parametrize(("failure", "code", "message"), [
    (StoreUnavailable("db down: secret dsn"), "STORE_UNAVAILABLE", "The event store is unavailable; retry later"),
    (RuntimeError("secret internals"), "INTERNAL_SERVER_ERROR", "Internal server error"),
])
async def test_a_failing_source_ends_with_a_masked_error(broadcaster: shared.Broadcaster, failure: Exception,
                                                         code: str, message: str) -> None:
    async def source() -> AsyncIterator[RecordedEvent]:
        yield event(1)
        raise failure

    sent: list[str] = []

    async def send(text: str) -> None:
        sent.append(text)

    slot = shared.SharedSlot(source())
    await _deliver(_View(broadcaster), slot, operation_id="op", query=DOCUMENT, operation_name=None,  # type: ignore[arg-type]
                   variables={"withData": True}, correlation_id="cid", legacy=False, send=send)
    first, last = (orjson.loads(text) for text in sent)
    assert first["id"] == "op" and first["type"] == "next" and first["payload"]["data"]["events"]["position"] == 1
    [error] = last["payload"]["errors"]
    assert (error["message"], error["extensions"]["code"]) == (message, code)
    assert "secret" not in sent[-1]
    assert broadcaster.groups == 0


def test_arm_needs_a_websocket_operation() -> None:
    async def source() -> AsyncIterator[RecordedEvent]:
        yield event(1)

    assert shared.arm(source()) is False  # no slot (HTTP): the resolver streams itself
    slot = shared.SharedSlot()
    token = shared.CURRENT_SLOT.set(slot)
    try:
        assert shared.arm(source()) is True and slot.armed
    finally:
        shared.CURRENT_SLOT.reset(token)
