"""The account aggregate: given events, when a command, then events or an error."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from core.bank.account import (
    ACCOUNT,
    ACCOUNT_CLOSED,
    ACCOUNT_OPENED,
    MAX_OWNER_LENGTH,
    MONEY_DEPOSITED,
    MONEY_WITHDRAWN,
    AccountStatus,
    decide,
)
from core.bank.commands import CloseAccount, DepositMoney, OpenAccount, WithdrawMoney
from core.bank.errors import AccountClosed, AccountNotFound, BalanceNotZero, InsufficientFunds
from core.errors import AggregateNotFound, InvariantViolated, ValidationFailed
from core.events import NewEvent
from core.money import MAX_AMOUNT

from .account_history import ACCOUNT_ID, T0, closed, deposited, given, opened, recorded, withdrawn


def as_pairs(events: Sequence[NewEvent]) -> list[tuple[str, dict[str, Any]]]:
    return [(e.type, dict(e.data)) for e in events]


def open_command(**overrides: Any) -> OpenAccount:
    fields: dict[str, Any] = {"account_id": ACCOUNT_ID, "owner": "Ada Lovelace", "currency": "EUR"}
    fields.update(overrides)
    return OpenAccount(**fields)


# --- opening ---------------------------------------------------------------------------------


def test_open_records_account_opened_with_normalised_currency_owner_and_limit() -> None:
    events = decide(open_command(owner="  Ada Lovelace ", currency=" eur ", overdraft_limit=Decimal("50")), given())

    assert as_pairs(events) == [(ACCOUNT_OPENED, {
        "account_id": ACCOUNT_ID, "owner": "Ada Lovelace", "currency": "EUR", "overdraft_limit": "50.00",
    })]


@pytest.mark.parametrize(("currency", "limit", "stored"), [
    ("EUR", Decimal(0), "0.00"),
    ("jpy", Decimal(1000), "1000"),
    ("BHD", Decimal("1.5"), "1.500"),
])
def test_open_formats_the_overdraft_limit_in_the_currency_minor_units(
        currency: str, limit: Decimal, stored: str) -> None:
    [event] = decide(open_command(currency=currency, overdraft_limit=limit), given())

    assert event.data["overdraft_limit"] == stored
    assert event.data["currency"] == currency.upper()


@pytest.mark.parametrize("currency", ["XYZ", "EURO", "", "12"])
def test_open_refuses_an_unknown_currency(currency: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        decide(open_command(currency=currency), given())
    assert error.value.field == "currency"


@pytest.mark.parametrize("currency", ["XAU", "xts"])
def test_open_refuses_a_currency_without_minor_units(currency: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        decide(open_command(currency=currency), given())
    assert error.value.field == "currency"
    assert "minor unit" in error.value.reason


@pytest.mark.parametrize("owner", ["", "   ", "\t\n"])
def test_open_refuses_a_blank_owner(owner: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        decide(open_command(owner=owner), given())
    assert error.value.field == "owner"


def test_open_refuses_an_owner_longer_than_the_maximum() -> None:
    with pytest.raises(ValidationFailed) as error:
        decide(open_command(owner="x" * (MAX_OWNER_LENGTH + 1)), given())
    assert error.value.field == "owner"


def test_open_accepts_an_owner_of_exactly_the_maximum_length() -> None:
    [event] = decide(open_command(owner="x" * MAX_OWNER_LENGTH), given())
    assert event.data["owner"] == "x" * MAX_OWNER_LENGTH


@pytest.mark.parametrize("limit", [Decimal("-0.01"), Decimal(-1)])
def test_open_refuses_a_negative_overdraft_limit(limit: Decimal) -> None:
    with pytest.raises(ValidationFailed) as error:
        decide(open_command(overdraft_limit=limit), given())
    assert error.value.field == "overdraftLimit"


@pytest.mark.parametrize(("currency", "limit"), [("EUR", "0.001"), ("JPY", "0.5"), ("BHD", "0.0001")])
def test_open_refuses_an_overdraft_limit_with_too_many_decimals(currency: str, limit: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        decide(open_command(currency=currency, overdraft_limit=Decimal(limit)), given())
    assert error.value.field == "overdraftLimit"


def test_open_refuses_an_account_that_already_exists() -> None:
    with pytest.raises(ValidationFailed) as error:
        decide(open_command(), given(opened()))
    assert error.value.field == "accountId"


# --- amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command_type", [DepositMoney, WithdrawMoney])
@pytest.mark.parametrize("amount", ["0", "0.00", "-1", "-0.01", "NaN", "sNaN", "Infinity", "-Infinity"])
def test_amounts_must_be_finite_and_positive(command_type: type, amount: str) -> None:
    state = given(opened(), deposited("1000.00"))

    with pytest.raises(ValidationFailed) as error:
        decide(command_type(ACCOUNT_ID, Decimal(amount)), state)
    assert error.value.field == "amount"


@pytest.mark.parametrize("command_type", [DepositMoney, WithdrawMoney])
@pytest.mark.parametrize(("currency", "amount"), [("EUR", "1.001"), ("EUR", "0.005"), ("JPY", "1.5"),
                                                  ("JPY", "0.1"), ("BHD", "1.0001")])
def test_amounts_may_not_have_more_decimals_than_the_currency(command_type: type, currency: str,
                                                                amount: str) -> None:
    state = given(opened(currency=currency), deposited("1000", currency))

    with pytest.raises(ValidationFailed) as error:
        decide(command_type(ACCOUNT_ID, Decimal(amount)), state)
    assert error.value.field == "amount"
    assert currency in error.value.reason


@pytest.mark.parametrize("command_type", [DepositMoney, WithdrawMoney])
def test_amounts_above_the_maximum_are_refused(command_type: type) -> None:
    state = given(opened(overdraft_limit=str(MAX_AMOUNT * 2)))

    with pytest.raises(ValidationFailed) as error:
        decide(command_type(ACCOUNT_ID, MAX_AMOUNT + Decimal("0.01")), state)
    assert error.value.field == "amount"


def test_the_maximum_amount_itself_is_accepted() -> None:
    [event] = decide(DepositMoney(ACCOUNT_ID, MAX_AMOUNT), given(opened()))
    assert event.data["amount"] == f"{MAX_AMOUNT}.00"


@pytest.mark.parametrize(("currency", "amount", "stored"), [
    ("EUR", "10.5", "10.50"),
    ("EUR", "10", "10.00"),
    ("EUR", "1E+2", "100.00"),
    ("EUR", "7.000", "7.00"),
    ("JPY", "100", "100"),
    ("JPY", "100.0", "100"),
    ("BHD", "1.001", "1.001"),
    ("BHD", "2.5", "2.500"),
])
def test_deposits_are_quantised_to_the_currency_minor_units(currency: str, amount: str, stored: str) -> None:
    events = decide(DepositMoney(ACCOUNT_ID, Decimal(amount)), given(opened(currency=currency)))

    assert as_pairs(events) == [(MONEY_DEPOSITED, {"account_id": ACCOUNT_ID, "amount": stored,
                                                   "currency": currency, "reference": None})]


def test_a_withdrawal_is_quantised_and_carries_the_account_currency() -> None:
    events = decide(WithdrawMoney(ACCOUNT_ID, Decimal("10.5")), given(opened(), deposited("20.00")))

    assert as_pairs(events) == [(MONEY_WITHDRAWN, {"account_id": ACCOUNT_ID, "amount": "10.50",
                                                   "currency": "EUR", "reference": None})]


# --- overdraft -------------------------------------------------------------------------------


def test_a_withdrawal_down_to_exactly_the_overdraft_limit_is_allowed() -> None:
    state = given(opened(overdraft_limit="50.00"), deposited("100.00"))

    [event] = decide(WithdrawMoney(ACCOUNT_ID, Decimal("150.00")), state)
    assert event.data["amount"] == "150.00"


def test_a_withdrawal_of_the_whole_balance_is_allowed_without_overdraft() -> None:
    state = given(opened(), deposited("100.00"), withdrawn("40.00"))

    [event] = decide(WithdrawMoney(ACCOUNT_ID, Decimal("60")), state)
    assert event.data["amount"] == "60.00"


def test_a_withdrawal_one_cent_beyond_the_overdraft_limit_is_refused() -> None:
    state = given(opened(overdraft_limit="50.00"), deposited("100.00"))

    with pytest.raises(InsufficientFunds) as error:
        decide(WithdrawMoney(ACCOUNT_ID, Decimal("150.01")), state)
    assert isinstance(error.value, InvariantViolated)
    assert (error.value.account_id, error.value.balance, error.value.amount, error.value.overdraft_limit) == (
        ACCOUNT_ID, Decimal("100.00"), Decimal("150.01"), Decimal("50.00"))


def test_an_overdrawn_account_can_go_no_further_than_its_limit() -> None:
    state = given(opened(overdraft_limit="50.00"), withdrawn("30.00"))

    decide(WithdrawMoney(ACCOUNT_ID, Decimal("20.00")), state)
    with pytest.raises(InsufficientFunds):
        decide(WithdrawMoney(ACCOUNT_ID, Decimal("20.01")), state)


def test_without_overdraft_an_empty_account_refuses_any_withdrawal() -> None:
    with pytest.raises(InsufficientFunds):
        decide(WithdrawMoney(ACCOUNT_ID, Decimal("0.01")), given(opened()))


# --- closing and closed accounts -------------------------------------------------------------


def test_an_account_at_zero_balance_closes() -> None:
    state = given(opened(), deposited("10.00"), withdrawn("10.00"))

    assert as_pairs(decide(CloseAccount(ACCOUNT_ID), state)) == [(ACCOUNT_CLOSED, {"account_id": ACCOUNT_ID})]


@pytest.mark.parametrize(("history", "balance"), [
    ((deposited("0.01"),), Decimal("0.01")),
    ((withdrawn("5.00"),), Decimal("-5.00")),
])
def test_only_a_zero_balance_can_be_closed(history: tuple[Any, ...], balance: Decimal) -> None:
    state = given(opened(overdraft_limit="10.00"), *history)

    with pytest.raises(BalanceNotZero) as error:
        decide(CloseAccount(ACCOUNT_ID), state)
    assert error.value.balance == balance
    assert error.value.account_id == ACCOUNT_ID


@pytest.mark.parametrize("command", [
    DepositMoney(ACCOUNT_ID, Decimal("1.00")),
    WithdrawMoney(ACCOUNT_ID, Decimal("1.00")),
    CloseAccount(ACCOUNT_ID),
])
def test_a_closed_account_refuses_every_command(command: object) -> None:
    state = given(opened(overdraft_limit="10.00"), closed())

    with pytest.raises(AccountClosed) as error:
        decide(command, state)
    assert error.value.account_id == ACCOUNT_ID
    assert error.value.code == "ACCOUNT_CLOSED"


@pytest.mark.parametrize("command", [
    DepositMoney(ACCOUNT_ID, Decimal("1.00")),
    WithdrawMoney(ACCOUNT_ID, Decimal("1.00")),
    CloseAccount(ACCOUNT_ID),
])
def test_commands_on_an_unopened_account_raise_account_not_found(command: object) -> None:
    with pytest.raises(AccountNotFound) as error:
        decide(command, given())
    assert isinstance(error.value, AggregateNotFound)
    assert error.value.account_id == ACCOUNT_ID
    assert error.value.stream_id == ACCOUNT.stream_id(ACCOUNT_ID)


def test_an_unopened_account_is_checked_before_the_amount() -> None:
    with pytest.raises(AccountNotFound):
        decide(DepositMoney(ACCOUNT_ID, Decimal("-1")), given())


def test_decide_refuses_foreign_commands() -> None:
    with pytest.raises(TypeError):
        decide(object(), given(opened()))


# --- folding ---------------------------------------------------------------------------------


def test_folding_the_history_gives_balance_status_version_and_times() -> None:
    events = recorded(opened(overdraft_limit="25.00"), deposited("100.50"), withdrawn("0.25"), withdrawn("100.25"),
                      closed())

    state = ACCOUNT.fold(events)

    assert state.opened
    assert (state.account_id, state.owner, state.currency) == (ACCOUNT_ID, "Ada Lovelace", "EUR")
    assert state.balance == Decimal("0")
    assert state.overdraft_limit == Decimal("25.00")
    assert state.status is AccountStatus.CLOSED
    assert state.version == 5
    assert state.opened_at == events[0].recorded_at
    assert state.updated_at == events[-1].recorded_at > T0


def test_folding_can_continue_from_a_state() -> None:
    events = recorded(opened(), deposited("1.00"), deposited("2.00"))

    assert ACCOUNT.fold(events[1:], ACCOUNT.fold(events[:1])) == ACCOUNT.fold(events)


def test_a_stream_without_events_is_not_opened() -> None:
    assert not given().opened
    assert ACCOUNT.stream_id("x") == "account-x"


def test_a_negative_zero_overdraft_limit_is_stored_as_zero() -> None:
    from core.money import parse_amount

    assert str(parse_amount("-0", "EUR", field="overdraftLimit", allow_zero=True)) == "0.00"
