"""MoneyDeposited/MoneyWithdrawn v2: an optional ``reference``, and the v1 upcasters."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from core.bank.account import ACCOUNT, MONEY_DEPOSITED, MONEY_WITHDRAWN, Account, decide, evolve
from core.bank.commands import DepositMoney, OpenAccount, WithdrawMoney
from core.bank.upcasters import upcast_money_deposited_v1_to_v2
from core.commands import command_hash
from core.domains import built_in_registry
from core.errors import ValidationFailed
from core.events import EventMetadata, RecordedEvent

ACCOUNT_ID = "acc-1"


def recorded(version: int, event_type: str, data: dict[str, object]) -> RecordedEvent:
    return RecordedEvent(uuid4(), event_type, data, EventMetadata(), ACCOUNT.stream_id(ACCOUNT_ID), version,
                         version, datetime(2025, 1, 1, tzinfo=UTC), 1)


def opened() -> Account:
    (event,) = decide(OpenAccount(ACCOUNT_ID, "Ada", "EUR", Decimal(10)), Account())
    return evolve(Account(), recorded(1, event.type, dict(event.data)))


@pytest.mark.parametrize("command_type", [DepositMoney, WithdrawMoney])
def test_a_reference_is_recorded_trimmed(command_type: type[DepositMoney | WithdrawMoney]) -> None:
    (event,) = decide(command_type(ACCOUNT_ID, Decimal(1), "  invoice 17 "), opened())

    assert event.data["reference"] == "invoice 17"
    assert event.schema_version == 2


def test_without_a_reference_the_event_says_none() -> None:
    (event,) = decide(DepositMoney(ACCOUNT_ID, Decimal(1)), opened())

    assert event.data["reference"] is None


@pytest.mark.parametrize("reference", ["", "   ", "x" * 141, "line\nbreak", "bell\a"])
def test_a_bad_reference_is_refused(reference: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        decide(WithdrawMoney(ACCOUNT_ID, Decimal(1), reference), opened())

    assert refused.value.field == "reference"


def test_a_reference_of_140_characters_is_accepted() -> None:
    (event,) = decide(DepositMoney(ACCOUNT_ID, Decimal(1), "é" * 140), opened())

    assert event.data["reference"] == "é" * 140


def test_the_registry_upcasts_v1_money_events_and_leaves_v2_alone() -> None:
    registry = built_in_registry().event_types
    v1 = {"account_id": ACCOUNT_ID, "amount": "1.00", "currency": "EUR"}

    for event_type in (MONEY_DEPOSITED, MONEY_WITHDRAWN):
        assert registry.upcast(event_type, 1, v1) == ({**v1, "reference": None}, 2)
        assert registry.upcast(event_type, 2, {**v1, "reference": "r"}) == ({**v1, "reference": "r"}, 2)
    assert upcast_money_deposited_v1_to_v2(v1) is not v1


def test_adding_the_optional_reference_keeps_old_idempotency_digests() -> None:
    fields = {"account_id": ACCOUNT_ID, "amount": str(Decimal(10).normalize())}  # the pre-v2 encoding
    payload = {"type": "DepositMoney", "stream": "account-acc-1", "fields": fields}
    before = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    assert command_hash("account-acc-1", DepositMoney(ACCOUNT_ID, Decimal("10.00"))) == before
    assert command_hash("account-acc-1", DepositMoney(ACCOUNT_ID, Decimal(10), "r")) != before
