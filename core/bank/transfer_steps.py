"""The names of a transfer's steps, in a module of their own so settings can name one cheaply."""

from __future__ import annotations

from enum import StrEnum


class TransferStep(StrEnum):
    """The steps :class:`core.bank.transfer_process.TransferProcess` appends, in the order they can happen.

    The value is part of each step's idempotency key (:func:`core.bank.transfer_process.step_key`), so it
    never changes; it is also what ``CHRONICLE_TEST_CRASH_AFTER`` accepts.
    """

    REQUESTED = "requested"
    DEBIT = "debit"
    DEBITED = "debited"
    CREDIT = "credit"
    REFUND = "refund"
    COMPLETED = "completed"
    FAILED = "failed"
