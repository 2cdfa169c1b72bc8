"""The bank account aggregate.

Invariants:
- an account must be opened before anything else happens to it, and only once;
- a withdrawal may not take the balance below ``-overdraft_limit``
  (``balance - amount >= -overdraft_limit``);
- only an account with a zero balance can be closed; a closed account refuses
  deposits, withdrawals and a second close;
- every amount is a positive ``Decimal`` within the currency's ISO 4217 minor
  units and at most :data:`core.money.MAX_AMOUNT`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.aggregate import AggregateType
from core.bank.commands import (
    CloseAccount,
    CreditForTransfer,
    DebitForTransfer,
    DepositMoney,
    OpenAccount,
    WithdrawMoney,
)
from core.bank.errors import AccountClosed, AccountNotFound, BalanceNotZero, CurrencyMismatch, InsufficientFunds
from core.bank.events import AccountClosed as AccountClosedEvent
from core.bank.events import AccountOpened, MoneyDeposited, MoneyWithdrawn
from core.errors import ValidationFailed
from core.events import NewEvent, RecordedEvent, payload_as
from core.money import currency_exponent, format_amount, parse_amount
from core.text import plain_text

ACCOUNT_OPENED = AccountOpened.TYPE
MONEY_DEPOSITED = MoneyDeposited.TYPE
MONEY_WITHDRAWN = MoneyWithdrawn.TYPE
ACCOUNT_CLOSED = AccountClosedEvent.TYPE

MAX_OWNER_LENGTH = 200
MAX_REFERENCE_LENGTH = 140
"""The length of a SEPA credit transfer's unstructured remittance information."""


