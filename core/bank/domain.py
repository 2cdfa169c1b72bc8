"""The bank's declarations: the accounts domain and the transfers domain.

Transfers live in the bank package (they move money between accounts), but are
a domain of their own: their aggregate, events, read model and the process
manager that drives the saga.
"""

from __future__ import annotations

from core.bank import events
from core.bank.account import ACCOUNT
from core.bank.commands import (
    CloseAccount,
    CompleteTransfer,
    CreditForTransfer,
    DebitForTransfer,
    DepositMoney,
    FailTransfer,
    OpenAccount,
    RecordTransferDebit,
    RequestTransfer,
    WithdrawMoney,
)
from core.bank.errors import AccountClosed, AccountNotFound, BalanceNotZero, CurrencyMismatch, InsufficientFunds
from core.bank.projections import AccountsProjection, DailyTotalsProjection, TransactionsProjection
from core.bank.transfer import TRANSFER
from core.bank.transfer_process import TransferProcess
from core.bank.transfer_projection import TransfersProjection
from core.bank.upcasters import upcast_money_deposited_v1_to_v2, upcast_money_withdrawn_v1_to_v2
from core.domain import Domain, EventType, ProcessManagerType

ACCOUNTS = Domain(
    name="accounts",
    aggregates=(ACCOUNT,),
    events=(
        EventType.of(events.AccountOpened),
        EventType.of(events.MoneyDeposited, upcast_money_deposited_v1_to_v2),
        EventType.of(events.MoneyWithdrawn, upcast_money_withdrawn_v1_to_v2),
        EventType.of(events.AccountClosed),
    ),
    projections=(AccountsProjection(), TransactionsProjection(), DailyTotalsProjection()),
    commands=(OpenAccount, DepositMoney, WithdrawMoney, CloseAccount, DebitForTransfer, CreditForTransfer),
    errors=(AccountNotFound, AccountClosed, InsufficientFunds, BalanceNotZero),
    internal_errors=(CurrencyMismatch,),
)
"""Bank accounts: ``account-<uuid>`` streams, balances, history, daily totals."""

TRANSFER_PROCESS = ProcessManagerType[TransferProcess](
    name="transfers", build=lambda processor, after_step: TransferProcess(processor, after_step=after_step))
"""The saga that moves money between two accounts (:mod:`core.bank.transfer_process`)."""

TRANSFERS = Domain(
    name="transfers",
    aggregates=(TRANSFER,),
    events=tuple(EventType.of(payload) for payload in (events.TransferRequested, events.TransferDebited,
                                                       events.TransferCompleted, events.TransferFailed)),
    projections=(TransfersProjection(),),
    process_managers=(TRANSFER_PROCESS,),
    commands=(RequestTransfer, RecordTransferDebit, CompleteTransfer, FailTransfer),
)
"""Transfers between accounts: ``transfer-<uuid>`` streams, their read model and saga."""
