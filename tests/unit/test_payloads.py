"""Typed event payloads: one codec per event type, byte-compatible with the stored documents."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import orjson
import pytest

from core.bank import account
from core.bank.commands import CreditForTransfer, DebitForTransfer, DepositMoney, OpenAccount
from core.bank.events import MoneyDeposited
from core.domains import built_in_registry
from core.events import RecordedEvent, payload_as

STORED: dict[str, list[dict[str, Any]]] = {
    "AccountOpened": [
        {"account_id": "a", "owner": "Ada", "currency": "EUR", "overdraft_limit": "0.00"},
        {"account_id": "a", "owner": "Ada", "currency": "JPY", "overdraft_limit": "500", "customer_id": "c"},
    ],
    "MoneyDeposited": [
        {"account_id": "a", "amount": "10.50", "currency": "EUR", "reference": None},
        {"account_id": "a", "amount": "0.01", "currency": "EUR", "reference": "rent"},
        {"account_id": "a", "amount": "1000000.00", "currency": "EUR", "reference": None, "transfer_id": "t"},
        {"account_id": "a", "amount": "7", "currency": "JPY", "reference": None, "transfer_id": "t", "refund": True},
    ],
    "MoneyWithdrawn": [
        {"account_id": "a", "amount": "3.000", "currency": "BHD", "reference": None},
        {"account_id": "a", "amount": "3.00", "currency": "EUR", "reference": None, "transfer_id": "t"},
    ],
    "AccountClosed": [{"account_id": "a"}],
    "TransferRequested": [{"transfer_id": "t", "from_account_id": "a", "to_account_id": "b", "amount": "5.00",
                           "currency": "EUR"}],
    "TransferDebited": [{"transfer_id": "t", "withdrawal_event_id": str(uuid4())}],
    "TransferCompleted": [{"transfer_id": "t", "deposit_event_id": str(uuid4())}],
    "TransferFailed": [{"transfer_id": "t", "reason": "INSUFFICIENT_FUNDS", "message": "no money", "refunded": False}],
    "CustomerRegistered": [{"customer_id": "c", "name": "Ada", "email": "ada@example.com", "phone": "+442079460958"}],
    "CustomerEmailChanged": [{"customer_id": "c", "email": "b@example.com", "previous_email": "ada@example.com"}],
    "CustomerPhoneChanged": [{"customer_id": "c", "phone": "+442079460959", "previous_phone": "+442079460958"}],
}
"""Stored documents (current schema versions) of every built-in event type, as releases wrote them."""

EVENT_TYPES = [e for d in built_in_registry().domains for e in d.events]


def test_every_built_in_event_type_has_a_typed_payload_and_a_sample() -> None:
    assert [e.name for e in EVENT_TYPES if e.payload is None] == []
    assert sorted(STORED) == sorted(e.name for e in EVENT_TYPES)


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda e: e.name)
def test_decoding_and_encoding_gives_back_the_stored_bytes(event_type: Any) -> None:
    for stored in STORED[event_type.name]:
        payload = event_type.payload.from_data(stored)

        assert (event_type.name, event_type.schema_version) == (payload.TYPE, payload.SCHEMA_VERSION)
        assert orjson.dumps(payload.to_data()) == orjson.dumps(stored)


def test_amounts_are_decimals_parsed_once_by_the_store_and_read_typed() -> None:
    registry = built_in_registry().event_types
    stored = STORED["MoneyDeposited"][2]
    decoded = registry.decode_payload("MoneyDeposited", stored)
    event = RecordedEvent(event_id=uuid4(), type="MoneyDeposited", data=stored, metadata=None,  # type: ignore[arg-type]
                          stream_id="account-a", version=2, position=9, recorded_at=datetime.now(UTC),
                          schema_version=2, payload=decoded)

    assert payload_as(event, MoneyDeposited) is decoded
    assert decoded == MoneyDeposited("a", Decimal("1000000.00"), "EUR", None, "t")


def test_an_upcast_v1_payload_decodes() -> None:
    registry = built_in_registry().event_types
    data, version = registry.upcast("MoneyWithdrawn", 1, {"account_id": "a", "amount": "1.00", "currency": "EUR"})

    assert version == 2
    assert registry.decode_payload("MoneyWithdrawn", data).to_data() == {  # type: ignore[union-attr]
        "account_id": "a", "amount": "1.00", "currency": "EUR", "reference": None}


def test_data_that_does_not_decode_leaves_no_payload() -> None:
    assert built_in_registry().event_types.decode_payload("MoneyDeposited", {"amount": "x"}) is None


def test_decide_writes_the_documents_it_always_wrote() -> None:
    state = account.ACCOUNT.initial
    [opened] = account.decide(OpenAccount("a", " Ada ", "eur", Decimal("5")), state)
    assert (opened.type, dict(opened.data), opened.schema_version) == (
        "AccountOpened", {"account_id": "a", "owner": "Ada", "currency": "EUR", "overdraft_limit": "5.00"}, 1)

    recorded = RecordedEvent(event_id=opened.event_id, type=opened.type, data=opened.data,
                             metadata=opened.metadata, stream_id="account-a", version=1, position=1,
                             recorded_at=datetime.now(UTC))
    state = account.evolve(state, recorded)
    [deposit] = account.decide(DepositMoney("a", Decimal("2.5")), state)
    [credit] = account.decide(CreditForTransfer("a", Decimal("1"), "EUR", "t", refund=True), state)
    [debit] = account.decide(DebitForTransfer("a", Decimal("1"), "EUR", "t"), state)

    assert (dict(deposit.data), deposit.schema_version) == (
        {"account_id": "a", "amount": "2.50", "currency": "EUR", "reference": None}, 2)
    assert dict(credit.data) == {"account_id": "a", "amount": "1.00", "currency": "EUR", "reference": None,
                                 "transfer_id": "t", "refund": True}
    assert dict(debit.data) == {"account_id": "a", "amount": "1.00", "currency": "EUR", "reference": None,
                                "transfer_id": "t"}