class AccountStatus(enum.Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


@dataclass(frozen=True, slots=True)
class Account:
    """State of one account; ``opened`` is ``False`` for a stream with no events.

    Money fields are in major units of ``currency``.
    """

    account_id: str = ""
    owner: str = ""
    currency: str = ""
    balance: Decimal = Decimal(0)
    overdraft_limit: Decimal = Decimal(0)
    status: AccountStatus = AccountStatus.OPEN
    version: int = 0
    opened_at: datetime | None = None
    updated_at: datetime | None = None
    customer_id: str | None = None

    @property
    def opened(self) -> bool:
        return self.version > 0


def evolve(state: Account, event: RecordedEvent) -> Account:
    """Fold one recorded account event into ``state``; never raises."""
    if event.type == ACCOUNT_OPENED:
        opened = payload_as(event, AccountOpened)
        return Account(
            account_id=opened.account_id,
            owner=opened.owner,
            currency=opened.currency,
            balance=Decimal(format_amount(Decimal(0), opened.currency)),
            overdraft_limit=opened.overdraft_limit,
            opened_at=event.recorded_at,
            customer_id=opened.customer_id or None,
            version=event.version,
            updated_at=event.recorded_at,
        )
    if event.type == MONEY_DEPOSITED:
        deposited = payload_as(event, MoneyDeposited)
        return replace(state, balance=state.balance + deposited.amount, version=event.version,
                       updated_at=event.recorded_at)
    if event.type == MONEY_WITHDRAWN:
        withdrawn = payload_as(event, MoneyWithdrawn)
        return replace(state, balance=state.balance - withdrawn.amount, version=event.version,
                       updated_at=event.recorded_at)
    if event.type == ACCOUNT_CLOSED:
        return replace(state, status=AccountStatus.CLOSED, version=event.version, updated_at=event.recorded_at)
    return replace(state, version=event.version, updated_at=event.recorded_at)


def _open(command: OpenAccount, state: Account) -> list[NewEvent]:
    if state.opened:
        raise ValidationFailed("accountId", f"account {command.account_id} already exists")
    owner = plain_text("owner", command.owner, MAX_OWNER_LENGTH)
    currency = command.currency.strip().upper()
    currency_exponent(currency)
    limit = parse_amount(command.overdraft_limit, currency, field="overdraftLimit", allow_zero=True)
    return [NewEvent.of(AccountOpened(account_id=command.account_id, owner=owner, currency=currency,
                                      overdraft_limit=Decimal(format_amount(limit, currency)),
                                      customer_id=command.customer_id))]


def _require_open(account_id: str, state: Account) -> None:
    if not state.opened:
        raise AccountNotFound(account_id)
    if state.status is AccountStatus.CLOSED:
        raise AccountClosed(account_id)


def _reference(raw: str | None) -> str | None:
    if raw is None:
        return None
    return plain_text("reference", raw, MAX_REFERENCE_LENGTH)


def _movement(payload: type[MoneyDeposited | MoneyWithdrawn],
              command: DepositMoney | WithdrawMoney | DebitForTransfer | CreditForTransfer,
              amount: Decimal, state: Account, **extra: Any) -> list[NewEvent]:
    """Record a deposit or withdrawal; transfer steps add ``transfer_id`` (and ``refund``) via ``extra``."""
    reference = command.reference if isinstance(command, (DepositMoney, WithdrawMoney)) else None
    return [NewEvent.of(payload(account_id=command.account_id, amount=Decimal(format_amount(amount, state.currency)),
                                currency=state.currency, reference=_reference(reference), **extra))]


def _deposit(command: DepositMoney, state: Account) -> list[NewEvent]:
    _require_open(command.account_id, state)
    return _movement(MoneyDeposited, command, parse_amount(command.amount, state.currency), state)


def _withdraw(command: WithdrawMoney | DebitForTransfer, state: Account) -> list[NewEvent]:
    _require_open(command.account_id, state)
    if isinstance(command, DebitForTransfer) and command.currency != state.currency:
        raise CurrencyMismatch(command.account_id, state.currency, command.currency)
    amount = parse_amount(command.amount, state.currency)
    if state.balance - amount < -state.overdraft_limit:
        raise InsufficientFunds(command.account_id, state.balance, amount, state.overdraft_limit)
    if isinstance(command, DebitForTransfer):
        return _movement(MoneyWithdrawn, command, amount, state, transfer_id=command.transfer_id)
    return _movement(MoneyWithdrawn, command, amount, state)


def _credit(command: CreditForTransfer, state: Account) -> list[NewEvent]:
    """A transfer's credit, or its refund. A refund is accepted by a closed
    account: a compensation must not fail (Garcia-Molina & Salem, "Sagas",
    SIGMOD 1987, §2), and the money left that very account."""
    if not state.opened:
        raise AccountNotFound(command.account_id)
    if state.status is AccountStatus.CLOSED and not command.refund:
        raise AccountClosed(command.account_id)
    if command.currency != state.currency:
        raise CurrencyMismatch(command.account_id, state.currency, command.currency)
    return _movement(MoneyDeposited, command, parse_amount(command.amount, state.currency), state,
                     transfer_id=command.transfer_id, refund=command.refund)


def _close(command: CloseAccount, state: Account) -> list[NewEvent]:
    _require_open(command.account_id, state)
    if state.balance != 0:
        raise BalanceNotZero(command.account_id, state.balance)
    return [NewEvent.of(AccountClosedEvent(command.account_id))]


def decide(command: object, state: Account) -> Sequence[NewEvent]:
    """Decide an account command.

    Raises:
        ValidationFailed: bad amount, owner, currency, overdraft limit or reference.
        AccountNotFound: the account was never opened.
        AccountClosed: the account is closed.
        InsufficientFunds: the withdrawal breaks the overdraft limit.
        CurrencyMismatch: a transfer step in another currency than the account's.
        BalanceNotZero: closing an account with money on it.
        TypeError: ``command`` is not an account command.
    """
    if isinstance(command, OpenAccount):
        return _open(command, state)
    if isinstance(command, DepositMoney):
        return _deposit(command, state)
    if isinstance(command, (WithdrawMoney, DebitForTransfer)):
        return _withdraw(command, state)
    if isinstance(command, CreditForTransfer):
        return _credit(command, state)
    if isinstance(command, CloseAccount):
        return _close(command, state)
    raise TypeError(f"not an account command: {type(command).__name__}")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def to_snapshot(state: Account) -> dict[str, Any]:
    """Serialise ``state`` to a JSON object (money as decimal strings, times ISO-8601)."""
    return {
        "account_id": state.account_id,
        "owner": state.owner,
        "currency": state.currency,
        "balance": str(state.balance),
        "overdraft_limit": str(state.overdraft_limit),
        "status": state.status.value,
        "version": state.version,
        "opened_at": _iso(state.opened_at),
        "updated_at": _iso(state.updated_at),
        "customer_id": state.customer_id,
    }


def from_snapshot(data: dict[str, Any]) -> Account:
    """Rebuild the state :func:`to_snapshot` serialised.

    Raises:
        KeyError, ValueError, TypeError: ``data`` is not such an object.
    """
    return Account(
        account_id=str(data["account_id"]),
        owner=str(data["owner"]),
        currency=str(data["currency"]),
        balance=Decimal(str(data["balance"])),
        overdraft_limit=Decimal(str(data["overdraft_limit"])),
        status=AccountStatus(data["status"]),
        version=int(data["version"]),
        opened_at=_moment(data["opened_at"]),
        updated_at=_moment(data["updated_at"]),
        customer_id=data.get("customer_id"),  # absent from snapshots taken before customers existed
    )


ACCOUNT = AggregateType[Account](name="account", initial=Account(), evolve=evolve, decide=decide,
                                 schema_version=1, to_snapshot=to_snapshot, from_snapshot=from_snapshot)
"""The account aggregate; streams are named ``account-<uuid>``."""
